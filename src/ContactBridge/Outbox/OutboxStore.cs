using System.Data.Common;
using System.Text.Json;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Outbox;

public static class OutboxState
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Done = "done";
    public const string Dead = "dead";
    /// <summary>A dead letter an administrator gave up on.</summary>
    public const string Discarded = "discarded";
}

public sealed record OutboxRow(
    string Id, string TenantId, string InteractionId, string Plan, string State, long Attempts, long NextAttemptAt, long? LeaseUntil, string? LeaseOwner,
    string? LastErrorCode, string? LastError, string? Result, long CreatedAt, long? SentAt, long? FailingSince, string? TraceParent);

/// <summary>
/// Planned writes waiting for Salesforce. Rows are claimed with a lease, so two hub instances never
/// send the same row; a lease that runs out (the sender died) returns the row to pending, counted as
/// an attempt whose outcome is unknown.
/// </summary>
public sealed class OutboxStore(HubDatabase db, TimeProvider clock)
{
    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public sealed record NewRow(string TenantId, string InteractionId, string Plan, long PlannedVersion, string State = OutboxState.Pending,
        string? ErrorCode = null, string? Error = null, long Attempts = 0, string? TraceParent = null);

    /// <summary>
    /// Adds plans and marks their interactions planned at those state versions, each plan in the transaction that marks its interaction
    /// (a few per transaction on SQLite: <see cref="HubDatabase.RowsPerWriteTurn"/>); a plan for a version already planned is dropped.
    /// </summary>
    public async Task AddAsync(IReadOnlyList<NewRow> rows, CancellationToken ct)
    {
        foreach (var turn in rows.OrderBy(r => (r.TenantId, r.InteractionId), Interactions.InteractionStore.LockOrderComparer).Chunk(db.RowsPerWriteTurn))
            await AddTurnAsync(turn, ct);
    }

    private async Task AddTurnAsync(NewRow[] rows, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        var (c, tx) = (w.Connection, w.Transaction);
        var now = Now;
        foreach (var r in rows)
        {
            // Planned already at this version or a later one (by another instance that got there first): nothing to add.
            if (await c.ExecuteAsync("UPDATE interactions SET planned_version = @PlannedVersion WHERE tenant_id = @TenantId AND interaction_id = @InteractionId AND planned_version < @PlannedVersion",
                    r, tx) == 0) continue;
            await c.ExecuteAsync("""
                INSERT INTO outbox (id, tenant_id, interaction_id, plan, state, attempts, next_attempt_at, last_error_code, last_error, result, created_at, sent_at, trace_parent)
                VALUES (@id, @TenantId, @InteractionId, @Plan, @State, @Attempts, @now, @ErrorCode, @Error, @result, @now, @sentAt, @TraceParent)
                """, new
            {
                id = Guid.NewGuid().ToString("N"), r.TenantId, r.InteractionId, r.Plan, r.State, r.Attempts, now, r.ErrorCode, r.Error, r.TraceParent,
                result = r.State == OutboxState.Done ? "{}" : null, sentAt = r.State == OutboxState.Done ? now : (long?)null,
            }, tx);
        }
        await w.CommitAsync(ct);
    }

