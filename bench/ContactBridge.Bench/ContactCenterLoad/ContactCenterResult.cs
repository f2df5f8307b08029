namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>Percentiles of a set of latencies (ms); NaN when there were none.</summary>
internal sealed record Stats(long Count, double P50, double P95, double P99, double Max)
{
    public static Stats Of(IReadOnlyCollection<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return new Stats(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }

    public static double Percentile(IReadOnlyCollection<double> xs, double p) => Percentile(xs.Order().ToArray(), p);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>The contact-center emulator's delivery counters for the tenant, at the end of the run.</summary>
internal sealed record DeliveryFigures(long Pending, long Delivered, long Rejected, long FailedAttempts, string? LastError);

/// <summary>Everything a contact-center run measured; printed as a table and written as JSON with --json.</summary>
internal sealed record ContactCenterResult
{
    public required string Database { get; init; }
    public required int Agents { get; init; }
    public required double Rate { get; init; }
    public required double Minutes { get; init; }
    public required string Talk { get; init; }
    public required int WrapUpSeconds { get; init; }
    public required double Occupancy { get; init; }
    public required string SalesforceLatency { get; init; }
    public required double LoadSeconds { get; init; }
    public required double DrainSeconds { get; init; }
    /// <summary>Everything ended, arrived, was shown and was logged within --drain.</summary>
    public required bool Drained { get; init; }

    public required long EventsDelivered { get; init; }
    /// <summary>Events delivered over the time from the start of the load until the last was delivered.</summary>
    public required double EventsPerSecond { get; init; }
    public required long EventsStoredByHub { get; init; }

    /// <summary>The contact center's event time → the subscriber has the new state.</summary>
    public required Stats EventToPicture { get; init; }
    /// <summary>The hub has the event (before its write) → the subscriber has the new state.</summary>
    public required Stats HubToPicture { get; init; }
    public required long StateChangesMade { get; init; }
    public required long AgentEvents { get; init; }
    public required long QueueEvents { get; init; }
    public required long Resyncs { get; init; }
    /// <summary>Agents whose last state the subscriber did not show at the end.</summary>
    public required long AgentsStale { get; init; }
    public required long TallyGaps { get; init; }

    public required long Generated { get; init; }
    public required long EndedInContactCenter { get; init; }
    public required long ShortAbandons { get; init; }
    public required long EndedInHub { get; init; }
    public required long AbandonsInHub { get; init; }
    public required long LoggedOnce { get; init; }
    public required long Lost { get; init; }
    public required long Duplicated { get; init; }
    public required long DeadLetters { get; init; }
    public required long Tasks { get; init; }
    public required long Cases { get; init; }
    public required long NewLeads { get; init; }
    public required long ApiCalls { get; init; }
    public required double CallsPerInteraction { get; init; }
    public required string CallKinds { get; init; }
    public required Stats EndedToRecord { get; init; }
    public required Stats ScreenPop { get; init; }
    public required int Softphones { get; init; }
    /// <summary>Offered at the contact center → ringing in an agent's softphone (its live stream).</summary>
    public required Stats SoftphoneRing { get; init; }
    /// <summary>Offered at the contact center → the softphone has a ready screen pop (asked as the page asks).</summary>
    public required Stats SoftphonePop { get; init; }
    public required long SoftphonePopRequests { get; init; }
    public required long SoftphoneSeenAfterOffer { get; init; }
    /// <summary>Composite writes sent to Salesforce (an interaction whose wrap-up ends after it is logged is written again).</summary>
    public required long WritesDone { get; init; }
    /// <summary>The whole machine's CPU busy during the load: other work on the same cores shows here.</summary>
    public required double MachineCpuPercent { get; init; }
    public required long PeakWorkingSetMiB { get; init; }
    public required DeliveryFigures Delivery { get; init; }

    public bool Passed => Lost == 0 && Duplicated == 0 && Delivery.Rejected == 0 && Delivery.Pending == 0 && Drained && TallyGaps == 0;
}
