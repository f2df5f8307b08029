using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.OmniChannel;

/// <summary>What to generate: a stretch of the past (it must end by the emulator's clock), how many agents and queues, and how busy.</summary>
public sealed record OmniChannelActivityRequest(DateTimeOffset? From = null, double? Hours = null, int? Agents = null, int? Queues = null, double? WorkPerHour = null,
    int? Seed = null, double? PhoneShare = null, bool StampedAsItHappened = false);

public sealed record OmniChannelActivityResult(DateTimeOffset From, DateTimeOffset To, int Agents, int Queues, int Presences, int Work, int VoiceCalls, int Cases,
    int Answered, int Abandoned, int Declined, int Transferred);

/// <summary>
/// Realistic Omni-Channel history written into an org, as Omni-Channel itself would have written it: agents (users with a
/// team as their department) log in, go Available, take breaks and lunch (UserServicePresence); work arrives in queues as
/// phone calls (VoiceCall) and cases, is routed to a free Available agent, rings, is accepted, declined and routed on, or
/// abandoned by a caller who stops waiting; calls are held and transferred; every piece of routed work is an AgentWork with
/// Salesforce's times and durations (seconds). The same seed gives the same activity.
/// </summary>
public static class OmniChannelActivity
{
    public const int MaxAgents = 2000;
    public const int MaxQueues = 200;
    public const double MaxHours = 24 * 31;

    private static readonly string[] QueueNames = ["Support", "Sales", "Billing", "Claims", "Returns", "Renewals", "Technical", "Onboarding"];
    private static readonly string[] FirstNames = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kofi", "Lena", "Mateo", "Noor", "Omar", "Priya"];
    private static readonly (string Developer, string Label)[] Statuses = [("Available", "Available"), ("Break", "Break"), ("Lunch", "Lunch"), ("Training", "Training")];

    /// <summary>Problems with the request, each naming the setting; empty when it can run.</summary>
    public static List<string> Check(OmniChannelActivityRequest r, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (r.Hours is { } h && (double.IsNaN(h) || h <= 0 || h > MaxHours)) problems.Add($"hours must be more than 0 and at most {MaxHours:0} (31 days).");
        if (r.Agents is { } a && a is < 1 or > MaxAgents) problems.Add($"agents must be 1 to {MaxAgents}.");
        if (r.Queues is { } q && q is < 1 or > MaxQueues) problems.Add($"queues must be 1 to {MaxQueues}.");
        if (r.WorkPerHour is { } w && (double.IsNaN(w) || w < 0 || w > 10_000)) problems.Add("workPerHour (per queue) must be 0 to 10,000.");
        if (r.PhoneShare is { } p && (double.IsNaN(p) || p < 0 || p > 1)) problems.Add("phoneShare must be 0 to 1.");
        if (problems.Count == 0 && (r.Hours ?? 8) * (r.Queues ?? 3) * (r.WorkPerHour ?? 20) > 2_000_000)
            problems.Add("hours × queues × workPerHour is at most 2,000,000 contacts: ask for less, or in several stretches.");
        if (problems.Count == 0 && r.From is { } from && from + TimeSpan.FromHours(r.Hours ?? 8) > now)
            problems.Add($"The activity must lie in the past: from + hours ends after the emulator's clock ({now:O}). Leave out from to end now.");
        return problems;
    }

    public static OmniChannelActivityResult Generate(SalesforceOrg org, TimeProvider clock, OmniChannelActivityRequest r)
    {
        ArgumentNullException.ThrowIfNull(org);
        ArgumentNullException.ThrowIfNull(r);
        var now = clock.GetUtcNow();
        var hours = TimeSpan.FromHours(r.Hours ?? 8);
        // Whole seconds, as Omni-Channel's durations are: every time and duration then agrees exactly.
        var from = DateTimeOffset.FromUnixTimeSeconds((r.From ?? now - hours).ToUnixTimeSeconds());
        var to = from + hours;
        var rng = new Random(r.Seed ?? 1);
        lock (org.Sync)
        {
            var setup = Setup(org, clock, r.Agents ?? 10, r.Queues ?? 3);
            var sim = new Simulation(org, clock, setup, rng, from, to, r.PhoneShare ?? 0.7, r.StampedAsItHappened);
            sim.Presence();
            sim.Work(r.WorkPerHour ?? 20);
            return new OmniChannelActivityResult(from, to, setup.Agents.Count, setup.Queues.Count, sim.Presences, sim.WorkCount, sim.VoiceCalls, sim.Cases, sim.Answered,
                sim.Abandoned, sim.Declined, sim.Transferred);
        }
    }

