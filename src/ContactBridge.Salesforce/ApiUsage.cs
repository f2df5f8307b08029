using System.Globalization;
using System.Text.RegularExpressions;

namespace ContactBridge.Salesforce;

/// <summary>The org's daily API allowance as the last response's <c>Sforce-Limit-Info: api-usage=N/M</c> header reported it.</summary>
public sealed partial record ApiUsage(long Used, long Max, DateTimeOffset ObservedAt)
{
    public long Remaining => Math.Max(0, Max - Used);

    public static ApiUsage? Parse(string? header, DateTimeOffset now)
    {
        if (header is null) return null;
        var m = Pattern().Match(header);
        return m.Success
            ? new ApiUsage(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), now)
            : null;
    }

    [GeneratedRegex(@"api-usage=(\d+)/(\d+)")]
    private static partial Regex Pattern();
}
