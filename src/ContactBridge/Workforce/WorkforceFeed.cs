using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Interactions;
using ContactBridge.Salesforce;
using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.Workforce;

/// <summary>
/// The historical feed, kept computed: each enabled historical integration's closed intervals are computed once they close, and
/// again when an event changes them late. Events mark the earliest moment they change (in the transaction that stores them); a
/// pass computes from the earliest of that mark and where the integration had got, up to the last closed interval, a day at a
/// time, and writes only rows whose numbers changed, each with the pass's revision ("changed since").
/// </summary>
public sealed class WorkforceFeed(HubDatabase db, WorkforceSettingsStore settings, WorkLeases leases, TimeProvider clock,
    IOptions<Retention.RetentionOptions> retention, OmniChannelSource omniChannel, ILogger<WorkforceFeed> logger)
{
    /// <summary>Intervals computed per read and write of the database: a day of 15-minute intervals.</summary>
    public const int ChunkIntervals = 96;

    private static readonly string[] StateTypes = [ContactCenterEvents.StateChanged, ContactCenterEvents.LoggedIn, ContactCenterEvents.LoggedOut];

    public static bool IsStateEvent(string type) => StateTypes.Contains(type);

    /// <summary>Of an agent's events at the same moment, logging in comes first and logging out last (then the event id decides).</summary>
    public static int RankOf(string type) => type == ContactCenterEvents.LoggedIn ? 0 : type == ContactCenterEvents.LoggedOut ? 2 : 1;

    /// <summary>
    /// The activity an agent event leaves the agent in, as the activity lists name it: an unavailable state with a reason is the
    /// reason; logging in without a state yet is Unavailable; logged out or offline is null (no activity, counted nowhere).
    /// </summary>
    public static string? ActivityOf(string type, string data) => ActivityOf(StateOf(type, data));

    /// <summary>The state and reason an agent event leaves the agent in (logging in: unavailable; logging out: offline), its body read once.</summary>
    public static (string? State, string? Reason) StateOf(string type, string data)
    {
        if (type == ContactCenterEvents.LoggedOut) return ("offline", null);
        if (type == ContactCenterEvents.LoggedIn) return ("unavailable", null);
        var d = JsonNode.Parse(data) as JsonObject;
        var state = d?["state"] is JsonValue v && v.TryGetValue<string>(out var named) ? named.Trim().ToLowerInvariant() : null;
        var reason = d?["reason"] is JsonValue r && r.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;
        return (state, reason);
    }

    /// <summary>The activity of a state and reason, as the activity lists name it.</summary>
    public static string? ActivityOf((string? State, string? Reason) s) => s.State switch
    {
        "available" => "Available",
        "unavailable" => s.Reason ?? "Unavailable",
        "after_call_work" => "After call work",
        "on_contact" => "On contact",
        "offline" or null => null,
        var other => other,
    };

    /// <summary>Part of the transaction that stored events: the tenant's intervals from <paramref name="fromMs"/> on are to be computed again.</summary>
    public static Task MarkAsync(DbConnection c, DbTransaction tx, string tenantId, long fromMs) =>
        c.ExecuteAsync("INSERT INTO workforce_marks (tenant_id, from_ms) VALUES (@tenantId, @fromMs)", new { tenantId, fromMs }, tx);

    /// <summary>A folded interaction as the feed counts it; null before anything says when it was offered.</summary>
    public static ContactFact? FactOf(InteractionState s)
    {
        if (s.StartedAt is not { } offered) return null;
        var abandoned = s.Outcome == "abandoned" || (s.Ended && s.ConnectedAt is null && s.Outcome != "answered");
        return new ContactFact(s.InteractionId, s.Channel, s.Direction, s.Queue, s.Agent?.Id, offered, s.ConnectedAt, s.Ended ? s.EndedAt : null, abandoned,
            s.HoldSeconds, s.WrapUpSeconds, s.Transfers.Count);
    }

    /// <summary>Part of the fold's transaction: the folded interactions' contacts, and a mark from the earliest interval one that changed is counted in.</summary>
    public static async Task RecordContactsAsync(HubDatabase db, DbConnection c, DbTransaction tx, IEnumerable<(string TenantId, InteractionState State)> folded)
    {
        foreach (var tenant in folded.GroupBy(x => x.TenantId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var facts = tenant.Select(x => FactOf(x.State)).OfType<ContactFact>().ToList();
            if (facts.Count == 0) continue;
            var ids = facts.Select(f => f.InteractionId).ToArray();
            var before = (await c.QueryAsync<ContactRow>($"""
                SELECT interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned, hold_seconds, wrap_seconds, transfers
                FROM workforce_contacts WHERE tenant_id = @t AND {db.AnyOf("interaction_id", "ids")}
                """, new { t = tenant.Key, ids }, tx)).ToDictionary(r => r.InteractionId);
            long? earliest = null;
            foreach (var f in facts)
            {
                var row = ContactRow.Of(f);
                // A message or a note changes the interaction, not what the feed counts of it: nothing to write or compute again.
                if (before.TryGetValue(f.InteractionId, out var old) && old.Same(row)) continue;
                earliest = Math.Min(earliest ?? long.MaxValue, Math.Min(row.OfferedAt, old?.OfferedAt ?? long.MaxValue));
                await c.ExecuteAsync("""
                    INSERT INTO workforce_contacts (tenant_id, interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned,
                        hold_seconds, wrap_seconds, transfers)
                    VALUES (@tenantId, @InteractionId, @Channel, @Direction, @Queue, @AgentId, @OfferedAt, @AnsweredAt, @EndedAt, @Abandoned, @HoldSeconds, @WrapSeconds, @Transfers)
                    ON CONFLICT (tenant_id, interaction_id) DO UPDATE SET channel = excluded.channel, direction = excluded.direction, queue = excluded.queue,
                        agent_id = excluded.agent_id, offered_at = excluded.offered_at, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
                        abandoned = excluded.abandoned, hold_seconds = excluded.hold_seconds, wrap_seconds = excluded.wrap_seconds, transfers = excluded.transfers
                    """, new
                {
                    tenantId = tenant.Key, row.InteractionId, row.Channel, row.Direction, row.Queue, row.AgentId, row.OfferedAt, row.AnsweredAt, row.EndedAt, row.Abandoned,
                    row.HoldSeconds, row.WrapSeconds, row.Transfers,
                }, tx);
            }
            if (earliest is { } from) await MarkAsync(c, tx, tenant.Key, from);
        }
    }

    private sealed class Mark
    {
        public long Seq { get; init; }
        public long FromMs { get; init; }
    }

    /// <summary>Computes every enabled historical integration up to its last closed interval; returns the rows written.</summary>
    public async Task<long> RunUntilIdleAsync(CancellationToken ct, IProgress<RoutingMaps.ImportProgress>? progress = null)
    {
        List<string> tenants;
        await using (var c = await db.OpenAsync(ct))
            tenants = (await c.QueryAsync<string>("SELECT DISTINCT tenant_id FROM workforce_marks UNION SELECT tenant_id FROM workforce_integrations WHERE kind = @kind AND enabled = 1",
                new { kind = WorkforceKinds.Historical })).Order(StringComparer.Ordinal).ToList();
        long written = 0;
        foreach (var tenantId in tenants)
        {
            // One instance computes a tenant at a time; what it computes from is read once it holds the lease.
            await using var lease = await leases.HoldAsync($"contactbridge:workforce:{tenantId}", TimeSpan.FromMinutes(2), ct);
            if (lease is null) continue;
            using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            try
            {
                written += await ComputeTenantAsync(tenantId, both.Token, progress);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OperationCanceledException || lease.Lost.IsCancellationRequested)
            {
                logger.LogError(e, "Computing the workforce feed of tenant {TenantId} failed; the next pass tries again", tenantId);
            }
        }
        return written;
    }

    private async Task<long> ComputeTenantAsync(string tenantId, CancellationToken ct, IProgress<RoutingMaps.ImportProgress>? progress)
    {
        var integrations = (await settings.ListAsync(tenantId, ct)).Where(i => i.Kind == WorkforceKinds.Historical && i.IsEnabled).ToList();
        // Omni-Channel sources first: what they read marks the intervals it changes.
        foreach (var integration in integrations.Where(i => i.Historical().Source == WorkforceSources.Salesforce))
        {
            if (!await omniChannel.DueAsync(integration, ct)) continue;
            try
            {
                await omniChannel.ReadAsync(integration, ct, progress);
            }
            catch (OmniChannelSource.SettingsChangedException)
            {
                // Saved again meanwhile (perhaps for another org): the next pass reads with the new settings.
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Whatever failed (the org refused, a permission is missing, the database), the next read waits the poll interval, and the
                // tenant's other integrations are computed all the same.
                logger.LogWarning("Reading Omni-Channel from the org of tenant {TenantId}'s workforce integration \"{Group}\" failed ({Error}); the next read tries again",
                    tenantId, integration.GroupName, e.Message);
                await omniChannel.AttemptedAsync(integration, ct);
            }
        }
        List<Mark> marks;
        await using (var c = await db.OpenAsync(ct))
            marks = (await c.QueryAsync<Mark>("SELECT seq, from_ms FROM workforce_marks WHERE tenant_id = @tenantId", new { tenantId })).ToList();
        long written = 0;
        long? from = marks.Count == 0 ? null : marks.Min(m => m.FromMs);
        foreach (var integration in integrations) written += await ComputeAsync(integration, from, ct, progress);
        // Exactly the marks read: one made meanwhile stays for the next pass.
        foreach (var chunk in marks.Select(m => m.Seq).Chunk(500))
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            await w.Connection.ExecuteAsync($"DELETE FROM workforce_marks WHERE {db.AnyOf("seq", "chunk")}", new { chunk }, w.Transaction);
            await w.CommitAsync(ct);
        }
        return written;
    }

    private async Task<long> ComputeAsync(WorkforceIntegrationRow integration, long? markFrom, CancellationToken ct, IProgress<RoutingMaps.ImportProgress>? progress = null)
    {
        var calculator = integration.Historical().Calculator();
        var intervals = calculator.Clock;
        var now = clock.GetUtcNow();
        var end = intervals.StartOf(now);
        var horizon = intervals.Next(intervals.StartOf(now - retention.Value.LinkActivity));
        var omni = integration.Historical().Source == WorkforceSources.Salesforce ? integration.GroupName : null;
        DateTimeOffset? from = integration.ComputedThrough is { } through ? DateTimeOffset.FromUnixTimeMilliseconds(through)
            : omni is null ? await EarliestAsync(integration.TenantId, ct) : await OmniEarliestAsync(integration.TenantId, omni, ct);
        if (markFrom is { } m && (from is null || m < from.Value.ToUnixTimeMilliseconds())) from = DateTimeOffset.FromUnixTimeMilliseconds(m);
        var start = from is { } f ? intervals.StartOf(f) : end;
        if (start < horizon) start = horizon;
        var revision = integration.Revision + 1;
        if (start >= end)
        {
            if (integration.ComputedThrough is null) await FinishAsync(integration, end, integration.Revision, ct);
            return 0;
        }
        long written = 0;
        var activities = omni is null ? await ActivitiesAtAsync(integration.TenantId, start, ct) : await OmniActivitiesAtAsync(integration.TenantId, omni, start, ct);
        var chunks = (int)Math.Ceiling((end - start) / (intervals.Length * ChunkIntervals));
        var done = 0;
        while (start < end)
        {
            progress?.Report(new RoutingMaps.ImportProgress($"{integration.TenantId}/{integration.GroupName} from {start:u}", done++, chunks));
            var chunkEnd = start;
            for (var i = 0; i < ChunkIntervals && chunkEnd < end; i++) chunkEnd = intervals.Next(chunkEnd);
            var (changes, contacts) = omni is null ? await FactsAsync(integration.TenantId, start, chunkEnd, ct) : await OmniFactsAsync(integration.TenantId, omni, start, chunkEnd, ct);
            var (queues, agents, final) = calculator.Compute(start, chunkEnd, activities, changes, contacts);
            written += await WriteAsync(integration, start, chunkEnd, queues, agents, revision, chunkEnd >= end ? end : null, ct);
            (activities, start) = (final, chunkEnd);
        }
        logger.LogDebug("Workforce feed {TenantId}/{Group}: {Rows} interval rows written, computed through {End}", integration.TenantId, integration.GroupName, written, end);
        return written;
    }

    /// <summary>The earliest moment the tenant's events speak of (agent states or contacts); null: none yet.</summary>
    private async Task<DateTimeOffset?> EarliestAsync(string tenantId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var contacts = await c.ExecuteScalarAsync<long?>("SELECT MIN(offered_at) FROM workforce_contacts WHERE tenant_id = @tenantId", new { tenantId });
        long? states = null;
        foreach (var type in StateTypes)
        {
            var first = await c.ExecuteScalarAsync<long?>("SELECT MIN(occurred_at) FROM contact_center_events WHERE tenant_id = @tenantId AND type = @type", new { tenantId, type });
            if (first is { } v && (states is null || v < states)) states = v;
        }
        var earliest = new[] { contacts, states }.Where(x => x is not null).Select(x => x!.Value).DefaultIfEmpty(-1).Min();
        return earliest < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(earliest);
    }

    private sealed class StateRow
    {
        public string Subject { get; init; } = "";
        public string Type { get; init; } = "";
        public long OccurredAt { get; init; }
        public string EventId { get; init; } = "";
        public string Data { get; init; } = "";
    }

    /// <summary>Each agent's activity at a moment: from its last state event before it.</summary>
    private async Task<Dictionary<string, string?>> ActivitiesAtAsync(string tenantId, DateTimeOffset at, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var agents = (await c.QueryAsync<string>("SELECT agent_id FROM agents WHERE tenant_id = @tenantId", new { tenantId })).ToList();
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var agentId in agents)
        {
            // The last few, for those at the same last moment are ordered as the calculator orders them.
            var latest = (await c.QueryAsync<StateRow>($"""
                SELECT subject, type, occurred_at, event_id, data FROM contact_center_events
                WHERE tenant_id = @tenantId AND subject = @agentId AND {db.AnyOf("type", "types")} AND occurred_at < @at
                ORDER BY occurred_at DESC LIMIT 8
                """, new { tenantId, agentId, types = StateTypes, at = at.ToUnixTimeMilliseconds() })).ToList();
            if (latest.Count == 0) continue;
            var last = latest.Where(r => r.OccurredAt == latest[0].OccurredAt).OrderBy(r => RankOf(r.Type)).ThenBy(r => r.EventId, StringComparer.Ordinal).Last();
            result[agentId] = ActivityOf(last.Type, last.Data);
        }
        return result;
    }

    /// <summary>A contact as stored for the feed.</summary>
    public sealed class ContactRow
    {
        public string InteractionId { get; init; } = "";
        public string Channel { get; init; } = "";
        public string Direction { get; init; } = "";
        public string? Queue { get; init; }
        public string? AgentId { get; init; }
        public long OfferedAt { get; init; }
        public long? AnsweredAt { get; init; }
        public long? EndedAt { get; init; }
        public long Abandoned { get; init; }
        public long HoldSeconds { get; init; }
        public long WrapSeconds { get; init; }
        public long Transfers { get; init; }

        public static ContactRow Of(ContactFact f) => new()
        {
            InteractionId = f.InteractionId, Channel = f.Channel, Direction = f.Direction, Queue = f.Queue, AgentId = f.AgentId, OfferedAt = f.OfferedAt.ToUnixTimeMilliseconds(),
            AnsweredAt = f.AnsweredAt?.ToUnixTimeMilliseconds(), EndedAt = f.EndedAt?.ToUnixTimeMilliseconds(), Abandoned = f.Abandoned ? 1 : 0, HoldSeconds = f.HoldSeconds,
            WrapSeconds = f.WrapSeconds, Transfers = f.Transfers,
        };

        public ContactFact Fact() => new(InteractionId, Channel, Direction, Queue, AgentId, DateTimeOffset.FromUnixTimeMilliseconds(OfferedAt), Time(AnsweredAt),
            Time(EndedAt), Abandoned == 1, (int)HoldSeconds, (int)WrapSeconds, (int)Transfers);

        public bool Same(ContactRow o) => (Channel, Direction, Queue, AgentId, OfferedAt, AnsweredAt, EndedAt, Abandoned, HoldSeconds, WrapSeconds, Transfers)
            == (o.Channel, o.Direction, o.Queue, o.AgentId, o.OfferedAt, o.AnsweredAt, o.EndedAt, o.Abandoned, o.HoldSeconds, o.WrapSeconds, o.Transfers);
    }

    private static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;

    private async Task<(List<ActivityChange>, List<ContactFact>)> FactsAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var range = new { tenantId, types = StateTypes, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() };
        // The same few bodies repeat ({"state":"available"} …): each is read once.
        var activities = new Dictionary<(string, string), string?>();
        string? Activity(string type, string data)
        {
            if (!activities.TryGetValue((type, data), out var activity)) activities[(type, data)] = activity = ActivityOf(type, data);
            return activity;
        }
        var changes = (await c.QueryAsync<StateRow>($"""
            SELECT subject, type, occurred_at, event_id, data FROM contact_center_events
            WHERE tenant_id = @tenantId AND {db.AnyOf("type", "types")} AND occurred_at >= @from AND occurred_at < @to
            """, range)).Select(r => new ActivityChange(r.Subject, DateTimeOffset.FromUnixTimeMilliseconds(r.OccurredAt), r.EventId, Activity(r.Type, r.Data))
            {
                Rank = RankOf(r.Type),
            }).ToList();
        var contacts = (await c.QueryAsync<ContactRow>("""
            SELECT interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned, hold_seconds, wrap_seconds, transfers
            FROM workforce_contacts WHERE tenant_id = @tenantId AND offered_at >= @from AND offered_at < @to
            """, range)).Select(r => r.Fact()).ToList();
        return (changes, contacts);
    }

    /// <summary>The earliest moment an Omni-Channel source's data speaks of; null: none yet.</summary>
    private async Task<DateTimeOffset?> OmniEarliestAsync(string tenantId, string group, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var args = new { tenantId, group };
        var first = new[]
        {
            await c.ExecuteScalarAsync<long?>("SELECT MIN(start_ms) FROM workforce_omni_presence WHERE tenant_id = @tenantId AND group_name = @group", args),
            await c.ExecuteScalarAsync<long?>("SELECT MIN(offered_at) FROM workforce_omni_contacts WHERE tenant_id = @tenantId AND group_name = @group", args),
        }.Where(x => x is not null).Select(x => x!.Value).DefaultIfEmpty(-1).Min();
        return first < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(first);
    }

    private sealed class OmniPresenceRow
    {
        public string RecordId { get; init; } = "";
        public string UserId { get; init; } = "";
        public string? Status { get; init; }
        public long StartMs { get; init; }
        public long? EndMs { get; init; }
    }

    /// <summary>Each Salesforce user's presence status at a moment (the one begun last, of those not ended before it; an empty one is none).</summary>
    private async Task<Dictionary<string, string?>> OmniActivitiesAtAsync(string tenantId, string group, DateTimeOffset at, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<OmniPresenceRow>("""
            SELECT record_id, user_id, status, start_ms, end_ms FROM workforce_omni_presence
            WHERE tenant_id = @tenantId AND group_name = @group AND start_ms < @at AND (end_ms IS NULL OR (end_ms >= @at AND end_ms > start_ms))
            """, new { tenantId, group, at = at.ToUnixTimeMilliseconds() });
        return rows.GroupBy(r => r.UserId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.StartMs).ThenBy(r => r.RecordId, StringComparer.Ordinal).Last().Status, StringComparer.Ordinal);
    }

    /// <summary>
    /// An Omni-Channel source's facts: each presence status is a change to its name where it begins, and to no activity (logged out)
    /// where it ends, unless the agent's next status began before that (then it ends there) or began at that moment (the end comes
    /// first). A status that lasted no time is none. Contacts are its work items.
    /// </summary>
    private async Task<(List<ActivityChange>, List<ContactFact>)> OmniFactsAsync(string tenantId, string group, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var range = new { tenantId, group, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() };
        var changes = new List<ActivityChange>();
        var rows = await c.QueryAsync<OmniPresenceRow>("""
            SELECT record_id, user_id, status, start_ms, end_ms FROM workforce_omni_presence
            WHERE tenant_id = @tenantId AND group_name = @group AND start_ms < @to AND (end_ms IS NULL OR (end_ms >= @from AND end_ms > start_ms))
            """, range);
        foreach (var agent in rows.GroupBy(r => r.UserId, StringComparer.Ordinal))
        {
            var statuses = agent.OrderBy(r => r.StartMs).ThenBy(r => r.RecordId, StringComparer.Ordinal).ToList();
            for (var i = 0; i < statuses.Count; i++)
            {
                var r = statuses[i];
                if (r.StartMs >= range.from)
                    changes.Add(new ActivityChange(r.UserId, DateTimeOffset.FromUnixTimeMilliseconds(r.StartMs), r.RecordId, r.Status) { Rank = 1 });
                var supersededBefore = i + 1 < statuses.Count && statuses[i + 1].StartMs < (r.EndMs ?? long.MaxValue);
                if (r.EndMs is { } end && !supersededBefore && end >= range.from && end < range.to)
                    changes.Add(new ActivityChange(r.UserId, DateTimeOffset.FromUnixTimeMilliseconds(end), r.RecordId + "/end", null) { Rank = 0 });
            }
        }
        var contacts = (await c.QueryAsync<ContactRow>("""
            SELECT interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned, hold_seconds, wrap_seconds, transfers
            FROM workforce_omni_contacts WHERE tenant_id = @tenantId AND group_name = @group AND offered_at >= @from AND offered_at < @to
            """, range)).Select(r => r.Fact()).ToList();
        return (changes, contacts);
    }

    /// <summary>A stored queue row's numbers, in column order.</summary>
    public sealed class QueueRow
    {
        public long IntervalStart { get; init; }
        public string Queue { get; init; } = "";
        public string Channel { get; init; } = "";
        public long Offered { get; init; }
        public long Answered { get; init; }
        public long AnsweredInThreshold { get; init; }
        public long Abandoned { get; init; }
        public long ShortAbandoned { get; init; }
        public long AnswerWaitSeconds { get; init; }
        public long Handled { get; init; }
        public long TalkSeconds { get; init; }
        public long HoldSeconds { get; init; }
        public long WrapSeconds { get; init; }
        public long Transfers { get; init; }
        public long Revision { get; init; }

        public static QueueRow Of(QueueInterval q) => new()
        {
            IntervalStart = q.Start.ToUnixTimeMilliseconds(), Queue = q.Queue, Channel = q.Channel, Offered = q.Offered, Answered = q.Answered,
            AnsweredInThreshold = q.AnsweredInThreshold, Abandoned = q.Abandoned, ShortAbandoned = q.ShortAbandoned, AnswerWaitSeconds = q.AnswerWaitSeconds,
            Handled = q.Handled, TalkSeconds = q.TalkSeconds, HoldSeconds = q.HoldSeconds, WrapSeconds = q.WrapSeconds, Transfers = q.Transfers,
        };

        public QueueInterval Interval() => new(DateTimeOffset.FromUnixTimeMilliseconds(IntervalStart), Queue, Channel)
        {
            Offered = Offered, Answered = Answered, AnsweredInThreshold = AnsweredInThreshold, Abandoned = Abandoned, ShortAbandoned = ShortAbandoned,
            AnswerWaitSeconds = AnswerWaitSeconds, Handled = Handled, TalkSeconds = TalkSeconds, HoldSeconds = HoldSeconds, WrapSeconds = WrapSeconds, Transfers = Transfers,
        };

        public (long, long, long, long, long, long, long, long, long, long, long) Numbers =>
            (Offered, Answered, AnsweredInThreshold, Abandoned, ShortAbandoned, AnswerWaitSeconds, Handled, TalkSeconds, HoldSeconds, WrapSeconds, Transfers);
    }

    /// <summary>A stored agent row's numbers.</summary>
    public sealed class AgentRow
    {
        public long IntervalStart { get; init; }
        public string AgentId { get; init; } = "";
        public long AdminSeconds { get; init; }
        public long IdleSeconds { get; init; }
        public long NotReadySeconds { get; init; }
        public long ReadySeconds { get; init; }
        public string Unclassified { get; init; } = "{}";
        public long Handled { get; init; }
        public long TalkSeconds { get; init; }
        public long HoldSeconds { get; init; }
        public long WrapSeconds { get; init; }
        public long Revision { get; init; }

        public static AgentRow Of(AgentInterval a) => new()
        {
            IntervalStart = a.Start.ToUnixTimeMilliseconds(), AgentId = a.AgentId, AdminSeconds = a.AdminSeconds, IdleSeconds = a.IdleSeconds,
            NotReadySeconds = a.NotReadySeconds, ReadySeconds = a.ReadySeconds, Unclassified = JsonSerializer.Serialize(a.Unclassified),
            Handled = a.Handled, TalkSeconds = a.TalkSeconds, HoldSeconds = a.HoldSeconds, WrapSeconds = a.WrapSeconds,
        };

        public IReadOnlyDictionary<string, long> UnclassifiedSeconds => JsonSerializer.Deserialize<SortedDictionary<string, long>>(Unclassified) ?? [];

        public (long, long, long, long, string, long, long, long, long) Numbers =>
            (AdminSeconds, IdleSeconds, NotReadySeconds, ReadySeconds, Unclassified, Handled, TalkSeconds, HoldSeconds, WrapSeconds);
    }

    private const string QueueColumns = "interval_start, queue, channel, offered, answered, answered_in_threshold, abandoned, short_abandoned, answer_wait_seconds, handled, " +
                                        "talk_seconds, hold_seconds, wrap_seconds, transfers, revision";

    private const string AgentColumns = "interval_start, agent_id, admin_seconds, idle_seconds, not_ready_seconds, ready_seconds, unclassified, handled, talk_seconds, " +
                                        "hold_seconds, wrap_seconds, revision";

    /// <summary>One range's rows in one transaction: new and changed rows with the revision, rows that no longer have numbers set to zero.</summary>
    private async Task<long> WriteAsync(WorkforceIntegrationRow integration, DateTimeOffset from, DateTimeOffset to, List<QueueInterval> queues, List<AgentInterval> agents,
        long revision, DateTimeOffset? finishedThrough, CancellationToken ct)
    {
        var key = new { tenantId = integration.TenantId, group = integration.GroupName, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() };
        await using var w = await db.WriteAsync(durable: false, ct);
        var (c, tx) = (w.Connection, w.Transaction);
        var oldQueues = (await c.QueryAsync<QueueRow>($"""
            SELECT {QueueColumns} FROM workforce_queue_intervals WHERE tenant_id = @tenantId AND group_name = @group AND interval_start >= @from AND interval_start < @to
            """, key, tx)).ToDictionary(r => (r.IntervalStart, r.Queue, r.Channel));
        var oldAgents = (await c.QueryAsync<AgentRow>($"""
            SELECT {AgentColumns} FROM workforce_agent_intervals WHERE tenant_id = @tenantId AND group_name = @group AND interval_start >= @from AND interval_start < @to
            """, key, tx)).ToDictionary(r => (r.IntervalStart, r.AgentId));
        var newQueues = queues.Select(QueueRow.Of).ToList();
        var computedQueues = newQueues.Select(q => (q.IntervalStart, q.Queue, q.Channel)).ToHashSet();
        newQueues.AddRange(oldQueues.Values.Where(o => !computedQueues.Contains((o.IntervalStart, o.Queue, o.Channel)))
            .Select(o => new QueueRow { IntervalStart = o.IntervalStart, Queue = o.Queue, Channel = o.Channel }));
        var newAgents = agents.Select(AgentRow.Of).ToList();
        var computedAgents = newAgents.Select(a => (a.IntervalStart, a.AgentId)).ToHashSet();
        newAgents.AddRange(oldAgents.Values.Where(o => !computedAgents.Contains((o.IntervalStart, o.AgentId)))
            .Select(o => new AgentRow { IntervalStart = o.IntervalStart, AgentId = o.AgentId }));
        long written = 0;
        var queueValues = newQueues.Where(q => oldQueues.TryGetValue((q.IntervalStart, q.Queue, q.Channel), out var old) ? old.Numbers != q.Numbers : q.Offered != 0 || q.Transfers != 0)
            .Select(q => new object?[]
            {
                key.tenantId, key.group, q.IntervalStart, q.Queue, q.Channel, q.Offered, q.Answered, q.AnsweredInThreshold, q.Abandoned, q.ShortAbandoned,
                q.AnswerWaitSeconds, q.Handled, q.TalkSeconds, q.HoldSeconds, q.WrapSeconds, q.Transfers, revision,
            }).ToList();
        written += await UpsertAsync(c, tx, "workforce_queue_intervals", $"tenant_id, group_name, {QueueColumns}", "tenant_id, group_name, interval_start, queue, channel", queueValues);
        var agentValues = newAgents.Where(a => !(oldAgents.TryGetValue((a.IntervalStart, a.AgentId), out var old) && old.Numbers == a.Numbers))
            .Select(a => new object?[]
            {
                key.tenantId, key.group, a.IntervalStart, a.AgentId, a.AdminSeconds, a.IdleSeconds, a.NotReadySeconds, a.ReadySeconds, a.Unclassified, a.Handled,
                a.TalkSeconds, a.HoldSeconds, a.WrapSeconds, revision,
            }).ToList();
        written += await UpsertAsync(c, tx, "workforce_agent_intervals", $"tenant_id, group_name, {AgentColumns}", "tenant_id, group_name, interval_start, agent_id", agentValues);
        if (finishedThrough is { } through) await FinishAsync(c, tx, integration, through, revision);
        await w.CommitAsync(ct);
        return written;
    }

    /// <summary>
    /// Inserts or replaces rows with one prepared statement (reused for each row: the statement's cost, not the computing, is what
    /// the from-scratch run spends most on): <paramref name="columns"/> in the order of each row's values, the key columns named by
    /// <paramref name="key"/>; every other column takes the new value.
    /// </summary>
    private static async Task<long> UpsertAsync(DbConnection c, DbTransaction tx, string table, string columns, string key, List<object?[]> rows)
    {
        if (rows.Count == 0) return 0;
        var names = columns.Split(',', StringSplitOptions.TrimEntries);
        var keys = key.Split(',', StringSplitOptions.TrimEntries).ToHashSet();
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", names.Select((_, i) => $"@p{i}"))}) " +
                              $"ON CONFLICT ({key}) DO UPDATE SET {string.Join(", ", names.Where(n => !keys.Contains(n)).Select(n => $"{n} = excluded.{n}"))}";
        for (var i = 0; i < names.Length; i++)
        {
            var p = command.CreateParameter();
            p.ParameterName = $"p{i}";
            command.Parameters.Add(p);
        }
        long written = 0;
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++) command.Parameters[i].Value = row[i] ?? DBNull.Value;
            written += await command.ExecuteNonQueryAsync();
        }
        return written;
    }

    private async Task FinishAsync(WorkforceIntegrationRow integration, DateTimeOffset through, long revision, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await FinishAsync(w.Connection, w.Transaction, integration, through, revision);
        await w.CommitAsync(ct);
    }

    /// <summary>How far the feed has got, unless the settings were saved meanwhile (then the next pass starts from scratch with them).</summary>
    private static Task FinishAsync(DbConnection c, DbTransaction tx, WorkforceIntegrationRow integration, DateTimeOffset through, long revision) =>
        c.ExecuteAsync("""
            UPDATE workforce_integrations SET computed_through = @through, revision = @revision
            WHERE tenant_id = @TenantId AND kind = @Kind AND group_name = @GroupName AND updated_at = @UpdatedAt
            """, new { integration.TenantId, integration.Kind, integration.GroupName, integration.UpdatedAt, through = through.ToUnixTimeMilliseconds(), revision }, tx);

    /// <summary>Stored queue rows of a range, or those changed after a revision, oldest interval first.</summary>
    public async Task<IReadOnlyList<QueueRow>> QueueRowsAsync(string tenantId, string group, DateTimeOffset from, DateTimeOffset to, long? changedSince, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<QueueRow>($"""
            SELECT {QueueColumns} FROM workforce_queue_intervals WHERE tenant_id = @tenantId AND group_name = @group AND interval_start >= @from AND interval_start < @to
            AND revision > @since ORDER BY interval_start, queue, channel
            """, new { tenantId, group, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), since = changedSince ?? -1 })).ToList();
    }

    public async Task<IReadOnlyList<AgentRow>> AgentRowsAsync(string tenantId, string group, DateTimeOffset from, DateTimeOffset to, long? changedSince, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<AgentRow>($"""
            SELECT {AgentColumns} FROM workforce_agent_intervals WHERE tenant_id = @tenantId AND group_name = @group AND interval_start >= @from AND interval_start < @to
            AND revision > @since ORDER BY interval_start, agent_id
            """, new { tenantId, group, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), since = changedSince ?? -1 })).ToList();
    }
}

/// <summary>Keeps the historical feed computed: a pass every few seconds (intervals close on the clock, and late events mark what they change).</summary>
public sealed class WorkforceFeedWorker(WorkforceFeed feed, TimeProvider clock, ILogger<WorkforceFeedWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), clock);
        do
        {
            try
            {
                await feed.RunUntilIdleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Computing the workforce feed failed; trying again in five seconds");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
