using ContactBridge.ContactCenterEmulator.Contacts;

namespace ContactBridge.ContactCenterEmulator.Agents;

/// <summary>One agent's live state; changed only under its tenant's lock.</summary>
public sealed class Agent
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Email { get; init; }
    public string? Password { get; init; }
    public string? SeedStation { get; init; }
    public string? SeedPhoneNumber { get; init; }
    public string? Team { get; init; }
    public required Dictionary<string, int> Skills { get; init; }
    public bool AutoAnswer { get; init; }

    public bool LoggedIn { get; set; }
    public string? Station { get; set; }
    public string? PhoneNumber { get; set; }
    public string State { get; set; } = AgentStates.Offline;
    public string? Reason { get; set; }
    public DateTimeOffset StateSince { get; set; }
    /// <summary>Since when the agent has been free for work: routing offers to the longest idle.</summary>
    public DateTimeOffset IdleSince { get; set; }
    public string Leg { get; set; } = Legs.None;

    /// <summary>The contact ringing at the agent (offered) or held for a consulted transfer to them.</summary>
    public Contact? Reserved { get; set; }
    public DateTimeOffset? AutoAnswerAt { get; set; }
    public Contact? Current { get; set; }
    public DateTimeOffset? TalkEndsAt { get; set; }

    public Contact? WrapUpContact { get; set; }
    public DateTimeOffset? WrapUpEndsAt { get; set; }
    /// <summary>The state the agent asked for during a timed wrap-up, taken when it ends.</summary>
    public (string State, string? Reason)? AfterWrapUp { get; set; }

    public bool InWrapUp => State == AgentStates.AfterCallWork;

    /// <summary>Free to be offered a contact of this channel now.</summary>
    public bool IsFreeFor(string channel) =>
        LoggedIn && State == AgentStates.Available && Reserved is null && Current is null
        && (channel != "voice" || Leg != Legs.Disconnected);
}

public static class AgentStates
{
    public const string Available = "available";
    public const string Unavailable = "unavailable";
    public const string AfterCallWork = "after_call_work";
    public const string OnContact = "on_contact";
    public const string Offline = "offline";
}

public static class Legs
{
    public const string None = "none";
    public const string Connecting = "connecting";
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";
}
