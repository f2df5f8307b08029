using CsvHelper;

namespace ContactBridge.RoutingMaps;

/// <summary>
/// The CSV the hub writes: the routing map in the columns Salesforce documents for importing CallCenterRoutingMap
/// (values exact, as Salesforce must read them back), the Bulk API uploads, and each row's outcome for people.
/// </summary>
public static class RoutingMapCsv
{
    public static readonly IReadOnlyList<string> Columns = ["ExternalId", "ReferenceRecordId", "CallCenterId", "DeveloperName", "QuickConnect", "MasterLabel"];

    /// <summary>LF line ends, as the Bulk API jobs declare (lineEnding LF); fields quoted only when RFC 4180 needs it.</summary>
    private static readonly CsvWriterOptions Exact = CsvWriterOptions.Default with { NewLine = "\n" };

    /// <summary>
    /// For a spreadsheet: a text cell starting with = + - @ (or tab, CR) would run as a formula, so it gets a leading
    /// apostrophe (OWASP "CSV injection"). Agent ids come from events, so the hub does not control them.
    /// </summary>
    private static readonly CsvWriterOptions ForSpreadsheets = Exact with { Injection = CsvInjection.Escape };

    public static string Write(IEnumerable<RoutingMapRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Write(Columns, rows.Select(r => (IReadOnlyList<string?>)[r.ExternalId, r.ReferenceRecordId, r.CallCenterId, r.DeveloperName, r.QuickConnect, r.MasterLabel]));
    }

    /// <summary>A header and rows of the same width; null is an empty field.</summary>
    public static string Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows, bool forSpreadsheets = false)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = CsvWriter.Create(text, forSpreadsheets ? ForSpreadsheets : Exact, leaveOpen: true))
        {
            writer.WriteRecord([.. header]);
            foreach (var row in rows) writer.WriteRecord([.. row]);
        }
        return text.ToString();
    }
}
