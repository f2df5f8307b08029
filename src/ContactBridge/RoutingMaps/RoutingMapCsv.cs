using System.Text;

namespace ContactBridge.RoutingMaps;

/// <summary>The routing map as CSV, in the columns Salesforce documents for importing CallCenterRoutingMap.</summary>
public static class RoutingMapCsv
{
    public static readonly IReadOnlyList<string> Columns = ["ExternalId", "ReferenceRecordId", "CallCenterId", "DeveloperName", "QuickConnect", "MasterLabel"];

    public static string Write(IEnumerable<RoutingMapRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder().Append(string.Join(',', Columns)).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(string.Join(',', new[] { r.ExternalId, r.ReferenceRecordId, r.CallCenterId, r.DeveloperName, r.QuickConnect ?? "", r.MasterLabel }.Select(Field))).Append('\n');
        }
        return sb.ToString();
    }

    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
