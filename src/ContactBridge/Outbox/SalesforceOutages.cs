using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.Outbox;

public sealed record SalesforceOutage(string TenantId, long Since, string LastError, long LastAttemptAt, long RetryAt, long Failures)
{
    public DateTimeOffset SinceTime => DateTimeOffset.FromUnixTimeMilliseconds(Since);
}

/// <summary>
/// Tenants whose org the hub cannot reach right now. While an org is down the pipeline leaves that
/// tenant alone until the next try (capped backoff), so an outage costs one probe per interval rather
/// than a failing call per waiting interaction; the first success ends the outage and brings the
/// waiting writes forward, oldest first.
/// </summary>
public sealed class SalesforceOutages(HubDatabase db, IOptions<LoggingOptions> options, TimeProvider clock)
{
    public async Task<IReadOnlyDictionary<string, SalesforceOutage>> ActiveAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(durable: false, ct);
        return (await c.QueryAsync<SalesforceOutage>("SELECT tenant_id, since, last_error, last_attempt_at, retry_at, failures FROM salesforce_outages"))
            .ToDictionary(o => o.TenantId, StringComparer.Ordinal);
    }

    public async Task<SalesforceOutage?> GetAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(durable: false, ct);
        return await c.QuerySingleOrDefaultAsync<SalesforceOutage>(
            "SELECT tenant_id, since, last_error, last_attempt_at, retry_at, failures FROM salesforce_outages WHERE tenant_id = @tenantId", new { tenantId });
    }

    public async Task FailedAsync(string tenantId, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: false, ct);
        var failures = await w.Connection.ExecuteScalarAsync<long?>("SELECT failures FROM salesforce_outages WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction) ?? 0;
        var retryAt = now + (long)RetryPolicy.Delay(failures + 1, options.Value.MaxRetryDelay).TotalMilliseconds;
        var waiting = await ContactBridge.Interactions.InteractionStore.WaitingAsync(w.Connection, w.Transaction, tenantId);
        await w.Connection.ExecuteAsync("""
            INSERT INTO salesforce_outages (tenant_id, since, last_error, last_attempt_at, retry_at, failures, most_waiting) VALUES (@tenantId, @now, @error, @now, @retryAt, 1, @waiting)
            ON CONFLICT (tenant_id) DO UPDATE SET last_error = @error, last_attempt_at = @now, retry_at = @retryAt, failures = salesforce_outages.failures + 1,
                most_waiting = CASE WHEN salesforce_outages.most_waiting > @waiting THEN salesforce_outages.most_waiting ELSE @waiting END
            """, new { tenantId, now, error = error.Length > 1000 ? error[..1000] : error, retryAt, waiting }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>The org answered: the outage (if any) is over and writes that were waiting for it are due now.</summary>
    public async Task RecoveredAsync(string tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: false, ct);
        var ended = await w.Connection.QuerySingleOrDefaultAsync<(long Since, string LastError, long MostWaiting)>(
            "SELECT since, last_error, most_waiting FROM salesforce_outages WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction);
        if (ended != default && await w.Connection.ExecuteAsync("DELETE FROM salesforce_outages WHERE tenant_id = @tenantId", new { tenantId }, w.Transaction) > 0)
        {
            // What happened meanwhile, for the Activity page: from when, why, and the most interactions that waited for the org.
            var waited = Math.Max(ended.MostWaiting, await ContactBridge.Interactions.InteractionStore.WaitingAsync(w.Connection, w.Transaction, tenantId));
            await ContactBridge.Incidents.IncidentLog.SaveAsync(w.Connection, null,
                new ContactBridge.Incidents.Incident(0, tenantId, IncidentKinds.SalesforceUnreachable, ended.Since, now, ended.LastError, waited, db.Instance), w.Transaction);
            await w.Connection.ExecuteAsync("UPDATE outbox SET next_attempt_at = @now WHERE tenant_id = @tenantId AND state = @pending AND failing_since IS NOT NULL AND next_attempt_at > @now",
                new { tenantId, now, pending = OutboxState.Pending }, w.Transaction);
            await w.Connection.ExecuteAsync("UPDATE interactions SET identify_after = 0 WHERE tenant_id = @tenantId AND identification IS NULL AND identify_after > @now",
                new { tenantId, now }, w.Transaction);
        }
        await w.CommitAsync(ct);
    }
}
