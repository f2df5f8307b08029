using System.Diagnostics.Metrics;

namespace ContactBridge.Salesforce;

/// <summary>
/// What the client spends of the scarce resource: every REST request, by kind (query, search,
/// composite.graph, sobjects, describe, bulk, limits), outcome (ok, or Salesforce's error code) and
/// tenant. Meter "ContactBridge.Salesforce"; the hub exports it with its own.
/// </summary>
public static class SalesforceTelemetry
{
    public const string MeterName = "ContactBridge.Salesforce";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("salesforce.api.calls", "{call}",
        "Salesforce REST requests the hub made, by kind, outcome and tenant.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("salesforce.api.duration", "s",
        "How long Salesforce took to answer, by kind.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 30] });

    /// <summary>The kind of a request, from its path: a small closed set, so it can be a metric tag.</summary>
    public static string Kind(string method, string path)
    {
        var p = path.Split('?')[0];
        if (p.Contains("/composite/graph", StringComparison.Ordinal)) return "composite.graph";
        if (p.Contains("/composite/sobjects", StringComparison.Ordinal)) return "composite.sobjects";
        if (p.Contains("/composite", StringComparison.Ordinal)) return "composite";
        if (p.Contains("/parameterizedSearch", StringComparison.Ordinal) || p.EndsWith("/search", StringComparison.Ordinal)) return "search";
        if (p.Contains("/query", StringComparison.Ordinal)) return "query";
        if (p.Contains("/jobs/", StringComparison.Ordinal)) return "bulk";
        if (p.EndsWith("/describe", StringComparison.Ordinal)) return "describe";
        if (p.EndsWith("/limits", StringComparison.Ordinal)) return "limits";
        if (p.Contains("/sobjects", StringComparison.Ordinal)) return method == "GET" ? "sobjects.read" : "sobjects.write";
        return "other";
    }

    internal static void Record(string? tenant, string kind, string outcome, TimeSpan took)
    {
        var tags = new System.Diagnostics.TagList { { "salesforce.request.kind", kind }, { "salesforce.outcome", outcome }, { "contactbridge.tenant", tenant ?? "" } };
        Calls.Add(1, tags);
        Duration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("salesforce.request.kind", kind));
    }
}
