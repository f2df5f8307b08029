namespace ContactBridge.ContactCenterEmulator.Commitments;

/// <summary>A promised callback: when due, a call to the number is queued on its skill or offered to its agent.</summary>
public sealed class Commitment
{
    public required string Id { get; init; }
    public required string Number { get; init; }
    public DateTimeOffset Due { get; set; }
    public string? Skill { get; init; }
    public string? AgentId { get; init; }
    public string? Notes { get; init; }
    public string CreatedBy { get; init; } = "";
    /// <summary>scheduled, due (its callback contact exists), done.</summary>
    public string Status { get; set; } = "scheduled";
    public string? ContactId { get; set; }
}
