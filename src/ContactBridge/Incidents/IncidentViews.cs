using System.Globalization;
using ContactBridge.Storage;
using static ContactBridge.Web.Html;

namespace ContactBridge.Incidents;

/// <summary>How the Activity page tells an administrator what happened while nobody was looking.</summary>
public static class IncidentViews
{
    /// <summary>A banner while this instance cannot write to its database (the page itself could still be read).</summary>
    public static string StorageBanner(StorageOutage? outage)
    {
        if (outage is null) return "";
        var (title, _) = StorageUnavailableHandler.Explain(outage);
        var since = outage.Since.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var what = outage.Problem == StorageProblem.Full ? " Free disk space where the hub keeps its data." : "";
        return $"""
            <p id="storage-outage" class="notice error">{E(title)} since {since} UTC ({E(outage.LastError)}).{what} Until the hub can write again it refuses
            new events with 503 and contact centers send them again later; everything it accepted before is safe. This instance has refused {outage.Refused:N0} request(s) so far.</p>
            """;
    }

    /// <summary>Today's intake, saying plainly when the contact center sent events the hub already had.</summary>
    public static string IntakeToday(long accepted, long repeated) => repeated == 0
        ? $"""<p id="intake-today">Today (UTC): {accepted:N0} event(s) received.</p>"""
        : $"""<p id="intake-today">Today (UTC): {accepted:N0} new event(s) received, and {repeated:N0} the hub already had (the contact center sent them again, for example replaying its day). Those were ignored: nothing was logged twice.</p>""";

    public static string Section(IReadOnlyList<Incident> incidents)
    {
        var rows = string.Concat(incidents.Select(i => $"""
            <tr class="incident {E(i.Kind)}"><td>{When(i.StartedAt)}</td><td>{Duration(i.Duration)}</td><td>{E(What(i))}</td><td>{E(Effect(i))}</td></tr>
            """));
        return $"""
            <section><h2>What happened</h2>
              <p>Outages of the last 30 days and how the hub rode them out.</p>
              <table id="incidents"><tr><th>From</th><th>For</th><th>What</th><th>Meanwhile</th></tr>{(incidents.Count == 0 ? "<tr><td colspan=\"4\">Nothing went wrong.</td></tr>" : rows)}</table>
            </section>
            """;
    }

    private static string What(Incident i) => i.Kind switch
    {
        IncidentKinds.SalesforceUnreachable => $"Salesforce did not answer ({i.Detail}).",
        IncidentKinds.StorageFull => $"The hub's disk was full ({i.Detail}).",
        IncidentKinds.StorageUnreachable => $"The hub's database was unreachable ({i.Detail}).",
        _ => i.Detail,
    };

    private static string Effect(Incident i) => i.Kind switch
    {
        IncidentKinds.SalesforceUnreachable =>
            $"Up to {i.Affected:N0} interaction(s) waited; they were logged, oldest first, when it answered again. Nothing was lost.",
        _ => $"Instance {i.Instance} refused {i.Affected:N0} request(s) with 503 for their senders to retry; nothing it had accepted was lost.",
    };

    private static string Duration(TimeSpan d) => d.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Round(d.TotalSeconds))} s")
        : d.TotalMinutes < 120 ? string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Round(d.TotalMinutes)} min") : string.Create(CultureInfo.InvariantCulture, $"{d.TotalHours:F1} h");
}
