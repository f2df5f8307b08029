using Microsoft.Extensions.Options;

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

    /// <summary>
    /// The window of a tenant whose screen pops come from its caller index: no search waits for it, so its writes share a longer
    /// one (fewer composite graph calls: at 50 interactions a second, about one call per 50 instead of one per 30).
    /// </summary>
    public TimeSpan IndexedBatchWindow { get; set; } = TimeSpan.FromSeconds(1);

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

public sealed class LoggingOptionsValidator : IValidateOptions<LoggingOptions>
{
    public ValidateOptionsResult Validate(string? name, LoggingOptions options)
    {
        var problems = new List<string>();
        void Within(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max) problems.Add($"Logging:{key} is {min:c} to {max:c}.");
        }
        Within(nameof(options.IdlePoll), options.IdlePoll, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        Within(nameof(options.BatchWindow), options.BatchWindow, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Within(nameof(options.IndexedBatchWindow), options.IndexedBatchWindow, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Within(nameof(options.LookupTimeout), options.LookupTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2));
        Within(nameof(options.MaxRetryDelay), options.MaxRetryDelay, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Within(nameof(options.RetryHorizon), options.RetryHorizon, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        Within(nameof(options.Lease), options.Lease, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));
        Within(nameof(options.LaneLease), options.LaneLease, TimeSpan.FromSeconds(3), TimeSpan.FromHours(1));
        Within(nameof(options.ReserveInterval), options.ReserveInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (options.BatchSize is < 1 or > 10_000) problems.Add("Logging:BatchSize is 1 to 10000.");
        if (options.MaxAttemptsAlone is < 1 or > 100) problems.Add("Logging:MaxAttemptsAlone is 1 to 100.");
        if (options.ApiReserve < 0) problems.Add("Logging:ApiReserve is 0 or more.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
