using System.Diagnostics;
using System.Diagnostics.Metrics;
using ContactBridge.Linking;

namespace ContactBridge.Observability;

/// <summary>
/// The hub's own metrics (meter "ContactBridge") and spans (activity source "ContactBridge"): what
/// came in, what the pipeline did with it, how long agents and records waited, and the state an
/// operator watches (outbox depth and age, link health, the org's remaining API calls).
/// </summary>
public sealed class HubMetrics
{
    public const string Name = "ContactBridge";

    /// <summary>Spans of the pipeline's steps; each interaction's steps join the trace its first event came in with.</summary>
    public static readonly ActivitySource Activities = new(Name);

    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60];

    private readonly Counter<long> _eventsAccepted;
    private readonly Counter<long> _eventsRefused;
    private readonly Counter<long> _eventsSetAside;
    private readonly Counter<long> _folded;
    private readonly Counter<long> _identified;
    private readonly Counter<long> _planned;
    private readonly Counter<long> _written;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _routingMapRows;
    private readonly Counter<long> _pruned;
    private readonly Histogram<double> _screenPop;
    private readonly Histogram<double> _endedToRecord;

    public HubMetrics(IMeterFactory meters, TelemetrySnapshot snapshot, SalesforceConnections connections)
    {
        var meter = meters.Create(Name);
        _eventsAccepted = meter.CreateCounter<long>("contactbridge.events.accepted", "{event}", "Events stored by the intake (repeats of a stored id not counted).");
        _eventsRefused = meter.CreateCounter<long>("contactbridge.events.refused", "{request}", "Intake requests refused, by reason.");
        _eventsSetAside = meter.CreateCounter<long>("contactbridge.events.set_aside", "{event}", "Events set aside because they could not be folded.");
        _folded = meter.CreateCounter<long>("contactbridge.interactions.folded", "{interaction}", "Interactions whose state changed when new events were folded in.");
        _identified = meter.CreateCounter<long>("contactbridge.interactions.identified", "{interaction}", "Callers identified, by outcome (none, one, several, unidentified).");
        _planned = meter.CreateCounter<long>("contactbridge.interactions.planned", "{interaction}", "Interactions planned as Salesforce writes.");
        _written = meter.CreateCounter<long>("contactbridge.interactions.written", "{interaction}", "Interactions whose records are in Salesforce.");
        _deadLettered = meter.CreateCounter<long>("contactbridge.interactions.dead_lettered", "{interaction}", "Writes given up as dead letters, by Salesforce's error code.");
        _routingMapRows = meter.CreateCounter<long>("contactbridge.routing_map.rows", "{row}", "Routing-map rows an import handled, by outcome (created, updated, failed, …).");
        _pruned = meter.CreateCounter<long>("contactbridge.retention.pruned", "{row}", "Rows pruned by retention, by kind (interactions, events, writes, imports, link_activity).");
        _screenPop = meter.CreateHistogram<double>("contactbridge.screen_pop.duration", "s", "From an interaction's start to its caller identified.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _endedToRecord = meter.CreateHistogram<double>("contactbridge.logging.duration", "s", "From an interaction's end to its records in Salesforce.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        meter.CreateObservableGauge("contactbridge.outbox.depth", () => snapshot.Outbox.Select(o => new Measurement<long>(o.Depth, Tenant(o.TenantId))),
            "{write}", "Writes waiting to be sent to Salesforce, per tenant.");
        meter.CreateObservableGauge("contactbridge.outbox.oldest_age", () => snapshot.Outbox.Select(o => new Measurement<double>(o.OldestAge.TotalSeconds, Tenant(o.TenantId))),
            "s", "Age of the oldest write waiting, per tenant.");
        meter.CreateObservableGauge("contactbridge.links", () => snapshot.Links.Select(l => new Measurement<long>(l.Count, new KeyValuePair<string, object?>("contactbridge.link.status", l.Status))),
            "{link}", "Salesforce links by status (linked, legacy, needs_relink, unlinked).");
        meter.CreateObservableGauge("salesforce.api.daily_remaining", () => connections.LastApiUsage().Select(u => new Measurement<long>(u.Usage.Remaining, Tenant(u.TenantId))),
            "{call}", "The org's remaining daily API calls, as Salesforce last reported them to the hub.");
    }

    private static KeyValuePair<string, object?> Tenant(string tenantId) => new("contactbridge.tenant", tenantId);

    public void Pruned(string kind, long rows)
    {
        if (rows > 0) _pruned.Add(rows, new KeyValuePair<string, object?>("contactbridge.retention.kind", kind));
    }

    public void EventsAccepted(string tenantId, int count) => _eventsAccepted.Add(count, Tenant(tenantId));

    public void EventsRefused(string reason) => _eventsRefused.Add(1, new KeyValuePair<string, object?>("contactbridge.refusal", reason));

    public void EventsSetAside(string tenantId, int count) => _eventsSetAside.Add(count, Tenant(tenantId));

    public void Folded(int count) => _folded.Add(count);

    public void Identified(string tenantId, string outcome, TimeSpan? sinceStart)
    {
        _identified.Add(1, Tenant(tenantId), new KeyValuePair<string, object?>("contactbridge.identification.outcome", outcome));
        if (sinceStart is { } d && d >= TimeSpan.Zero) _screenPop.Record(d.TotalSeconds, Tenant(tenantId));
    }

    public void Planned(string tenantId, int count) => _planned.Add(count, Tenant(tenantId));

    public void Written(string tenantId, TimeSpan? sinceEnd)
    {
        _written.Add(1, Tenant(tenantId));
        if (sinceEnd is { } d && d >= TimeSpan.Zero) _endedToRecord.Record(d.TotalSeconds, Tenant(tenantId));
    }

    public void DeadLettered(string tenantId, string? code) =>
        _deadLettered.Add(1, Tenant(tenantId), new KeyValuePair<string, object?>("salesforce.error_code", code ?? ""));

    public void RoutingMapRows(string tenantId, string outcome, int count) =>
        _routingMapRows.Add(count, Tenant(tenantId), new KeyValuePair<string, object?>("contactbridge.row.outcome", outcome));
}
