using System.Globalization;
using ContactBridge.Storage;

namespace ContactBridge.Incidents;

/// <summary>How an incident is told to an administrator: what happened, for how long, and what waited meanwhile.</summary>
public static class IncidentViews
{
    public static string What(Incident i) => i.Kind switch
    {
        IncidentKinds.SalesforceUnreachable => $"Salesforce did not answer ({i.Detail}).",
        IncidentKinds.StorageFull => $"The hub's disk was full ({i.Detail}).",
        IncidentKinds.StorageUnreachable => $"The hub's database was unreachable ({i.Detail}).",
        _ => i.Detail,
    };

    public static string Effect(Incident i) => i.Kind switch
    {
        IncidentKinds.SalesforceUnreachable =>
            $"Up to {i.Affected:N0} interaction(s) waited; they were logged, oldest first, when it answered again. Nothing was lost.",
        _ => $"Instance {i.Instance} refused {i.Affected:N0} request(s) with 503 for their senders to retry; nothing it had accepted was lost.",
    };

    public static string Duration(TimeSpan d) => d.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Round(d.TotalSeconds))} s")
        : d.TotalMinutes < 120 ? string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Round(d.TotalMinutes)} min") : string.Create(CultureInfo.InvariantCulture, $"{d.TotalHours:F1} h");
}
