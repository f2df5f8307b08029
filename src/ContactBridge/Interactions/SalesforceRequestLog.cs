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
        var ids = interactionIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = ids.SelectMany(id => calls.Select(call => new Row(tenantId, id, call.At.ToUnixTimeMilliseconds(), step, call.Method, call.Path, call.Kind, call.Outcome,
            call.Status, (long)Math.Min(int.MaxValue, call.Took.TotalMilliseconds), ids.Count))).ToList();
        try
        {
            if (db.Provider == DatabaseProvider.Sqlite)
            {
                // One row's statement, prepared once and run for each row (SQLite binds parameters by name one by one: a statement of many
                // rows costs more than its rows); the rows are small, eight times a write turn's per transaction, so that the event's
                // write or the fold never waits long behind this record.
                foreach (var turn in rows.Chunk(db.RowsPerWriteTurn * 8))
                {
                    await using var w = await db.WriteAsync(durable: false, ct);
                    await w.Connection.ExecuteAsync("""
                        INSERT INTO salesforce_requests (tenant_id, interaction_id, at, step, method, path, kind, outcome, status, duration_ms, batch_size)
                        VALUES (@TenantId, @InteractionId, @At, @Step, @Method, @Path, @Kind, @Outcome, @Status, @DurationMs, @BatchSize)
                        """, turn, w.Transaction);
                    await w.CommitAsync(ct);
                }
                return;
            }
            // PostgreSQL: a round trip per statement, so many rows each, in one transaction.
            await using (var w = await db.WriteAsync(durable: false, ct))
            {
                foreach (var chunk in rows.Chunk(RowsPerStatement)) await w.Connection.ExecuteAsync(ManyRows(chunk.Length), Parameters(chunk), w.Transaction);
                await w.CommitAsync(ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The {Count} Salesforce requests of a {Step} step of tenant {TenantId} could not be recorded", calls.Count, step, tenantId);
        }
    }

    private sealed record Row(string TenantId, string InteractionId, long At, string Step, string Method, string Path, string Kind, string Outcome, long? Status,
        long DurationMs, long BatchSize);

    /// <summary>Rows per INSERT on PostgreSQL: eleven values each, far below its limit on parameters.</summary>
    private const int RowsPerStatement = 200;

    private static string ManyRows(int rows) =>
        "INSERT INTO salesforce_requests (tenant_id, interaction_id, at, step, method, path, kind, outcome, status, duration_ms, batch_size) VALUES " +
        string.Join(", ", Enumerable.Range(0, rows).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"(@t{i}, @i{i}, @at{i}, @st{i}, @m{i}, @p{i}, @k{i}, @o{i}, @s{i}, @d{i}, @b{i})")));

    private static DynamicParameters Parameters(Row[] rows)
    {
        var args = new DynamicParameters();
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            args.Add($"t{i}", r.TenantId);
            args.Add($"i{i}", r.InteractionId);
            args.Add($"at{i}", r.At);
            args.Add($"st{i}", r.Step);
            args.Add($"m{i}", r.Method);
            args.Add($"p{i}", r.Path);
            args.Add($"k{i}", r.Kind);
            args.Add($"o{i}", r.Outcome);
            args.Add($"s{i}", r.Status);
            args.Add($"d{i}", r.DurationMs);
            args.Add($"b{i}", r.BatchSize);
        }
        return args;
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
