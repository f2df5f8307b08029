namespace ContactBridge.ContactCenterEmulator.Events;

/// <summary>The CloudEvents types this emulator sends (protocol version 1).</summary>
public static class EventTypes
{
    private const string Interaction = "com.contactbridge.interaction.";
    private const string AgentPrefix = "com.contactbridge.agent.";

    public const string Started = Interaction + "started";
    public const string Offered = Interaction + "offered";
    public const string Connected = Interaction + "connected";
    public const string Held = Interaction + "held";
    public const string Resumed = Interaction + "resumed";
    public const string Muted = Interaction + "muted";
    public const string Transferred = Interaction + "transferred";
    public const string Conferenced = Interaction + "conferenced";
    public const string WrapUpStarted = Interaction + "wrap_up_started";
    public const string WrapUpEnded = Interaction + "wrap_up_ended";
    public const string MessageAppended = Interaction + "message_appended";
    public const string Ended = Interaction + "ended";

    public const string LoggedIn = AgentPrefix + "logged_in";
    public const string LoggedOut = AgentPrefix + "logged_out";
    public const string StateChanged = AgentPrefix + "state_changed";
    public const string SkillsAssigned = AgentPrefix + "skills_assigned";
    public const string LegChanged = AgentPrefix + "leg_changed";
    public const string AgentMessage = AgentPrefix + "message";

    public const string QueueSnapshot = "com.contactbridge.queue.snapshot";

    public const string CommitmentCreated = "com.contactbridge.commitment.created";
    public const string CommitmentUpdated = "com.contactbridge.commitment.updated";
    public const string CommitmentDone = "com.contactbridge.commitment.done";

    public const string AddressBookUpdated = "com.contactbridge.address_book.updated";
}
