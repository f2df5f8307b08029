using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Salesforce;
using Microsoft.Extensions.Options;

namespace ContactBridge.Outbox;

/// <summary>
/// Sends claimed outbox rows: per tenant, as few composite graph calls as the limits allow (75 graphs
/// and 500 nodes a call), one all-or-nothing graph per interaction. Before resending rows whose last
/// attempt has an unknown outcome, it asks which keys already exist (one query per object), so
/// create-only fields are left out for records that were in fact created. Retry policy: transient
/// errors back off and retry; permanent ones, or too many attempts, go to the dead-letter list.
/// </summary>
public sealed class OutboxSender(OutboxStore outbox, InteractionStore interactions, SalesforceConnections connections, IOptions<LoggingOptions> options,
    TimeProvider clock, ILogger<OutboxSender> logger)
{
    /// <summary>Composite graph limits per request ("Composite Graph Limits", REST API Developer Guide).</summary>
    public const int MaxGraphsPerCall = 75;
    public const int MaxNodesPerCall = 500;

    private readonly Dictionary<string, DateTimeOffset> _lastCallWhileReserved = new(StringComparer.Ordinal);

    public static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "UNKNOWN_EXCEPTION", "QUERY_TIMEOUT", "INVALID_SESSION_ID",
    };

    public async Task<int> SendAsync(string owner, CancellationToken ct)
    {
        var rows = await outbox.ClaimAsync(owner, options.Value.BatchSize, options.Value.Lease, ct);
        foreach (var tenantRows in rows.GroupBy(r => r.TenantId)) await SendTenantAsync(tenantRows.Key, tenantRows.ToList(), ct);
        return rows.Count;
    }

    private async Task SendTenantAsync(string tenantId, List<OutboxRow> rows, CancellationToken ct)
    {
        SalesforceRestClient client;
        try
        {
            client = await connections.ClientAsync(tenantId, ct);
        }
        catch (LinkingException e)
        {
            // Not linked or needs relink: nothing was sent, nothing is lost; wait for an admin to relink.
            foreach (var row in rows) await outbox.RetryAsync(row, "NOT_LINKED", e.Message, clock.GetUtcNow().AddMinutes(5), countAttempt: false, ct);
            return;
        }
        var plans = rows.Select(r => (Row: r, Plan: JsonSerializer.Deserialize<LogPlan>(r.Plan, InteractionStore.Json)!)).ToList();
        var batches = new List<List<(OutboxRow Row, LogPlan Plan)>>();
        foreach (var item in plans)
        {
            var last = batches.LastOrDefault();
            if (last is null || last.Count >= MaxGraphsPerCall || last.Sum(p => p.Plan.Nodes.Count) + item.Plan.Nodes.Count > MaxNodesPerCall)
                batches.Add(last = []);
            last.Add(item);
        }
        foreach (var batch in batches)
        {
            if (!MayCall(tenantId, client))
            {
                foreach (var (row, _) in batch)
                    await outbox.RetryAsync(row, "API_RESERVE", "The org's daily API calls are nearly spent; the hub is slowing down.", clock.GetUtcNow() + options.Value.ReserveInterval, false, ct);
                continue;
            }
            await SendBatchAsync(tenantId, client, batch, ct);
        }
    }

    /// <summary>Below the reserve, at most one call per interval for this tenant: slow down instead of exhausting what is left.</summary>
    private bool MayCall(string tenantId, SalesforceRestClient client)
    {
        var usage = client.Session.LastApiUsage;
        if (usage is null || usage.Remaining > options.Value.ApiReserve) return true;
        lock (_lastCallWhileReserved)
        {
            var now = clock.GetUtcNow();
            if (_lastCallWhileReserved.TryGetValue(tenantId, out var last) && now - last < options.Value.ReserveInterval) return false;
            _lastCallWhileReserved[tenantId] = now;
            return true;
        }
    }

    private async Task SendBatchAsync(string tenantId, SalesforceRestClient client, List<(OutboxRow Row, LogPlan Plan)> batch, CancellationToken ct)
    {
        try
        {
            var existing = await ExistingKeysAsync(client, batch.Where(b => b.Row.Attempts > 0).Select(b => b.Plan).ToList(), ct);
            var graphs = new JsonArray(batch.Select((b, i) => (JsonNode)new JsonObject
            {
                ["graphId"] = $"g{i}",
                ["compositeRequest"] = new JsonArray(b.Plan.Nodes.Select(n => (JsonNode)n.ToSubrequest(b.Plan.ApiVersion, b.Plan.KeyField, existing.Contains((n.Object, n.Key)))).ToArray()),
            }).ToArray());
            var response = await client.SendAsync(HttpMethod.Post, $"{client.DataPath}/composite/graph", new JsonObject { ["graphs"] = graphs }, ct);
            var results = response?["graphs"]?.AsArray() ?? [];
            for (var i = 0; i < batch.Count; i++)
                await RecordAsync(tenantId, batch[i].Row, batch[i].Plan, results.FirstOrDefault(g => g?["graphId"]?.GetValue<string>() == $"g{i}") as JsonObject, ct);
        }
        catch (LinkingException e)
        {
            foreach (var (row, _) in batch) await outbox.RetryAsync(row, "NOT_LINKED", e.Message, clock.GetUtcNow().AddMinutes(5), countAttempt: false, ct);
        }
        catch (SalesforceApiException e) when (!e.IsTransient && !e.IsSessionExpired)
        {
            foreach (var (row, _) in batch) await FailAsync(row, e.ErrorCode, e.SalesforceMessage, transient: false, ct);
        }
        catch (Exception e) when (e is SalesforceApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The answer did not arrive or was an error of the org's: Salesforce may or may not have applied it, so it counts as an attempt.
            var code = e is SalesforceApiException api ? api.ErrorCode : e is TaskCanceledException ? "TIMEOUT" : "NETWORK";
            foreach (var (row, _) in batch) await FailAsync(row, code, e.Message, transient: true, ct);
        }
    }

    private async Task<HashSet<(string Object, string Key)>> ExistingKeysAsync(SalesforceRestClient client, List<LogPlan> plans, CancellationToken ct)
    {
        var existing = new HashSet<(string, string)>();
        foreach (var group in plans.SelectMany(p => p.Nodes.Where(n => n.RecordId is null).Select(n => (p.KeyField, n.Object, n.Key))).GroupBy(x => (x.KeyField, x.Object)))
        {
            foreach (var chunk in group.Select(x => x.Key).Distinct().Chunk(200))
            {
                var list = string.Join(", ", chunk.Select(Identification.CallerIdentifier.SoqlString));
                var found = await client.QueryAsync($"SELECT {group.Key.KeyField} FROM {group.Key.Object} WHERE {group.Key.KeyField} IN ({list})", ct);
                foreach (var r in found["records"]?.AsArray() ?? []) existing.Add((group.Key.Object, r![group.Key.KeyField]!.GetValue<string>()));
            }
        }
        return existing;
    }

    private async Task RecordAsync(string tenantId, OutboxRow row, LogPlan plan, JsonObject? graph, CancellationToken ct)
    {
        if (graph is null)
        {
            await FailAsync(row, "NO_ANSWER", "Salesforce's answer did not mention this interaction's graph.", transient: true, ct);
            return;
        }
        var responses = graph["graphResponse"]?["compositeResponse"]?.AsArray() ?? [];
        if (graph["isSuccessful"]?.GetValue<bool>() == true)
        {
            var written = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var node in plan.Nodes)
            {
                var r = responses.FirstOrDefault(x => x?["referenceId"]?.GetValue<string>() == node.ReferenceId);
                var id = r?["body"]?["id"]?.GetValue<string>() ?? node.RecordId;
                if (id is not null) written[node.Object] = id;
            }
            await interactions.RecordWrittenAsync(tenantId, row.InteractionId, written, ct);
            await outbox.DoneAsync(row, JsonSerializer.Serialize(written), ct);
            return;
        }
        var errors = responses.Select(x => x?["body"] as JsonArray).Where(b => b is { Count: > 0 }).Select(b => b![0]!).ToList();
        var cause = errors.FirstOrDefault(e => e["errorCode"]?.GetValue<string>() != "PROCESSING_HALTED");
        if (cause is null)
        {
            // Halted only because other graphs failed (Salesforce stops after 14): not this plan's fault.
            await outbox.RetryAsync(row, "PROCESSING_HALTED", "Halted because other graphs in the request failed.", clock.GetUtcNow(), countAttempt: false, ct);
            return;
        }
        var code = cause["errorCode"]?.GetValue<string>() ?? "UNKNOWN";
        await FailAsync(row, code, cause["message"]?.GetValue<string>() ?? "", TransientCodes.Contains(code), ct);
    }

    private async Task FailAsync(OutboxRow row, string code, string message, bool transient, CancellationToken ct)
    {
        var attempts = row.Attempts + 1;
        if (transient && attempts < options.Value.MaxAttempts)
        {
            await outbox.RetryAsync(row, code, message, clock.GetUtcNow() + options.Value.RetryDelay(attempts), countAttempt: true, ct);
            return;
        }
        logger.LogWarning("Interaction {InteractionId} of tenant {TenantId} could not be logged: {Code} {Message}", row.InteractionId, row.TenantId, code, message);
        await outbox.DeadAsync(row, code, transient ? $"Gave up after {attempts} attempts. Last error: {message}" : message, ct);
    }
}
