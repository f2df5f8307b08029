using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Intake;
using ContactBridge.Salesforce;
using ContactBridge.Salesforce.Streaming;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Workforce;

/// <summary>
/// When Omni-Channel in Salesforce is the source, the real-time feed hears agents' states from the org: the hub subscribes to the
/// integration's platform event over CometD (the Streaming API, long polling), and each event becomes the agent's state change in
/// the hub's live picture, so it reaches the real-time stream, the snapshot and the webhook as the contact center's do. The last
/// replay id is stored with the changes it brought, so a subscription that drops, or a hub that restarts, resumes where it was
/// (an id past the event bus's retention resumes from the oldest event kept, -2); an event heard twice is stored once.
/// </summary>
public sealed class PlatformEventSubscription(HubDatabase db, WorkforceOrgClients orgs, IHttpClientFactory httpFactory, LivePictureStore picture, TimeProvider clock,
    ILogger<PlatformEventSubscription> logger)
{
    /// <summary>The replay id a subscription to <paramref name="stream"/> resumes from, or null: none stored for it (new events only).</summary>
    public async Task<long?> ReplayIdAsync(string tenantId, string group, string stream, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long?>("SELECT replay_id FROM workforce_subscriptions WHERE tenant_id = @tenantId AND group_name = @group AND stream = @stream",
            new { tenantId, group, stream });
    }

    /// <summary>Subscribes until cancelled (then returns): after a failure, again with doubling waits (1 s to 1 min).</summary>
    public async Task RunAsync(WorkforceIntegrationRow row, CancellationToken ct)
    {
        var s = row.RealTime();
        if (s.PlatformEvent is null) return;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(1);
            try
            {
                var client = await orgs.ClientAsync(row, s.ClientId, s.TokenUrl, s.ApiVersion, ct);
                // A session that connected starts the waits afresh; one that never did waits longer each time.
                if (await SubscribeAsync(row, client, "/event/" + s.PlatformEvent, ct) is { } advised) (failures, wait) = (0, advised);
                else failures++;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                failures++;
                orgs.Forget(row);
                logger.LogWarning("The subscription of tenant {TenantId}'s real-time integration \"{Group}\" to {Event} failed ({Error}); it subscribes again",
                    row.TenantId, row.GroupName, s.PlatformEvent, e.Message);
            }
            if (failures > 0) wait = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6) - 1)));
            try
            {
                await Task.Delay(wait, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The HTTP client of CometD sessions: no timeout of its own (long polls), and no shared cookie jar (each session keeps its own).</summary>
    public const string HttpClientName = "salesforce-streaming";

    /// <summary>
    /// One CometD session: handshake, subscribe from the stored replay id, then long polls until the server ends it. Returns the wait
    /// before the next session (the server's advice, at least a second) once a connect succeeded, or null when none did.
    /// </summary>
    private async Task<TimeSpan?> SubscribeAsync(WorkforceIntegrationRow row, SalesforceRestClient client, string channel, CancellationToken ct)
    {
        // Subscribe from the stored replay id (of this org's channel: another org or event starts anew); one past retention resumes from the oldest event kept.
        var stream = StreamOf(client.Session.InstanceUrl, channel);
        var replay = await ReplayIdAsync(row.TenantId, row.GroupName, stream, ct) ?? -1;
        logger.LogInformation("Tenant {TenantId}'s real-time integration \"{Group}\" subscribes to {Channel} from replay id {ReplayId}", row.TenantId, row.GroupName, channel, replay);
        return await StreamingApiSession.RunAsync(httpFactory.CreateClient(HttpClientName), client.Session, channel, replay == -1 ? [-1L] : [replay, -2L],
            events => StoreAsync(row, stream, events.ToList(), ct),
            (from, _) => logger.LogWarning("Replay id {ReplayId} of {Channel} is past the event bus's retention: tenant {TenantId}'s states resume from the oldest event kept",
                from, channel, row.TenantId),
            clock, ct);
    }

    /// <summary>Which org's channel a replay id belongs to (replay ids of another org or event mean nothing here).</summary>
    public static string StreamOf(Uri instanceUrl, string channel) => $"{instanceUrl.GetLeftPart(UriPartial.Authority).ToLowerInvariant()}{channel}";

    /// <summary>A short, stable tag of an org's channel for event ids: the same replay id of another org or event is another event.</summary>
    private static string Tag(string stream) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(stream)))[..12];

    /// <summary>The platform event's state as the hub's agent event: the hub's own state names, offline as logging out, anything else a reason for being unavailable.</summary>
    public static (string Type, JsonObject Data) EventOf(string? state, string? reason)
    {
        var name = (state ?? "").Trim();
        var key = name.ToLowerInvariant().Replace(' ', '_');
        return key switch
        {
            "offline" or "logged_out" => (ContactCenterEvents.LoggedOut, new JsonObject()),
            "available" or "on_contact" or "after_call_work" => (ContactCenterEvents.StateChanged, new JsonObject { ["state"] = key }),
            "unavailable" or "" => (ContactCenterEvents.StateChanged, new JsonObject { ["state"] = "unavailable", ["reason"] = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim() }),
            _ => (ContactCenterEvents.StateChanged, new JsonObject { ["state"] = "unavailable", ["reason"] = string.IsNullOrWhiteSpace(reason) ? name : reason.Trim() }),
        };
    }

    /// <summary>Events heard, stored as agent events with the last replay id in one transaction (an agent not logged in is logged in first).</summary>
    private static string? Text(JsonObject? o, string name) => o?[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    private async Task StoreAsync(WorkforceIntegrationRow row, string stream, List<JsonObject> events, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stored = new List<(string TenantId, InteractionEvent Event)>();
        var last = -1L;
        var tag = Tag(stream);
        var source = WorkforceRealTime.SalesforceSourceOf(row.GroupName);
        // Whether each agent is logged in as the events go: the database before the batch, then the batch's own events in order.
        var loggedIn = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using var w = await db.WriteAsync(durable: true, ct);
        foreach (var e in events)
        {
            // An event the hub cannot read (no replay id, no agent, a field of another type) is passed over, not retried for ever.
            if (e["event"]?["replayId"] is not JsonValue r || !r.TryGetValue<long>(out var replayId)) continue;
            last = Math.Max(last, replayId);
            var payload = e["payload"] as JsonObject;
            if (Text(payload, "AgentId__c") is not { Length: <= 255 } agentId) continue;
            var at = DateTimeOffset.TryParse(Text(payload, "Since__c") ?? Text(payload, "CreatedDate"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
                out var since) && since <= now ? since : now;
            var (type, data) = EventOf(Text(payload, "State__c"), Text(payload, "Reason__c"));
            var id = $"sfpe-{tag}-{replayId.ToString(CultureInfo.InvariantCulture)}";
            if (!loggedIn.TryGetValue(agentId, out var isIn))
                isIn = await w.Connection.ExecuteScalarAsync<long?>("SELECT logged_in FROM agents WHERE tenant_id = @TenantId AND agent_id = @agentId",
                    new { row.TenantId, agentId }, w.Transaction) == 1;
            if (type != ContactCenterEvents.LoggedOut && !isIn)
                stored.Add((row.TenantId, new InteractionEvent(id + "-login", source, ContactCenterEvents.LoggedIn, agentId, at, new JsonObject())));
            stored.Add((row.TenantId, new InteractionEvent(id, source, type, agentId, at, data)));
            loggedIn[agentId] = type != ContactCenterEvents.LoggedOut;
        }
        if (last < 0) return;
        var changes = new HashSet<PictureChange>();
        await LivePictureStore.StoreAsync(w, stored, now.ToUnixTimeMilliseconds(), changes);
        await picture.BeforeCommitAsync(w, changes);
        await w.Connection.ExecuteAsync("""
            INSERT INTO workforce_subscriptions (tenant_id, group_name, stream, replay_id, updated_at) VALUES (@TenantId, @GroupName, @stream, @last, @now)
            ON CONFLICT (tenant_id, group_name) DO UPDATE SET stream = excluded.stream, replay_id = excluded.replay_id, updated_at = excluded.updated_at
            """, new { row.TenantId, row.GroupName, stream, last, now = now.ToUnixTimeMilliseconds() }, w.Transaction);
        await w.CommitAsync(ct);
        picture.Committed(changes);
    }
}

/// <summary>
/// Keeps one subscription per enabled real-time integration whose source is Salesforce, on one hub instance at a time (a lease per
/// integration); a changed integration's subscription is stopped, and waited for, before one with its new settings starts; a
/// removed one's stops.
/// </summary>
public sealed class PlatformEventSubscriptionWorker(HubDatabase db, PlatformEventSubscription subscription, WorkLeases leases, TimeProvider clock,
    ILogger<PlatformEventSubscriptionWorker> logger) : BackgroundService
{
    private sealed record Running(long UpdatedAt, CancellationTokenSource Stop, Task Task);

    private readonly Dictionary<(string TenantId, string Group), Running> _running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ReconcileAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not OperationCanceledException)
                {
                    logger.LogError(e, "Starting the platform-event subscriptions failed; trying again");
                }
                await Task.Delay(TimeSpan.FromSeconds(5), clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var key in _running.Keys.ToList()) await StopAsync(key);
        }
    }

    private async Task StopAsync((string, string) key)
    {
        var running = _running[key];
        _running.Remove(key);
        await running.Stop.CancelAsync();
        await running.Task;
        running.Stop.Dispose();
    }

    private async Task ReconcileAsync(CancellationToken ct)
    {
        List<WorkforceIntegrationRow> rows;
        await using (var c = await db.OpenAsync(ct))
            rows = (await c.QueryAsync<WorkforceIntegrationRow>("""
                SELECT tenant_id, kind, group_name, enabled, settings, client_secret_enc, computed_through, revision, updated_at FROM workforce_integrations
                WHERE kind = @kind AND enabled = 1
                """, new { kind = WorkforceKinds.RealTime })).Where(r => r.RealTime() is { Source: WorkforceSources.Salesforce, PlatformEvent: not null }).ToList();
        var wanted = rows.ToDictionary(r => (r.TenantId, r.GroupName));
        // Stopped (and awaited) before anything starts: an integration never has two sessions on this instance.
        foreach (var (key, running) in _running.ToList())
            if (!wanted.TryGetValue(key, out var row) || row.UpdatedAt != running.UpdatedAt || running.Task.IsCompleted)
                await StopAsync(key);
        foreach (var (key, row) in wanted)
        {
            if (_running.ContainsKey(key)) continue;
            var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _running[key] = new Running(row.UpdatedAt, stop, Task.Run(() => HoldAndRunAsync(row, stop.Token), CancellationToken.None));
        }
    }

    private async Task HoldAndRunAsync(WorkforceIntegrationRow row, CancellationToken ct)
    {
        try
        {
            await using var lease = await leases.HoldAsync($"contactbridge:workforce-subscription:{row.TenantId}:{row.GroupName}", TimeSpan.FromMinutes(1), ct);
            if (lease is null) return; // another instance subscribes; this one looks again on the next round
            using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            await subscription.RunAsync(row, both.Token);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "The platform-event subscription of tenant {TenantId}'s real-time integration \"{Group}\" stopped; it starts again", row.TenantId, row.GroupName);
        }
    }
}
