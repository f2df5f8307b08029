using ContactBridge.Salesforce;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Interactions;

/// <summary>One Salesforce request made for an interaction, as its page lists it.</summary>
public sealed record SalesforceRequestRow(long Id, string TenantId, string InteractionId, long At, string Step, string Method, string Path, string Kind, string Outcome,
    long? Status, long DurationMs, long BatchSize);

/// <summary>
/// Which Salesforce requests the pipeline made for which interactions: the calls a <see cref="SalesforceCallWatch"/>
/// saw while a step worked on a batch are written under each interaction of the batch. It is a diagnostic
/// record: a failure to write it is logged and does not stop the step (the work itself is durable elsewhere).
/// </summary>
public sealed class SalesforceRequestLog(HubDatabase db, ILogger<SalesforceRequestLog> logger)
{
    public const string Identify = "identify";
    public const string Plan = "plan";
    public const string Write = "write";

    public async Task AddAsync(string tenantId, IReadOnlyCollection<string> interactionIds, string step, IReadOnlyList<SalesforceCall> calls, CancellationToken ct)
    {
        if (calls.Count == 0 || interactionIds.Count == 0) return;
        var rows = interactionIds.Distinct(StringComparer.Ordinal).SelectMany(id => calls.Select(call => new
        {
            tenantId, interactionId = id, at = call.At.ToUnixTimeMilliseconds(), step, method = call.Method, path = call.Path, kind = call.Kind, outcome = call.Outcome,
            status = call.Status, durationMs = (int)Math.Min(int.MaxValue, call.Took.TotalMilliseconds), batchSize = interactionIds.Count,
        })).ToList();
        try
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            await w.Connection.ExecuteAsync("""
                INSERT INTO salesforce_requests (tenant_id, interaction_id, at, step, method, path, kind, outcome, status, duration_ms, batch_size)
                VALUES (@tenantId, @interactionId, @at, @step, @method, @path, @kind, @outcome, @status, @durationMs, @batchSize)
                """, rows, w.Transaction);
            await w.CommitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The {Count} Salesforce requests of a {Step} step of tenant {TenantId} could not be recorded", calls.Count, step, tenantId);
        }
    }

    public async Task<IReadOnlyList<SalesforceRequestRow>> ForInteractionAsync(string tenantId, string interactionId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<SalesforceRequestRow>("""
            SELECT id, tenant_id, interaction_id, at, step, method, path, kind, outcome, status, duration_ms, batch_size FROM salesforce_requests
            WHERE tenant_id = @tenantId AND interaction_id = @interactionId ORDER BY at, id LIMIT 500
            """, new { tenantId, interactionId })).ToList();
    }
}
