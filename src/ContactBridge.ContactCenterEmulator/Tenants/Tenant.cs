using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Commitments;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;
using ContactBridge.ContactCenterEmulator.Routing;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>
/// One tenant's contact center: agents, skills and their queues, contacts, commitments and address books.
/// Everything that changes it takes the one lock, so that routing always sees a consistent picture; the events
/// it causes are logged in the same step, in the order they happened.
/// </summary>
public sealed partial class Tenant
{
    public const string Source = "/contactbridge-contact-center-emulator";
    /// <summary>Ended contacts kept for the control API; older ones are forgotten.</summary>
    public const int MaxEndedContacts = 5_000;
    public static readonly TimeSpan FullSnapshotEvery = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly ContactCenter _center;
    private readonly TimeProvider _clock;
    private readonly Random _random;
    private readonly List<Skill> _skills;
    private readonly Dictionary<string, Skill> _skillsById;
    private readonly List<Agent> _agents;
    private readonly Dictionary<string, Agent> _agentsById;
    private readonly Dictionary<string, Contact> _contacts = new(StringComparer.Ordinal);
    private readonly Queue<Contact> _endedOrder = new();
    /// <summary>Callbacks promised to one agent without a skill: offered to that agent only.</summary>
    private readonly List<Contact> _personal = [];
    private readonly Dictionary<string, Commitment> _commitments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AddressBookSeed> _books = new(StringComparer.Ordinal);
    private PatienceSetting _patience;
    private DateTimeOffset? _lastFullSnapshot;

    internal Tenant(TenantSeed seed, ContactCenter center)
    {
        _center = center;
        _clock = center.Clock;
        _random = center.NewRandom();
        Seed = seed;
        Id = seed.Id!;
        HubEventsUrl = seed.HubEventsUrl is null ? null : new Uri(seed.HubEventsUrl);
        _patience = seed.Patience ?? new PatienceSetting();
        _skills = seed.Skills.Select(s => new Skill { Id = s.Id!, Name = s.Name ?? s.Id!, Channel = s.Channel! }).ToList();
        _skillsById = _skills.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _agents = seed.Agents.Select(a => new Agent
        {
            Id = a.Id!, Name = a.Name!, Email = a.Email, Password = a.Password, SeedStation = a.Station, SeedPhoneNumber = a.PhoneNumber, Team = a.Team,
            Skills = new Dictionary<string, int>(a.Skills ?? [], StringComparer.Ordinal), AutoAnswer = a.AutoAnswer,
            StateSince = Now, IdleSince = Now,
        }).ToList();
        _agentsById = _agents.ToDictionary(a => a.Id, StringComparer.Ordinal);
        foreach (var book in seed.AddressBooks) _books[book.Id!] = book;
    }

    public string Id { get; }
    public Uri? HubEventsUrl { get; }
    public string? EventSecret => Seed.EventSecret;
    public string CommandSecret => Seed.CommandSecret!;
    public TenantSeed Seed { get; }
    public EventLog Events { get; } = new();

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>The events a tenant starts with: its address books, and the agents seeded as logged in.</summary>
    internal void Start()
    {
        lock (_gate)
        {
            foreach (var book in _books.Values) EmitAddressBook(book);
            foreach (var (agent, seed) in _agents.Zip(Seed.Agents))
                if (seed.LoggedIn) LogIn(agent, agent.SeedStation, agent.SeedPhoneNumber, available: true);
            Route();
        }
    }

    /// <summary>One pass of everything that happens with time: patience, ring timeouts, auto-answer and talk, wrap-up, commitments, load, snapshots.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            var now = Now;
            foreach (var c in _contacts.Values.Where(c => c.Phase is ContactPhases.Queued or ContactPhases.Offered).ToList())
            {
                if (c.ConnectedAt is null && c.PatienceEndsAt <= now) Abandon(c);
                else if (c.Phase == ContactPhases.Offered && c.RingEndsAt <= now) RingTimedOut(c);
            }
            foreach (var a in _agents)
            {
                if (a.AutoAnswerAt <= now && a.Reserved is { Phase: ContactPhases.Offered } offered) Connect(offered, a);
                if (a.TalkEndsAt <= now && a.Current is { } talking) EndAnswered(talking, a);
                if (a.InWrapUp && a.WrapUpEndsAt <= now) EndWrapUp(a, null);
            }
            DueCommitments(now);
            LoadArrivals(now);
            Route();
            Snapshots(now);
        }
    }

    private void Emit(string type, string subject, JsonObject data)
    {
        var seq = _center.NextSeq();
        var now = Now;
        // Zero-padded: of two events at the same time for the same part, the hub keeps the one with the greater id, so ids sort in the order they happen.
        var id = $"{_center.RunId}-{seq:D12}";
        var json = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = id,
            ["source"] = Source,
            ["type"] = type,
            ["subject"] = subject,
            ["time"] = Rfc3339(now),
            ["datacontenttype"] = "application/json",
            ["data"] = data,
        }.ToJsonString(EventJson);
        Events.Append(new LoggedEvent
        {
            Seq = seq, Id = id, Type = type, Subject = subject, Time = now, Json = json,
            Status = HubEventsUrl is null ? EventStatus.Kept : EventStatus.Pending,
        });
    }

    /// <summary>Events are JSON for machines and for people reading the log: "+1415…" stays readable rather than "\u002B1415…".</summary>
    private static readonly System.Text.Json.JsonSerializerOptions EventJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private void Snapshots(DateTimeOffset now)
    {
        var full = _lastFullSnapshot is null || now - _lastFullSnapshot >= FullSnapshotEvery;
        foreach (var skill in _skills)
        {
            var counters = (skill.Queue.Count,
                _agents.Count(a => a.LoggedIn && a.Skills.ContainsKey(skill.Id)),
                _agents.Count(a => a.LoggedIn && a.Skills.ContainsKey(skill.Id) && a.State == AgentStates.Available));
            if (!full && skill.LastSent == counters) continue;
            skill.LastSent = counters;
            var longest = skill.Queue.Count == 0 ? 0 : (long)Math.Clamp((now - skill.Queue.Min(c => c.QueuedAt ?? now)).TotalSeconds, 0, 30 * 86_400);
            Emit(EventTypes.QueueSnapshot, skill.Id, new JsonObject
            {
                ["name"] = skill.Name, ["channel"] = skill.Channel, ["waiting"] = counters.Item1, ["longestWaitSeconds"] = longest,
                ["staffed"] = counters.Item2, ["available"] = counters.Item3,
            });
        }
        if (full) _lastFullSnapshot = now;
    }

    private JsonObject AgentRef(Agent a) => new() { ["id"] = a.Id, ["email"] = a.Email, ["name"] = a.Name };

    private void Track(Contact c) => _contacts[c.Id] = c;

    /// <summary>Ended contacts are kept a while for the control API, then forgotten so a long load run does not grow without end.</summary>
    private void Forget(Contact ended)
    {
        _endedOrder.Enqueue(ended);
        while (_endedOrder.Count > MaxEndedContacts && _endedOrder.Peek().Phase == ContactPhases.Ended)
            _contacts.Remove(_endedOrder.Dequeue().Id);
    }
}
