using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Interactions;

public sealed record InteractionRow(
    string TenantId, string InteractionId, string State, long StateVersion, long Ended, string? Identification, long IdentifiedVersion, long PlannedVersion,
    string? Records, long CreatedAt, long UpdatedAt, long IdentifyAttempts, long IdentifyAfter, string? TraceParent,
    string? Channel, string? CallerPhoneTail, string? CallerEmail, string? CallerName, string? AgentId)
{
    public InteractionState Parsed => JsonSerializer.Deserialize<InteractionState>(State, InteractionStore.Json)!;

    /// <summary>A stored state, or null when this version cannot read it (a list or a figure leaves it out instead of failing whole).</summary>
    public static InteractionState? TryRead(string? state)
    {
        if (state is null) return null;
        try
        {
            return JsonSerializer.Deserialize<InteractionState>(state, InteractionStore.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
    public IdentificationResult? ParsedIdentification => Identification is null ? null : JsonSerializer.Deserialize<IdentificationResult>(Identification, InteractionStore.Json);
}

/// <summary>
/// How a fold answers screen pops at once: for a tenant, a function giving an interaction's answer (null when it cannot: the
/// lane's search answers), or null when nothing can answer for the tenant now.
/// </summary>
public delegate ValueTask<Func<InteractionState, IdentificationResult?>?> FoldIdentifier(string tenantId, CancellationToken ct);

/// <summary>Each interaction's folded state, who the caller is, and what was written for it.</summary>
public sealed class InteractionStore(HubDatabase db, InboxStore inbox, TimeProvider clock, ILogger<InteractionStore> logger, Observability.HubMetrics? metrics = null,
    ContactCenter.LivePictureFeed? feed = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The order in which a transaction that updates several interactions takes their row locks.</summary>
    public static int LockOrder(string tenantA, string interactionA, string tenantB, string interactionB)
    {
        var byTenant = string.CompareOrdinal(tenantA, tenantB);
        return byTenant != 0 ? byTenant : string.CompareOrdinal(interactionA, interactionB);
    }

    public static readonly IComparer<(string Tenant, string Interaction)> LockOrderComparer =
        Comparer<(string Tenant, string Interaction)>.Create((a, b) => LockOrder(a.Tenant, a.Interaction, b.Tenant, b.Interaction));

    /// <summary>
    /// Folds new inbox events into their interactions. Each interaction's state is recomputed from all
    /// its events, and the states and the events' folded marks are written in one transaction, so a
    /// crash repeats the fold but never loses an event. Returns how many interactions changed.
    /// </summary>
    public async Task<int> FoldAsync(int maxEvents, CancellationToken ct) => await FoldAsync(maxEvents, identifier: null, ct);

    /// <summary>
    /// Folds, and answers in the same transaction the screen pop of every interaction that <paramref name="identifier"/> can
    /// answer at once (a tenant's caller index): the agent is offered the contact and its caller together, with no write of its own.
    /// </summary>
    public async Task<int> FoldAsync(int maxEvents, FoldIdentifier? identifier, CancellationToken ct)
    {
        var waiting = await inbox.UnfoldedTenantsAsync(maxEvents, ct);
        if (waiting.Count == 0) return 0;
        // Each tenant's answerer (its rules and link, read from the database) is made before the fold's lock, so no writer waits on it.
        var answerers = new Dictionary<string, Func<InteractionState, IdentificationResult?>?>(StringComparer.Ordinal);
        if (identifier is not null)
        {
            foreach (var tenant in waiting) answerers[tenant] = await identifier(tenant, ct);
        }
        // One fold at a time across instances, reading inside its transaction: two folds of the same
        // interaction would each write a state missing the other's events.
        await using var w = await db.WriteExclusiveAsync("contactbridge:fold", durable: false, urgent: true, ct);
        var pending = await InboxStore.UnfoldedAsync(w.Connection, w.Transaction, maxEvents);
        if (pending.Count == 0) return 0;
        var updates = new List<(string Tenant, string Interaction, string State, long Ended, bool Insert, string? TraceParent, (string Channel, string? PhoneTail, string? Email, string? Name, string? AgentId) Keys,
            IdentificationResult? Identified, DateTimeOffset? StartedAt)>();
        var agents = new Dictionary<(string Tenant, string Id), RoutingMaps.SeenUser>();
        var poison = new List<(InboxEvent Event, string Error)>();
        var formerAgents = new Dictionary<(string Tenant, string Interaction), string>();
        var changed = new List<(string TenantId, InteractionState State)>();
        var (c, tx) = (w.Connection, w.Transaction);
        foreach (var tenant in pending.GroupBy(e => e.TenantId))
        {
            var ids = tenant.Select(e => e.InteractionId).Distinct().ToArray();
            var events = (await c.QueryAsync<InboxEvent>(
                $"SELECT seq, tenant_id, event_id, interaction_id, type, occurred_at, data, received_at, trace_parent FROM inbox_events WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")} AND folded IN (0, 1)",
                new { t = tenant.Key, ids }, tx)).ToLookup(e => e.InteractionId);
            var rows = (await c.QueryAsync<(string InteractionId, string State, string? AgentId, bool Identified)>(
                $"SELECT interaction_id, state, agent_id, identification IS NOT NULL FROM interactions WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")}",
                new { t = tenant.Key, ids }, tx)).ToList();
            var existing = rows.ToDictionary(x => x.InteractionId, x => x.State);
            var identified = rows.Where(r => r.Identified).Select(r => r.InteractionId).ToHashSet(StringComparer.Ordinal);
            // A tenant whose events arrived since the look before the lock gets its answerer now.
            var identify = identifier is null ? null : answerers.TryGetValue(tenant.Key, out var made) ? made : await identifier(tenant.Key, ct);
            foreach (var r in rows.Where(r => r.AgentId is not null)) formerAgents[(tenant.Key, r.InteractionId)] = r.AgentId!;
            foreach (var id in ids)
            {
                var poisonBefore = poison.Count;
                var folded = InteractionState.Fold(id, events[id], poison);
                if (poison.Count - poisonBefore == events[id].Count()) continue;
                // The contact center's users, as its events name them, for routing maps that keep themselves up to date.
                if (folded.Agent is { Id: { Length: > 0 and <= 255 } agentId } agent)
                    agents[(tenant.Key, agentId.Trim())] = new RoutingMaps.SeenUser(agentId.Trim(), agent.Email, agent.Name);
                var state = JsonSerializer.Serialize(folded, Json);
                if (existing.TryGetValue(id, out var old) && old == state) continue;
                changed.Add((tenant.Key, folded));
                updates.Add((tenant.Key, id, state, folded.Ended ? 1 : 0, old is null, events[id].OrderBy(e => e.Seq).FirstOrDefault(e => e.TraceParent is not null)?.TraceParent,
                    InteractionSearch.KeysOf(folded), identified.Contains(id) ? null : identify?.Invoke(folded), folded.StartedAt));
            }
        }
        var now = Now;
        // Rows are locked in one order, (tenant, interaction), by every transaction that updates several: two of them
        // can then wait for each other but never deadlock.
        updates.Sort((a, b) => LockOrder(a.Tenant, a.Interaction, b.Tenant, b.Interaction));
        var answered = updates.Where(u => u.Identified is not null).Select(u => (u.Tenant, u.Interaction)).ToHashSet();
        foreach (var u in updates)
        {
            if (u.Insert)
            {
                await w.Connection.ExecuteAsync("""
                    INSERT INTO interactions (tenant_id, interaction_id, state, state_version, ended, created_at, updated_at, trace_parent, channel, caller_phone_tail, caller_email, caller_name, agent_id,
                        identification, identified_version)
                    VALUES (@Tenant, @Interaction, @State, 1, @Ended, @now, @now, @TraceParent, @Channel, @PhoneTail, @Email, @Name, @AgentId, @identification, CASE WHEN @identification IS NULL THEN 0 ELSE 1 END)
                    """, new { u.Tenant, u.Interaction, u.State, u.Ended, now, u.TraceParent, u.Keys.Channel, u.Keys.PhoneTail, u.Keys.Email, u.Keys.Name, u.Keys.AgentId,
                        identification = IdentificationJson(u.Identified) }, w.Transaction);
            }
            else
            {
                // Whether the answer was stored: a lane of another instance may have answered since the read (its answer stays).
                var kept = await w.Connection.QuerySingleOrDefaultAsync<long>("""
                    UPDATE interactions SET state = @State, state_version = state_version + 1, ended = @Ended, updated_at = @now, trace_parent = COALESCE(trace_parent, @TraceParent),
                        channel = @Channel, caller_phone_tail = @PhoneTail, caller_email = @Email, caller_name = @Name, agent_id = @AgentId,
                        identified_version = CASE WHEN identification IS NULL AND @identification IS NOT NULL THEN state_version + 1 ELSE identified_version END,
                        identification = COALESCE(identification, @identification)
                    WHERE tenant_id = @Tenant AND interaction_id = @Interaction
                    RETURNING CASE WHEN identification = @identification THEN 1 ELSE 0 END
                    """, new { u.Tenant, u.Interaction, u.State, u.Ended, now, u.TraceParent, u.Keys.Channel, u.Keys.PhoneTail, u.Keys.Email, u.Keys.Name, u.Keys.AgentId,
                        identification = IdentificationJson(u.Identified) }, w.Transaction);
                if (kept == 0) answered.Remove((u.Tenant, u.Interaction));
            }
        }
        // The workforce feed's contacts change with their interactions, in the same transaction.
        await Workforce.WorkforceFeed.RecordContactsAsync(db, w.Connection, w.Transaction, changed);
        foreach (var seen in agents.GroupBy(a => a.Key.Tenant))
            await RoutingMaps.RoutingMapStore.RecordSeenAsync(w.Connection, w.Transaction, seen.Key, seen.Select(a => a.Value), now);
        var quarantined = poison.Select(p => p.Event.Seq).ToHashSet();
        foreach (var chunk in pending.Select(e => e.Seq).Where(s => !quarantined.Contains(s)).Chunk(500))
            await w.Connection.ExecuteAsync($"UPDATE inbox_events SET folded = 1 WHERE {db.AnyOf("seq", "chunk")}", new { chunk }, w.Transaction);
        // Events that cannot be folded are set aside with the reason; the admin replays or discards them from the Activity page.
        foreach (var (e, error) in poison)
            await w.Connection.ExecuteAsync("UPDATE inbox_events SET folded = @q, error = @error WHERE seq = @Seq", new { q = InboxStore.Quarantined, error, e.Seq }, w.Transaction);
        // The agents whose contacts changed: their subscribers (the softphone) see it, through PostgreSQL with several instances.
        // A contact that moved to another agent changes the former agent's contacts too.
        var agentChanges = updates.SelectMany(u => new[] { u.Keys.AgentId, formerAgents.GetValueOrDefault((u.Tenant, u.Interaction)) }
                .Where(a => a is not null).Select(a => new ContactCenter.PictureChange(u.Tenant, ContactCenter.PictureChange.Agent, a!)))
            .Distinct().ToList();
        if (feed is not null) await feed.NotifyAsync(w.Connection, w.Transaction, agentChanges);
        await w.CommitAsync(ct);
        feed?.Committed(agentChanges);
        foreach (var u in updates)
        {
            using var step = Observability.ObservabilityExtensions.StartStep("interaction.fold", u.TraceParent);
            step?.SetTag("contactbridge.tenant", u.Tenant).SetTag("contactbridge.interaction", u.Interaction);
            if (u.Identified is not { } result || !answered.Contains((u.Tenant, u.Interaction))) continue;
            metrics?.Identified(u.Tenant, result.Outcome, result.At - u.StartedAt);
            using var identifyStep = Observability.ObservabilityExtensions.StartStep("interaction.identify", u.TraceParent);
            identifyStep?.SetTag("contactbridge.tenant", u.Tenant).SetTag("contactbridge.interaction", u.Interaction)
                .SetTag("contactbridge.identification.outcome", result.Outcome).SetTag("contactbridge.identification.source", "caller_index");
        }
        metrics?.Folded(updates.Count);
        foreach (var byTenant in poison.GroupBy(p => p.Event.TenantId)) metrics?.EventsSetAside(byTenant.Key, byTenant.Count());
        if (poison.Count > 0)
            logger.LogWarning("{Count} event(s) could not be folded and were set aside, first: {Error}", poison.Count, poison[0].Error);
        return updates.Count + poison.Count;
    }

    private static string? IdentificationJson(IdentificationResult? result) => result is null ? null : JsonSerializer.Serialize(result, Json);

    public async Task<IReadOnlyList<InteractionRow>> NeedingIdentificationAsync(string tenantId, int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InteractionRow>("SELECT * FROM interactions WHERE identification IS NULL AND tenant_id = @tenantId AND identify_after <= @now ORDER BY updated_at LIMIT @max",
            new { tenantId, now = Now, max })).ToList();
    }

    /// <summary>The lookup failed for these interactions alone: each is tried again after <paramref name="delay"/> (given its attempts so far).</summary>
    public async Task IdentifyFailedAsync(IReadOnlyList<InteractionRow> rows, Func<long, TimeSpan> delay, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var w = await db.WriteAsync(durable: false, ct);
        foreach (var r in rows)
        {
            await w.Connection.ExecuteAsync("UPDATE interactions SET identify_attempts = identify_attempts + 1, identify_after = @after WHERE tenant_id = @TenantId AND interaction_id = @InteractionId",
                new { after = Now + (long)delay(r.IdentifyAttempts + 1).TotalMilliseconds, r.TenantId, r.InteractionId }, w.Transaction);
        }
        await w.CommitAsync(ct);
    }

    /// <summary>Tenants with interactions to identify or plan now: each gets its own lane in the pipeline.</summary>
    public async Task<IReadOnlyList<string>> TenantsWithWorkAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<string>("""
            SELECT DISTINCT tenant_id FROM interactions WHERE identification IS NULL AND identify_after <= @now
            UNION SELECT DISTINCT tenant_id FROM interactions WHERE ended = 1 AND identification IS NOT NULL AND planned_version < state_version
            UNION SELECT DISTINCT tenant_id FROM outbox WHERE state = 'pending' AND next_attempt_at <= @now
            """, new { now = Now })).ToList();
    }

    /// <summary>Interactions of the tenant that ended and are not in Salesforce yet (waiting to be identified, planned or sent).</summary>
    public async Task<long> WaitingAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await WaitingAsync(c, null, tenantId);
    }

    /// <summary>Interactions of the tenant waiting for its org (ended but not planned yet, or with a write not sent yet), read in the caller's transaction.</summary>
    public static Task<long> WaitingAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, string tenantId) =>
        c.ExecuteScalarAsync<long>("""
            SELECT (SELECT COUNT(*) FROM interactions WHERE tenant_id = @tenantId AND ended = 1 AND planned_version < state_version)
                 + (SELECT COUNT(*) FROM outbox WHERE tenant_id = @tenantId AND state IN ('pending', 'sending'))
            """, new { tenantId }, tx);

    /// <summary>Stores who is calling; an interaction already identified (by the caller index, or another pass) keeps its first answer.</summary>
    private sealed record IdentifiedRow(string InteractionId, string? AgentId);

    /// <returns>The interactions whose answer was stored (not those that had one already).</returns>
    public async Task<IReadOnlySet<string>> SetIdentificationsAsync(IReadOnlyList<(InteractionRow Row, IdentificationResult Result)> results, CancellationToken ct)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        if (results.Count == 0) return stored;
        await using var w = await db.WriteAsync(durable: false, ct);
        var (c, tx) = (w.Connection, w.Transaction);
        var agentChanges = new List<ContactCenter.PictureChange>();
        foreach (var (row, result) in results.OrderBy(r => (r.Row.TenantId, r.Row.InteractionId), LockOrderComparer))
        {
            // The agent it has now, not when the lookup began: a contact is often offered while its caller is looked up.
            var updated = await c.QuerySingleOrDefaultAsync<IdentifiedRow>("""
                UPDATE interactions SET identification = @json, identified_version = @version, updated_at = @now
                WHERE tenant_id = @tenantId AND interaction_id = @interactionId AND identification IS NULL RETURNING interaction_id AS InteractionId, agent_id AS AgentId
                """, new { json = JsonSerializer.Serialize(result, Json), version = row.StateVersion, now = Now, tenantId = row.TenantId, interactionId = row.InteractionId }, tx);
            if (updated is not { } u) continue; // Identified already (by the caller index, or another pass): the first answer stays.
            stored.Add(u.InteractionId);
            // The agent with the contact learns who is calling (the softphone pops the record).
            if (u.AgentId is not null) agentChanges.Add(new ContactCenter.PictureChange(row.TenantId, ContactCenter.PictureChange.Agent, u.AgentId));
        }
        agentChanges = agentChanges.Distinct().ToList();
        if (feed is not null) await feed.NotifyAsync(w.Connection, w.Transaction, agentChanges);
        await w.CommitAsync(ct);
        feed?.Committed(agentChanges);
        return stored;
    }

    public async Task<IReadOnlyList<InteractionRow>> NeedingPlanAsync(string tenantId, int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InteractionRow>("SELECT * FROM interactions WHERE ended = 1 AND identification IS NOT NULL AND planned_version < state_version AND tenant_id = @tenantId ORDER BY updated_at LIMIT @max",
            new { tenantId, max })).ToList();
    }

    public async Task<InteractionRow?> GetAsync(string tenantId, string interactionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<InteractionRow>("SELECT * FROM interactions WHERE tenant_id = @tenantId AND interaction_id = @interactionId", new { tenantId, interactionId });
    }

    public async Task<IReadOnlyList<InteractionRow>> RecentAsync(string tenantId, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<InteractionRow>("SELECT * FROM interactions WHERE tenant_id = @tenantId ORDER BY updated_at DESC LIMIT @max", new { tenantId, max })).ToList();
    }

    /// <summary>Records what Salesforce holds for each interaction (object → id), merged with what was recorded before, in the caller's transaction.</summary>
    public async Task RecordWrittenAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string tenantId, string interactionId,
        IReadOnlyDictionary<string, string> records)
    {
        var existing = await c.QuerySingleOrDefaultAsync<string>("SELECT records FROM interactions WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { tenantId, interactionId }, tx);
        var merged = existing is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(existing, Json)!;
        foreach (var (k, v) in records) merged[k] = v;
        await c.ExecuteAsync("UPDATE interactions SET records = @json, updated_at = @now WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { json = JsonSerializer.Serialize(merged, Json), now = Now, tenantId, interactionId }, tx);
    }

    internal HubDatabase Database => db;
}
