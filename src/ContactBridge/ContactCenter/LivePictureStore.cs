using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.ContactCenter;

/// <summary>One agent as the hub sees it now, with the contacts it has (not ended yet).</summary>
public sealed record AgentView(string AgentId, string? Email, string? Name, string? Station, string? PhoneNumber, bool LoggedIn, string? State, string? Reason,
    DateTimeOffset? StateSince, long? SecondsInState, IReadOnlyDictionary<string, string> Skills)
{
    /// <summary>The agent's line to its phone or station: connecting, connected or disconnected (null: never reported).</summary>
    public string? Leg { get; init; }

    /// <summary>What the user mapping made of the agent: its outcome in the Salesforce call center's routing map (null: not looked at yet).</summary>
    public string? SalesforceMapping { get; init; }

    public IReadOnlyList<AgentContact> Contacts { get; init; } = [];
}

/// <summary>One of an agent's contacts: what it is, where it is in its life, and with whom.</summary>
public sealed record AgentContact(string InteractionId, string Channel, string Direction, string? Phase, DateTimeOffset? PhaseSince, string? Caller, DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt, int? DurationSeconds, int HoldSeconds, string? Outcome)
{
    /// <summary>The customer's number (or e-mail address for an e-mail), as the contact center reported it.</summary>
    public string? CallerAddress { get; init; }

    /// <summary>The customer's name, when the contact center knew it.</summary>
    public string? CallerName { get; init; }

    /// <summary>The queue (skill) the contact came through.</summary>
    public string? Queue { get; init; }

    public bool Muted { get; init; }

    /// <summary>What the hub wrote in Salesforce for it (object → record id: its Task, a Lead …), once written; in history only.</summary>
    public IReadOnlyDictionary<string, string>? Records { get; init; }

    public static AgentContact Of(Interactions.InteractionState s) => new(s.InteractionId, s.Channel, s.Direction, s.Phase, s.PhaseSince,
        s.Caller.Name ?? s.Caller.Phone ?? s.Caller.Email, s.StartedAt, s.EndedAt, s.DurationSeconds, s.HoldSeconds, s.Outcome)
    {
        CallerAddress = s.Caller.Phone ?? s.Caller.Email, CallerName = s.Caller.Name, Queue = s.Queue, Muted = s.Muted,
    };
}

/// <summary>
/// An agent's day so far (UTC): contacts handled (ended, answered), their average handle time (talk, hold and
/// after-contact work), and the seconds spent in each state, from its state events.
/// </summary>
public sealed record AgentDay(string AgentId, DateOnly Day, int ContactsHandled, int? AverageHandleSeconds, IReadOnlyDictionary<string, long> SecondsInState);

/// <summary>A scheduled callback: for a skill, or for one agent (personal); pending until done.</summary>
public sealed record CommitmentView(string CommitmentId, string? Number, DateTimeOffset? Due, string? SkillId, string? AgentId, string? Notes, string Status, DateTimeOffset AsOf);

/// <summary>One entry of an address book: a name with a number, an agent or a skill to dial or transfer to.</summary>
public sealed record AddressBookEntry(string? Name, string? Number, string? AgentId, string? Skill);

public sealed record AddressBookView(string BookId, string? Name, IReadOnlyList<AddressBookEntry> Entries, DateTimeOffset AsOf);

/// <summary>A message to an agent (from a supervisor).</summary>
public sealed record AgentMessageView(string MessageId, string AgentId, string? From, string Text, DateTimeOffset SentAt);

/// <summary>One queue (skill) as the contact center last reported it.</summary>
public sealed record QueueView(string SkillId, string? Name, string? Channel, long Waiting, long LongestWaitSeconds, long Staffed, long Available, DateTimeOffset AsOf);

/// <summary>
/// The hub's live picture of a tenant's contact center: its agent and queue events are stored once each (by
/// event id) and applied to the picture in the same transaction, so the picture is as durable as the events and
/// a repeat changes nothing. Each part keeps the time of the event it came from, so events in any order give the
/// same picture.
/// </summary>
public sealed class LivePictureStore(HubDatabase db, TimeProvider clock, LivePictureFeed? feed = null)
{
    private sealed record AgentRow(string AgentId, string? Email, string? Name, string? Station, string? PhoneNumber, long LoggedIn, string? State, string? Reason,
        long? StateSince, string? Skills, string? Leg, string? MappingOutcome);

