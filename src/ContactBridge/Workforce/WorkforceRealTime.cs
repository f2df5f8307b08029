using System.Data.Common;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Salesforce;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Workforce;

/// <summary>
/// One agent's state as the real-time feed gives it: the contact center's state and reason, the activity they make, its
/// category by the historical integration's lists (ready, not_ready, idle, admin; none when in no list; offline), and since when.
/// </summary>
public sealed record AgentStateChange(string AgentId, string? State, string? Reason, string? Activity, string Category, DateTimeOffset Since, string? EventId);

/// <summary>
/// The real-time feed: each agent state event becomes, in the transaction that stores it, a delivery for every real-time
/// integration with a webhook or a platform event; the dispatcher sends them (signed webhook, or the platform event in the
/// tenant's org, batched), retrying with backoff. Streams and snapshots read the live picture.
/// </summary>
public static class WorkforceRealTime
{
    public const string Webhook = "webhook";
    public const string PlatformEvent = "platform_event";

    /// <summary>The fields the hub fills in a platform event, where the event has them (AgentId__c and State__c it must have).</summary>
    public static readonly string[] PlatformEventFields = ["AgentId__c", "State__c", "Reason__c", "Activity__c", "Category__c", "Since__c"];

    public static string CategoryOf(ActivityCategories? categories, string? activity) => activity is null ? "offline" : (categories?.CategoryOf(activity) ?? ActivityCategory.None) switch
    {
        ActivityCategory.Ready => "ready",
        ActivityCategory.NotReady => "not_ready",
        ActivityCategory.Idle => "idle",
        ActivityCategory.Admin => "admin",
        _ => "none",
    };

    /// <summary>The activity lists the real-time feed categorizes with: those of the tenant's first enabled historical integration.</summary>
    public static ActivityCategories? Categories(IEnumerable<WorkforceIntegrationRow> integrations) =>
        integrations.Where(i => i.Kind == WorkforceKinds.Historical && i.IsEnabled).OrderBy(i => i.GroupName, StringComparer.Ordinal).Select(i => i.Historical())
            .Select(h => new ActivityCategories(h.AdminActivities, h.IdleActivities, h.NotReadyActivities, h.ReadyActivities)).FirstOrDefault();

    public static AgentStateChange ChangeOf(ActivityCategories? categories, string agentId, string type, string data, DateTimeOffset at, string? eventId)
    {
        var (state, reason) = WorkforceFeed.StateOf(type, data);
        var activity = WorkforceFeed.ActivityOf((state, reason));
        return new AgentStateChange(agentId, state, reason, activity, CategoryOf(categories, activity), at, eventId);
    }

    /// <summary>
    /// Part of the transaction that stored agent events: a delivery per real-time integration (webhook, platform event) of the
    /// tenant with the state changes among them, in time order.
    /// </summary>
    /// <summary>An agent state event as stored, with where it came from (the contact center, or a real-time integration's platform event).</summary>
    public sealed record StateEvent(string AgentId, string Type, string Data, DateTimeOffset At, string EventId, string Source);

    /// <summary>The source agent events heard from a real-time integration's platform event carry.</summary>
    public static string SalesforceSourceOf(string group) => "salesforce:" + group;

    /// <summary>
    /// Which state events an integration delivers: with Salesforce as its source, those heard from its own platform event; with the
    /// contact center, the contact center's (never states heard from an org, which would go back to where they came from).
    /// </summary>
    public static bool Delivers(WorkforceIntegrationRow integration, RealTimeSettings s, StateEvent e) =>
        s.Source == WorkforceSources.Salesforce ? e.Source == SalesforceSourceOf(integration.GroupName) : !e.Source.StartsWith("salesforce:", StringComparison.Ordinal);

