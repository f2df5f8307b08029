using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsvHelper;

namespace ContactBridge.VoiceCalls;

/// <summary>
/// One Omni-Channel presence status and the contact center's state it means: available, unavailable with one of the contact
/// center's reasons, or logged out. The status id (0N5…) lets the connector follow the contact center the other way too
/// (an agent made unavailable there shows that status in Salesforce).
/// </summary>
public sealed record PresenceMappingEntry(string StatusApiName, string? StatusId, string State, string? Reason);

/// <summary>The tenant's mapping between Omni-Channel presence statuses and the contact center's agent states, checked and written as CSV.</summary>
public static partial class PresenceMapping
{
    public const string Available = "available";
    public const string Unavailable = "unavailable";
    public const string LoggedOut = "logged_out";
    public static readonly string[] States = [Available, Unavailable, LoggedOut];
    public const int MaxEntries = 100;

    /// <summary>Every problem with a mapping, each naming its row (1-based), or none.</summary>
    public static List<string> Problems(IReadOnlyList<PresenceMappingEntry> entries, IReadOnlyList<string> reasons)
    {
        var problems = new List<string>();
        if (entries.Count > MaxEntries) problems.Add($"At most {MaxEntries} statuses; this mapping has {entries.Count}.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var followed = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count && i < MaxEntries; i++)
        {
            var (name, id, state, reason) = entries[i];
            var row = $"Row {i + 1}";
            if (string.IsNullOrEmpty(name) || !DeveloperName().IsMatch(name) || name.EndsWith('_'))
                problems.Add($"{row}: “{Shorten(name)}” is not an Omni-Channel status API name (letters, digits and single underscores, starting with a letter, at most 80).");
            else if (!seen.Add(name)) problems.Add($"{row}: {name} is mapped twice.");
            if (id is not null && !StatusId().IsMatch(id))
                problems.Add($"{row}: the status ID “{Shorten(id)}” is not a presence status id (15 or 18 characters starting 0N5); leave it empty if you do not know it.");
            else if (id is not null && !ids.Add(id[..15])) problems.Add($"{row}: the status ID {id} is mapped twice.");
            if (!States.Contains(state, StringComparer.Ordinal))
                problems.Add($"{row}: the contact center has no state “{Shorten(state)}”: use available, unavailable (with a reason) or logged_out.");
            else if (state == Unavailable && reason is not null && !reasons.Contains(reason, StringComparer.Ordinal))
                problems.Add($"{row}: the contact center has no reason “{Shorten(reason)}”: use one of {string.Join(", ", reasons)}, or none.");
            else if (state != Unavailable && reason is not null)
                problems.Add($"{row}: only unavailable takes a reason ({state} has none).");
            else if (id is not null && !followed.Add(state + ":" + reason))
                problems.Add($"{row}: another status with an ID already means {state.Replace('_', ' ')}{(reason is null ? "" : $" ({reason})")}: when the contact center sets it, Salesforce could show either. Give the ID to one of them only.");
        }
        return problems;
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length <= 60 ? s : s[..60] + "…";

    /// <summary>The mapping from the portal's text: an optional header row, then one status per row. Empty cells are null.</summary>
    public static (List<PresenceMappingEntry> Entries, List<string> Problems) ParseCsv(string text)
    {
        var entries = new List<PresenceMappingEntry>();
        var problems = new List<string>();
        var options = CsvReaderOptions.Default with
        {
            Separator = ',', HasHeader = false, TrackLineNumbers = true, MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = m => problems.Add($"Line {m.LineNumber}: not readable as CSV ({m.Reason}); quote a cell that holds a comma or a quote."),
        };
        try
        {
            using var reader = CsvReader.Create(Encoding.UTF8.GetBytes(text), options);
            while (reader.Read())
            {
                var cells = new string[reader.FieldCount];
                for (var i = 0; i < cells.Length; i++) cells[i] = reader.GetString(i).Trim();
                if (cells.All(string.IsNullOrWhiteSpace)) continue;
                if (entries.Count == 0 && problems.Count == 0 && cells[0].Replace(" ", "", StringComparison.Ordinal).Equals("StatusAPIname", StringComparison.OrdinalIgnoreCase)) continue;
                if (cells.Length is < 3 or > 4)
                {
                    problems.Add($"Line {reader.LineNumber}: {cells.Length} column{(cells.Length == 1 ? "" : "s")}; each line is: status API name, status ID (may be empty), state, reason (may be empty).");
                    continue;
                }
                string? Cell(int i) => i < cells.Length && cells[i].Length > 0 ? cells[i] : null;
                entries.Add(new PresenceMappingEntry(cells[0], Cell(1), cells[2].ToLowerInvariant().Replace(' ', '_'), Cell(3)));
            }
        }
        catch (CsvFormatException e)
        {
            problems.Add($"Line {e.LineNumber}: {e.Message}");
        }
        return (entries, problems);
    }

    public static string ToCsv(IReadOnlyList<PresenceMappingEntry> entries) =>
        RoutingMaps.RoutingMapCsv.Write(["Status API name", "Status ID", "State", "Reason"], entries.Select(e => new[] { e.StatusApiName, e.StatusId, e.State, e.Reason }));

    [GeneratedRegex("^[A-Za-z](?:[A-Za-z0-9]|_(?!_)){0,79}$")]
    private static partial Regex DeveloperName();

    [GeneratedRegex("^0N5[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")]
    private static partial Regex StatusId();
}
