namespace ContactBridge.ContactCenterEmulator.Routing;

/// <summary>How long callers wait before they give up: infinite, a fixed time, or exponentially distributed around a mean.</summary>
public sealed class PatienceSetting
{
    public static readonly IReadOnlyList<string> Distributions = ["infinite", "fixed", "exponential"];

    public string? Distribution { get; init; } = "infinite";
    public double? MeanSeconds { get; init; }

    public void Check(string where, List<string> problems)
    {
        if (!Distributions.Contains(Distribution)) problems.Add($"{where}.distribution must be one of {string.Join(", ", Distributions)}.");
        else if (Distribution != "infinite" && MeanSeconds is not > 0) problems.Add($"{where}.meanSeconds must be more than 0 for a {Distribution} patience.");
    }

    /// <summary>Null: the caller waits for ever.</summary>
    public TimeSpan? Draw(Random random) => Distribution switch
    {
        "fixed" => TimeSpan.FromSeconds(MeanSeconds!.Value),
        // Inverse transform of the exponential distribution; 1 - U keeps the logarithm finite.
        "exponential" => TimeSpan.FromSeconds(-MeanSeconds!.Value * Math.Log(1 - random.NextDouble())),
        _ => null,
    };
}
