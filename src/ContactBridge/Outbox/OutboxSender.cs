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
            await ApplyAsync(rows.Select(r => Retry(r, "NOT_LINKED", e.Message, clock.GetUtcNow().AddMinutes(5), false)).ToList(), ct);
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
                await ApplyAsync(batch.Select(b => Retry(b.Row, "API_RESERVE", "The org's daily API calls are nearly spent; the hub is slowing down.",
                    clock.GetUtcNow() + options.Value.ReserveInterval, false)).ToList(), ct);
                continue;
            }
            await ApplyAsync(await SendBatchAsync(client, batch, ct), ct);
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

    private Task ApplyAsync(IReadOnlyList<OutboxStore.Outcome> outcomes, CancellationToken ct) => outbox.ApplyAsync(outcomes, interactions.RecordWrittenAsync, ct);

    private static OutboxStore.Outcome Retry(OutboxRow row, string code, string error, DateTimeOffset at, bool countAttempt) =>
        new(row, OutboxState.Pending, code, error, at, countAttempt);

    private async Task<IReadOnlyList<OutboxStore.Outcome>> SendBatchAsync(SalesforceRestClient client, List<(OutboxRow Row, LogPlan Plan)> batch, CancellationToken ct)
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
            return batch.Select((b, i) => Outcome(b.Row, b.Plan, results.FirstOrDefault(g => g?["graphId"]?.GetValue<string>() == $"g{i}") as JsonObject)).ToList();
        }
        catch (LinkingException e)
        {
            return batch.Select(b => Retry(b.Row, "NOT_LINKED", e.Message, clock.GetUtcNow().AddMinutes(5), false)).ToList();
        }
        catch (SalesforceApiException e) when (!e.IsTransient && !e.IsSessionExpired)
        {
            return batch.Select(b => Fail(b.Row, e.ErrorCode, e.SalesforceMessage, transient: false)).ToList();
        }
        catch (Exception e) when (e is SalesforceApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The answer did not arrive or was an error of the org's: Salesforce may or may not have applied it, so it counts as an attempt.
            var code = e is SalesforceApiException api ? api.ErrorCode : e is TaskCanceledException ? "TIMEOUT" : "NETWORK";
            return batch.Select(b => Fail(b.Row, code, e.Message, transient: true)).ToList();
        }
    }

    private async Task<HashSet<(string Object, string Key)>> ExistingKeysAsync(SalesforceRestClient client, List<LogPlan> plans, CancellationToken ct)
    {
        var existing = new HashSet<(string, string)>();
        foreach (var group in plans.SelectMany(p => p.Nodes.Where(n => n.RecordId is null).Select(n => (p.KeyField, n.Object, n.Key))).GroupBy(x => (x.KeyField, x.Object)))
        {
            foreach (var chunk in group.Select(x => x.Key).Distinct().Chunk(200))
            {
                var list = string.Join(", ", chunk.Select(Soql.String));
                var found = await client.QueryAsync($"SELECT {group.Key.KeyField} FROM {group.Key.Object} WHERE {group.Key.KeyField} IN ({list})", ct);
                foreach (var r in found["records"]?.AsArray() ?? []) existing.Add((group.Key.Object, r![group.Key.KeyField]!.GetValue<string>()));
            }
        }
        return existing;
    }

    private OutboxStore.Outcome Outcome(OutboxRow row, LogPlan plan, JsonObject? graph)
    {
        if (graph is null) return Fail(row, "NO_ANSWER", "Salesforce's answer did not mention this interaction's graph.", transient: true);
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
            return new OutboxStore.Outcome(row, OutboxState.Done, Written: written);
        }
        var errors = responses.Select(x => x?["body"] as JsonArray).Where(b => b is { Count: > 0 }).Select(b => b![0]!).ToList();
        var cause = errors.FirstOrDefault(e => e["errorCode"]?.GetValue<string>() != "PROCESSING_HALTED");
        // Halted only because other graphs failed (Salesforce stops after 14): not this plan's fault.
        if (cause is null) return Retry(row, "PROCESSING_HALTED", "Halted because other graphs in the request failed.", clock.GetUtcNow(), false);
        var code = cause["errorCode"]?.GetValue<string>() ?? "UNKNOWN";
        return Fail(row, code, cause["message"]?.GetValue<string>() ?? "", TransientCodes.Contains(code));
    }

    private OutboxStore.Outcome Fail(OutboxRow row, string code, string message, bool transient)
    {
        var attempts = row.Attempts + 1;
        if (transient && attempts < options.Value.MaxAttempts) return Retry(row, code, message, clock.GetUtcNow() + options.Value.RetryDelay(attempts), true);
        logger.LogWarning("Interaction {InteractionId} of tenant {TenantId} could not be logged: {Code} {Message}", row.InteractionId, row.TenantId, code, message);
        return new OutboxStore.Outcome(row, OutboxState.Dead, code, transient ? $"Gave up after {attempts} attempts. Last error: {message}" : message);
    }
}
