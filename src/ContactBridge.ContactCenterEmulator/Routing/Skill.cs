using ContactBridge.ContactCenterEmulator.Contacts;

namespace ContactBridge.ContactCenterEmulator.Routing;

/// <summary>A skill and its queue, oldest first (a contact sent back goes to the head).</summary>
public sealed class Skill
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Channel { get; init; }
    public List<Contact> Queue { get; } = [];
    /// <summary>The counters last sent in a snapshot, to send one again only when they change.</summary>
    public (int Waiting, int Staffed, int Available)? LastSent { get; set; }
}