    /// <summary>Which of these interactions were planned before (some of their records may already exist).</summary>
    public async Task<HashSet<string>> PlannedBeforeAsync(string tenantId, IReadOnlyCollection<string> interactionIds, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in interactionIds.Chunk(500))
            found.UnionWith(await c.QueryAsync<string>($"SELECT DISTINCT interaction_id FROM outbox WHERE tenant_id = @tenantId AND {db.AnyOf("interaction_id", "chunk")}", new { tenantId, chunk }));
        return found;
    }

    /// <summary>
    /// Claims the tenant's due rows, oldest first, for one sender. Rows this sender still holds come back too:
    /// a round records every row's outcome before it ends, so a row still held is from a round cut short (the
    /// database went away between sending and recording). It may have reached Salesforce, so it counts as an
    /// attempt of unknown outcome, and its send checks which records already exist.
    /// </summary>
    public async Task<IReadOnlyList<OutboxRow>> ClaimAsync(string owner, string tenantId, int max, TimeSpan lease, CancellationToken ct)
    {
        await using (var w = await db.WriteAsync(durable: false, ct))
        {
            // Its lease is renewed with the new claim's, so no other instance recovers it while this round resends it.
            // (One round at a time per owner and tenant: a process runs one lane per tenant, and the lane's lease keeps other instances out.)
            await w.Connection.ExecuteAsync("UPDATE outbox SET attempts = attempts + 1, lease_until = @until WHERE state = @sending AND lease_owner = @owner AND tenant_id = @tenantId",
                new { sending = OutboxState.Sending, owner, tenantId, until = Now + (long)lease.TotalMilliseconds }, w.Transaction);
            await ClaimRowsAsync(w.Connection, w.Transaction, owner, tenantId, max, lease);
            await w.CommitAsync(ct);
        }
        await using var c = await db.OpenAsync(durable: false, ct);
        return (await c.QueryAsync<OutboxRow>("SELECT * FROM outbox WHERE state = @sending AND lease_owner = @owner AND tenant_id = @tenantId ORDER BY created_at",
            new { sending = OutboxState.Sending, owner, tenantId })).ToList();
    }

    /// <summary>A sender that died mid-send left its rows leased: they go back to pending, as an attempt of unknown outcome.</summary>
    public async Task RecoverExpiredLeasesAsync(CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("UPDATE outbox SET state = @pending, lease_owner = NULL, attempts = attempts + 1 WHERE state = @sending AND lease_until < @now",
            new { pending = OutboxState.Pending, sending = OutboxState.Sending, now = Now }, w.Transaction);
        await w.CommitAsync(ct);
    }

    private async Task ClaimRowsAsync(DbConnection c, DbTransaction tx, string owner, string tenantId, int max, TimeSpan lease)
    {
        var now = Now;
        var skipLocked = db.Provider == DatabaseProvider.PostgreSql ? " FOR UPDATE SKIP LOCKED" : "";
        await c.ExecuteAsync($"""
            UPDATE outbox SET state = @sending, lease_owner = @owner, lease_until = @until
            WHERE id IN (SELECT id FROM outbox WHERE tenant_id = @tenantId AND state = @pending AND next_attempt_at <= @now ORDER BY next_attempt_at, created_at LIMIT @max{skipLocked})
            """, new { sending = OutboxState.Sending, owner, until = now + (long)lease.TotalMilliseconds, tenantId, pending = OutboxState.Pending, now, max }, tx);
    }

    /// <summary>
    /// What became of a claimed row; applied in one transaction with its interaction's records (and a few other rows of its batch:
    /// <see cref="HubDatabase.RowsPerWriteTurn"/>). A row whose outcome was not applied stays leased, and is sent again as an attempt of
    /// unknown outcome once the lease ends.
    /// </summary>
    public sealed record Outcome(OutboxRow Row, string State, string? Code = null, string? Error = null, DateTimeOffset? NextAttemptAt = null,
        bool CountAttempt = false, IReadOnlyDictionary<string, string>? Written = null, DateTimeOffset? FailingSince = null, DateTimeOffset? EndedAt = null);

    public async Task ApplyAsync(IReadOnlyList<Outcome> outcomes, InteractionStoreWriter recordWritten, CancellationToken ct)
    {
        foreach (var turn in outcomes.OrderBy(o => (o.Row.TenantId, o.Row.InteractionId), Interactions.InteractionStore.LockOrderComparer).Chunk(db.RowsPerWriteTurn))
            await ApplyTurnAsync(turn, recordWritten, ct);
    }

    private async Task ApplyTurnAsync(Outcome[] outcomes, InteractionStoreWriter recordWritten, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        var (c, tx) = (w.Connection, w.Transaction);
        var now = Now;
        foreach (var o in outcomes)
        {
            switch (o.State)
            {
                case OutboxState.Done:
                    await c.ExecuteAsync("UPDATE outbox SET state = @s, result = @result, sent_at = @now, lease_owner = NULL, last_error_code = NULL, last_error = NULL, failing_since = NULL WHERE id = @id AND lease_owner = @owner",
                        new { s = OutboxState.Done, result = JsonSerializer.Serialize(o.Written), now, id = o.Row.Id, owner = o.Row.LeaseOwner }, tx);
                    await recordWritten(c, tx, o.Row.TenantId, o.Row.InteractionId, o.Written ?? new Dictionary<string, string>());
                    break;
                case OutboxState.Dead:
                    await c.ExecuteAsync("UPDATE outbox SET state = @s, attempts = attempts + 1, lease_owner = NULL, last_error_code = @code, last_error = @error WHERE id = @id AND lease_owner = @owner",
                        new { s = OutboxState.Dead, code = o.Code, error = o.Error, id = o.Row.Id, owner = o.Row.LeaseOwner }, tx);
                    break;
                default:
                    await c.ExecuteAsync("""
                        UPDATE outbox SET state = @s, attempts = attempts + @add, next_attempt_at = @at, lease_owner = NULL, last_error_code = @code, last_error = @error,
                            failing_since = COALESCE(failing_since, @since)
                        WHERE id = @id AND lease_owner = @owner
                        """, new
                    {
                        s = OutboxState.Pending, add = o.CountAttempt ? 1 : 0, at = (o.NextAttemptAt ?? clock.GetUtcNow()).ToUnixTimeMilliseconds(), code = o.Code,
                        error = o.Error, id = o.Row.Id, owner = o.Row.LeaseOwner, since = o.FailingSince?.ToUnixTimeMilliseconds(),
                    }, tx);
                    break;
            }
        }
        await w.CommitAsync(ct);
    }

    public delegate Task InteractionStoreWriter(DbConnection c, DbTransaction tx, string tenantId, string interactionId, IReadOnlyDictionary<string, string> written);

    public async Task<IReadOnlyList<OutboxRow>> ForTenantAsync(string tenantId, string state, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<OutboxRow>("SELECT * FROM outbox WHERE tenant_id = @tenantId AND state = @state ORDER BY created_at DESC LIMIT @max", new { tenantId, state, max })).ToList();
    }

    public async Task<IReadOnlyList<OutboxRow>> ForInteractionAsync(string tenantId, string interactionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<OutboxRow>("SELECT * FROM outbox WHERE tenant_id = @tenantId AND interaction_id = @interactionId ORDER BY created_at", new { tenantId, interactionId })).ToList();
    }

    /// <summary>The newest write of each interaction given (those with none are left out): one query for a page of the Activity list.</summary>
    public async Task<IReadOnlyDictionary<string, OutboxRow>> LatestForInteractionsAsync(string tenantId, IReadOnlyCollection<string> interactionIds, CancellationToken ct = default)
    {
        if (interactionIds.Count == 0) return new Dictionary<string, OutboxRow>();
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<OutboxRow>($"SELECT * FROM outbox WHERE tenant_id = @tenantId AND {db.AnyOf("interaction_id", "ids")} ORDER BY created_at",
            new { tenantId, ids = interactionIds.ToArray() });
        var latest = new Dictionary<string, OutboxRow>(StringComparer.Ordinal);
        foreach (var row in rows) latest[row.InteractionId] = row;
        return latest;
    }

    /// <summary>
    /// Plans a dead letter's interaction again from the current settings and org, so fixing either
    /// the cause in Salesforce or the tenant's settings is enough. The new plan checks what already
    /// exists before it sends.
    /// </summary>
    public async Task<bool> ReplayAsync(string tenantId, string id, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        var (c, tx) = (w.Connection, w.Transaction);
        var row = await c.QuerySingleOrDefaultAsync<OutboxRow>("SELECT * FROM outbox WHERE id = @id AND tenant_id = @tenantId AND state = @dead",
            new { id, tenantId, dead = OutboxState.Dead }, tx);
        if (row is null) return false;
        await c.ExecuteAsync("UPDATE outbox SET state = @replanned WHERE id = @id", new { replanned = Replanned, id }, tx);
        await c.ExecuteAsync("UPDATE interactions SET planned_version = 0 WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { tenantId, interactionId = row.InteractionId }, tx);
        await w.CommitAsync(ct);
        return true;
    }

    /// <summary>Gives up on a dead letter: it stays on record as discarded and is no longer listed.</summary>
    public async Task<bool> DiscardAsync(string tenantId, string id, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        var changed = await w.Connection.ExecuteAsync("UPDATE outbox SET state = @discarded WHERE id = @id AND tenant_id = @tenantId AND state = @dead",
            new { discarded = OutboxState.Discarded, id, tenantId, dead = OutboxState.Dead }, w.Transaction);
        await w.CommitAsync(ct);
        return changed == 1;
    }

    /// <summary>
    /// The latest plan of each interaction that was or may yet be written (done, pending, sending; not a
    /// dead letter, whose all-or-nothing graph wrote nothing), so that planning again keeps its keys.
    /// </summary>
    public async Task<Dictionary<string, string>> WrittenPlansAsync(string tenantId, IReadOnlyCollection<string> interactionIds, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in interactionIds.Chunk(500))
        {
            foreach (var (interactionId, plan) in await c.QueryAsync<(string, string)>(
                         $"SELECT interaction_id, plan FROM outbox WHERE tenant_id = @tenantId AND {db.AnyOf("interaction_id", "chunk")} AND state IN (@done, @pending, @sending) ORDER BY created_at",
                         new { tenantId, chunk, done = OutboxState.Done, pending = OutboxState.Pending, sending = OutboxState.Sending }))
                found[interactionId] = plan;
        }
        return found;
    }

    /// <summary>
    /// For each interaction whose newest outbox row was written to Salesforce (done through a send, not skipped), that row's plan:
    /// a new plan equal to it has nothing to send. A newer row waiting, sending, dead or replayed means nothing is known written.
    /// </summary>
    public async Task<Dictionary<string, string>> LastSentPlansAsync(string tenantId, IReadOnlyCollection<string> interactionIds, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var newest = new Dictionary<string, (string Plan, string State, string? Result)>(StringComparer.Ordinal);
        foreach (var chunk in interactionIds.Chunk(500))
        {
            foreach (var (interactionId, plan, state, result) in await c.QueryAsync<(string, string, string, string?)>(
                         $"SELECT interaction_id, plan, state, result FROM outbox WHERE tenant_id = @tenantId AND {db.AnyOf("interaction_id", "chunk")} ORDER BY created_at",
                         new { tenantId, chunk }))
                newest[interactionId] = (plan, state, result);
        }
        return newest.Where(n => n.Value.State == OutboxState.Done && n.Value.Result is not (null or "{}"))
            .ToDictionary(n => n.Key, n => n.Value.Plan, StringComparer.Ordinal);
    }

    public const string SetupProblem = "SETUP";
    public const string Replanned = "replanned";

    public async Task<long> CountAsync(string state, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE state = @state", new { state });
    }

    internal Task<DbConnection> OpenAsync(CancellationToken ct) => db.OpenAsync(ct);
}
