namespace ContactBridge.Emulator.Soql;

/// <summary>
/// SOQL date literals (TODAY, LAST_N_DAYS:n …) as half-open UTC ranges. Salesforce evaluates them
/// in the running user's time zone; the emulator's users all work in UTC.
/// </summary>
public static class DateLiterals
{
    private static readonly HashSet<string> Fixed = new(StringComparer.OrdinalIgnoreCase)
    {
        "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
        "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER",
    };

    private static readonly HashSet<string> WithN = new(StringComparer.OrdinalIgnoreCase)
    {
        "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "LAST_N_MONTHS", "NEXT_N_MONTHS", "LAST_N_YEARS", "NEXT_N_YEARS",
    };

    public static bool IsKnown(string name) => Fixed.Contains(name) || WithN.Contains(name);

    public static bool TakesN(string name) => WithN.Contains(name);

    public static (DateTimeOffset Start, DateTimeOffset End) Range(string name, int n, DateTimeOffset now)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var weekStart = today.AddDays(-(int)today.DayOfWeek);
        var monthStart = new DateTimeOffset(today.Year, today.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var yearStart = new DateTimeOffset(today.Year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var quarterStart = new DateTimeOffset(today.Year, (today.Month - 1) / 3 * 3 + 1, 1, 0, 0, 0, TimeSpan.Zero);
        return name.ToUpperInvariant() switch
        {
            "YESTERDAY" => (today.AddDays(-1), today),
            "TODAY" => (today, today.AddDays(1)),
            "TOMORROW" => (today.AddDays(1), today.AddDays(2)),
            "LAST_WEEK" => (weekStart.AddDays(-7), weekStart),
            "THIS_WEEK" => (weekStart, weekStart.AddDays(7)),
            "NEXT_WEEK" => (weekStart.AddDays(7), weekStart.AddDays(14)),
            "LAST_MONTH" => (monthStart.AddMonths(-1), monthStart),
            "THIS_MONTH" => (monthStart, monthStart.AddMonths(1)),
            "NEXT_MONTH" => (monthStart.AddMonths(1), monthStart.AddMonths(2)),
            "LAST_90_DAYS" => (today.AddDays(-90), today.AddDays(1)),
            "NEXT_90_DAYS" => (today.AddDays(1), today.AddDays(91)),
            "THIS_YEAR" => (yearStart, yearStart.AddYears(1)),
            "LAST_YEAR" => (yearStart.AddYears(-1), yearStart),
            "NEXT_YEAR" => (yearStart.AddYears(1), yearStart.AddYears(2)),
            "THIS_QUARTER" => (quarterStart, quarterStart.AddMonths(3)),
            "LAST_QUARTER" => (quarterStart.AddMonths(-3), quarterStart),
            "NEXT_QUARTER" => (quarterStart.AddMonths(3), quarterStart.AddMonths(6)),
            // "Starts with the current day and continues for the past n days."
            "LAST_N_DAYS" => (today.AddDays(-n), today.AddDays(1)),
            "NEXT_N_DAYS" => (today.AddDays(1), today.AddDays(n + 1)),
            "N_DAYS_AGO" => (today.AddDays(-n), today.AddDays(-n + 1)),
            "LAST_N_WEEKS" => (weekStart.AddDays(-7 * n), weekStart),
            "NEXT_N_WEEKS" => (weekStart.AddDays(7), weekStart.AddDays(7 * (n + 1))),
            "LAST_N_MONTHS" => (monthStart.AddMonths(-n), monthStart),
            "NEXT_N_MONTHS" => (monthStart.AddMonths(1), monthStart.AddMonths(n + 1)),
            "LAST_N_YEARS" => (yearStart.AddYears(-n), yearStart),
            "NEXT_N_YEARS" => (yearStart.AddYears(1), yearStart.AddYears(n + 1)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown date literal."),
        };
    }
}
