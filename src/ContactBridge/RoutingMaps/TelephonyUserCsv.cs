using ContactBridge.Salesforce;

namespace ContactBridge.RoutingMaps;

/// <summary>
/// The contact center's users as an admin uploads them: a CSV with a header row. Column names are matched
/// ignoring case, spaces and underscores. ExternalId is required; the match column is the one named after the
/// chosen match field; QuickConnect and a Salesforce user id (ReferenceRecordId) are optional.
/// </summary>
public static class TelephonyUserCsv
{
    public const int MaxRows = 100_000;

    private static readonly string[] ExternalIdNames = ["externalid", "telephonyusername", "arn"];
    private static readonly string[] QuickConnectNames = ["quickconnect"];
    private static readonly string[] UserIdNames = ["referencerecordid", "userid", "salesforceuserid"];

    public static IReadOnlyList<string> MatchColumnNames(MatchBy matchBy) => matchBy switch
    {
        MatchBy.Email => ["email"],
        MatchBy.Username => ["username", "salesforceusername"],
        MatchBy.Alias => ["alias"],
        _ => ["federationid", "federationidentifier"],
    };

    /// <summary>The users, or the problems that keep the file from being read (row 0 = the file itself).</summary>
    public static (IReadOnlyList<TelephonyUser> Users, IReadOnlyList<RoutingMapProblem> Problems) Parse(string text, MatchBy matchBy)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = CsvRows.Parse(text.TrimStart('\uFEFF')).Where(r => r.Any(c => c.Trim().Length > 0)).ToList();
        if (rows.Count == 0) return ([], [new RoutingMapProblem(0, "The file is empty: it needs a header row (ExternalId and the match column) and one row per contact-center user.")]);
        var header = rows[0].Select(h => new string(h.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant()).ToList();
        int Find(IEnumerable<string> names) => header.FindIndex(h => names.Contains(h));
        var external = Find(ExternalIdNames);
        var match = Find(MatchColumnNames(matchBy));
        var quick = Find(QuickConnectNames);
        var userId = Find(UserIdNames);
        var problems = new List<RoutingMapProblem>();
        if (external < 0)
            problems.Add(new RoutingMapProblem(0, $"No ExternalId column: the header row has {string.Join(", ", rows[0])}. Name the column with the telephony username (or Amazon Connect ARN) ExternalId."));
        if (match < 0 && userId < 0)
            problems.Add(new RoutingMapProblem(0, $"No {MatchColumnNames(matchBy)[0]} column to match by {matchBy}: add it, choose another match field, or give each user's Salesforce id in a ReferenceRecordId column."));
        if (rows.Count - 1 > MaxRows)
            problems.Add(new RoutingMapProblem(0, $"The file has {rows.Count - 1:N0} rows; at most {MaxRows:N0} are read at once. Split it."));
        if (problems.Count > 0) return ([], problems);
        string? Cell(List<string> r, int i) => i >= 0 && i < r.Count ? r[i] : null;
        var users = rows.Skip(1).Select((r, i) => new TelephonyUser(i + 1, Cell(r, external) ?? "", Cell(r, match) ?? "", Cell(r, quick), Cell(r, userId))).ToList();
        return (users, []);
    }
}
