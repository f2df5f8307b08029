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

    /// <summary>Rows per INSERT: eleven values each, far below SQLite's and PostgreSQL's limits on parameters.</summary>
    private const int RowsPerStatement = 200;

    public async Task AddAsync(string tenantId, IReadOnlyCollection<string> interactionIds, string step, IReadOnlyList<SalesforceCall> calls, CancellationToken ct)
    {
        if (calls.Count == 0 || interactionIds.Count == 0) return;
        var ids = interactionIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = ids.SelectMany(id => calls.Select(call => (Id: id, Call: call))).ToList();
        try
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            foreach (var chunk in rows.Chunk(RowsPerStatement))
            {
                var sql = new System.Text.StringBuilder(
                    "INSERT INTO salesforce_requests (tenant_id, interaction_id, at, step, method, path, kind, outcome, status, duration_ms, batch_size) VALUES ");
                var args = new DynamicParameters(new { tenantId, step, batch = (long)ids.Count });
                for (var i = 0; i < chunk.Length; i++)
                {
                    var (id, call) = chunk[i];
                    if (i > 0) sql.Append(", ");
                    sql.Append(System.Globalization.CultureInfo.InvariantCulture,
                        $"(@tenantId, @i{i}, @at{i}, @step, @m{i}, @p{i}, @k{i}, @o{i}, @s{i}, @d{i}, @batch)");
                    args.Add($"i{i}", id);
                    args.Add($"at{i}", call.At.ToUnixTimeMilliseconds());
                    args.Add($"m{i}", call.Method);
                    args.Add($"p{i}", call.Path);
                    args.Add($"k{i}", call.Kind);
                    args.Add($"o{i}", call.Outcome);
                    args.Add($"s{i}", (long?)call.Status);
                    args.Add($"d{i}", (long)Math.Min(int.MaxValue, call.Took.TotalMilliseconds));
                }
                await w.Connection.ExecuteAsync(sql.ToString(), args, w.Transaction);
            }
            await w.CommitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The {Count} Salesforce requests of a {Step} step of tenant {TenantId} could not be recorded", calls.Count, step, tenantId);
        }
    }

    /// <summary>The interaction's requests, oldest first: the newest 500 when it has more (a long outage's retries).</summary>
    public async Task<IReadOnlyList<SalesforceRequestRow>> ForInteractionAsync(string tenantId, string interactionId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<SalesforceRequestRow>("""
            SELECT id, tenant_id, interaction_id, at, step, method, path, kind, outcome, status, duration_ms, batch_size FROM salesforce_requests
            WHERE tenant_id = @tenantId AND interaction_id = @interactionId ORDER BY at DESC, id DESC LIMIT 500
            """, new { tenantId, interactionId })).Reverse().ToList();
    }
}
