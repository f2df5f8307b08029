using ContactBridge.Outbox;
using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.Retention;

/// <summary>What one pruning round removed, per kind.</summary>
public sealed record PrunedCounts(long Interactions, long Events, long Writes, long DiscardedEvents, long Imports, long LinkActivity)
{
    public long Total => Interactions + Events + Writes + DiscardedEvents + Imports + LinkActivity;
}

/// <summary>
/// Prunes what the hub no longer needs (<see cref="RetentionOptions"/>), so a hub running for months keeps its
/// latency and its disk. One instance prunes per interval (a lease that lasts the interval); each batch is its
/// own short transaction; nothing waiting for Salesforce, dead-lettered or set aside is ever pruned.
/// </summary>
public sealed class RetentionWorker(HubDatabase db, WorkLeases leases, IOptions<RetentionOptions> options, TimeProvider clock,
    Observability.HubMetrics metrics, ILogger<RetentionWorker> logger) : BackgroundService
{
    public const string LeaseName = "retention";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            try
            {
                if (await leases.TryAcquireAsync(LeaseName, options.Value.Interval, stoppingToken)) await PruneAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Pruning old data failed; it runs again in {Interval}", options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round over every kind; returns what it removed.</summary>
    public async Task<PrunedCounts> PruneAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        long Cutoff(TimeSpan keep) => (now - keep).ToUnixTimeMilliseconds();
        var (interactions, events, writes) = await PruneInteractionsAsync(Cutoff(o.Interactions), o.BatchSize, ct);
        var discarded = await DeleteInBatchesAsync("inbox_events", "seq", $"folded = {Intake.InboxStore.Discarded} AND received_at < @cutoff", Cutoff(o.DiscardedEvents), o.BatchSize, ct);
        var imports = await DeleteInBatchesAsync("routing_map_imports", "id", "finished_at IS NOT NULL AND finished_at < @cutoff", Cutoff(o.Imports), o.BatchSize, ct);
        var linkActivity = await DeleteInBatchesAsync("link_events", "id", "at < @cutoff", Cutoff(o.LinkActivity), o.BatchSize, ct)
                           + await DeleteInBatchesAsync("incidents", "id", "ended_at < @cutoff", Cutoff(o.LinkActivity), o.BatchSize, ct)
                           + await PruneIntakeDaysAsync(now - o.LinkActivity, ct);
        var pruned = new PrunedCounts(interactions, events, writes, discarded, imports, linkActivity);
        metrics.Pruned("interactions", interactions);
        metrics.Pruned("events", events + discarded);
        metrics.Pruned("writes", writes);
        metrics.Pruned("imports", imports);
        metrics.Pruned("link_activity", linkActivity);
        if (pruned.Total > 0)
            logger.LogInformation("Pruned {Interactions} finished interactions ({Events} events, {Writes} writes), {Discarded} discarded events, {Imports} imports and {LinkActivity} link activity entries",
                interactions, events, writes, discarded, imports, linkActivity);
        return pruned;
    }

    /// <summary>The daily intake counts, hourly Salesforce call counts, and contact-center events, commands, messages and done callbacks older than the cutoff.</summary>
    private async Task<long> PruneIntakeDaysAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        var removed = await w.Connection.ExecuteAsync("DELETE FROM intake_days WHERE day < @day", new { day = Intake.InboxStore.Day(cutoff) }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM salesforce_call_hours WHERE hour < @hour", new { hour = Dashboard.SalesforceCallLedger.HourOf(cutoff) }, w.Transaction)
                      // The contact center's agent and queue events: the picture they made stays; an event repeated after this long is taken as new.
                      + await w.Connection.ExecuteAsync("DELETE FROM contact_center_events WHERE received_at < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      // The workforce feed's contacts as long as the agent events it computes with (intervals it computed stay).
                      + await w.Connection.ExecuteAsync("DELETE FROM workforce_contacts WHERE offered_at < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM workforce_deliveries WHERE state <> 'pending' AND created_at < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      // What Omni-Channel sources read, as long (a status still open stays: it is the agent's now).
                      + await w.Connection.ExecuteAsync("DELETE FROM workforce_omni_contacts WHERE offered_at < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM workforce_omni_work WHERE COALESCE(close_ms, cancel_ms, request_ms, 0) < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM workforce_omni_calls WHERE COALESCE(end_ms, queued_ms, 0) < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM workforce_omni_presence WHERE end_ms < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      // Commands answered long ago, messages read long ago, callbacks done long ago.
                      + await w.Connection.ExecuteAsync("DELETE FROM contact_center_commands WHERE created_at < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM agent_messages WHERE sent_at < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      + await w.Connection.ExecuteAsync("DELETE FROM commitments WHERE status <> 'pending' AND as_of < @at", new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction)
                      // VoiceCalls sent long ago whose interaction is gone.
                      + await w.Connection.ExecuteAsync("""
                          DELETE FROM voice_calls WHERE updated_at < @at
                            AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.tenant_id = voice_calls.tenant_id AND i.interaction_id = voice_calls.interaction_id)
                          """, new { at = cutoff.ToUnixTimeMilliseconds() }, w.Transaction);
        await w.CommitAsync(ct);
        return removed;
    }

    /// <summary>Finished interactions older than the cutoff, each with its events and writes, a batch per transaction.</summary>
    private async Task<(long Interactions, long Events, long Writes)> PruneInteractionsAsync(long cutoff, int batch, CancellationToken ct)
    {
        long interactions = 0, events = 0, writes = 0;
        while (true)
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            var (c, tx) = (w.Connection, w.Transaction);
            var finished = (await c.QueryAsync<(string TenantId, string InteractionId)>($"""
                SELECT i.tenant_id, i.interaction_id FROM interactions i
                WHERE i.ended = 1 AND i.planned_version >= i.state_version AND i.updated_at < @cutoff
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = i.tenant_id AND o.interaction_id = i.interaction_id
                                  AND o.state IN ('{OutboxState.Pending}', '{OutboxState.Sending}', '{OutboxState.Dead}'))
                  AND NOT EXISTS (SELECT 1 FROM inbox_events e WHERE e.tenant_id = i.tenant_id AND e.interaction_id = i.interaction_id
                                  AND e.folded IN ({Intake.InboxStore.Waiting}, {Intake.InboxStore.Quarantined}))
                ORDER BY i.updated_at LIMIT @batch
                """, new { cutoff, batch }, tx)).ToList();
            if (finished.Count == 0) return (interactions, events, writes);
            foreach (var tenant in finished.GroupBy(f => f.TenantId))
            {
                var ids = tenant.Select(f => f.InteractionId).ToArray();
                var args = new { t = tenant.Key, ids };
                events += await c.ExecuteAsync($"DELETE FROM inbox_events WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")}", args, tx);
                writes += await c.ExecuteAsync($"DELETE FROM outbox WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")}", args, tx);
                await c.ExecuteAsync($"DELETE FROM salesforce_requests WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")}", args, tx);
                interactions += await c.ExecuteAsync($"DELETE FROM interactions WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")}", args, tx);
            }
            await w.CommitAsync(ct);
            if (finished.Count < batch) return (interactions, events, writes);
        }
    }

    private async Task<long> DeleteInBatchesAsync(string table, string key, string where, long cutoff, int batch, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            var n = await w.Connection.ExecuteAsync($"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {where} LIMIT @batch)", new { cutoff, batch }, w.Transaction);
            await w.CommitAsync(ct);
            total += n;
            if (n < batch) return total;
        }
    }
}
