namespace ContactBridge.Bench.Soak;

/// <summary>One row of the soak's time series: the load, what the hubs did with it, and what it cost them.</summary>
internal sealed record SoakSample(
    double ElapsedSeconds,
    string Phase,
    long Sent,
    long Acknowledged,
    long Logged,
    double LoggedPerSecond,
    long InboxEvents,
    long Interactions,
    long Outbox,
    long ApiCalls,
    double MachineCpuPercent,
    IReadOnlyList<double> RssMiB,
    IReadOnlyList<double> CpuPercent);

/// <summary>What a soak run measured, for the summary and the side-by-side table of --scale.</summary>
internal sealed record SoakResult(
    int Instances,
    double LoadSeconds,
    long Sent,
    long Acknowledged,
    long Logged,
    long Duplicates,
    long Lost,
    long DeadLetters,
    IReadOnlyList<(string Code, long Count, string Example)> DeadLetterCauses,
    double SustainedPerSecond,
    long BacklogAtEndOfLoad,
    double DrainSeconds,
    double CallsPerInteraction,
    string CallKinds,
    (double P50, double P99) EndedToRecord,
    (double P50, double P99) ScreenPop,
    (double P50, double P99) EventPost,
    long PostFailures,
    long PostRefusals,
    long PostTimeouts,
    IReadOnlyList<double> PeakRssMiB,
    IReadOnlyList<double> FinalRssMiB,
    double MeanMachineCpuPercent,
    SoakSample? RetentionStart,
    SoakSample EndOfLoad,
    IReadOnlyList<SoakSample> Samples);
