namespace ContactBridge.Observability;

/// <summary>Metrics, traces and logs. Bound from the "Observability" section.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>Serve Prometheus metrics at /metrics.</summary>
    public bool PrometheusEndpoint { get; set; } = true;

    /// <summary>Answer /metrics for other hosts too; by default only a scraper on the same machine (loopback) gets them.</summary>
    public bool PrometheusAllowRemote { get; set; }

    /// <summary>How often the outbox and link gauges are read from the database.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<string> Problems()
    {
        if (SampleInterval < TimeSpan.FromSeconds(1)) yield return "Observability:SampleInterval must be at least one second.";
    }
}
