namespace ContactBridge.Outbox;

/// <summary>How the pipeline paces itself. Bound from the "Logging" section.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary>When an org's remaining daily API calls fall to this, the hub slows to one call per <see cref="ReserveInterval"/> for it.</summary>
    public long ApiReserve { get; set; } = 1000;

    public TimeSpan ReserveInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>After this many attempts a write goes to the dead-letter list.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>How long the pipeline waits for new work when there is none (new events wake it at once).</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After new events wake the pipeline, it waits this long before a pass, so that the interactions of
    /// that moment share one caller search and one composite graph call. The p99 from "ended" to the record
    /// in Salesforce is about this window plus two Salesforce round trips.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most rows one round claims.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Retry delay: 2^attempts seconds (±20 %), at most 10 minutes.</summary>
    public TimeSpan RetryDelay(long attempts) =>
        TimeSpan.FromSeconds(Math.Min(600, Math.Pow(2, Math.Min(attempts, 20))) * (0.8 + Random.Shared.NextDouble() * 0.4));
}
