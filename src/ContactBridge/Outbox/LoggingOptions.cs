namespace ContactBridge.Outbox;

/// <summary>How the pipeline paces itself. Bound from the "Logging" section.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary>When an org's remaining daily API calls fall to this, the hub slows to one call per <see cref="ReserveInterval"/> for it.</summary>
    public long ApiReserve { get; set; } = 1000;

    public TimeSpan ReserveInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a write that fails transiently (Salesforce down or slow, the network, the daily limit)
    /// keeps being retried before it becomes a dead letter: Salesforce keeps events 72 hours, and so
    /// does the hub, at least.
    /// </summary>
    public TimeSpan RetryHorizon { get; set; } = TimeSpan.FromHours(72);

    /// <summary>How long the signed lookup API waits for Salesforce before it answers 504: an agent is waiting.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two tries of a failing write or an unreachable org.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a step that fails for one interaction alone (a lookup Salesforce refuses, an error of
    /// the hub's own) is tried before that interaction is set aside and the rest go on.
    /// </summary>
    public int MaxAttemptsAlone { get; set; } = 3;

    /// <summary>How long the pipeline waits for new work when there is none (new events wake it at once).</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After new events wake the pipeline, it waits this long before a pass, so that the interactions of
    /// that moment share one caller search and one composite graph call. The p99 from "ended" to the record
    /// in Salesforce is about this window plus two Salesforce round trips.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a claimed outbox row stays with the instance sending it; a row of an instance that died goes back to pending after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A tenant's lane (identify, plan, send) runs in one instance at a time under a lease renewed every
    /// third of this; when that instance dies, another takes the lane over after at most this long.
    /// </summary>
    public TimeSpan LaneLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most rows one round claims.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Retry delay: 2^attempts seconds (±20 %), at most <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay(long attempts) => RetryPolicy.Delay(attempts, MaxRetryDelay);
}
