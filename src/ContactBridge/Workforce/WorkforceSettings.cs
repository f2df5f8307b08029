using System.Text.RegularExpressions;

namespace ContactBridge.Workforce;

/// <summary>The two kinds of integration a workforce-management tool takes from Salesforce's side.</summary>
public static class WorkforceKinds
{
    public const string Historical = "historical";
    public const string RealTime = "realtime";

    public static bool IsKnown(string kind) => kind is Historical or RealTime;
}

/// <summary>Where a tenant's feeds come from: its contact center's events, or a Salesforce org whose Omni-Channel is the contact center.</summary>
public static class WorkforceSources
{
    public const string ContactCenter = "contact_center";
    public const string Salesforce = "salesforce";
}

public enum ActivityCategory { None, Admin, Idle, NotReady, Ready }

/// <summary>The four activity lists: which agent activities count as Admin, Idle, Not-ready and Ready time (names match ignoring case).</summary>
public sealed class ActivityCategories
{
    private readonly Dictionary<string, ActivityCategory> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ActivityCategories(string admin, string idle, string notReady, string ready)
    {
        foreach (var (list, category) in new[] { (admin, ActivityCategory.Admin), (idle, ActivityCategory.Idle), (notReady, ActivityCategory.NotReady), (ready, ActivityCategory.Ready) })
            foreach (var name in WorkforceSettingsRules.Names(list))
                _byName.TryAdd(name, category);
    }

    public ActivityCategory CategoryOf(string activity) => _byName.GetValueOrDefault(activity);
}

/// <summary>
/// A historical integration (interval statistics per queue and per agent), as the seed's "Historical settings" list them, plus
/// where the data comes from, the interval length and the time zone intervals follow. The client secret is kept apart, encrypted.
/// </summary>
public sealed record HistoricalSettings
{
    public bool Enabled { get; init; }

    /// <summary><c>contact_center</c> (its events) or <c>salesforce</c> (Omni-Channel data read with the credentials).</summary>
    public string Source { get; init; } = WorkforceSources.ContactCenter;

    /// <summary>The connected app's client id, for the client-credentials flow; empty: the tenant's Salesforce link.</summary>
    public string? ClientId { get; init; }

    public string TokenUrl { get; init; } = WorkforceSettingsRules.DefaultTokenUrl;

    /// <summary>The Salesforce API version, "v62.0" or "62.0"; empty: the tenant's link's.</summary>
    public string? ApiVersion { get; init; }

    public string AdminActivities { get; init; } = "";
    public string IdleActivities { get; init; } = "";
    public string NotReadyActivities { get; init; } = "Unavailable; Break; Lunch; Meeting; Training; Personal";
    public string ReadyActivities { get; init; } = "Available; On contact; After call work";

    /// <summary>Contacts answered within this many seconds count toward the service level.</summary>
    public int ServiceLevelSeconds { get; init; } = 20;

    /// <summary>A contact abandoned after waiting less than this many seconds is a short abandon.</summary>
    public int ShortAbandonSeconds { get; init; } = 5;

    public int IntervalMinutes { get; init; } = 15;

    /// <summary>An IANA time zone (Europe/Berlin): intervals follow its wall clock.</summary>
    public string TimeZone { get; init; } = "UTC";

    public IntervalClock Clock() => new(TimeSpan.FromMinutes(IntervalMinutes), TimeZoneInfo.FindSystemTimeZoneById(TimeZone));

    public IntervalCalculator Calculator() =>
        new(Clock(), new ActivityCategories(AdminActivities, IdleActivities, NotReadyActivities, ReadyActivities), ServiceLevelSeconds, ShortAbandonSeconds);
}

/// <summary>A real-time integration (each agent's state as it changes), as the seed's "Realtime settings" list them.</summary>
public sealed record RealTimeSettings
{
    public bool Enabled { get; init; }

