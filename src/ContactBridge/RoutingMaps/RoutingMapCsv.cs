using ContactBridge.Salesforce;

namespace ContactBridge.RoutingMaps;

/// <summary>The routing map as CSV, in the columns Salesforce documents for importing CallCenterRoutingMap.</summary>
public static class RoutingMapCsv
{
    public static readonly IReadOnlyList<string> Columns = ["ExternalId", "ReferenceRecordId", "CallCenterId", "DeveloperName", "QuickConnect", "MasterLabel"];

    public static string Write(IEnumerable<RoutingMapRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return CsvRows.Write(rows.Select(r => (IReadOnlyList<string?>)[r.ExternalId, r.ReferenceRecordId, r.CallCenterId, r.DeveloperName, r.QuickConnect, r.MasterLabel])
            .Prepend([.. Columns]));
    }
}
