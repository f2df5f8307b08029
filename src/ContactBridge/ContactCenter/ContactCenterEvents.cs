using System.Text.Json.Nodes;
using ContactBridge.Intake;
using static ContactBridge.Intake.EventDataSchema;

namespace ContactBridge.ContactCenter;

/// <summary>
/// The contact center's live state, as events of the open protocol (version 1): agents logging in and out,
/// changing state and skills, and each queue's counters. They arrive on the same signed intake as interaction
/// events; their <c>subject</c> is the agent's or the queue's (skill's) id in the contact center.
/// </summary>
public static class ContactCenterEvents
{
    public const string AgentPrefix = "com.contactbridge.agent.";
    public const string QueuePrefix = "com.contactbridge.queue.";
    public const string CommitmentPrefix = "com.contactbridge.commitment.";
    public const string AddressBookPrefix = "com.contactbridge.address_book.";

    public const string LoggedIn = AgentPrefix + "logged_in";
    public const string LoggedOut = AgentPrefix + "logged_out";
    public const string StateChanged = AgentPrefix + "state_changed";
    public const string SkillsAssigned = AgentPrefix + "skills_assigned";
    public const string LegChanged = AgentPrefix + "leg_changed";
    public const string AgentMessage = AgentPrefix + "message";
    public const string QueueSnapshot = QueuePrefix + "snapshot";
    public const string CommitmentCreated = CommitmentPrefix + "created";
    public const string CommitmentUpdated = CommitmentPrefix + "updated";
    public const string CommitmentDone = CommitmentPrefix + "done";
    public const string AddressBookUpdated = AddressBookPrefix + "updated";

    /// <summary>An agent's states: what routing needs to know, whatever the contact center calls them (its own name goes in the reason).</summary>
    public static readonly IReadOnlyList<string> States = ["available", "unavailable", "after_call_work", "on_contact", "offline"];

    /// <summary>The channels a queue can serve.</summary>
    public static readonly IReadOnlyList<string> QueueChannels = ["phone", "chat", "email", "work_item", "personal"];

    /// <summary>The agent's leg: the line between the contact center and the agent's phone or station.</summary>
    public static readonly IReadOnlyList<string> Legs = ["connecting", "connected", "disconnected"];

    public static bool IsContactCenterType(string type) => Types.ContainsKey(type);

    /// <summary>Which part of the picture an event changes (what a subscriber is sent): its agent, queue, commitment, address book, or a message to its agent.</summary>
    public static string PartOf(string type) => type switch
    {
        AgentMessage => PictureChange.Message,
        _ when type.StartsWith(QueuePrefix, StringComparison.Ordinal) => PictureChange.Queue,
        _ when type.StartsWith(CommitmentPrefix, StringComparison.Ordinal) => PictureChange.Commitment,
        _ when type.StartsWith(AddressBookPrefix, StringComparison.Ordinal) => PictureChange.AddressBook,
        _ => PictureChange.Agent,
    };

    private static IReadOnlyList<Field> CommitmentFields(string what) => [
        new Phone("number", "The number to call back."),
        new Timestamp("due", "When it is due."),
        new Identifier("skill", MaxShortText, "The skill that calls back (null for a personal callback)."),
        new Identifier("agentId", MaxShortText, "The agent who calls back (a personal callback)."),
        new Text("notes", 4_000, what),
    ];

