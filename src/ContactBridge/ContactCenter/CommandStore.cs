using System.Text.Json.Nodes;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.ContactCenter;

/// <summary>One command asked of a contact center, and what became of it.</summary>
public sealed record CommandRecord(string CommandId, string AgentId, string Type, JsonObject Data, string Status, string? Reason, string? Message, JsonObject? Result,
    int Attempts, string? RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset? AnsweredAt)
{
    /// <summary>Sent, and no answer yet (or none ever came).</summary>
    public const string Sending = "sending";
    public const string Accepted = "accepted";
    public const string Refused = "refused";
    /// <summary>No answer within the attempts: it may or may not have been done; the same key sends it again.</summary>
    public const string Unanswered = "unanswered";
    /// <summary>The contact center refused the request itself (a 4xx: nothing was done).</summary>
    public const string Failed = "failed";
    /// <summary>An answer came that cannot be believed (not signed with the command secret, or not an answer to it): it may have been done; the same key asks again.</summary>
    public const string Unverified = "unverified";

    public bool IsFinal => Status is Accepted or Refused or Failed;
}

/// <summary>
/// The commands asked of each tenant's contact center. A command is stored before it is sent, so its id (the key
/// the contact center deduplicates on) is the same for every attempt, after a crash, and when the caller repeats a
/// request with the same Idempotency-Key.
/// </summary>
public sealed class CommandStore(HubDatabase db, TimeProvider clock)
{
    private sealed record Row(string CommandId, string? RequestKey, string AgentId, string Type, string Data, string? RequestedBy, string Status, string? Reason,
        string? Message, string? Result, long Attempts, long CreatedAt, long? AnsweredAt);

    private const string Columns = "command_id, request_key, agent_id, type, data, requested_by, status, reason, message, result, attempts, created_at, answered_at";

    /// <summary>
    /// A new command, or the one already stored under the caller's key (then <c>Created</c> is false, and the caller
    /// compares it with what it asked for now).
    /// </summary>
    public async Task<(CommandRecord Command, bool Created)> BeginAsync(string tenantId, string? requestKey, string agentId, string type, JsonObject data, string? requestedBy,
        CancellationToken ct)
    {
        var commandId = "cmd_" + Guid.CreateVersion7().ToString("N");
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: true, ct);
        var inserted = await w.Connection.ExecuteAsync($"""
            INSERT INTO contact_center_commands (tenant_id, {Columns})
            VALUES (@tenantId, @commandId, @requestKey, @agentId, @type, @data, @requestedBy, '{CommandRecord.Sending}', NULL, NULL, NULL, 0, @now, NULL)
            ON CONFLICT (tenant_id, request_key) DO NOTHING
            """,
            new { tenantId, commandId, requestKey, agentId, type, data = data.ToJsonString(), requestedBy, now }, w.Transaction);
        Row row;
        if (inserted == 1) row = new Row(commandId, requestKey, agentId, type, data.ToJsonString(), requestedBy, CommandRecord.Sending, null, null, null, 0, now, null);
        else
            row = await w.Connection.QuerySingleAsync<Row>($"SELECT {Columns} FROM contact_center_commands WHERE tenant_id = @tenantId AND request_key = @requestKey",
                new { tenantId, requestKey }, w.Transaction);
        await w.CommitAsync(ct);
        return (Read(row), inserted == 1);
    }

    /// <summary>
    /// Claims a stored command for another round of sending (it was unanswered, or its sender went away): false when
    /// someone else has it now. While a command is being sent, answered_at holds when its current round began.
    /// </summary>
    public async Task<bool> ResendAsync(string tenantId, CommandRecord command, TimeSpan staleAfter, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: true, ct);
        var claimed = await w.Connection.ExecuteAsync($"""
            UPDATE contact_center_commands SET status = '{CommandRecord.Sending}', answered_at = @now
            WHERE tenant_id = @tenantId AND command_id = @id AND (status IN ('{CommandRecord.Unanswered}', '{CommandRecord.Unverified}') OR (status = '{CommandRecord.Sending}' AND COALESCE(answered_at, created_at) < @stale))
            """, new { tenantId, id = command.CommandId, now, stale = now - (long)staleAfter.TotalMilliseconds }, w.Transaction);
        await w.CommitAsync(ct);
        return claimed == 1;
    }

    public async Task<CommandRecord> RecordAsync(string tenantId, string commandId, string status, string? reason, string? message, JsonObject? result, int attempts,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("""
            UPDATE contact_center_commands SET status = @status, reason = @reason, message = @message, result = @result, attempts = attempts + @attempts, answered_at = @now
            WHERE tenant_id = @tenantId AND command_id = @commandId
            """, new { tenantId, commandId, status, reason, message, result = result?.ToJsonString(), attempts, now }, w.Transaction);
        var row = await w.Connection.QuerySingleAsync<Row>($"SELECT {Columns} FROM contact_center_commands WHERE tenant_id = @tenantId AND command_id = @commandId",
            new { tenantId, commandId }, w.Transaction);
        await w.CommitAsync(ct);
        return Read(row);
    }

    public async Task<CommandRecord?> GetAsync(string tenantId, string commandId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM contact_center_commands WHERE tenant_id = @tenantId AND command_id = @commandId",
            new { tenantId, commandId });
        return row is null ? null : Read(row);
    }

    /// <summary>The tenant's newest commands, or one agent's.</summary>
    public async Task<IReadOnlyList<CommandRecord>> RecentAsync(string tenantId, string? agentId, int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>($"""
            SELECT {Columns} FROM contact_center_commands WHERE tenant_id = @tenantId{(agentId is null ? "" : " AND agent_id = @agentId")}
            ORDER BY created_at DESC, command_id DESC LIMIT @max
            """, new { tenantId, agentId, max });
        return rows.Select(Read).ToList();
    }

    private static CommandRecord Read(Row r) => new(r.CommandId, r.AgentId, r.Type, JsonNode.Parse(r.Data) as JsonObject ?? [], r.Status, r.Reason, r.Message,
        r.Result is null ? null : JsonNode.Parse(r.Result) as JsonObject, (int)r.Attempts, r.RequestedBy, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        r.AnsweredAt is { } a ? DateTimeOffset.FromUnixTimeMilliseconds(a) : null);
}
