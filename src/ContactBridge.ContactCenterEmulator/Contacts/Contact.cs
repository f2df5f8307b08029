using System.Text;
using System.Text.Json.Nodes;

namespace ContactBridge.ContactCenterEmulator.Contacts;

/// <summary>One contact (call, chat or e-mail) and where it is now; changed only under its tenant's lock.</summary>
public sealed class Contact
{
    public required string Id { get; init; }
    public required string Channel { get; init; }
    public required string Direction { get; init; }
    public string? Skill { get; set; }
    public string? CallerPhone { get; init; }
    public string? CallerEmail { get; init; }
    public string? CallerName { get; init; }
    public string? DialledNumber { get; init; }
    public JsonObject? Ivr { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    public string Phase { get; set; } = ContactPhases.Queued;
    /// <summary>The agent it is offered to, connected to, or was last with.</summary>
    public string? AgentId { get; set; }
    /// <summary>Set while queued: routing offers the longest waiting first.</summary>
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? OfferedAt { get; set; }
    public DateTimeOffset? RingEndsAt { get; set; }
    public DateTimeOffset? ConnectedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? Outcome { get; set; }
    public TimeSpan? Patience { get; init; }
    public DateTimeOffset? PatienceEndsAt { get; set; }
    public bool Muted { get; set; }
    public StringBuilder Dtmf { get; } = new();
    public HashSet<string> DeclinedBy { get; } = new(StringComparer.Ordinal);
    /// <summary>A callback promised to one agent is offered to no one else.</summary>
    public string? OnlyForAgent { get; init; }
    public string? CommitmentId { get; init; }
    public Consultation? Consultation { get; set; }

    /// <summary>During a consultation: the customer and the consulted party all on the line (a conference).</summary>
    public bool Conferenced { get; set; }
    public int Transfers { get; set; }
    public bool FromLoad { get; init; }
}

/// <summary>A consulted transfer in progress: the customer is held while the agent talks to the target.</summary>
public sealed record Consultation(string? AgentId, string? Skill, string? Number);

public static class ContactPhases
{
    public const string Queued = "queued";
    public const string Offered = "offered";
    public const string Connected = "connected";
    public const string Held = "held";
    public const string WrapUp = "wrap_up";
    public const string Ended = "ended";
}