    private sealed record Agent(string Id, string Name);

    private sealed record Queue(string Id, string Name);

    private sealed record SetupResult(List<Agent> Agents, List<Queue> Queues, Dictionary<string, string> Statuses, string PhoneChannel, string CaseChannel, string Owner);

    /// <summary>The statuses, channels, queues and agents, made once and found again by name.</summary>
    private static SetupResult Setup(SalesforceOrg org, TimeProvider clock, int agents, int queues)
    {
        var writer = new RecordWriter(org, clock);
        var owner = org.Records.OfType("User")[0].Id;
        SRecord? Find(string type, string field, string value) => org.Records.OfType(type).FirstOrDefault(x => string.Equals(x.GetString(field), value, StringComparison.Ordinal));
        string Ensure(string type, string field, string value, JsonObject body) =>
            (Find(type, field, value) ?? writer.Create(owner, org.Schema.Require(type), body, system: true)).Id;

        var statuses = Statuses.ToDictionary(s => s.Developer,
            s => Ensure("ServicePresenceStatus", "DeveloperName", s.Developer, new JsonObject { ["DeveloperName"] = s.Developer, ["MasterLabel"] = s.Label }));
        var phone = Ensure("ServiceChannel", "DeveloperName", "sfdc_phone", new JsonObject { ["DeveloperName"] = "sfdc_phone", ["MasterLabel"] = "Phone", ["RelatedEntity"] = "VoiceCall" });
        var cases = Ensure("ServiceChannel", "DeveloperName", "sfdc_case", new JsonObject { ["DeveloperName"] = "sfdc_case", ["MasterLabel"] = "Case", ["RelatedEntity"] = "Case" });
        var queueList = Enumerable.Range(0, queues).Select(i =>
        {
            var name = i < QueueNames.Length ? QueueNames[i] : $"Queue {i + 1}";
            var developer = name.Replace(' ', '_') + "_Queue";
            return new Queue(Ensure("Group", "DeveloperName", developer, new JsonObject { ["Name"] = name, ["DeveloperName"] = developer, ["Type"] = "Queue" }), name);
        }).ToList();
        var profile = org.Records.OfType("Profile").First(p => p.GetString("Name") == WellKnown.ProfileStandard).Id;
        var agentList = Enumerable.Range(1, agents).Select(i =>
        {
            var username = $"omni.agent{i:0000}@{org.Key}.omni.example";
            var first = FirstNames[(i - 1) % FirstNames.Length];
            var user = org.UserByUsername(username) ?? writer.Create(owner, org.Schema.Require("User"), new JsonObject
            {
                ["Username"] = username, ["FirstName"] = first, ["LastName"] = $"Agent {i}", ["Email"] = $"omni.agent{i:0000}@omni.example",
                ["Alias"] = $"oa{i}", ["ProfileId"] = profile, ["Department"] = $"Team {(char)('A' + (i - 1) % 4)}", ["CommunityNickname"] = $"omni.agent{i:0000}",
            }, system: true);
            return new Agent(user.Id, $"{first} Agent {i}");
        }).ToList();
        return new SetupResult(agentList, queueList, statuses, phone, cases, owner);
    }

    /// <summary>The times each generated object's activity has; with StampedAsItHappened, a record's audit dates are the first and last of them.</summary>
    private static readonly Dictionary<string, string[]> ActivityTimes = new()
    {
        ["UserServicePresence"] = ["StatusStartDate", "StatusEndDate"],
        ["AgentWork"] = ["RequestDateTime", "AssignedDateTime", "AcceptDateTime", "DeclineDateTime", "CloseDateTime", "CancelDateTime"],
        ["VoiceCall"] = ["CallQueuedDateTime", "CallStartDateTime", "CallAcceptDateTime", "CallEndDateTime"],
    };