    private sealed record CommitmentRow(string CommitmentId, string? Number, long? DueAt, string? SkillId, string? AgentId, string? Notes, string Status, long AsOf);

    private sealed record AddressBookRow(string BookId, string? Name, string Entries, long AsOf);

    private sealed record MessageRow(string EventId, string AgentId, string? Sender, string Text, long SentAt);

    /// <summary>Rows are locked in this order of parts, then by subject.</summary>
    private static readonly string[] PartOrder = [PictureChange.Agent, PictureChange.Message, PictureChange.Commitment, PictureChange.AddressBook, PictureChange.Queue];

    private sealed record QueueRow(string SkillId, string? Name, string? Channel, long Waiting, long LongestWaitSeconds, long Staffed, long Available, long AsOf);

    /// <summary>A contact not ended and not heard of for this long is not shown as current (its end was never sent).</summary>
    public static readonly TimeSpan CurrentContactAge = TimeSpan.FromDays(1);

    /// <summary>
    /// Stores and applies events of one or more tenants in the caller's transaction (the intake's group commit); returns the
    /// (tenant, event id) of those new, and adds what they changed to <paramref name="changes"/>.
    /// </summary>
    public static async Task<HashSet<(string TenantId, string EventId)>> StoreAsync(HubDatabase.WriteScope w, IEnumerable<(string TenantId, InteractionEvent Event)> events, long now,
        HashSet<PictureChange> changes)
    {
        var stored = new HashSet<(string, string)>();
        var earliestState = new Dictionary<string, long>(StringComparer.Ordinal);
        var stateEvents = new List<(string TenantId, Workforce.WorkforceRealTime.StateEvent Event)>();
        // Rows are locked in one order, (tenant, part, subject), whatever order the events came in: two batches can then wait for each
        // other but not deadlock. Each subject's events go in time order; the guards make the result the same in any order.
        foreach (var (tenantId, e) in events.OrderBy(x => x.TenantId, StringComparer.Ordinal).ThenBy(x => Array.IndexOf(PartOrder, ContactCenterEvents.PartOf(x.Event.Type)))
                     .ThenBy(x => x.Event.InteractionId, StringComparer.Ordinal).ThenBy(x => x.Event.Time).ThenBy(x => x.Event.Id, StringComparer.Ordinal))
        {
            var at = e.Time.ToUnixTimeMilliseconds();
            var inserted = await w.Connection.ExecuteAsync("""
                INSERT INTO contact_center_events (tenant_id, event_id, type, subject, occurred_at, data, received_at)
                VALUES (@tenantId, @id, @type, @subject, @at, @data, @now)
                ON CONFLICT (tenant_id, event_id) DO NOTHING
                """, new { tenantId, id = e.Id, type = e.Type, subject = e.InteractionId, at, data = e.Data.ToJsonString(), now }, w.Transaction);
            if (inserted == 0) continue;
            stored.Add((tenantId, e.Id));
            await ApplyAsync(w, tenantId, e, at, now);
            var part = ContactCenterEvents.PartOf(e.Type);
            changes.Add(new PictureChange(tenantId, part, part == PictureChange.Message ? e.Id : e.InteractionId));
            if (Workforce.WorkforceFeed.IsStateEvent(e.Type))
            {
                earliestState[tenantId] = Math.Min(at, earliestState.GetValueOrDefault(tenantId, long.MaxValue));
                stateEvents.Add((tenantId, new(e.InteractionId, e.Type, e.Data.ToJsonString(), e.Time, e.Id, e.Source)));
            }
        }
        // The workforce feed computes the intervals from the earliest state change on again, and sends the changes in real time.
        foreach (var (tenantId, from) in earliestState)
        {
            await Workforce.WorkforceFeed.MarkAsync(w.Connection, w.Transaction, tenantId, from);
            await Workforce.WorkforceRealTime.EnqueueAsync(w.Connection, w.Transaction, tenantId, stateEvents.Where(x => x.TenantId == tenantId).Select(x => x.Event).ToList(), now);
        }
        return stored;
    }

