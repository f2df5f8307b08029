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

    /// <summary>ConversationVendorInfo records by developer name: where each telephony vendor's connector lives. Callers hold the org's lock.</summary>
    public Dictionary<string, VendorInfo> VendorInfos { get; } = new(StringComparer.OrdinalIgnoreCase);

    private List<PresenceStatus>? _presence;

    /// <summary>The Omni-Channel presence statuses agents choose from in the voice widget (made on first use). Callers hold the org's lock.</summary>
    public IReadOnlyList<PresenceStatus> PresenceStatuses(Org.SalesforceOrg org) => _presence ??=
    [
        new(org.NewId("0N5"), "Available_for_Voice", "Available for Voice", true),
        new(org.NewId("0N5"), "Busy", "Busy", false),
        new(org.NewId("0N5"), "Break", "Break", false),
        new(org.NewId("0N5"), "Lunch", "Lunch", false),
    ];

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

/// <summary>A ConversationVendorInfo: a telephony vendor and the URL of its connector, which the voice widget loads.</summary>
public sealed record VendorInfo(string DeveloperName, string MasterLabel, string VendorType, string ConnectorUrl);

/// <summary>An Omni-Channel presence status: online ones take voice calls (the connector hears Online), the others Offline.</summary>
public sealed record PresenceStatus(string Id, string DeveloperName, string MasterLabel, bool Online);
