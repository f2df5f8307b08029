using System.Text;
using System.Text.Unicode;
using CsvHelper;
using ContactBridge.Salesforce;

namespace ContactBridge.RoutingMaps;

/// <summary>
/// The contact center's users as an admin uploads them: a CSV with a header row, read by CsvHelper (RFC 4180 quoting,
/// CRLF or LF, a UTF-8 byte order mark). Column names are matched ignoring case, spaces and underscores. ExternalId is
/// required; the match column is the one named after the chosen match field; QuickConnect and a Salesforce user id
/// (ReferenceRecordId) are optional. A file that is not UTF-8, breaks the quoting rules or has rows wider or narrower
/// than its header is refused with the line of each problem.
/// </summary>
public static class TelephonyUserCsv
{
    public const int MaxRows = 100_000;

    /// <summary>Past this many broken lines the file is likely not CSV at all; the rest are counted, not listed.</summary>
    public const int MaxLinesListed = 20;

    private static readonly string[] ExternalIdNames = ["externalid", "telephonyusername", "arn"];
    private static readonly string[] QuickConnectNames = ["quickconnect"];
    private static readonly string[] UserIdNames = ["referencerecordid", "userid", "salesforceuserid"];

    private const string SaveAsUtf8 = "Save it as \"CSV UTF-8 (Comma delimited)\" and upload it again.";

    public static IReadOnlyList<string> MatchColumnNames(MatchBy matchBy) => matchBy switch
    {
        MatchBy.Email => ["email"],
        MatchBy.Username => ["username", "salesforceusername"],
        MatchBy.Alias => ["alias"],
        _ => ["federationid", "federationidentifier"],
    };

    /// <summary>The users from text already decoded (the API's JSON string), or the problems that keep it from being read.</summary>
    public static (IReadOnlyList<TelephonyUser> Users, IReadOnlyList<RoutingMapProblem> Problems) Parse(string text, MatchBy matchBy)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.UTF8.GetBytes(text), matchBy);
    }

    /// <summary>The users from a file's bytes, or the problems that keep the file from being read (row 0 = the file itself).</summary>
    public static (IReadOnlyList<TelephonyUser> Users, IReadOnlyList<RoutingMapProblem> Problems) Parse(byte[] file, MatchBy matchBy)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (EncodingProblem(file) is { } wrong) return ([], [new RoutingMapProblem(0, wrong)]);
        var (rows, broken) = Read(file);
        if (broken.Count > 0) return ([], broken);
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
        string? Cell(string[] r, int i) => i >= 0 ? r[i] : null;
        var users = rows.Skip(1).Select((r, i) => new TelephonyUser(i + 1, Cell(r, external) ?? "", Cell(r, match) ?? "", Cell(r, quick), Cell(r, userId))).ToList();
        return (users, []);
    }

    /// <summary>
    /// Why the bytes are not UTF-8 text, with the line: the byte order mark of UTF-16 or UTF-32 ("Unicode text"), NUL
    /// bytes (UTF-16 without one), bytes that are not UTF-8 (Latin-1, Windows-1252), or U+FFFD (a conversion upstream
    /// that already lost characters). CsvHelper would transcode the first and replace the others silently.
    /// </summary>
    private static string? EncodingProblem(byte[] file)
    {
        ReadOnlySpan<byte> bytes = file;
        if (bytes.StartsWith<byte>([0xFF, 0xFE]) || bytes.StartsWith<byte>([0xFE, 0xFF]) || bytes.StartsWith<byte>([0x00, 0x00, 0xFE, 0xFF]))
            return $"Line 1: the file is UTF-16 or UTF-32 (\"Unicode text\", it starts with that byte order mark), not UTF-8. {SaveAsUtf8}";
        if (bytes.IndexOf((byte)0) is var nul and >= 0)
            return $"Line {LineAt(bytes, nul)}: a NUL byte, so the file looks like UTF-16 (\"Unicode text\") without a byte order mark, not UTF-8. {SaveAsUtf8}";
        if (!Utf8.IsValid(bytes))
        {
            var at = 0;
            while (Rune.DecodeFromUtf8(bytes[at..], out _, out var length) == System.Buffers.OperationStatus.Done) at += length;
            return $"Line {LineAt(bytes, at)}: byte 0x{bytes[at]:X2} is not UTF-8, so the file looks saved as Latin-1 or Windows-1252 (\"ANSI\"). {SaveAsUtf8}";
        }
        if (bytes.IndexOf("\uFFFD"u8) is var lost and >= 0)
            return $"Line {LineAt(bytes, lost)}: the character \uFFFD stands for text lost when the file was read in the wrong encoding before it reached the hub. Send the file as UTF-8.";
        return null;
    }

    private static int LineAt(ReadOnlySpan<byte> bytes, int offset) => 1 + bytes[..offset].Count((byte)'\n');

    /// <summary>
    /// The records with text in them (blank lines and rows of empty cells are passed over), the first being the header;
    /// or, for every record that breaks RFC 4180 or is not as wide as the header, what is wrong on which line.
    /// </summary>
    private static (List<string[]> Rows, List<RoutingMapProblem> Problems) Read(byte[] utf8)
    {
        var problems = new List<string>();
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = false,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = m => problems.Add(Malformed(m.LineNumber, m.Reason)),
        };
        var rows = new List<string[]>();
        try
        {
            using var reader = CsvReader.Create(utf8, options);
            while (reader.Read())
            {
                var fields = new string[reader.FieldCount];
                for (var i = 0; i < fields.Length; i++) fields[i] = reader.GetString(i);
                if (fields.All(string.IsNullOrWhiteSpace)) continue;
                if (rows.Count > 0 && fields.Length != rows[0].Length) problems.Add(Ragged(reader.LineNumber, fields.Length, rows[0]));
                else rows.Add(fields);
            }
        }
        catch (CsvFormatException e)
        {
            problems.Add($"Line {e.LineNumber}: {e.Message}");
        }
        var listed = problems.Take(MaxLinesListed).Select(p => new RoutingMapProblem(0, p)).ToList();
        if (problems.Count > MaxLinesListed)
            listed.Add(new RoutingMapProblem(0, $"… and {problems.Count - MaxLinesListed:N0} more line(s) like these: is the file comma-separated CSV?"));
        return (rows, listed);
    }

    private static string Malformed(long line, CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.UnterminatedQuote =>
            $"Line {line}: a quoted value is never closed, so the rest of the file would be read as one value. Add the closing quote (\"), or remove the opening one.",
        CsvMalformedReason.StrayQuote =>
            $"Line {line}: a quote (\") inside a value that does not start with one. Put the whole value in quotes and double the quote inside it (\"\").",
        CsvMalformedReason.TextAfterClosingQuote =>
            $"Line {line}: text after the closing quote of a value. Put the whole value in quotes and double each quote inside it (\"\").",
        _ => $"Line {line}: the row is not valid CSV ({reason}).",
    };

    private static string Ragged(long line, int values, string[] header) => values < header.Length
        ? $"Line {line}: {values} value(s), but the header has {header.Length} column(s) ({string.Join(", ", header)}). Add the missing commas (an empty value is fine)."
        : $"Line {line}: {values} values, but the header has {header.Length} column(s) ({string.Join(", ", header)}). Put a value that contains a comma in quotes, or remove the extra commas.";
}
