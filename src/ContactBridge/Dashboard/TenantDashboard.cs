using ContactBridge.Linking;
using ContactBridge.Outbox;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Dashboard;

/// <summary>One hour of a tenant's interactions: started, written to Salesforce, and writes given up as dead letters.</summary>
public sealed record HourCounts(DateTimeOffset Hour, long Received, long Written, long DeadLettered, long Calls);

/// <summary>Something wrong with the tenant, and what an administrator does about it.</summary>
public sealed record DashboardProblem(string Severity, string What, string ToDo, string Link);

/// <summary>The org's daily API allowance as Salesforce last reported it to this instance.</summary>
public sealed record OrgApiUsage(long Used, long Max, DateTimeOffset ObservedAt)
{
    public long Left => Math.Max(0, Max - Used);
}

/// <summary>A tenant at a glance: its link, its API budget, the last 24 hours, the backlog and its newest problems.</summary>
public sealed record TenantDashboardView(
    LinkView Link,
    OrgApiUsage? OrgApiUsage,
    long HubCallsToday,
    long HubCallsLast24Hours,
    IReadOnlyList<HourCounts> Hours,
    long Waiting,
    DateTimeOffset? OldestWaitingSince,
    long DeadLetters,
    long SetAsideEvents,
    IReadOnlyList<DashboardProblem> Problems);