    public static async Task EnqueueAsync(DbConnection c, DbTransaction tx, string tenantId, IReadOnlyList<StateEvent> events, long now)
    {
        if (events.Count == 0) return;
        // On PostgreSQL the rows are locked: two intake transactions of a tenant then number their deliveries in the order they commit.
        var integrations = (await c.QueryAsync<WorkforceIntegrationRow>($"""
            SELECT tenant_id, kind, group_name, enabled, settings, client_secret_enc, computed_through, revision, updated_at FROM workforce_integrations
            WHERE tenant_id = @tenantId AND enabled = 1{(c.GetType().Name.StartsWith("Npgsql", StringComparison.Ordinal) ? " FOR UPDATE" : "")}
            """, new { tenantId }, tx)).ToList();
        var realTime = integrations.Where(i => i.Kind == WorkforceKinds.RealTime).ToList();
        if (realTime.Count == 0) return;
        var categories = Categories(integrations);
        var ordered = events.OrderBy(e => e.At).ThenBy(e => WorkforceFeed.RankOf(e.Type)).ThenBy(e => e.EventId, StringComparer.Ordinal).ToList();
        foreach (var integration in realTime)
        {
            var s = integration.RealTime();
            var changes = ordered.Where(e => Delivers(integration, s, e)).Select(e => ChangeOf(categories, e.AgentId, e.Type, e.Data, e.At, e.EventId)).ToList();
            if (changes.Count == 0) continue;
            var targets = new List<string>();
            if (s.WebhookUrl is not null) targets.Add(Webhook);
            // With Salesforce as the source the states came from the platform event: not published back.
            if (s.PlatformEvent is not null && s.Source != WorkforceSources.Salesforce) targets.Add(PlatformEvent);
            foreach (var target in targets)
                foreach (var batch in changes.Chunk(200))
                    await c.ExecuteAsync("""
                        INSERT INTO workforce_deliveries (id, tenant_id, group_name, target, body, changes, state, attempts, next_at, created_at)
                        VALUES (@id, @tenantId, @group, @target, @body, @count, 'pending', 0, @now, @now)
                        """, new
                    {
                        id = $"wfd_{Guid.NewGuid():N}", tenantId, group = integration.GroupName, target, count = batch.Length, now,
                        body = JsonSerializer.Serialize(batch, JsonSerializerOptions.Web),
                    }, tx);
        }
    }

    /// <summary>A new webhook signing secret (shown once).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A delivery as stored, and as the API lists it.</summary>
public sealed class WorkforceDelivery
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string GroupName { get; init; } = "";
    public string Target { get; init; } = "";
    public string Body { get; init; } = "[]";
    public long Changes { get; init; }
    public string State { get; init; } = "";
    public long Attempts { get; init; }
    public long NextAt { get; init; }
    public string? LastError { get; init; }
    public long CreatedAt { get; init; }
    public long? SentAt { get; init; }
}