    private sealed class Simulation(SalesforceOrg org, TimeProvider clock, SetupResult setup, Random rng, DateTimeOffset from, DateTimeOffset to, double phoneShare,
        bool stampedAsItHappened)
    {
        private readonly DateTimeOffset _now = clock.GetUtcNow();
        private readonly RecordWriter _writer = new(org, clock);
        private readonly Dictionary<string, List<(DateTimeOffset Start, DateTimeOffset End)>> _available = [];
        private readonly Dictionary<string, DateTimeOffset> _busyUntil = [];
        /// <summary>Per agent, the first Available window that has not ended by the arrival being routed (arrivals come in time order).</summary>
        private readonly Dictionary<string, int> _firstOpen = [];
        public int Presences, WorkCount, VoiceCalls, Cases, Answered, Abandoned, Declined, Transferred;

        private double Uniform(double min, double max) => min + rng.NextDouble() * (max - min);
        private TimeSpan Seconds(double min, double max) => TimeSpan.FromSeconds(Math.Round(Uniform(min, max)));
        private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        private static int Secs(TimeSpan t) => (int)Math.Round(t.TotalSeconds);

        /// <summary>What the telephony provider writes on the call as it goes on (the record was made when it was queued).</summary>
        private void Set(SRecord call, Dictionary<string, object?> values)
        {
            org.Records.Set(call, values);
            Stamp(call);
        }

        private SRecord Write(string type, JsonObject body, DateTimeOffset? at = null)
        {
            var record = _writer.Create(setup.Owner, org.Schema.Require(type), body, system: true);
            Stamp(record, at);
            return record;
        }

        /// <summary>
        /// History as if written while it happened (StampedAsItHappened): created at its first moment, last modified at its last (never
        /// after the clock). Otherwise records carry the time they were generated, as anything written now does.
        /// </summary>
        private void Stamp(SRecord record, DateTimeOffset? at = null)
        {
            if (!stampedAsItHappened) return;
            var times = ActivityTimes.TryGetValue(record.Type.Name, out var fields)
                ? fields.Select(f => record.Values.GetValueOrDefault(f)).OfType<DateTimeOffset>().ToList() : [];
            if (at is { } given) times.Add(given);
            if (times.Count == 0) return;
            var last = times.Max() < _now ? times.Max() : _now;
            org.Records.Set(record, new Dictionary<string, object?> { ["CreatedDate"] = times.Min(), ["LastModifiedDate"] = last, ["SystemModstamp"] = last });
        }

        /// <summary>Each agent's shift: logged in a few minutes apart, Available for 45–120 minutes between breaks, lunch and training.</summary>
        public void Presence()
        {
            foreach (var agent in setup.Agents)
            {
                var windows = _available[agent.Id] = [];
                _busyUntil[agent.Id] = from;
                var t = from + Seconds(0, 600);
                var available = true;
                while (t < to)
                {
                    var (status, length) = available ? ("Available", Seconds(45 * 60, 120 * 60))
                        : rng.NextDouble() switch { < 0.7 => ("Break", Seconds(600, 900)), < 0.85 => ("Lunch", TimeSpan.FromMinutes(30)), _ => ("Training", Seconds(1200, 2400)) };
                    var end = t + length < to ? t + length : to;
                    Write("UserServicePresence", new JsonObject
                    {
                        ["UserId"] = agent.Id, ["ServicePresenceStatusId"] = setup.Statuses[status], ["StatusStartDate"] = Iso(t), ["StatusEndDate"] = Iso(end),
                        ["StatusDuration"] = Secs(end - t), ["IsAway"] = !available, ["IsCurrentState"] = false, ["ConfiguredCapacity"] = 1,
                    });
                    Presences++;
                    if (available) windows.Add((t, end));
                    (t, available) = (end, !available);
                }
            }
        }

        /// <summary>The first moment at or after <paramref name="at"/> an agent other than <paramref name="except"/> is Available and free, and who.</summary>
        private (Agent Agent, DateTimeOffset At)? Free(DateTimeOffset at, string? except)
        {
            (Agent, DateTimeOffset)? best = null;
            foreach (var agent in setup.Agents)
            {
                if (agent.Id == except) continue;
                var earliest = _busyUntil[agent.Id] > at ? _busyUntil[agent.Id] : at;
                var windows = _available[agent.Id];
                for (var i = _firstOpen.GetValueOrDefault(agent.Id); i < windows.Count; i++)
                {
                    var (start, end) = windows[i];
                    if (end <= earliest) continue;
                    var when = start > earliest ? start : earliest;
                    if (best is null || when < best.Value.Item2) best = (agent, when);
                    break;
                }
            }
            return best;
        }

        /// <summary>Work arriving in every queue at random (Poisson) at <paramref name="perHour"/> an hour, routed in arrival order.</summary>
        public void Work(double perHour)
        {
            if (perHour <= 0) return;
            var arrivals = new List<(DateTimeOffset At, Queue Queue)>();
            foreach (var queue in setup.Queues)
                for (var t = from + TimeSpan.FromHours(-Math.Log(1 - rng.NextDouble()) / perHour); t < to; t += TimeSpan.FromHours(-Math.Log(1 - rng.NextDouble()) / perHour))
                    arrivals.Add((DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds()), queue));
            foreach (var (at, queue) in arrivals.OrderBy(a => a.At))
            {
                // Every later look for a free agent is at or after this arrival: windows ended before it are passed for good.
                foreach (var agent in setup.Agents)
                {
                    var windows = _available[agent.Id];
                    var i = _firstOpen.GetValueOrDefault(agent.Id);
                    while (i < windows.Count && windows[i].End <= at) i++;
                    _firstOpen[agent.Id] = i;
                }
                Route(at, queue, rng.NextDouble() < phoneShare);
            }
        }