    /// <summary>Each type's data, with what it means.</summary>
    public static readonly IReadOnlyDictionary<string, (string Summary, IReadOnlyList<Field> Fields)> Types =
        new Dictionary<string, (string, IReadOnlyList<Field>)>(StringComparer.Ordinal)
        {
            [LoggedIn] = ("subject: the agent id; agent {email, name, team}, station, phoneNumber", [
                new Obj("agent", [
                    new Email("email", "The agent's e-mail: the Salesforce user with it is the agent in Salesforce."),
                    new Text("name", MaxShortText, "The agent's name."),
                    new Text("team", MaxShortText, "The agent's team (a workforce-management tool's user import takes it)."),
                ], "Who logged in."),
                new Identifier("station", MaxShortText, "The station or extension the agent logged in at."),
                new Phone("phoneNumber", "The number the agent's calls ring at, when it is a phone rather than a station."),
            ]),
            [LoggedOut] = ("subject: the agent id", []),
            [StateChanged] = ("subject: the agent id; state (available, unavailable, after_call_work, on_contact, offline), reason", [
                new OneOf("state", States, "The agent's state."),
                new Text("reason", MaxShortText, "Why (Break, Lunch, Training, …): the contact center's own reason code."),
            ]),
            [SkillsAssigned] = ("subject: the agent id; skills {skill id: proficiency}", [
                new Map("skills", "The agent's skills (queues) now, each with its proficiency: replaces the skills sent before."),
            ]),
            [LegChanged] = ("subject: the agent id; leg (connecting, connected, disconnected)", [
                new OneOf("leg", Legs, "The agent's line to its phone or station: a call cannot reach a disconnected agent."),
            ]),
            [AgentMessage] = ("subject: the agent id it is for; from, text", [
                new Text("from", MaxShortText, "Who sent it (a supervisor)."),
                new Text("text", 4_000, "The message."),
            ]),
            [CommitmentCreated] = ("subject: the commitment (callback) id; number, due, skill or agentId, notes", CommitmentFields("What it is about.")),
            [CommitmentUpdated] = ("subject: the commitment id; number, due, skill or agentId, notes (all of it, as it is now)", CommitmentFields("What it is about.")),
            [CommitmentDone] = ("subject: the commitment id; outcome (completed, cancelled)", [
                new OneOf("outcome", ["completed", "cancelled"], "How it ended."),
            ]),
            [AddressBookUpdated] = ("subject: the address book id; name, entries [{name, number, agentId, skill}] (all of them, replacing the earlier ones)", [
                new Text("name", MaxShortText, "The book's name."),
                new List("entries", [
                    new Text("name", MaxShortText, "Who or what it is."),
                    new Phone("number", "A number to dial or transfer to."),
                    new Identifier("agentId", MaxShortText, "An agent to transfer to."),
                    new Identifier("skill", MaxShortText, "A skill to transfer to."),
                ], 5_000, "The entries."),
            ]),
            [QueueSnapshot] = ("subject: the skill (queue) id; name, channel, waiting, longestWaitSeconds, staffed, available", [
                new Text("name", MaxShortText, "The skill's name."),
                new OneOf("channel", QueueChannels, "What it serves."),
                new Integer("waiting", 0, 1_000_000, "Contacts waiting now."),
                new Integer("longestWaitSeconds", 0, 30L * 24 * 3600, "How long the longest-waiting contact has waited."),
                new Integer("staffed", 0, 1_000_000, "Agents logged in with the skill."),
                new Integer("available", 0, 1_000_000, "Of those, agents available."),
            ]),
        };

    /// <summary>What each type must carry: without it the picture would be wrong (a state of nothing, counters of zero, skills wiped).</summary>
    private static readonly IReadOnlyDictionary<string, string[]> Required = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [StateChanged] = ["state"],
        [SkillsAssigned] = ["skills"],
        [QueueSnapshot] = ["waiting", "longestWaitSeconds", "staffed", "available"],
        [LegChanged] = ["leg"],
        [AgentMessage] = ["text"],
        [CommitmentCreated] = ["number", "due"],
        [CommitmentUpdated] = ["number", "due"],
        [AddressBookUpdated] = ["entries"],
    };

    /// <summary>How far ahead of the hub's clock an event's time may be: one dated later would hold its part of the picture until then.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public static void Check(string type, JsonObject data, string where, List<string> problems)
    {
        if (!Types.TryGetValue(type, out var shape)) return;
        CheckFields(shape.Fields, data, where, problems);
        foreach (var name in Required.GetValueOrDefault(type) ?? [])
            if (data[name] is null) problems.Add($"{where}.data.{name} is required for {type}.");
    }

    /// <summary>The live state is ordered by when things happened: such events must say when, and not from the future.</summary>
    public static void CheckTime(JsonObject e, DateTimeOffset? time, DateTimeOffset receivedAt, string where, List<string> problems)
    {
        if (e["time"] is null) problems.Add($"{where}.time is required for the contact center's agent and queue events (they are ordered by it).");
        else if (time > receivedAt + MaxClockSkew)
            problems.Add($"{where}.time is more than {MaxClockSkew.TotalMinutes:0} minutes ahead of the hub's clock; check the contact center's clock.");
    }

    /// <summary>The JSON Schema of each type's data, for the OpenAPI document.</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> Schemas() =>
        Types.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)SchemaOf(t.Value.Fields, $"The data of a {t.Key} event.")));
}
