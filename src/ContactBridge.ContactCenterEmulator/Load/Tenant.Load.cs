using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Load;
using ContactBridge.ContactCenterEmulator.Routing;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>The load generator: arrivals drawn in <see cref="Tick"/>, so a moved clock gives the arrivals of the time it moved over.</summary>
public sealed partial class Tenant
{
    /// <summary>At most this many arrivals per tick, so that a clock moved by a day does not stall the emulator.</summary>
    public const int MaxArrivalsPerTick = 10_000;

    private LoadProfile? _load;
    private DateTimeOffset _nextArrival;

    public List<string> StartLoad(LoadProfile profile)
    {
        lock (_gate)
        {
            var problems = profile.Problems(_skillsById.Keys);
            if (problems.Count > 0) return problems;
            _load = profile;
            _nextArrival = Now + NextInterArrival(profile);
            return [];
        }
    }

    public void StopLoad()
    {
        lock (_gate) _load = null;
    }

    public void SetPatience(PatienceSetting patience)
    {
        lock (_gate) _patience = patience;
    }

    private TimeSpan NextInterArrival(LoadProfile p) => TimeSpan.FromSeconds(-Math.Log(1 - _random.NextDouble()) / p.CallsPerSecond);

    private void LoadArrivals(DateTimeOffset now)
    {
        if (_load is not { } p) return;
        for (var n = 0; _nextArrival <= now && n < MaxArrivalsPerTick; n++)
        {
            ArriveFromLoad(p);
            _nextArrival += NextInterArrival(p);
        }
        if (_nextArrival <= now) _nextArrival = now + NextInterArrival(p);
    }

    private void ArriveFromLoad(LoadProfile p)
    {
        var channel = Pick(p.ChannelMix);
        var skills = (p.Skills ?? _skills.Select(s => s.Id)).Select(id => _skillsById[id]).ToList();
        var matching = skills.Where(s => s.Channel == Channels.SkillChannelOf(channel)).ToList();
        if (matching.Count == 0)
        {
            // No skill serves the drawn channel: send the contact to another skill, on that skill's channel.
            matching = skills;
            channel = matching[0].Channel switch { "chat" => "web_chat", "email" => "email", _ => "voice" };
        }
        var skill = matching[_random.Next(matching.Count)];
        var callers = p.Callers ?? LoadProfile.GeneratedCallers;
        var phone = callers[_random.Next(callers.Count)];
        var name = LoadProfile.GeneratedNames[_random.Next(LoadProfile.GeneratedNames.Count)];
        var email = channel == "email" ? $"{name.Split(' ')[0].ToLowerInvariant()}.{_random.Next(1000, 9999)}@example.com" : null;
        var patience = _random.NextDouble() < p.ShortAbandonShare
            ? TimeSpan.FromSeconds(1 + 3 * _random.NextDouble())
            : (p.Patience ?? _patience).Draw(_random);
        JsonObject? ivr = p.AccountNumbers is { Count: > 0 } accounts ? new JsonObject { ["account_number"] = accounts[_random.Next(accounts.Count)] } : null;
        Arrive(channel, skill.Id, email is null ? phone : null, email, name, null, ivr, patience, fromLoad: true);
    }

    private string Pick(Dictionary<string, double> mix)
    {
        var x = _random.NextDouble() * mix.Values.Sum();
        foreach (var (key, share) in mix)
        {
            if (x < share) return key;
            x -= share;
        }
        return mix.Last(kv => kv.Value > 0).Key;
    }
}
