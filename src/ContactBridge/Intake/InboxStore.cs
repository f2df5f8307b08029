using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Intake;

public sealed record InboxEvent(long Seq, string TenantId, string EventId, string InteractionId, string Type, long OccurredAt, string Data, long ReceivedAt);

/// <summary>Accepted events, stored before the API answers 202. An event id already stored for the tenant is a no-op.</summary>
public sealed class InboxStore(HubDatabase db, TimeProvider clock)
{
    /// <summary>Stores the events in one transaction; returns how many were new.</summary>
    public async Task<int> AppendAsync(string tenantId, IReadOnlyList<InteractionEvent> events, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var added = 0;
        foreach (var e in events)
        {
            added += await c.ExecuteAsync("""
                INSERT INTO inbox_events (tenant_id, event_id, interaction_id, type, occurred_at, data, received_at)
                VALUES (@tenantId, @id, @interactionId, @type, @at, @data, @now)
                ON CONFLICT (tenant_id, event_id) DO NOTHING
                """, new { tenantId, id = e.Id, interactionId = e.InteractionId, type = e.ShortType, at = e.Time.ToUnixTimeMilliseconds(), data = e.Data.ToJsonString(), now }, tx);
        }
        await tx.CommitAsync(ct);
        return added;
    }

    public async Task<IReadOnlyList<InboxEvent>> UnfoldedAsync(int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InboxEvent>("SELECT seq, tenant_id, event_id, interaction_id, type, occurred_at, data, received_at FROM inbox_events WHERE folded = 0 ORDER BY seq LIMIT @max",
            new { max })).ToList();
    }

    public async Task<IReadOnlyList<InboxEvent>> ForInteractionAsync(string tenantId, string interactionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InboxEvent>("SELECT seq, tenant_id, event_id, interaction_id, type, occurred_at, data, received_at FROM inbox_events WHERE tenant_id = @tenantId AND interaction_id = @interactionId ORDER BY seq",
            new { tenantId, interactionId })).ToList();
    }

    public async Task<long> CountAsync(string tenantId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE tenant_id = @tenantId", new { tenantId });
    }
}