    /// <summary>
    /// <c>contact_center</c>: agents' states come from the contact center's events (and are published as the platform event, when
    /// one is named); <c>salesforce</c>: Omni-Channel publishes them as the platform event, and the hub subscribes to it.
    /// </summary>
    public string Source { get; init; } = WorkforceSources.ContactCenter;
    public string? ClientId { get; init; }
    public string TokenUrl { get; init; } = WorkforceSettingsRules.DefaultTokenUrl;
    public string? ApiVersion { get; init; }

    /// <summary>The platform event (Agent_State__e) each state change is published as, or read from when Omni-Channel is the source; empty: none.</summary>
    public string? PlatformEvent { get; init; }

    /// <summary>Of the fields the hub fills (AgentId__c, State__c, Reason__c, Activity__c, Category__c, Since__c), those the event has: found when saved.</summary>
    public IReadOnlyList<string>? PlatformEventFields { get; init; }

    /// <summary>Where each batch of state changes is posted, signed with the integration's webhook secret; empty: no webhook.</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>Asked with a save (true): a new webhook secret replaces the old one at once and is shown in the answer. Never stored.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? NewWebhookSecret { get; init; }
}

/// <summary>One problem with one setting, named as the API names it.</summary>
public sealed record SettingProblem(string Setting, string Message);

/// <summary>The rules settings are held to before anything is saved (those that need Salesforce are checked by <see cref="WorkforceOrgCheck"/>).</summary>
public static partial class WorkforceSettingsRules
{
    public const string DefaultTokenUrl = "https://login.salesforce.com/services/oauth2/token";
    public const string DefaultGroup = "default";

    /// <summary>The activities the contact center's agent states give (an unavailable state with a reason gives the reason).</summary>
    public static readonly string[] StateActivities = ["Available", "On contact", "After call work", "Unavailable"];

    /// <summary>Time logged out is no activity: naming it in a list is a mistake the seed warns of for Not-ready.</summary>
    public static readonly string[] OfflineActivities = ["Offline", "Logged out"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")]
    private static partial Regex GroupPattern();

    [GeneratedRegex("^v?([1-9][0-9]{1,2})\\.0$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,69}__e$")]
    private static partial Regex PlatformEventPattern();

    public static string? GroupProblem(string group) =>
        GroupPattern().IsMatch(group) ? null : "A group name is 1 to 64 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit.";

    /// <summary>"v62.0" or "62.0" as "62.0"; null when it is not a version.</summary>
    public static string? Version(string? text) => text is null ? null : VersionPattern().Match(text.Trim()) is { Success: true } m ? $"{m.Groups[1].Value}.0" : null;

    public static IEnumerable<string> Names(string list) =>
        list.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.OrdinalIgnoreCase);

    private static readonly (string Setting, Func<HistoricalSettings, string> List)[] Lists =
    [
        ("adminActivities", s => s.AdminActivities), ("idleActivities", s => s.IdleActivities),
        ("notReadyActivities", s => s.NotReadyActivities), ("readyActivities", s => s.ReadyActivities),
    ];

