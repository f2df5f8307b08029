using System.Data.Common;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Outbox;

public static class OutboxState
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Done = "done";
    public const string Dead = "dead";
}

public sealed record OutboxRow(
    string Id, string TenantId, string InteractionId, string Plan, string State, long Attempts, long NextAttemptAt, long? LeaseUntil, string? LeaseOwner,
    string? LastErrorCode, string? LastError, string? Result, long CreatedAt, long? SentAt);

/// <summary>
/// Planned writes waiting for Salesforce. Rows are claimed with a lease, so two hub instances never
/// send the same row; a lease that runs out (the sender died) returns the row to pending, counted as
/// an attempt whose outcome is unknown.
/// </summary>
public sealed class OutboxStore(HubDatabase db, TimeProvider clock)
{
    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Adds a plan and marks the interaction planned at this state version, in one transaction.</summary>
    public async Task AddAsync(string tenantId, string interactionId, string plan, long plannedVersion, CancellationToken ct,
        string state = OutboxState.Pending, string? errorCode = null, string? error = null, long attempts = 0)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await c.ExecuteAsync("""
            INSERT INTO outbox (id, tenant_id, interaction_id, plan, state, attempts, next_attempt_at, last_error_code, last_error, result, created_at, sent_at)
            VALUES (@id, @tenantId, @interactionId, @plan, @state, @attempts, @now, @errorCode, @error, @result, @now, @sentAt)
            """, new
        {
            id = Guid.NewGuid().ToString("N"), tenantId, interactionId, plan, state, attempts, now = Now, errorCode, error,
            result = state == OutboxState.Done ? "{}" : null, sentAt = state == OutboxState.Done ? Now : (long?)null,
        }, tx);
        await c.ExecuteAsync("UPDATE interactions SET planned_version = @plannedVersion WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { plannedVersion, tenantId, interactionId }, tx);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<OutboxRow>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var now = Now;
        // A sender that died mid-send left its rows leased: they go back to pending, as an attempt of unknown outcome.
        await c.ExecuteAsync("UPDATE outbox SET state = @pending, lease_owner = NULL, attempts = attempts + 1 WHERE state = @sending AND lease_until < @now",
            new { pending = OutboxState.Pending, sending = OutboxState.Sending, now });
        var skipLocked = db.Provider == DatabaseProvider.PostgreSql ? " FOR UPDATE SKIP LOCKED" : "";
        await c.ExecuteAsync($"""
            UPDATE outbox SET state = @sending, lease_owner = @owner, lease_until = @until
            WHERE id IN (SELECT id FROM outbox WHERE state = @pending AND next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @max{skipLocked})
            """, new { sending = OutboxState.Sending, owner, until = now + (long)lease.TotalMilliseconds, pending = OutboxState.Pending, now, max });
        return (await c.QueryAsync<OutboxRow>("SELECT * FROM outbox WHERE state = @sending AND lease_owner = @owner", new { sending = OutboxState.Sending, owner })).ToList();
    }

    public async Task DoneAsync(OutboxRow row, string result, CancellationToken ct) =>
        await SetAsync(row, "state = @state, result = @result, sent_at = @now, lease_owner = NULL, last_error_code = NULL, last_error = NULL",
            new { state = OutboxState.Done, result, now = Now, id = row.Id, owner = row.LeaseOwner }, ct);

    /// <summary>Back to pending after a transient failure; <paramref name="outcomeUnknown"/> marks that Salesforce may have applied it.</summary>
    public async Task RetryAsync(OutboxRow row, string code, string error, DateTimeOffset at, bool countAttempt, CancellationToken ct) =>
        await SetAsync(row, "state = @state, attempts = attempts + @add, next_attempt_at = @at, lease_owner = NULL, last_error_code = @code, last_error = @error",
            new { state = OutboxState.Pending, add = countAttempt ? 1 : 0, at = at.ToUnixTimeMilliseconds(), code, error, id = row.Id, owner = row.LeaseOwner }, ct);

    public async Task DeadAsync(OutboxRow row, string code, string error, CancellationToken ct) =>
        await SetAsync(row, "state = @state, attempts = attempts + 1, lease_owner = NULL, last_error_code = @code, last_error = @error",
            new { state = OutboxState.Dead, code, error, id = row.Id, owner = row.LeaseOwner }, ct);

    private async Task SetAsync(OutboxRow row, string set, object args, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync($"UPDATE outbox SET {set} WHERE id = @id AND lease_owner = @owner", args);
    }

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

    /// <summary>Puts a dead letter back in line after the admin fixed the cause; counted as a fresh start.</summary>
    /// <summary>
    /// Plans a dead letter's interaction again from the current settings and org, so fixing either
    /// the cause in Salesforce or the tenant's settings is enough. The new plan checks what already
    /// exists before it sends.
    /// </summary>
    public async Task<bool> ReplayAsync(string tenantId, string id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<OutboxRow>("SELECT * FROM outbox WHERE id = @id AND tenant_id = @tenantId AND state = @dead",
            new { id, tenantId, dead = OutboxState.Dead }, tx);
        if (row is null) return false;
        await c.ExecuteAsync("UPDATE outbox SET state = @replanned WHERE id = @id", new { replanned = Replanned, id }, tx);
        await c.ExecuteAsync("UPDATE interactions SET planned_version = 0 WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { tenantId, interactionId = row.InteractionId }, tx);
        await tx.CommitAsync(ct);
        return true;
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
