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
/// create-only fields are left out for records that were in fact created. Retry policy
/// (<see cref="RetryPolicy"/>): transient errors back off and retry until the retry horizon; permanent
/// ones go to the dead-letter list.
/// </summary>
public sealed class OutboxSender(OutboxStore outbox, InteractionStore interactions, SalesforceConnections connections, IOptions<LoggingOptions> options,
    TimeProvider clock, Observability.HubMetrics metrics, SalesforceRequestLog requests, ILogger<OutboxSender> logger)
{
    /// <summary>Composite graph limits per request ("Composite Graph Limits", REST API Developer Guide).</summary>
    public const int MaxGraphsPerCall = 75;
    public const int MaxNodesPerCall = 500;

    private readonly Dictionary<string, DateTimeOffset> _lastCallWhileReserved = new(StringComparer.Ordinal);

    public static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "UNKNOWN_EXCEPTION", "QUERY_TIMEOUT", "INVALID_SESSION_ID",
    };

    /// <summary>What one tenant's send did: rows handled, whether Salesforce answered, and the transient error that stopped it, if any.</summary>
    public sealed record Report(int Rows, bool Reached, string? TransientError);

    /// <summary>Sends the tenant's due rows. After a transient failure the rest wait (uncounted), so a down org costs one call a round.</summary>
    public async Task<Report> SendAsync(string owner, string tenantId, CancellationToken ct)
    {
        var rows = await outbox.ClaimAsync(owner, tenantId, options.Value.BatchSize, options.Value.Lease, ct);
        if (rows.Count == 0) return new Report(0, false, null);
        SalesforceRestClient client;
        try
        {
            client = await connections.ClientAsync(tenantId, ct);
        }
        catch (LinkingException e)
        {
            // Not linked or needs relink: nothing was sent, nothing is lost; wait for an admin to relink.
            await ApplyAsync(rows.Select(r => Retry(r, "NOT_LINKED", e.Message, clock.GetUtcNow().AddMinutes(5), false)).ToList());
            return new Report(rows.Count, false, null);
        }
        var plans = new List<(OutboxRow Row, LogPlan Plan)>();
        foreach (var row in rows)
        {
            var plan = ReadPlan(row);
            if (plan is null) await ApplyAsync([new OutboxStore.Outcome(row, OutboxState.Dead, "HUB_ERROR", "The stored plan could not be read; replay it to plan the interaction again.")]);
            else plans.Add((row, plan));
        }
        var batches = new List<List<(OutboxRow Row, LogPlan Plan)>>();
        foreach (var item in plans)
        {
            var last = batches.LastOrDefault();
            if (last is null || last.Count >= MaxGraphsPerCall || last.Sum(p => p.Plan.Nodes.Count) + item.Plan.Nodes.Count > MaxNodesPerCall)
                batches.Add(last = []);
            last.Add(item);
        }
        var reached = false;
        string? down = null;
        foreach (var batch in batches)
        {
            if (down is not null)
            {
                // The org is down: the rest of the round waits without counting an attempt (nothing was sent).
                await ApplyAsync(batch.Select(b => Retry(b.Row, b.Row.LastErrorCode ?? "WAITING", b.Row.LastError ?? down, clock.GetUtcNow() + options.Value.RetryDelay(1), false)).ToList());
                continue;
            }
            if (!MayCall(tenantId, client))
            {
                await ApplyAsync(batch.Select(b => Retry(b.Row, "API_RESERVE", "The org's daily API calls are nearly spent; the hub is slowing down.",
                    clock.GetUtcNow() + options.Value.ReserveInterval, false)).ToList());
                continue;
            }
            using var span = Observability.HubMetrics.Activities.StartActivity("send to Salesforce", System.Diagnostics.ActivityKind.Internal, default(System.Diagnostics.ActivityContext),
                links: Observability.ObservabilityExtensions.LinksTo(batch.Select(b => b.Row.TraceParent)));
            span?.SetTag("contactbridge.tenant", tenantId).SetTag("contactbridge.interactions", batch.Count);
            _sendSpan.Value = span is null ? null : [new System.Diagnostics.ActivityLink(span.Context)];
            var seen = new List<(IReadOnlyList<string> Interactions, IReadOnlyList<SalesforceCall> Calls)>();
            var (outcomes, answered, transient) = await SendBatchAsync(client, batch, seen, ct);
            reached |= answered;
            down = transient;
            await ApplyAsync(outcomes);
            // What was asked of Salesforce is recorded once the outcomes are: it never stands between a write and its record.
            foreach (var (interactions, calls) in seen) await requests.AddAsync(tenantId, interactions, SalesforceRequestLog.Write, calls, ct);
        }
        return new Report(rows.Count, reached, down);
    }

    private static LogPlan? ReadPlan(OutboxRow row)
    {
        try
        {
            return JsonSerializer.Deserialize<LogPlan>(row.Plan, InteractionStore.Json);
        }
        catch (JsonException)
        {
            return null;
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

    private async Task ApplyAsync(IReadOnlyList<OutboxStore.Outcome> outcomes)
    {
        // Recorded whatever stops meanwhile: what Salesforce already has is never left to be sent again (a few rows a turn on SQLite).
        await outbox.ApplyAsync(outcomes, interactions.RecordWrittenAsync, CancellationToken.None);
        var now = clock.GetUtcNow();
        foreach (var o in outcomes)
        {
            if (o.State == OutboxState.Done)
            {
                metrics.Written(o.Row.TenantId, o.EndedAt is { } ended ? now - ended : null);
                using var step = Observability.ObservabilityExtensions.StartStep("interaction.written", o.Row.TraceParent, _sendSpan.Value);
                step?.SetTag("contactbridge.tenant", o.Row.TenantId).SetTag("contactbridge.interaction", o.Row.InteractionId);
            }
            else if (o.State == OutboxState.Dead) metrics.DeadLettered(o.Row.TenantId, o.Code);
        }
    }

    /// <summary>The span of the graph call in flight on this lane, linked from each interaction's "written" span.</summary>
    private readonly AsyncLocal<System.Diagnostics.ActivityLink[]?> _sendSpan = new();

    private static OutboxStore.Outcome Retry(OutboxRow row, string code, string error, DateTimeOffset at, bool countAttempt) =>
        new(row, OutboxState.Pending, code, error, at, countAttempt);

    /// <summary>One composite graph call: each row's outcome, whether Salesforce answered at all, and the transient error if the call failed as a whole.</summary>
    private async Task<(IReadOnlyList<OutboxStore.Outcome> Outcomes, bool Answered, string? Transient)> SendBatchAsync(SalesforceRestClient client,
        List<(OutboxRow Row, LogPlan Plan)> batch, List<(IReadOnlyList<string> Interactions, IReadOnlyList<SalesforceCall> Calls)> seen, CancellationToken ct)
    {
        var watch = SalesforceCallWatch.Start();
        try
        {
            return await SendWatchedAsync(client, batch, watch, seen, ct);
        }
        finally
        {
            watch.Dispose();
            seen.Add((batch.Select(b => b.Row.InteractionId).ToList(), watch.Calls));
        }
    }

    private async Task<(IReadOnlyList<OutboxStore.Outcome> Outcomes, bool Answered, string? Transient)> SendWatchedAsync(SalesforceRestClient client,
        List<(OutboxRow Row, LogPlan Plan)> batch, SalesforceCallWatch watch, List<(IReadOnlyList<string> Interactions, IReadOnlyList<SalesforceCall> Calls)> seen,
        CancellationToken ct)
    {
        try
        {
            var existing = await ExistingKeysAsync(client, batch.Where(b => b.Row.Attempts > 0).Select(b => b.Plan).ToList(), ct);
            var graphs = new JsonArray(batch.Select((b, i) => (JsonNode)new JsonObject
            {
                ["graphId"] = $"g{i}",
                ["compositeRequest"] = new JsonArray(b.Plan.Nodes.Select(n => (JsonNode)n.ToSubrequest(b.Plan.ApiVersion, b.Plan.KeyField, existing.Contains((n.Object, n.Key.ToUpperInvariant())))).ToArray()),
            }).ToArray());
            var response = await client.SendAsync(HttpMethod.Post, $"{client.DataPath}/composite/graph", new JsonObject { ["graphs"] = graphs }, ct);
            var results = response?["graphs"]?.AsArray() ?? [];
            return (batch.Select((b, i) => Outcome(b.Row, b.Plan, results.FirstOrDefault(g => g?["graphId"]?.GetValue<string>() == $"g{i}") as JsonObject)).ToList(), true, null);
        }
        catch (LinkingException e)
        {
            return (batch.Select(b => Retry(b.Row, "NOT_LINKED", e.Message, clock.GetUtcNow().AddMinutes(5), false)).ToList(), false, null);
        }
        catch (Exception e) when (RetryPolicy.IsTransient(e, ct))
        {
            // The answer did not arrive or was an error of the org's: Salesforce may or may not have applied it, so it counts as an attempt.
            return (batch.Select(b => Fail(b.Row, RetryPolicy.Code(e), e.Message, transient: true)).ToList(), false, RetryPolicy.Describe(e));
        }
        catch (SalesforceApiException e)
        {
            return (batch.Select(b => Fail(b.Row, e.ErrorCode, e.SalesforceMessage, transient: false)).ToList(), true, null);
        }
        catch (Exception e) when (e is not OperationCanceledException && batch.Count > 1)
        {
            // Something in this batch breaks the hub itself: each row is sent alone, so only the one that causes it is set aside.
            logger.LogWarning(e, "A batch of {Count} writes of tenant {TenantId} failed in the hub; sending them one by one", batch.Count, batch[0].Row.TenantId);
            // Each one alone is recorded under its own interaction.
            watch.Dispose();
            var outcomes = new List<OutboxStore.Outcome>();
            var answered = false;
            foreach (var single in batch)
            {
                // Sent alone, the rest's records may already exist (the batch may have reached Salesforce): the key check runs first.
                var alone = await SendBatchAsync(client, [(single.Row with { Attempts = Math.Max(1, single.Row.Attempts) }, single.Plan)], seen, ct);
                outcomes.AddRange(alone.Outcomes.Select(o => o with { Row = single.Row, CountAttempt = true }));
                answered |= alone.Answered;
                if (alone.Transient is not null) return (outcomes.Concat(batch.Skip(outcomes.Count).Select(b => Retry(b.Row, "WAITING", alone.Transient, clock.GetUtcNow() + options.Value.RetryDelay(1), false))).ToList(), answered, alone.Transient);
            }
            return (outcomes, answered, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var row = batch[0].Row;
            logger.LogWarning(e, "Writing interaction {InteractionId} of tenant {TenantId} failed in the hub", row.InteractionId, row.TenantId);
            // Tried once more (the cause may have been passing), then set aside: a second hub error in a row is a dead letter.
            return ([row.LastErrorCode != "HUB_ERROR"
                ? Retry(row, "HUB_ERROR", e.Message, clock.GetUtcNow() + options.Value.RetryDelay(1), true)
                : new OutboxStore.Outcome(row, OutboxState.Dead, "HUB_ERROR", $"The hub failed twice in a row to write this interaction: {e.Message}")], false, null);
        }
    }

    private async Task<HashSet<(string Object, string Key)>> ExistingKeysAsync(SalesforceRestClient client, List<LogPlan> plans, CancellationToken ct)
    {
        var existing = new HashSet<(string, string)>();
        foreach (var group in plans.SelectMany(p => p.Nodes.Where(n => n.RecordId is null).Select(n => (p.KeyField, n.Object, n.Key))).GroupBy(x => (x.KeyField, x.Object)))
        {
            foreach (var chunk in Identification.CallerIdentifier.Chunks(group.Select(x => x.Key).Distinct(), 200))
            {
                var list = string.Join(", ", chunk.Select(Soql.String));
                var found = await client.QueryAsync($"SELECT {Soql.Name(group.Key.KeyField)} FROM {Soql.Name(group.Key.Object)} WHERE {group.Key.KeyField} IN ({list})", ct);
                // Salesforce matches unique external ids without regard to case, and so does this check.
                foreach (var r in found["records"]?.AsArray() ?? []) existing.Add((group.Key.Object, r![group.Key.KeyField]!.GetValue<string>().ToUpperInvariant()));
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
            return new OutboxStore.Outcome(row, OutboxState.Done, Written: written, EndedAt: plan.EndedAt);
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
        var now = clock.GetUtcNow();
        var since = row.FailingSince is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : now;
        if (transient && now - since < options.Value.RetryHorizon)
            return Retry(row, code, message, now + options.Value.RetryDelay(attempts), true) with { FailingSince = since };
        logger.LogWarning("Interaction {InteractionId} of tenant {TenantId} could not be logged: {Code} {Message}", row.InteractionId, row.TenantId, code, message);
        return new OutboxStore.Outcome(row, OutboxState.Dead, code, transient ? $"Gave up after {attempts} attempts over {(now - since).TotalHours:0.#} hours. Last error: {message}" : message);
    }
}