    /// <summary>
    /// Everything about a historical integration that can be checked without Salesforce: <paramref name="activities"/> are those the
    /// tenant's agents can be in (for the contact center: its states and the reasons it has used or the hub knows).
    /// </summary>
    /// <remarks><paramref name="activities"/> null: not known (the org could not be asked), so names are not checked against them.</remarks>
    public static List<SettingProblem> Problems(HistoricalSettings s, IReadOnlyCollection<string>? activities, bool orgStatuses = false)
    {
        var problems = new List<SettingProblem>();
        if (s.Source is not (WorkforceSources.ContactCenter or WorkforceSources.Salesforce))
            problems.Add(new("source", $"The source is \"{WorkforceSources.ContactCenter}\" (the contact center's events) or \"{WorkforceSources.Salesforce}\" (Omni-Channel in the org)."));
        Credentials(s.ClientId, s.TokenUrl, s.ApiVersion, problems);
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (setting, list) in Lists)
        {
            var text = list(s);
            if (text.Length > 4000) { problems.Add(new(setting, "A list is at most 4,000 characters.")); continue; }
            foreach (var name in Names(text))
            {
                if (OfflineActivities.Contains(name, StringComparer.OrdinalIgnoreCase))
                    problems.Add(new(setting, setting == "notReadyActivities"
                        ? $"\"{name}\" is an offline activity: do not include offline activities in Not-ready (time logged out is not counted)."
                        : $"\"{name}\" is an offline activity: time logged out is not counted in any list."));
                else if (activities is not null && !activities.Contains(name, StringComparer.OrdinalIgnoreCase))
                    problems.Add(new(setting, orgStatuses
                        ? $"\"{name}\" is not an Omni-Channel presence status in the org. The org has: {string.Join("; ", activities)}."
                        : $"\"{name}\" is not an activity the agents can be in. Known: {string.Join("; ", activities)}."));
                else if (seen.TryGetValue(name, out var other))
                    problems.Add(new(setting, $"\"{name}\" is already in {other}: an activity counts in one list only."));
                else seen[name] = setting;
            }
        }
        if (s.ServiceLevelSeconds is < 0 or > 3600)
            problems.Add(new("serviceLevelSeconds", "The service level and abandonment threshold is 0 to 3,600 seconds (default 20)."));
        if (s.ShortAbandonSeconds is < 0 or > 3600)
            problems.Add(new("shortAbandonSeconds", "The abandoned short contact threshold is 0 to 3,600 seconds (default 5)."));
        if (s.IntervalMinutes is not (15 or 30))
            problems.Add(new("intervalMinutes", "Intervals are 15 or 30 minutes long."));
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(s.TimeZone ?? "", out _))
            problems.Add(new("timeZone", $"\"{s.TimeZone}\" is not a time zone: use an IANA name such as Europe/Berlin or America/New_York, or UTC."));
        return problems;
    }

    public static List<SettingProblem> Problems(RealTimeSettings s)
    {
        var problems = new List<SettingProblem>();
        if (s.Source is not (WorkforceSources.ContactCenter or WorkforceSources.Salesforce))
            problems.Add(new("source", $"The source is \"{WorkforceSources.ContactCenter}\" (the contact center's events) or \"{WorkforceSources.Salesforce}\" (Omni-Channel, through the platform event)."));
        else if (s.Source == WorkforceSources.Salesforce && string.IsNullOrWhiteSpace(s.PlatformEvent))
            problems.Add(new("platformEvent", "With Salesforce as the source the hub hears agents' states through a platform event: name it (such as Agent_State__e)."));
        Credentials(s.ClientId, s.TokenUrl, s.ApiVersion, problems);
        if (!string.IsNullOrWhiteSpace(s.PlatformEvent) && !PlatformEventPattern().IsMatch(s.PlatformEvent.Trim()))
            problems.Add(new("platformEvent", $"\"{s.PlatformEvent}\" is not a platform event's API name: it ends in __e, such as Agent_State__e."));
        if (s.PlatformEventFields is not null) problems.Add(new("platformEventFields", "The hub finds the platform event's fields itself when the settings are saved: leave this out."));
        return problems;
    }

    private static void Credentials(string? clientId, string? tokenUrl, string? apiVersion, List<SettingProblem> problems)
    {
        if (clientId is { Length: > 255 }) problems.Add(new("clientId", "A client id is at most 255 characters."));
        if (!Uri.TryCreate(tokenUrl, UriKind.Absolute, out var url) || !(url.Scheme == "https" || (url.Scheme == "http" && url.IsLoopback)) || !url.AbsolutePath.EndsWith("/services/oauth2/token", StringComparison.Ordinal))
            problems.Add(new("tokenUrl", $"The OAuth 2.0 URL is a token endpoint such as {DefaultTokenUrl} (https://test.salesforce.com/… for a sandbox, or your My Domain)."));
        if (!string.IsNullOrWhiteSpace(apiVersion) && Version(apiVersion) is null)
            problems.Add(new("apiVersion", $"\"{apiVersion}\" is not a Salesforce API version: write it as v62.0 or 62.0."));
    }
}
