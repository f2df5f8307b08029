using ContactBridge.Emulator.CallCenters;
using ContactBridge.Emulator.OpenCti;

namespace ContactBridge.Emulator.Lightning;

/// <summary>What one org's Lightning console remembers: each user's recent records, the softphone layout, and the Open CTI record.</summary>
public sealed class ConsoleState
{
    private const int RecentLimit = 20;
    private readonly Dictionary<string, LinkedList<string>> _recent = new(StringComparer.Ordinal);

    public SoftphoneLayout SoftphoneLayout { get; set; } = SoftphoneLayout.Default;

    public OpenCtiLog OpenCti { get; } = new();

    /// <summary>Most recent first. Callers hold the org's lock.</summary>
    public IReadOnlyList<string> RecentlyViewed(string userId) => _recent.TryGetValue(userId, out var list) ? list.ToList() : [];

    public void Viewed(string userId, string recordId)
    {
        if (!_recent.TryGetValue(userId, out var list)) _recent[userId] = list = new LinkedList<string>();
        list.Remove(recordId);
        list.AddFirst(recordId);
        while (list.Count > RecentLimit) list.RemoveLast();
    }
}
