using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Workforce;

/// <summary>What the API, the portal and the CLI show of one integration (never its client secret).</summary>
public sealed record WorkforceIntegrationView(string Kind, string Group, bool Enabled, HistoricalSettings? Historical, RealTimeSettings? RealTime, bool ClientSecretSet,
    DateTimeOffset? ComputedThrough, long Revision, DateTimeOffset UpdatedAt)
{
    /// <summary>The webhook's signing secret, in the answer that made it only (set it in the WFM tool; the hub shows it never again).</summary>
    public string? WebhookSecret { get; init; }

    public static WorkforceIntegrationView Of(WorkforceIntegrationRow r) => new(r.Kind, r.GroupName, r.IsEnabled,
        r.Kind == WorkforceKinds.Historical ? r.Historical() : null, r.Kind == WorkforceKinds.RealTime ? r.RealTime() : null, r.ClientSecretEnc is not null,
        r.ComputedThrough is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null, r.Revision, DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt));
}

/// <summary>The outcome of saving: the integration as saved, or the problems (by setting) that kept it as it was.</summary>
public sealed record WorkforceSaveOutcome(WorkforceIntegrationView? Saved, IReadOnlyList<SettingProblem> Problems);

/// <summary>
/// Saves integrations under the seed's rules: every setting checked (those that need the org, against the org) before anything
/// changes; real-time switched on only with a historical integration on (agent sync relies on historical data collection), and
/// the last historical integration not switched off or removed while a real-time one relies on it. What fails leaves the
/// integration as it was.
/// </summary>
public sealed class WorkforceIntegrations(WorkforceSettingsStore store, WorkforceOrgCheck orgCheck, HubDatabase db,
    Microsoft.Extensions.Options.IOptions<ContactCenter.ContactCenterOptions> network)
{
    /// <summary>Why a webhook URL cannot be used, or null: absolute https to a public address, unless the operator allows private networks.</summary>
    public string? WebhookUrlProblem(string url)
    {
        if (url.Length > 2_000) return "The webhook URL is longer than 2,000 characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            return "The webhook URL must be an absolute https URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "The webhook URL must not carry a user name or password: deliveries are authenticated by their signature.";
        if (network.Value.AllowPrivateNetwork) return null;
        if (uri.Scheme == "http" || uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var ip) && ContactCenter.ContactCenterConnections.IsPrivate(ip)))
            return "Deliveries travel over https to a public address. For a WFM tool on this machine or a private network (over plain http too), the hub's operator sets ContactCenter:AllowPrivateNetwork=true.";
        return null;
    }

    /// <summary>The activities the tenant's agents can be in: the contact center's states, and the reasons it has used or the hub knows.</summary>
    public async Task<IReadOnlyList<string>> KnownActivitiesAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var reasons = await c.QueryAsync<string>("SELECT DISTINCT reason FROM agents WHERE tenant_id = @tenantId AND reason IS NOT NULL", new { tenantId });
        return WorkforceSettingsRules.StateActivities.Concat(AgentAdapter.AgentApi.DefaultReasons).Concat(reasons.Select(r => r.Trim()))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public async Task<WorkforceSaveOutcome> SaveHistoricalAsync(string tenantId, string group, HistoricalSettings s, string? clientSecret, CancellationToken ct)
    {
        var problems = GroupProblems(group);
        var existing = await store.GetAsync(tenantId, WorkforceKinds.Historical, group, ct);
        var omni = s.Source == WorkforceSources.Salesforce;
        WorkforceOrgCheck.Outcome? check = null;
        if (omni && WorkforceSettingsRules.Problems(s with { ReadyActivities = "", NotReadyActivities = "", IdleActivities = "", AdminActivities = "" }, []) is { Count: 0 })
        {
            // The activities are the org's presence statuses: asked for before the lists are checked.
            check = await orgCheck.CheckAsync(tenantId, s.ClientId, SecretFor(existing, s.ClientId, s.TokenUrl, clientSecret), s.TokenUrl, s.ApiVersion, null, ct,
                presenceStatuses: true);
            if (check.Problems.Count > 0) return new(null, check.Problems);
        }
        problems.AddRange(WorkforceSettingsRules.Problems(s, omni ? check?.PresenceStatuses : await KnownActivitiesAsync(tenantId, ct), omni));
        if (existing is { IsEnabled: true } && !s.Enabled && await RealTimeReliesOnAsync(tenantId, group, ct) is { } realTime)
            problems.Add(new("enabled", $"The real-time integration \"{realTime}\" relies on this one (agent sync needs historical data collection): switch it off first."));
        if (problems.Count > 0) return new(null, problems);
        check ??= await orgCheck.CheckAsync(tenantId, s.ClientId, SecretFor(existing, s.ClientId, s.TokenUrl, clientSecret), s.TokenUrl, s.ApiVersion, null, ct);
        if (check.Problems.Count > 0) return new(null, check.Problems);
        var saved = s with { ApiVersion = WorkforceSettingsRules.Version(s.ApiVersion) ?? check.ApiVersion, ClientId = Blank(s.ClientId) };
        // What changes the numbers (or switching on again, after events went unmarked) computes everything again.
        var recompute = existing is null || !existing.IsEnabled || Computing(existing.Historical()) != Computing(saved);
        // Intervals of another length or time zone are other intervals: the old ones go, and all are computed again.
        var newGrid = existing is not null && (existing.Historical().IntervalMinutes, existing.Historical().TimeZone) != (saved.IntervalMinutes, saved.TimeZone);
        // Another source or another org: what was read from the org before is forgotten, and read again.
        var newOrg = existing is not null && (existing.Historical().Source, existing.Historical().ClientId, existing.Historical().TokenUrl) != (saved.Source, saved.ClientId, saved.TokenUrl);
        await store.SaveAsync(tenantId, WorkforceKinds.Historical, group, s.Enabled, saved with { Enabled = false }, SecretChange(saved.ClientId, clientSecret), recompute || newOrg, ct,
            forgetIntervals: newGrid || newOrg, forgetOmniChannel: newOrg);
        return new(WorkforceIntegrationView.Of((await store.GetAsync(tenantId, WorkforceKinds.Historical, group, ct))!), []);
    }

    public async Task<WorkforceSaveOutcome> SaveRealTimeAsync(string tenantId, string group, RealTimeSettings s, string? clientSecret, CancellationToken ct)
    {
        var problems = GroupProblems(group);
        problems.AddRange(WorkforceSettingsRules.Problems(s));
        if (Blank(s.WebhookUrl) is { } webhook && WebhookUrlProblem(webhook) is { } bad) problems.Add(new("webhookUrl", bad));
        if (s.NewWebhookSecret == true && Blank(s.WebhookUrl) is null) problems.Add(new("newWebhookSecret", "A new webhook secret is for a webhook: give the webhook URL too."));
        var all = await store.ListAsync(tenantId, ct);
        if (s.Enabled && !all.Any(i => i.Kind == WorkforceKinds.Historical && i.IsEnabled))
            problems.Add(new("enabled", "Configure and switch on a historical integration first: the real-time integration's agent sync relies on historical data collection."));
        // One event both published from the contact center's states and heard as Omni-Channel's would mix the two.
        if (Blank(s.PlatformEvent) is { } named && all.FirstOrDefault(i => i.Kind == WorkforceKinds.RealTime && i.GroupName != group
                && string.Equals(i.RealTime().PlatformEvent, named, StringComparison.OrdinalIgnoreCase) && i.RealTime().Source != s.Source) is { } other)
            problems.Add(new("platformEvent", $"The real-time integration \"{other.GroupName}\" uses {named} with the other source: use another platform event."));
        if (problems.Count > 0) return new(null, problems);
        var existing = await store.GetAsync(tenantId, WorkforceKinds.RealTime, group, ct);
        var check = await orgCheck.CheckAsync(tenantId, s.ClientId, SecretFor(existing, s.ClientId, s.TokenUrl, clientSecret), s.TokenUrl, s.ApiVersion, Blank(s.PlatformEvent), ct);
        if (check.Problems.Count > 0) return new(null, check.Problems);
        IReadOnlyList<string>? fields = null;
        if (check.EventFields is { } eventFields)
        {
            fields = WorkforceRealTime.PlatformEventFields.Where(f => eventFields.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList();
            if (!fields.Contains("AgentId__c") || !fields.Contains("State__c"))
                return new(null, [new("platformEvent", $"The platform event {s.PlatformEvent!.Trim()} needs the fields AgentId__c and State__c (Text); it may also have Reason__c, " +
                                                       "Activity__c and Category__c (Text) and Since__c (Date/Time), which the hub fills too.")]);
        }
        var saved = s with
        {
            ApiVersion = WorkforceSettingsRules.Version(s.ApiVersion) ?? check.ApiVersion, ClientId = Blank(s.ClientId), PlatformEvent = Blank(s.PlatformEvent),
            PlatformEventFields = fields, WebhookUrl = Blank(s.WebhookUrl), NewWebhookSecret = null,
        };
        // A webhook's first secret is made with the save, and shown in this answer only (when it is the one kept).
        var rotate = s.NewWebhookSecret == true;
        var offered = saved.WebhookUrl is not null && (existing?.WebhookSecretEnc is null || rotate) ? WorkforceRealTime.NewSecret() : null;
        await store.SaveAsync(tenantId, WorkforceKinds.RealTime, group, s.Enabled, saved with { Enabled = false }, SecretChange(saved.ClientId, clientSecret), false, ct,
            webhookSecret: offered, replaceWebhookSecret: rotate);
        var row = (await store.GetAsync(tenantId, WorkforceKinds.RealTime, group, ct))!;
        var kept = offered is not null && row.WebhookSecretEnc is not null && store.WebhookSecret(row) == offered;
        return new(WorkforceIntegrationView.Of(row) with { WebhookSecret = kept ? offered : null }, []);
    }

    /// <summary>Removes an integration; null when it is gone, or the problem that keeps it.</summary>
    public async Task<SettingProblem?> DeleteAsync(string tenantId, string kind, string group, CancellationToken ct)
    {
        var existing = await store.GetAsync(tenantId, kind, group, ct);
        if (existing is null) return new("group", $"There is no {kind} integration \"{group}\".");
        if (kind == WorkforceKinds.Historical && existing.IsEnabled && await RealTimeReliesOnAsync(tenantId, group, ct) is { } realTime)
            return new("enabled", $"The real-time integration \"{realTime}\" relies on this one (agent sync needs historical data collection): switch it off first.");
        await store.DeleteAsync(tenantId, kind, group, ct);
        return null;
    }

    /// <summary>An enabled real-time integration, when <paramref name="group"/> is the only enabled historical one.</summary>
    private async Task<string?> RealTimeReliesOnAsync(string tenantId, string group, CancellationToken ct)
    {
        var all = await store.ListAsync(tenantId, ct);
        if (all.Any(i => i.Kind == WorkforceKinds.Historical && i.IsEnabled && i.GroupName != group)) return null;
        return all.FirstOrDefault(i => i.Kind == WorkforceKinds.RealTime && i.IsEnabled)?.GroupName;
    }

    private static List<SettingProblem> GroupProblems(string group) =>
        WorkforceSettingsRules.GroupProblem(group) is { } p ? [new("group", p)] : [];

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>
    /// The secret to check with: the one given, else the stored one, but only while the client id and the token URL stay the same
    /// (a stored secret is never sent to a token URL it was not given for).
    /// </summary>
    private string? SecretFor(WorkforceIntegrationRow? existing, string? clientId, string tokenUrl, string? given)
    {
        if (!string.IsNullOrEmpty(given)) return given;
        if (existing is null || string.IsNullOrWhiteSpace(clientId)) return null;
        var (storedId, storedUrl) = existing.Kind == WorkforceKinds.Historical
            ? (existing.Historical().ClientId, existing.Historical().TokenUrl) : (existing.RealTime().ClientId, existing.RealTime().TokenUrl);
        return storedId == clientId.Trim() && storedUrl == tokenUrl ? store.ClientSecret(existing) : null;
    }

    /// <summary>No client id: no secret kept. Otherwise a new secret replaces the stored one, and none given keeps it.</summary>
    private static string? SecretChange(string? clientId, string? given) => clientId is null ? "" : string.IsNullOrEmpty(given) ? null : given;

    private static string Computing(HistoricalSettings s) => System.Text.Json.JsonSerializer.Serialize(s with
    {
        Enabled = false, ClientId = null, TokenUrl = "", ApiVersion = null,
    });
}
