using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Org;

/// <summary>Sign-in secrets of a user; the user's other fields live in its User record.</summary>
public sealed class UserCredential
{
    public required string UserId { get; init; }
    public string? PasswordHash { get; set; }
    public string? PasswordSalt { get; set; }
    /// <summary>The security token appended to the password in the username-password flow.</summary>
    public string SecurityToken { get; set; } = "";
}

/// <summary>One emulated org: schema, records, users' credentials, and the daily API allowance.</summary>
public sealed class SalesforceOrg
{
    public SalesforceOrg(string key, string id, string pod)
    {
        Key = key;
        Id = id;
        Pod = pod;
    }

    /// <summary>The short name used in URLs (<c>/orgs/{key}</c>) and seed files.</summary>
    public string Key { get; }
    public string Id { get; }
    public string Pod { get; }
    public string Name { get; set; } = "";
    public bool IsSandbox { get; set; }
    public string Edition { get; set; } = "Developer Edition";
    public string InstanceName { get; set; } = "CB1";
    public OrgSchema Schema { get; } = new();
    public RecordStore Records { get; } = new();
    public Dictionary<string, UserCredential> Credentials { get; } = new(StringComparer.Ordinal);
    public ApiUsage Api { get; } = new();

    /// <summary>Each user's recently viewed records (SOQL's FOR VIEW and FOR REFERENCE), for <c>/recent</c>.</summary>
    public RecentlyViewed RecentlyViewed { get; } = new();

    /// <summary>Platform events and change events, with replay ids.</summary>
    public required Events.EventBus Events { get; init; }

    /// <summary>PushTopic events, sent a moment after their write (made on first use).</summary>
    public Events.DeferredEvents? DeferredEvents { get; set; }

    /// <summary>The entities selected for Change Data Capture (Setup → Change Data Capture).</summary>
    public HashSet<string> ChangeDataCapture { get; } = new(["Contact", "Lead", "Account", "Case", "User"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The Lightning console's own state: recent records, the softphone layout, the Open CTI record.</summary>
    public Lightning.ConsoleState Console { get; } = new();

    /// <summary>What telephony providers posted as their calls' transcripts (Telephony Integration REST API).</summary>
    public Telephony.Transcripts Transcripts { get; } = new();

    /// <summary>Held around every read and write of this org's records.</summary>
    public object Sync { get; } = new();

    public string NewId(string keyPrefix) => SalesforceId.New(keyPrefix, Pod, ++Records.IdCounter);

    public SRecord? UserByUsername(string username)
    {
        var field = Schema.Require("User").Field("Username")!;
        return Records.FindBy(Schema.Require("User"), field, username).FirstOrDefault();
    }

    public static bool IsActive(SRecord user) => user["IsActive"] is true;

    /// <summary>Whether the user's profile has Modify All Data: such a user may see and manage other users' bulk jobs.</summary>
    public bool CanModifyAllData(string userId)
    {
        lock (Sync) return Records.Get(userId)?.GetString("ProfileId") is { } profileId && Records.Get(profileId)?["PermissionsModifyAllData"] is true;
    }

    public bool IsApiOnly(SRecord user)
    {
        var profileId = user.GetString("ProfileId");
        return profileId is not null && Records.Get(profileId)?["PermissionsApiUserOnly"] is true;
    }
}

/// <summary>
/// The org's daily API request allowance (DailyApiRequests). Salesforce counts a rolling 24 hours;
/// the emulator counts per UTC day of its clock, which is the same figure for a test's duration.
/// </summary>
public sealed class ApiUsage
{
    private readonly object _sync = new();
    private DateOnly _day;

    public long Max { get; set; } = 100_000;
    public long Used { get; private set; }

    /// <summary>Counts one call; false when the allowance is already spent (the call is refused and not counted).</summary>
    public bool TryCount(DateTimeOffset now)
    {
        lock (_sync)
        {
            Roll(now);
            if (Used >= Max) return false;
            Used++;
            return true;
        }
    }

    public (long Used, long Max) Snapshot(DateTimeOffset now)
    {
        lock (_sync)
        {
            Roll(now);
            return (Used, Max);
        }
    }

    public void Set(long used)
    {
        lock (_sync) Used = used;
    }

    private void Roll(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today != _day)
        {
            _day = today;
            Used = 0;
        }
    }
}
