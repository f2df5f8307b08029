namespace ContactBridge.Retention;

/// <summary>How long the hub keeps what it no longer needs, per kind. Bound from the "Retention" section.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>
    /// Finished interactions (ended, written to Salesforce, nothing waiting or dead), with their events and
    /// writes, this long after their last change. An event for one arriving later starts it afresh, and its
    /// records are updated in place (they are keyed by the interaction).
    /// </summary>
    public TimeSpan Interactions { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Events an administrator discarded from the set-aside list, this long after they arrived.</summary>
    public TimeSpan DiscardedEvents { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Finished routing-map imports and their row reports, this long after they finished.</summary>
    public TimeSpan Imports { get; set; } = TimeSpan.FromDays(90);

    /// <summary>The link activity log (linked, refreshed, checked, needs relink, unlinked), entries this old.</summary>
    public TimeSpan LinkActivity { get; set; } = TimeSpan.FromDays(180);

    /// <summary>How often one instance prunes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per transaction, so pruning a backlog never holds the database for long.</summary>
    public int BatchSize { get; set; } = 1000;

    public IEnumerable<string> Problems()
    {
        foreach (var (name, value) in new[] { ("Interactions", Interactions), ("DiscardedEvents", DiscardedEvents), ("Imports", Imports), ("LinkActivity", LinkActivity) })
            if (value < TimeSpan.FromMinutes(1)) yield return $"Retention:{name} must be at least one minute (for example 30.00:00:00 for 30 days).";
        if (Interval < TimeSpan.FromSeconds(1)) yield return "Retention:Interval must be at least one second.";
        if (BatchSize is < 1 or > 10_000) yield return "Retention:BatchSize must be between 1 and 10000.";
    }
}