    /// <summary>Part of the transaction that made the changes: with several instances, tells the others (PostgreSQL NOTIFY).</summary>
    public async Task BeforeCommitAsync(HubDatabase.WriteScope w, IReadOnlyCollection<PictureChange> changes)
    {
        if (feed is not null && changes.Count > 0) await feed.NotifyAsync(w.Connection, w.Transaction, changes);
    }

    /// <summary>After the commit: tells this instance's subscribers.</summary>
    public void Committed(IReadOnlyCollection<PictureChange> changes)
    {
        if (changes.Count > 0) feed?.Committed(changes);
    }

    private static string? S(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim()
        : n is JsonValue nv && nv.GetValueKind() == JsonValueKind.Number ? nv.ToJsonString() : null;

    private static long N(JsonNode? n) => n is JsonValue v && v.TryGetValue<long>(out var l) ? l : 0;

    private static async Task ApplyAsync(HubDatabase.WriteScope w, string tenantId, InteractionEvent e, long at, long now)
    {
        var (c, tx) = (w.Connection, w.Transaction);
        var d = e.Data;
        var key = new { tenantId, id = e.InteractionId, at, now, eventId = e.Id };
        var newerLogin = Newer("agents", "login_at", "login_event");
        var newerState = Newer("agents", "state_since", "state_event");
        switch (e.Type)
        {
            case ContactCenterEvents.LoggedIn:
                await c.ExecuteAsync($"""
                    INSERT INTO agents (tenant_id, agent_id, email, name, team, station, phone_number, logged_in, login_at, login_event, updated_at)
                    VALUES (@tenantId, @id, @email, @name, @team, @station, @phone, 1, @at, @eventId, @now)
                    ON CONFLICT (tenant_id, agent_id) DO UPDATE SET email = COALESCE(excluded.email, agents.email), name = COALESCE(excluded.name, agents.name),
                        team = COALESCE(excluded.team, agents.team),
                        station = excluded.station, phone_number = excluded.phone_number, logged_in = 1, login_at = excluded.login_at, login_event = excluded.login_event,
                        updated_at = excluded.updated_at
                    WHERE {newerLogin}
                    """, new { key.tenantId, key.id, key.at, key.now, key.eventId, email = S(d["agent"]?["email"])?.ToLowerInvariant(), name = S(d["agent"]?["name"]),
                        team = S(d["agent"]?["team"]), station = S(d["station"]), phone = S(d["phoneNumber"]) }, tx);
                // A user the contact center has: the user mapping (routing map, by e-mail) pairs it with its Salesforce user, as it does agents seen on calls.
                await RoutingMaps.RoutingMapStore.RecordSeenAsync(c, tx, tenantId,
                    [new RoutingMaps.SeenUser(e.InteractionId, S(d["agent"]?["email"])?.ToLowerInvariant(), S(d["agent"]?["name"]))], now);
                break;
            case ContactCenterEvents.LoggedOut:
                await c.ExecuteAsync($"""
                    INSERT INTO agents (tenant_id, agent_id, logged_in, login_at, login_event, updated_at) VALUES (@tenantId, @id, 0, @at, @eventId, @now)
                    ON CONFLICT (tenant_id, agent_id) DO UPDATE SET logged_in = 0, login_at = excluded.login_at, login_event = excluded.login_event, updated_at = excluded.updated_at
                    WHERE {newerLogin}
                    """, key, tx);
                await SetStateAsync(c, tx, tenantId, e.InteractionId, e.Id, "offline", null, at, now, newerState);
                break;
            case ContactCenterEvents.StateChanged:
                await SetStateAsync(c, tx, tenantId, e.InteractionId, e.Id, S(d["state"])?.ToLowerInvariant(), S(d["reason"]), at, now, newerState);
                break;
            case ContactCenterEvents.SkillsAssigned:
                var skills = new Dictionary<string, string>(StringComparer.Ordinal);
                if (d["skills"] is JsonObject map)
                    foreach (var (skill, level) in map) skills[skill] = S(level) ?? "";
                await c.ExecuteAsync($"""
                    INSERT INTO agents (tenant_id, agent_id, skills, skills_at, skills_event, updated_at) VALUES (@tenantId, @id, @skills, @at, @eventId, @now)
                    ON CONFLICT (tenant_id, agent_id) DO UPDATE SET skills = excluded.skills, skills_at = excluded.skills_at, skills_event = excluded.skills_event,
                        updated_at = excluded.updated_at
                    WHERE {Newer("agents", "skills_at", "skills_event")}
                    """, new { key.tenantId, key.id, key.at, key.now, key.eventId, skills = JsonSerializer.Serialize(skills) }, tx);
                break;
            case ContactCenterEvents.LegChanged:
                await c.ExecuteAsync($"""
                    INSERT INTO agents (tenant_id, agent_id, leg, leg_at, leg_event, updated_at) VALUES (@tenantId, @id, @leg, @at, @eventId, @now)
                    ON CONFLICT (tenant_id, agent_id) DO UPDATE SET leg = excluded.leg, leg_at = excluded.leg_at, leg_event = excluded.leg_event, updated_at = excluded.updated_at
                    WHERE {Newer("agents", "leg_at", "leg_event")}
                    """, new { key.tenantId, key.id, key.at, key.now, key.eventId, leg = S(d["leg"])?.ToLowerInvariant() }, tx);
                break;
            case ContactCenterEvents.AgentMessage:
                await c.ExecuteAsync("""
                    INSERT INTO agent_messages (tenant_id, event_id, agent_id, sender, text, sent_at) VALUES (@tenantId, @eventId, @id, @sender, @text, @at)
                    ON CONFLICT (tenant_id, event_id) DO NOTHING
                    """, new { key.tenantId, key.id, key.at, key.eventId, sender = S(d["from"]), text = S(d["text"]) ?? "" }, tx);
                break;
            case ContactCenterEvents.CommitmentCreated or ContactCenterEvents.CommitmentUpdated or ContactCenterEvents.CommitmentDone:
                var done = e.Type == ContactCenterEvents.CommitmentDone;
                var due = S(d["due"]) is { } dueText && DateTimeOffset.TryParse(dueText, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.RoundtripKind, out var dueAt) ? dueAt.ToUnixTimeMilliseconds() : (long?)null;
                // Done keeps what the commitment was; created and updated carry all of it.
                await c.ExecuteAsync($"""
                    INSERT INTO commitments (tenant_id, commitment_id, number, due_at, skill_id, agent_id, notes, status, as_of, as_of_event)
                    VALUES (@tenantId, @id, @number, @due, @skill, @agent, @notes, @status, @at, @eventId)
                    ON CONFLICT (tenant_id, commitment_id) DO UPDATE SET
                        number = {(done ? "commitments.number" : "excluded.number")}, due_at = {(done ? "commitments.due_at" : "excluded.due_at")},
                        skill_id = {(done ? "commitments.skill_id" : "excluded.skill_id")}, agent_id = {(done ? "commitments.agent_id" : "excluded.agent_id")},
                        notes = {(done ? "commitments.notes" : "excluded.notes")}, status = excluded.status, as_of = excluded.as_of, as_of_event = excluded.as_of_event
                    WHERE {Newer("commitments", "as_of", "as_of_event")}
                    """, new
                    {
                        key.tenantId, key.id, key.at, key.eventId, number = S(d["number"]), due, skill = S(d["skill"]), agent = S(d["agentId"]), notes = S(d["notes"]),
                        status = done ? S(d["outcome"])?.ToLowerInvariant() ?? "completed" : "pending",
                    }, tx);
                // A "done" that came before its "created" left the details empty; an older created or updated still fills what is missing.
                if (!done)
                    await c.ExecuteAsync("""
                        UPDATE commitments SET number = COALESCE(number, @number), due_at = COALESCE(due_at, @due), skill_id = COALESCE(skill_id, @skill),
                            agent_id = COALESCE(agent_id, @agent), notes = COALESCE(notes, @notes)
                        WHERE tenant_id = @tenantId AND commitment_id = @id AND number IS NULL
                        """, new { key.tenantId, key.id, number = S(d["number"]), due, skill = S(d["skill"]), agent = S(d["agentId"]), notes = S(d["notes"]) }, tx);
                break;
            case ContactCenterEvents.AddressBookUpdated:
                var entries = (d["entries"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(x => new AddressBookEntry(S(x["name"]), S(x["number"]), S(x["agentId"]), S(x["skill"]))).ToList();
                await c.ExecuteAsync($"""
                    INSERT INTO address_books (tenant_id, book_id, name, entries, as_of, as_of_event) VALUES (@tenantId, @id, @name, @entries, @at, @eventId)
                    ON CONFLICT (tenant_id, book_id) DO UPDATE SET name = COALESCE(excluded.name, address_books.name), entries = excluded.entries, as_of = excluded.as_of,
                        as_of_event = excluded.as_of_event
                    WHERE {Newer("address_books", "as_of", "as_of_event")}
                    """, new { key.tenantId, key.id, key.at, key.eventId, name = S(d["name"]), entries = JsonSerializer.Serialize(entries, JsonSerializerOptions.Web) }, tx);
                break;
            case ContactCenterEvents.QueueSnapshot:
                await c.ExecuteAsync($"""
                    INSERT INTO queues (tenant_id, skill_id, name, channel, waiting, longest_wait_seconds, staffed, available, as_of, as_of_event)
                    VALUES (@tenantId, @id, @name, @channel, @waiting, @longest, @staffed, @available, @at, @eventId)
                    ON CONFLICT (tenant_id, skill_id) DO UPDATE SET name = COALESCE(excluded.name, queues.name), channel = COALESCE(excluded.channel, queues.channel),
                        waiting = excluded.waiting, longest_wait_seconds = excluded.longest_wait_seconds, staffed = excluded.staffed, available = excluded.available,
                        as_of = excluded.as_of, as_of_event = excluded.as_of_event
                    WHERE {Newer("queues", "as_of", "as_of_event")}
                    """, new
                    {
                        key.tenantId, key.id, key.at, key.eventId, name = S(d["name"]), channel = S(d["channel"])?.ToLowerInvariant(), waiting = N(d["waiting"]),
                        longest = N(d["longestWaitSeconds"]), staffed = N(d["staffed"]), available = N(d["available"]),
                    }, tx);
                break;
        }
    }

    /// <summary>The guard of one part: the stored event is older, or as old with an id not greater (so equal times end the same whatever the order).</summary>
    private static string Newer(string table, string at, string eventId) =>
        $"{table}.{at} IS NULL OR {table}.{at} < excluded.{at} OR ({table}.{at} = excluded.{at} AND COALESCE({table}.{eventId}, '') <= excluded.{eventId})";

    private static Task SetStateAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string tenantId, string agentId, string eventId, string? state,
        string? reason, long at, long now, string newer) =>
        c.ExecuteAsync($"""
            INSERT INTO agents (tenant_id, agent_id, state, reason, state_since, state_event, updated_at) VALUES (@tenantId, @agentId, @state, @reason, @at, @eventId, @now)
            ON CONFLICT (tenant_id, agent_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, state_since = excluded.state_since,
                state_event = excluded.state_event, updated_at = excluded.updated_at
            WHERE {newer}
            """, new { tenantId, agentId, eventId, state, reason, at, now }, tx);

    /// <summary>The tenant's agents, or only the one given.</summary>
    public Task<IReadOnlyList<AgentView>> AgentsAsync(string tenantId, CancellationToken ct, string? agentId = null) =>
        AgentsAsync(tenantId, agentId is null ? null : [agentId], ct);

    /// <summary>The tenant's agents, or only those given (read together: a stream catching up on many changes asks once).</summary>
    public async Task<IReadOnlyList<AgentView>> AgentsAsync(string tenantId, IReadOnlyCollection<string>? agentIds, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var now = clock.GetUtcNow();
        var ids = agentIds?.ToArray();
        var rows = await c.QueryAsync<AgentRow>($"""
            SELECT a.agent_id, a.email, a.name, a.station, a.phone_number, a.logged_in, a.state, a.reason, a.state_since, a.skills, a.leg, u.mapping_outcome
            FROM agents a LEFT JOIN contact_center_users u ON u.tenant_id = a.tenant_id AND u.external_id = a.agent_id
            WHERE a.tenant_id = @tenantId{(ids is null ? "" : $" AND {db.AnyOf("a.agent_id", "ids")}")} ORDER BY a.agent_id
            """, new { tenantId, ids });
        var open = (await c.QueryAsync<(string AgentId, string State)>($"""
            SELECT agent_id, state FROM interactions WHERE tenant_id = @tenantId AND agent_id IS NOT NULL AND ended = 0 AND updated_at >= @recent{(ids is null ? "" : $" AND {db.AnyOf("agent_id", "ids")}")}
            """, new { tenantId, ids, recent = (now - CurrentContactAge).ToUnixTimeMilliseconds() })).ToLookup(x => x.AgentId, x => Contact(x.State));
        return rows.Select(r =>
        {
            var since = r.StateSince is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
            return new AgentView(r.AgentId, r.Email, r.Name, r.Station, r.PhoneNumber, r.LoggedIn == 1, r.State, r.Reason, since,
                since is { } s ? Math.Max(0, (long)(now - s).TotalSeconds) : null,
                r.Skills is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(r.Skills) ?? [])
            {
                Contacts = open[r.AgentId].Where(x => x is not null).Cast<AgentContact>().OrderBy(x => x.StartedAt).ToList(),
                Leg = r.Leg,
                SalesforceMapping = r.MappingOutcome,
            };
        }).ToList();
    }

    private static AgentContact? Contact(string state) => Interactions.InteractionRow.TryRead(state) is { } s ? AgentContact.Of(s) : null;

    public async Task<AgentDay> DayAsync(string tenantId, string agentId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        await using var c = await db.OpenAsync(ct);
        // Contacts that ended today: those started since yesterday are enough to look at (a contact lasting days aside).
        var states = await c.QueryAsync<string>("""
            SELECT state FROM interactions WHERE tenant_id = @tenantId AND agent_id = @agentId AND ended = 1 AND created_at >= @since
            """, new { tenantId, agentId, since = start.AddDays(-1).ToUnixTimeMilliseconds() });
        var handled = states.Select(Interactions.InteractionRow.TryRead)
            .Where(s => s is { EndedAt: { } e, ConnectedAt: not null } && e >= start && s.Outcome != "abandoned").Cast<Interactions.InteractionState>().ToList();
        // Handle time: from connected to ended (talk and hold, not the queue or the ringing), then the wrap-up.
        int? average = handled.Count == 0 ? null : (int)Math.Round(handled.Average(s => Math.Max(0, (s.EndedAt!.Value - s.ConnectedAt!.Value).TotalSeconds) + s.WrapUpSeconds));
        // The state in force when the day began (its last event before), then each change of the day, up to now.
        var args = new { tenantId, agentId, types = StateTypes, start = start.ToUnixTimeMilliseconds() };
        var before = (await c.QueryAsync<StateEvent>($"""
            SELECT type, occurred_at, data FROM contact_center_events WHERE tenant_id = @tenantId AND subject = @agentId AND {db.AnyOf("type", "types")} AND occurred_at < @start
            ORDER BY occurred_at DESC LIMIT 1
            """, args)).FirstOrDefault();
        var changes = (await c.QueryAsync<StateEvent>($"""
            SELECT type, occurred_at, data FROM contact_center_events WHERE tenant_id = @tenantId AND subject = @agentId AND {db.AnyOf("type", "types")} AND occurred_at >= @start
            AND occurred_at <= @now ORDER BY occurred_at, event_id
            """, new { tenantId, agentId, types = StateTypes, start = start.ToUnixTimeMilliseconds(), now = now.ToUnixTimeMilliseconds() })).ToList();
        var seconds = new Dictionary<string, long>(StringComparer.Ordinal);
        var (state, since) = before is { } b ? (StateOf(b.Type, b.Data), start.ToUnixTimeMilliseconds()) : ((string?)null, 0L);
        foreach (var (type, at, data) in changes.Append(new StateEvent(ContactCenterEvents.StateChanged, now.ToUnixTimeMilliseconds(), "")))
        {
            if (state is not null && state != "offline") seconds[state] = seconds.GetValueOrDefault(state) + Math.Max(0, at - since) / 1000;
            if (data.Length == 0) break;
            (state, since) = (StateOf(type, data), at);
        }
        return new AgentDay(agentId, day, handled.Count, average, seconds);
    }

    private sealed record StateEvent(string Type, long OccurredAt, string Data);

    private static readonly string[] StateTypes = [ContactCenterEvents.StateChanged, ContactCenterEvents.LoggedOut, ContactCenterEvents.LoggedIn];

    /// <summary>The state an event leaves the agent in: logging in without a state yet counts as unavailable.</summary>
    private static string? StateOf(string type, string data) => type switch
    {
        ContactCenterEvents.LoggedOut => "offline",
        ContactCenterEvents.LoggedIn => "unavailable",
        _ => S(JsonNode.Parse(data)?["state"])?.ToLowerInvariant(),
    };

    /// <summary>The agent's contacts, newest first: what it handled and how (the history the softphone and the workforce feed show).</summary>
    public async Task<IReadOnlyList<AgentContact>> HistoryAsync(string tenantId, string agentId, int max, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<(string State, string? Records)>("""
            SELECT state, records FROM interactions WHERE tenant_id = @tenantId AND agent_id = @agentId ORDER BY created_at DESC LIMIT @max
            """, new { tenantId, agentId, max });
        return rows.Select(r => Contact(r.State) is { } contact
                ? contact with { Records = r.Records is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(r.Records, Interactions.InteractionStore.Json) }
                : null)
            .Where(x => x is not null).Cast<AgentContact>().ToList();
    }

    /// <summary>The tenant's callbacks still pending (or all, newest due first, with done ones), or only the one given, or one agent's (its own and its skills').</summary>
    public async Task<IReadOnlyList<CommitmentView>> CommitmentsAsync(string tenantId, CancellationToken ct, string? commitmentId = null, bool pendingOnly = true)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<CommitmentRow>($"""
            SELECT commitment_id, number, due_at, skill_id, agent_id, notes, status, as_of FROM commitments
            WHERE tenant_id = @tenantId{(commitmentId is null ? "" : " AND commitment_id = @commitmentId")}{(pendingOnly && commitmentId is null ? " AND status = 'pending'" : "")}
            ORDER BY due_at, commitment_id LIMIT 1000
            """, new { tenantId, commitmentId });
        return rows.Select(r => new CommitmentView(r.CommitmentId, r.Number, r.DueAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null, r.SkillId, r.AgentId, r.Notes,
            r.Status, DateTimeOffset.FromUnixTimeMilliseconds(r.AsOf))).ToList();
    }

    public async Task<IReadOnlyList<AddressBookView>> AddressBooksAsync(string tenantId, CancellationToken ct, string? bookId = null)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<AddressBookRow>($"""
            SELECT book_id, name, entries, as_of FROM address_books WHERE tenant_id = @tenantId{(bookId is null ? "" : " AND book_id = @bookId")} ORDER BY book_id
            """, new { tenantId, bookId });
        return rows.Select(r => new AddressBookView(r.BookId, r.Name, JsonSerializer.Deserialize<List<AddressBookEntry>>(r.Entries, JsonSerializerOptions.Web) ?? [],
            DateTimeOffset.FromUnixTimeMilliseconds(r.AsOf))).ToList();
    }