/// <summary>Reads a tenant's dashboard from the hub's tables (a few aggregate queries, no Salesforce call).</summary>
public sealed class TenantDashboard(HubDatabase db, LinkStore links, SalesforceConnections connections, SalesforceOutages outages, SalesforceCallLedger ledger,
    TimeProvider clock)
{
    public async Task<TenantDashboardView> ReadAsync(string tenantId, CancellationToken ct)
    {
        await FlushQuietlyAsync(ct);
        var now = clock.GetUtcNow();
        var firstHour = DateTimeOffset.FromUnixTimeSeconds(SalesforceCallLedger.HourOf(now)).AddHours(-23);
        var since = firstHour.ToUnixTimeMilliseconds();
        var link = await links.GetAsync(tenantId, ct);
        await using var c = await db.OpenAsync(ct);
        var received = await ByHour(c, "SELECT created_at / 3600000 AS h, COUNT(*) FROM interactions WHERE tenant_id = @tenantId AND created_at >= @since GROUP BY created_at / 3600000", tenantId, since);
        var written = await ByHour(c, "SELECT sent_at / 3600000 AS h, COUNT(DISTINCT interaction_id) FROM outbox WHERE tenant_id = @tenantId AND state = 'done' AND sent_at >= @since GROUP BY sent_at / 3600000", tenantId, since);
        var dead = await ByHour(c, "SELECT created_at / 3600000 AS h, COUNT(*) FROM outbox WHERE tenant_id = @tenantId AND state = 'dead' AND created_at >= @since GROUP BY created_at / 3600000", tenantId, since);
        var calls = (await ledger.HoursAsync(tenantId, firstHour, ct)).ToDictionary(h => h.Hour.ToUnixTimeSeconds() / 3600, h => h.Calls);
        var hours = Enumerable.Range(0, 24).Select(i => firstHour.AddHours(i)).Select(h => h.ToUnixTimeSeconds() / 3600)
            .Select(h => new HourCounts(DateTimeOffset.FromUnixTimeSeconds(h * 3600), received.GetValueOrDefault(h), written.GetValueOrDefault(h), dead.GetValueOrDefault(h), calls.GetValueOrDefault(h)))
            .ToList();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var callsToday = (await ledger.HoursAsync(tenantId, midnight, ct)).Sum(h => h.Calls);

        var waiting = await Interactions.InteractionStore.WaitingAsync(c, null, tenantId);
        var oldest = await c.ExecuteScalarAsync<long?>("""
            SELECT MIN(t) FROM (
              SELECT MIN(updated_at) AS t FROM interactions WHERE tenant_id = @tenantId AND ended = 1 AND planned_version < state_version
              UNION ALL SELECT MIN(created_at) FROM outbox WHERE tenant_id = @tenantId AND state IN ('pending', 'sending')) waiting
            """, new { tenantId });
        var deadLetters = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE tenant_id = @tenantId AND state = 'dead'", new { tenantId });
        var setAside = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE tenant_id = @tenantId AND folded = 2", new { tenantId });
        var usage = connections.LastApiUsage().Where(u => u.TenantId == tenantId).Select(u => new OrgApiUsage(u.Usage.Used, u.Usage.Max, u.Usage.ObservedAt)).FirstOrDefault();
        var outage = await outages.GetAsync(tenantId, ct);

        var problems = new List<DashboardProblem>();
        var salesforcePage = $"/tenants/{tenantId}/salesforce";
        var activityPage = $"/tenants/{tenantId}/activity";
        if (link is null || link.Status == LinkStatus.Unlinked)
            problems.Add(new("error", "Not linked to Salesforce: nothing is logged and callers are not identified.", "Link the tenant to its org.", salesforcePage));
        else if (link.Status == LinkStatus.NeedsRelink)
            problems.Add(new("error", $"The link needs relinking: {link.StatusReason}", "Relink as the API user; interactions wait meanwhile and are written after.", salesforcePage));
        else if (link.Status == LinkStatus.Legacy)
            problems.Add(new("warn", "The link uses a stored username and password, which Salesforce is retiring.", "Relink with OAuth.", salesforcePage));
        if (outage is not null)
            problems.Add(new("error", $"Salesforce has not answered since {Web.Html.When(outage.Since)} ({outage.LastError}).",
                "Nothing to do unless it lasts: the hub retries by itself and writes what waited, oldest first.", activityPage));
        if (deadLetters > 0)
            problems.Add(new("error", $"{deadLetters:N0} write(s) Salesforce refused.", "Read the error, fix its cause (the org or the logging settings), then replay them.", activityPage));
        if (setAside > 0)
            problems.Add(new("warn", $"{setAside:N0} event(s) set aside: the hub could not read them into their interaction.", "Replay them after an upgrade that understands them, or discard them.", activityPage));
        if (usage is { Max: > 0 } u && u.Used >= u.Max * 0.9)
            problems.Add(new("warn", $"The org has used {u.Used:N0} of its {u.Max:N0} daily API calls.", "Raise the org's allowance, or expect writes to wait until calls free up.", salesforcePage));

        return new TenantDashboardView(LinkView.Of(tenantId, link), usage, callsToday, hours.Sum(h => h.Calls), hours, waiting,
            oldest is { } o ? DateTimeOffset.FromUnixTimeMilliseconds(o) : null, deadLetters, setAside, problems);
    }

    /// <summary>Every tenant's link, today's calls, backlog and dead letters: four grouped queries, and the links one by one.</summary>
    public async Task<IReadOnlyList<TenantOverview>> OverviewAsync(IReadOnlyList<Tenants.Tenant> tenants, CancellationToken ct)
    {
        await FlushQuietlyAsync(ct);
        var today = SalesforceCallLedger.HourOf(new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero));
        await using var c = await db.OpenAsync(ct);
        async Task<Dictionary<string, long>> PerTenant(string sql, object? args = null) =>
            (await c.QueryAsync<(string Tenant, long Count)>(sql, args)).ToDictionary(x => x.Tenant, x => x.Count, StringComparer.Ordinal);
        var calls = await PerTenant("SELECT tenant_id, SUM(calls) FROM salesforce_call_hours WHERE hour >= @today GROUP BY tenant_id", new { today });
        var unplanned = await PerTenant("SELECT tenant_id, COUNT(*) FROM interactions WHERE ended = 1 AND planned_version < state_version GROUP BY tenant_id");
        var unsent = await PerTenant("SELECT tenant_id, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY tenant_id");
        var dead = await PerTenant("SELECT tenant_id, COUNT(*) FROM outbox WHERE state = 'dead' GROUP BY tenant_id");
        var usage = connections.LastApiUsage().ToDictionary(u => u.TenantId, u => u.Usage, StringComparer.Ordinal);
        var result = new List<TenantOverview>();
        var allLinks = await links.AllAsync(ct);
        foreach (var t in tenants)
        {
            var link = allLinks.GetValueOrDefault(t.Id);
            result.Add(new TenantOverview(t.Id, t.Name, t.Slug, link?.Status ?? LinkStatus.Unlinked,
                link?.LastCheckedAt is { } checkedAt ? DateTimeOffset.FromUnixTimeMilliseconds(checkedAt) : null,
                calls.GetValueOrDefault(t.Id), usage.TryGetValue(t.Id, out var u) ? Math.Max(0, u.Max - u.Used) : null,
                unplanned.GetValueOrDefault(t.Id) + unsent.GetValueOrDefault(t.Id), dead.GetValueOrDefault(t.Id)));
        }
        return result;
    }

    /// <summary>This instance's latest counts into the table first, so the page shows them; if that fails they wait for the worker.</summary>
    private async Task FlushQuietlyAsync(CancellationToken ct)
    {
        try
        {
            await ledger.FlushAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && StorageHealth.Classify(e) is null)
        {
            // A conflicting flush of another instance, say: the counts are kept for the next one.
        }
    }

    private static async Task<Dictionary<long, long>> ByHour(System.Data.Common.DbConnection c, string sql, string tenantId, long since) =>
        (await c.QueryAsync<(long Hour, long Count)>(sql, new { tenantId, since })).ToDictionary(x => x.Hour, x => x.Count);
}

/// <summary>One tenant's line in the system view.</summary>
public sealed record TenantOverview(string Id, string Name, string Slug, string LinkStatus, DateTimeOffset? LastCheckedAt, long HubCallsToday, long? OrgCallsLeft,
    long Waiting, long DeadLetters);
