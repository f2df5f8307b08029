namespace ContactBridge.Intake;

/// <summary>
/// How much event intake one instance stores at once (<see cref="IntakeGate"/>). Beyond it a sender gets 503 with
/// Retry-After at once, instead of a 202 that arrives after the sender gave up (and is then sent again): an
/// overloaded instance keeps logging at the rate it can.
/// </summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>Checked event posts stored at the same time; they share group commits, so a few dozen keep the database busy.</summary>
    public int MaxConcurrentRequests { get; set; } = 32;

    /// <summary>Posts waiting for one of those places, oldest first; one more is refused with 503.</summary>
    public int MaxQueuedRequests { get; set; } = 32;

    /// <summary>What a refused sender is told to wait before trying again.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<string> Problems()
    {
        if (MaxConcurrentRequests is < 1 or > 10_000) yield return "Intake:MaxConcurrentRequests must be between 1 and 10000.";
        if (MaxQueuedRequests is < 0 or > 100_000) yield return "Intake:MaxQueuedRequests must be between 0 and 100000.";
        if (RetryAfter < TimeSpan.FromSeconds(1) || RetryAfter > TimeSpan.FromMinutes(5)) yield return "Intake:RetryAfter must be between 00:00:01 and 00:05:00.";
    }
}