/// <summary>
/// Sends the real-time feed's deliveries: due ones every 100 ms (an agent's change reaches the WFM tool well within a second),
/// by one hub instance at a time. A webhook gets the changes signed like the protocol's requests (ContactBridge-Signature), with
/// the delivery's id as Idempotency-Key; a platform event is published in the tenant's org, up to 200 changes in one API call.
/// A failure is retried with doubling waits (1 s to 10 min) and given up after 15 attempts, kept with its last error.
/// </summary>
public sealed class WorkforceDeliverySender(HubDatabase db, WorkforceSettingsStore settings, IHttpClientFactory httpFactory, WorkforceOrgClients orgs,
    WorkLeases leases, TimeProvider clock, ILogger<WorkforceDeliverySender> logger)
{
    public const int MaxAttempts = 15;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The first pending delivery of one integration's target: the one that goes next.</summary>
    private sealed class Head
    {
        public string TenantId { get; init; } = "";
        public string GroupName { get; init; } = "";
        public string Target { get; init; } = "";
        public long NextAt { get; init; }
    }

    /// <summary>Sends what is due; returns how many deliveries were settled (sent, or given up).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Each integration's target in order: its first pending delivery decides whether it is due, so one that waits holds back
        // only its own, never another tenant's.
        const string Heads = """
            SELECT h.tenant_id, h.group_name, h.target, d.next_at FROM (
                SELECT tenant_id, group_name, target, MIN(seq) AS head FROM workforce_deliveries WHERE state = 'pending' GROUP BY tenant_id, group_name, target
            ) h JOIN workforce_deliveries d ON d.seq = h.head
            """;
        await using (var c = await db.OpenAsync(durable: false, ct))
            if (!(await c.QueryAsync<Head>(Heads)).Any(h => h.NextAt <= now)) return 0;
        // The lease first, then what is due: another instance may have sent it meanwhile.
        await using var lease = await leases.HoldAsync("contactbridge:workforce-deliveries", TimeSpan.FromMinutes(1), ct);
        if (lease is null) return 0;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
        List<Head> due;
        await using (var c = await db.OpenAsync(durable: false, both.Token))
            due = (await c.QueryAsync<Head>(Heads)).Where(h => h.NextAt <= now).ToList();
        var settled = 0;
        foreach (var head in due)
        {
            try
            {
                settled += await SendAsync(head, now, both.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !both.IsCancellationRequested)
            {
                logger.LogError(e, "Real-time deliveries of tenant {TenantId} ({Group}, {Target}) failed; trying again later", head.TenantId, head.GroupName, head.Target);
            }
        }
        return settled;
    }

    private async Task<int> SendAsync(Head head, long now, CancellationToken ct)
    {
        List<WorkforceDelivery> pending;
        await using (var c = await db.OpenAsync(durable: false, ct))
            pending = (await c.QueryAsync<WorkforceDelivery>("""
                SELECT id, tenant_id, group_name, target, body, changes, state, attempts, next_at, last_error, created_at, sent_at FROM workforce_deliveries
                WHERE state = 'pending' AND tenant_id = @TenantId AND group_name = @GroupName AND target = @Target ORDER BY seq LIMIT 200
                """, head)).ToList();
        var deliveries = pending.TakeWhile(d => d.NextAt <= now).ToList();
        var row = await settings.GetAsync(head.TenantId, WorkforceKinds.RealTime, head.GroupName, ct);
        var s = row is { IsEnabled: true } ? row.RealTime() : null;
        if (s is null || (head.Target == WorkforceRealTime.Webhook ? s.WebhookUrl is null : s.PlatformEvent is null))
        {
            foreach (var d in deliveries) await SettleAsync(d, "cancelled", "The real-time integration, or this target of it, was switched off or removed.", ct);
            return deliveries.Count;
        }
        var settled = 0;
        if (head.Target == WorkforceRealTime.Webhook)
        {
            // One delivery at a time, in order: a failure holds back those after it.
            foreach (var d in deliveries)
            {
                var error = await SendWebhookAsync(row!, d, ct);
                settled += await OutcomeAsync(head, [d], error, ct);
                if (error is not null) break;
            }
            return settled;
        }
        // The platform event's deliveries together, 200 changes a call, in order.
        while (deliveries.Count > 0)
        {
            var batch = new List<WorkforceDelivery>();
            var total = 0L;
            while (deliveries.Count > 0 && (batch.Count == 0 || total + deliveries[0].Changes <= 200))
            {
                total += deliveries[0].Changes;
                batch.Add(deliveries[0]);
                deliveries.RemoveAt(0);
            }
            var error = await PublishAsync(row!, batch, ct);
            settled += await OutcomeAsync(head, batch, error, ct);
            if (error is not null) break;
        }
        return settled;
    }

    private async Task<string?> SendWebhookAsync(WorkforceIntegrationRow row, WorkforceDelivery d, CancellationToken ct)
    {
        var s = row.RealTime();
        if (s.WebhookUrl is null || row.WebhookSecretEnc is null) return "The integration has no webhook any more.";
        var secret = settings.WebhookSecret(row)!;
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["deliveryId"] = d.Id, ["tenantId"] = row.TenantId, ["integration"] = row.GroupName, ["changes"] = JsonNode.Parse(d.Body),
        }.ToJsonString());
        var t = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, s.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", d.Id);
        request.Headers.TryAddWithoutValidation(Intake.EventSignature.Header, $"t={t},v1={Intake.IntakeSecrets.Sign(secret, t, body)}");
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(AttemptTimeout);
        try
        {
            using var response = await httpFactory.CreateClient(CommandSender.HttpClientName).SendAsync(request, attempt.Token);
            return response.IsSuccessStatusCode ? null : $"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (Exception e) when (e is HttpRequestException or CommandUrlRefusedException || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return e is OperationCanceledException ? $"The webhook did not answer within {AttemptTimeout.TotalSeconds:0} s." : $"The webhook could not be reached: {e.Message}";
        }
    }

    private async Task<string?> PublishAsync(WorkforceIntegrationRow row, List<WorkforceDelivery> batch, CancellationToken ct)
    {
        var s = row.RealTime();
        if (s.PlatformEvent is null) return "The integration has no platform event any more.";
        var fields = s.PlatformEventFields ?? ["AgentId__c", "State__c"];
        var records = new JsonArray();
        foreach (var change in batch.SelectMany(d => JsonSerializer.Deserialize<List<AgentStateChange>>(d.Body, JsonSerializerOptions.Web) ?? []))
        {
            var record = new JsonObject { ["attributes"] = new JsonObject { ["type"] = s.PlatformEvent } };
            var values = new Dictionary<string, JsonNode?>
            {
                ["AgentId__c"] = change.AgentId, ["State__c"] = change.State, ["Reason__c"] = change.Reason, ["Activity__c"] = change.Activity,
                ["Category__c"] = change.Category, ["Since__c"] = change.Since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var f in fields) if (values.TryGetValue(f, out var v)) record[f] = v?.DeepClone();
            records.Add(record);
        }
        try
        {
            var client = await orgs.ClientAsync(row, s.ClientId, s.TokenUrl, s.ApiVersion, ct);
            var results = await client.SendAsync(HttpMethod.Post, $"/services/data/v{s.ApiVersion ?? client.Session.ApiVersion}/composite/sobjects",
                new JsonObject { ["allOrNone"] = true, ["records"] = records }, ct);
            var failed = (results as JsonArray)?.OfType<JsonObject>().FirstOrDefault(r => r["success"]?.GetValue<bool>() != true);
            return failed is null ? null : $"Salesforce refused the platform event: {failed["errors"]?.ToJsonString()}";
        }
        catch (Exception e) when (e is SalesforceApiException or SalesforceOAuthException or HttpRequestException or Linking.LinkingException
                                   || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            orgs.Forget(row);
            return $"Publishing the platform event failed: {e.Message}";
        }
    }

    /// <summary>
    /// Sent, or another attempt later (doubling waits), or given up after the last. Once one is given up, those behind it get one
    /// attempt each (at once) rather than a full series: a receiver down for good does not hold a day of changes behind it.
    /// </summary>
    private async Task<int> OutcomeAsync(Head head, List<WorkforceDelivery> deliveries, string? error, CancellationToken ct)
    {
        var settled = 0;
        foreach (var d in deliveries)
        {
            if (error is null)
            {
                await SettleAsync(d, "sent", null, ct);
                settled++;
                continue;
            }
            var attempts = d.Attempts + 1;
            if (attempts >= MaxAttempts)
            {
                await SettleAsync(d, "dead", error, ct, attempts);
                settled++;
                await using (var behind = await db.WriteAsync(durable: false, ct))
                {
                    await behind.Connection.ExecuteAsync("""
                        UPDATE workforce_deliveries SET attempts = @last WHERE state = 'pending' AND tenant_id = @TenantId AND group_name = @GroupName AND target = @Target
                            AND attempts < @last
                        """, new { head.TenantId, head.GroupName, head.Target, last = MaxAttempts - 1 }, behind.Transaction);
                    await behind.CommitAsync(ct);
                }
                logger.LogWarning("A real-time delivery of tenant {TenantId} was given up after {Attempts} attempts: {Error}", d.TenantId, attempts, error);
                continue;
            }
            var wait = TimeSpan.FromSeconds(Math.Min(600, Math.Pow(2, attempts - 1)));
            await using var w = await db.WriteAsync(durable: false, ct);
            await w.Connection.ExecuteAsync("UPDATE workforce_deliveries SET attempts = @attempts, next_at = @next, last_error = @error WHERE id = @Id AND state = 'pending'",
                new { d.Id, attempts, error, next = (clock.GetUtcNow() + wait).ToUnixTimeMilliseconds() }, w.Transaction);
            await w.CommitAsync(ct);
        }
        return settled;
    }

    private async Task SettleAsync(WorkforceDelivery d, string state, string? error, CancellationToken ct, long? attempts = null)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("""
            UPDATE workforce_deliveries SET state = @state, last_error = COALESCE(@error, last_error), attempts = @attempts, sent_at = @now WHERE id = @Id AND state = 'pending'
            """, new { d.Id, state, error, attempts = attempts ?? d.Attempts + 1, now = clock.GetUtcNow().ToUnixTimeMilliseconds() }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>A dead delivery sent again from its first attempt.</summary>
    public async Task<bool> RetryAsync(string tenantId, string group, string id, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        var n = await w.Connection.ExecuteAsync("UPDATE workforce_deliveries SET state = 'pending', attempts = 0, next_at = @now WHERE tenant_id = @tenantId AND group_name = @group AND id = @id AND state = 'dead'",
            new { tenantId, group, id, now = clock.GetUtcNow().ToUnixTimeMilliseconds() }, w.Transaction);
        await w.CommitAsync(ct);
        return n == 1;
    }

    public async Task<IReadOnlyList<WorkforceDelivery>> RecentAsync(string tenantId, string group, int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<WorkforceDelivery>(
            "SELECT id, tenant_id, group_name, target, body, changes, state, attempts, next_at, last_error, created_at, sent_at FROM workforce_deliveries " +
            "WHERE tenant_id = @tenantId AND group_name = @group ORDER BY seq DESC LIMIT @max", new { tenantId, group, max })).ToList();
    }
}

/// <summary>Runs the delivery sender every 100 ms.</summary>
public sealed class WorkforceDeliveryWorker(WorkforceDeliverySender sender, TimeProvider clock, ILogger<WorkforceDeliveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), clock);
        do
        {
            try
            {
                while (await sender.RunOnceAsync(stoppingToken) > 0) { }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Sending the real-time workforce feed failed; trying again shortly");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
