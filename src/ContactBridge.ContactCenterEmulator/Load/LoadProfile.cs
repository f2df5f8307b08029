using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Routing;
using ContactBridge.ContactCenterEmulator.Tenants;

namespace ContactBridge.ContactCenterEmulator.Load;

/// <summary>Generated traffic: Poisson arrivals at a rate, mixed over channels, with a share of callers who hang up within seconds.</summary>
public sealed class LoadProfile
{
    public double CallsPerSecond { get; init; }
    public Dictionary<string, double> ChannelMix { get; init; } = new(StringComparer.Ordinal) { ["voice"] = 0.8, ["web_chat"] = 0.1, ["email"] = 0.1 };
    /// <summary>Callers whose patience is 1 to 4 seconds: the short abandons every real queue has.</summary>
    public double ShortAbandonShare { get; init; } = 0.05;
    /// <summary>The other callers' patience; the tenant's when left out.</summary>
    public PatienceSetting? Patience { get; init; }
    public List<string>? Callers { get; init; }
    public List<string>? AccountNumbers { get; init; }
    public List<string>? Skills { get; init; }

    public List<string> Problems(IReadOnlyCollection<string> tenantSkills)
    {
        var problems = new List<string>();
        if (CallsPerSecond is not (> 0 and <= 1_000)) problems.Add("callsPerSecond must be more than 0 and at most 1000.");
        if (ChannelMix is null || ChannelMix.Count == 0 || ChannelMix.Values.Sum() <= 0) problems.Add("channelMix must give at least one channel a share above 0.");
        else
        {
            foreach (var (channel, share) in ChannelMix)
            {
                if (!Channels.ContactChannels.Contains(channel)) problems.Add($"channelMix.{channel}: the channels are {string.Join(", ", Channels.ContactChannels)}.");
                if (share < 0) problems.Add($"channelMix.{channel} must be 0 or more.");
            }
        }
        if (ShortAbandonShare is < 0 or > 1) problems.Add("shortAbandonShare must be from 0 to 1.");
        Patience?.Check("patience", problems);
        foreach (var caller in Callers ?? []) if (!Ids.IsPhone(caller)) problems.Add($"callers: '{caller}' is not a phone number.");
        if (Callers is { Count: 0 }) problems.Add("callers must not be empty (leave it out for generated callers).");
        foreach (var skill in Skills ?? []) if (!tenantSkills.Contains(skill)) problems.Add($"skills: '{skill}' is not a skill of this tenant.");
        if ((Skills ?? tenantSkills).Count == 0) problems.Add("There is no skill to send the load to.");
        return problems;
    }

    /// <summary>The fictional 555-01xx numbers, which reach nobody.</summary>
    public static readonly IReadOnlyList<string> GeneratedCallers = Enumerable.Range(100, 100).Select(n => $"+1415555{n:D4}").ToList();

    public static readonly IReadOnlyList<string> GeneratedNames =
        ["Alex Doe", "Sam Roe", "Kim Lee", "Jo Park", "Max Stone", "Ria Shah", "Lou Chen", "Ana Cruz", "Ben Ode", "Eva Holm"];
}
