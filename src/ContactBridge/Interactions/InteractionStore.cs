using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Interactions;

public sealed record InteractionRow(
    string TenantId, string InteractionId, string State, long StateVersion, long Ended, string? Identification, long IdentifiedVersion, long PlannedVersion,
    string? Records, long CreatedAt, long UpdatedAt)
{
    public InteractionState Parsed => JsonSerializer.Deserialize<InteractionState>(State, InteractionStore.Json)!;
    public IdentificationResult? ParsedIdentification => Identification is null ? null : JsonSerializer.Deserialize<IdentificationResult>(Identification, InteractionStore.Json);
}

/// <summary>Each interaction's folded state, who the caller is, and what was written for it.</summary>
public sealed class InteractionStore(HubDatabase db, InboxStore inbox, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Folds new inbox events into their interactions. For each interaction the state is recomputed
    /// from all its events and the events are marked folded in the same transaction, so a crash
    /// repeats the fold but never loses an event. Returns how many interactions changed.
    /// </summary>
    public async Task<int> FoldAsync(int maxEvents, CancellationToken ct)
    {
        var pending = await inbox.UnfoldedAsync(maxEvents, ct);
        var changed = 0;
        foreach (var group in pending.GroupBy(e => (e.TenantId, e.InteractionId)))
        {
            var all = await inbox.ForInteractionAsync(group.Key.TenantId, group.Key.InteractionId, ct);
            var folded = InteractionState.Fold(group.Key.InteractionId, all);
            var state = JsonSerializer.Serialize(folded, Json);
            var ended = folded.Ended ? 1 : 0;
            await using var c = await db.OpenAsync(ct);
            await using var tx = await c.BeginTransactionAsync(ct);
            var existing = await c.QuerySingleOrDefaultAsync<string>("SELECT state FROM interactions WHERE tenant_id = @t AND interaction_id = @i",
                new { t = group.Key.TenantId, i = group.Key.InteractionId }, tx);
            if (existing is null)
            {
                await c.ExecuteAsync("""
                    INSERT INTO interactions (tenant_id, interaction_id, state, state_version, ended, created_at, updated_at)
                    VALUES (@t, @i, @state, 1, @ended, @now, @now)
                    """, new { t = group.Key.TenantId, i = group.Key.InteractionId, state, ended, now = Now }, tx);
                changed++;
            }
            else if (existing != state)
            {
                await c.ExecuteAsync("UPDATE interactions SET state = @state, state_version = state_version + 1, ended = @ended, updated_at = @now WHERE tenant_id = @t AND interaction_id = @i",
                    new { t = group.Key.TenantId, i = group.Key.InteractionId, state, ended, now = Now }, tx);
                changed++;
            }
            var seqs = group.Select(e => e.Seq).ToArray();
            foreach (var seq in seqs) await c.ExecuteAsync("UPDATE inbox_events SET folded = 1 WHERE seq = @seq", new { seq }, tx);
            await tx.CommitAsync(ct);
        }
        return changed;
    }

    public async Task<IReadOnlyList<InteractionRow>> NeedingIdentificationAsync(int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InteractionRow>("SELECT * FROM interactions WHERE identification IS NULL ORDER BY updated_at LIMIT @max", new { max })).ToList();
    }

    public async Task SetIdentificationAsync(string tenantId, string interactionId, IdentificationResult result, long version, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync("UPDATE interactions SET identification = @json, identified_version = @version, updated_at = @now WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { json = JsonSerializer.Serialize(result, Json), version, now = Now, tenantId, interactionId });
    }

    public async Task<IReadOnlyList<InteractionRow>> NeedingPlanAsync(int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InteractionRow>("SELECT * FROM interactions WHERE ended = 1 AND identification IS NOT NULL AND planned_version < state_version ORDER BY updated_at LIMIT @max",
            new { max })).ToList();
    }

    public async Task<InteractionRow?> GetAsync(string tenantId, string interactionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<InteractionRow>("SELECT * FROM interactions WHERE tenant_id = @tenantId AND interaction_id = @interactionId", new { tenantId, interactionId });
    }

    public async Task<IReadOnlyList<InteractionRow>> RecentAsync(string tenantId, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InteractionRow>("SELECT * FROM interactions WHERE tenant_id = @tenantId ORDER BY updated_at DESC LIMIT @max", new { tenantId, max })).ToList();
    }

    /// <summary>Records what Salesforce holds for the interaction (object → id), merged with what was recorded before.</summary>
    public async Task RecordWrittenAsync(string tenantId, string interactionId, IReadOnlyDictionary<string, string> records, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var existing = await c.QuerySingleOrDefaultAsync<string>("SELECT records FROM interactions WHERE tenant_id = @tenantId AND interaction_id = @interactionId", new { tenantId, interactionId });
        var merged = existing is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(existing, Json)!;
        foreach (var (k, v) in records) merged[k] = v;
        await c.ExecuteAsync("UPDATE interactions SET records = @json, updated_at = @now WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { json = JsonSerializer.Serialize(merged, Json), now = Now, tenantId, interactionId });
    }

    internal HubDatabase Database => db;
}