        private void Route(DateTimeOffset requested, Queue queue, bool isPhone)
        {
            // Callers wait two minutes on average; cases wait as long as it takes.
            var patience = isPhone ? TimeSpan.FromSeconds(Math.Max(1, Math.Round(-Math.Log(1 - rng.NextDouble()) * 120))) : TimeSpan.MaxValue / 4;
            var talk = isPhone ? Seconds(60, 600) : Seconds(120, 900);
            var hold = isPhone && rng.NextDouble() < 0.3 ? Seconds(10, 90) : TimeSpan.Zero;
            var acw = Seconds(10, 60);
            var transfer = isPhone && rng.NextDouble() < 0.05;
            string workItem;
            SRecord? call = null;
            if (isPhone)
            {
                call = Write("VoiceCall", new JsonObject
                {
                    ["CallType"] = "Inbound", ["FromPhoneNumber"] = $"+1555{rng.Next(1_000_000, 9_999_999)}", ["ToPhoneNumber"] = "+18005550100",
                    ["CallStartDateTime"] = Iso(requested), ["CallQueuedDateTime"] = Iso(requested), ["QueueName"] = queue.Name,
                });
                workItem = call.Id;
                VoiceCalls++;
            }
            else
            {
                workItem = Write("Case", new JsonObject { ["Subject"] = $"Request from the {queue.Name} queue", ["Origin"] = "Email", ["Status"] = "New" }, requested).Id;
                Cases++;
            }

            string? declinedBy = null;
            var routedAt = requested;
            while (true)
            {
                var free = Free(routedAt, declinedBy);
                if (free is not { } f || f.At >= to)
                    return; // still waiting when the stretch ends
                var assigned = f.At;
                if (assigned - requested > patience)
                {
                    // The caller hung up while queued: no agent saw it; the call ended unanswered.
                    Set(call!, new() { ["CallEndDateTime"] = requested + patience });
                    Abandoned++;
                    return;
                }
                var ring = isPhone ? Seconds(2, 8) : Seconds(5, 30);
                var channel = isPhone ? setup.PhoneChannel : setup.CaseChannel;
                var work = new JsonObject
                {
                    ["Name"] = $"AW-{++WorkCount:000000}", ["UserId"] = f.Agent.Id, ["WorkItemId"] = workItem, ["ServiceChannelId"] = channel, ["OriginalQueueId"] = queue.Id,
                    ["RequestDateTime"] = Iso(routedAt), ["AssignedDateTime"] = Iso(assigned), ["CapacityWeight"] = 1,
                };
                if (assigned + ring - requested > patience)
                {
                    // The caller hung up while it rang.
                    var gone = requested + patience;
                    work["Status"] = "Canceled";
                    work["CancelDateTime"] = Iso(gone);
                    Write("AgentWork", work);
                    _busyUntil[f.Agent.Id] = gone;
                    Set(call!, new() { ["CallEndDateTime"] = gone });
                    Abandoned++;
                    return;
                }
                if (declinedBy is null && rng.NextDouble() < 0.05)
                {
                    work["Status"] = "Declined";
                    work["DeclineDateTime"] = Iso(assigned + ring);
                    work["DeclineReason"] = "Busy with another customer";
                    Write("AgentWork", work);
                    _busyUntil[f.Agent.Id] = assigned + ring;
                    Declined++;
                    (declinedBy, routedAt) = (f.Agent.Id, assigned + ring);
                    continue;
                }
                var accepted = assigned + ring;
                work["AcceptDateTime"] = Iso(accepted);
                work["SpeedToAnswer"] = Secs(accepted - requested);
                Answered++;
                var half = TimeSpan.FromSeconds(Math.Floor(talk.TotalSeconds / 2));
                if (transfer && Free(accepted + half, f.Agent.Id) is { } next && next.At - (accepted + half) < TimeSpan.FromMinutes(1) && next.At < to)
                {
                    // A warm hand-over: the first agent closes at the transfer, the second takes the rest of the call.
                    var handOver = accepted + half;
                    work["Status"] = "Transferred";
                    work["CloseDateTime"] = Iso(handOver);
                    work["HandleTime"] = Secs(handOver - accepted);
                    work["ActiveTime"] = Secs(handOver - accepted);
                    work["AfterConversationActualTime"] = 0;
                    Write("AgentWork", work);
                    _busyUntil[f.Agent.Id] = handOver;
                    Transferred++;
                    var secondAccept = next.At + TimeSpan.FromSeconds(3);
                    var secondEnd = secondAccept + (talk - half) + hold;
                    Close(new JsonObject
                    {
                        ["Name"] = $"AW-{++WorkCount:000000}", ["UserId"] = next.Agent.Id, ["WorkItemId"] = workItem, ["ServiceChannelId"] = channel,
                        ["OriginalQueueId"] = queue.Id, ["RequestDateTime"] = Iso(handOver), ["AssignedDateTime"] = Iso(next.At), ["AcceptDateTime"] = Iso(secondAccept),
                        ["SpeedToAnswer"] = Secs(secondAccept - handOver), ["CapacityWeight"] = 1,
                    }, next.Agent, secondAccept, secondEnd, acw);
                    Finish(call, next.Agent, accepted, secondEnd, hold);
                    return;
                }
                var ended = accepted + talk + hold;
                Close(work, f.Agent, accepted, ended, acw);
                Finish(call, f.Agent, accepted, ended, hold);
                return;
            }
        }

        private void Close(JsonObject work, Agent agent, DateTimeOffset accepted, DateTimeOffset ended, TimeSpan acw)
        {
            var closed = ended + acw;
            work["Status"] = "Closed";
            work["CloseDateTime"] = Iso(closed);
            work["HandleTime"] = Secs(closed - accepted);
            work["ActiveTime"] = Secs(ended - accepted);
            work["AfterConversationActualTime"] = Secs(acw);
            Write("AgentWork", work);
            _busyUntil[agent.Id] = closed;
        }

        private void Finish(SRecord? call, Agent agent, DateTimeOffset accepted, DateTimeOffset ended, TimeSpan hold)
        {
            if (call is null) return;
            Set(call, new()
            {
                ["CallAcceptDateTime"] = accepted, ["CallEndDateTime"] = ended, ["CallDurationInSeconds"] = (decimal)Secs(ended - accepted), ["CustomerHoldDuration"] = (decimal)Secs(hold),
                ["NumberOfHolds"] = hold > TimeSpan.Zero ? 1m : 0m, ["UserId"] = agent.Id,
            });
        }
    }
}
