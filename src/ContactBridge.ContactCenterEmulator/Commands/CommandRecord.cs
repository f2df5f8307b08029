namespace ContactBridge.ContactCenterEmulator.Commands;

/// <summary>A command received, its answer (kept to answer a repeat of its idempotency key the same), and how often it came and ran.</summary>
public sealed class CommandRecord
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string AgentId { get; init; }
    public required string Outcome { get; init; }
    public string? Reason { get; init; }
    public int TimesExecuted { get; init; }
    public int TimesReceived { get; set; } = 1;
    public DateTimeOffset FirstReceivedAt { get; init; }
    public DateTimeOffset LastReceivedAt { get; set; }
    public required byte[] Answer { get; init; }
}