    /// <summary>An agent's messages, newest first; or the one message given (by its id).</summary>
    public async Task<IReadOnlyList<AgentMessageView>> MessagesAsync(string tenantId, string? agentId, int max, CancellationToken ct, string? messageId = null)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<MessageRow>($"""
            SELECT event_id, agent_id, sender, text, sent_at FROM agent_messages
            WHERE tenant_id = @tenantId{(agentId is null ? "" : " AND agent_id = @agentId")}{(messageId is null ? "" : " AND event_id = @messageId")}
            ORDER BY sent_at DESC, event_id DESC LIMIT @max
            """, new { tenantId, agentId, messageId, max });
        return rows.Select(r => new AgentMessageView(r.EventId, r.AgentId, r.Sender, r.Text, DateTimeOffset.FromUnixTimeMilliseconds(r.SentAt))).ToList();
    }

    /// <summary>The tenant's queues, or only the one given.</summary>
    public async Task<IReadOnlyList<QueueView>> QueuesAsync(string tenantId, CancellationToken ct, string? skillId = null)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<QueueRow>($"""
            SELECT skill_id, name, channel, waiting, longest_wait_seconds, staffed, available, as_of FROM queues
            WHERE tenant_id = @tenantId{(skillId is null ? "" : " AND skill_id = @skillId")} ORDER BY skill_id
            """, new { tenantId, skillId });
        return rows.Select(r => new QueueView(r.SkillId, r.Name, r.Channel, r.Waiting, r.LongestWaitSeconds, r.Staffed, r.Available, DateTimeOffset.FromUnixTimeMilliseconds(r.AsOf)))
            .ToList();
    }
}
