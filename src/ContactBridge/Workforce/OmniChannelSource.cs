using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Salesforce;
using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.Workforce;

/// <summary>What one read of an org brought: rows per object and the API calls it took.</summary>
public sealed record OmniChannelRead(int Presences, int Work, int Calls, int ApiCalls, bool Backfill);

/// <summary>
/// Omni-Channel in a Salesforce org as a historical integration's source. The first read is a Bulk API 2.0 query per object
/// for everything changed within the retention window (a handful of API calls whatever the org's size); after that the
/// objects' REST queries for what changed since the last SystemModstamp read go in one composite request (one API call per
/// read when little changed). Agents' presence statuses (UserServicePresence) become their activities, named as the statuses are; each work item
/// (the AgentWork routed for it, and its VoiceCall where the org has Service Cloud Voice) becomes one contact. What changed marks
/// the tenant's intervals from its earliest moment, so the feed computes them again as it does for the contact center's events.
/// </summary>
public sealed class OmniChannelSource(HubDatabase db, WorkforceOrgClients orgs, TimeProvider clock, IOptions<Retention.RetentionOptions> retention,
    IOptions<WorkforceOptions> options, ILogger<OmniChannelSource> logger)
{
    public const string Presence = "UserServicePresence";
    public const string Work = "AgentWork";
    public const string Calls = "VoiceCall";


    private static readonly Dictionary<string, string> Fields = new()
    {
        [Presence] = "Id, UserId, User.Name, User.Email, User.Username, User.Department, ServicePresenceStatus.MasterLabel, StatusStartDate, StatusEndDate, SystemModstamp",
        [Work] = "Id, WorkItemId, UserId, ServiceChannel.RelatedEntity, OriginalQueue.Name, Status, RequestDateTime, AcceptDateTime, CloseDateTime, " +
                 "CancelDateTime, AfterConversationActualTime, SystemModstamp",
        [Calls] = "Id, QueueName, CallQueuedDateTime, CallStartDateTime, CallAcceptDateTime, CallEndDateTime, CustomerHoldDuration, SystemModstamp",
    };

    private static readonly Dictionary<string, string> Filters = new()
    {
        [Presence] = "", [Work] = "", [Calls] = "CallType = 'Inbound' AND ",
    };

    /// <summary>The channel a work item's object stands for, as the feed names channels.</summary>
    public static string ChannelOf(string? relatedEntity) => relatedEntity switch
    {
        "VoiceCall" => "voice",
        "MessagingSession" or "LiveChatTranscript" => "chat",
        "EmailMessage" => "email",
        "Case" => "case",
        null or "" => "other",
        var other => other.ToLowerInvariant(),
    };

    private sealed class Cursor
    {
        public string ObjectName { get; init; } = "";
        public long ModstampMs { get; init; }
    }

    /// <summary>A read failed: the next waits the poll interval too (a lasting failure costs no more API calls than reads that work).</summary>
    public async Task AttemptedAsync(WorkforceIntegrationRow row, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("""
            INSERT INTO workforce_omni_reads (tenant_id, group_name, read_at, api_calls) VALUES (@TenantId, @GroupName, @at, 0)
            ON CONFLICT (tenant_id, group_name) DO UPDATE SET read_at = excluded.read_at
            """, new { row.TenantId, row.GroupName, at = clock.GetUtcNow().ToUnixTimeMilliseconds() }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>The integration's settings changed (another org or source) after its read began: what it read is not stored.</summary>
    public sealed class SettingsChangedException() : Exception("The integration's settings changed during the read.");

    /// <summary>Part of every transaction that stores what a read brought: the integration is still as it was when the read began.</summary>
    private static async Task StillCurrentAsync(DbConnection c, DbTransaction tx, WorkforceIntegrationRow row)
    {
        var updatedAt = await c.ExecuteScalarAsync<long?>(
            "SELECT updated_at FROM workforce_integrations WHERE tenant_id = @TenantId AND kind = @Kind AND group_name = @GroupName AND enabled = 1",
            new { row.TenantId, row.Kind, row.GroupName }, tx);
        if (updatedAt != row.UpdatedAt) throw new SettingsChangedException();
    }

    /// <summary>Whether the integration is due a read (its last one is older than the poll interval, or it has none).</summary>
    public async Task<bool> DueAsync(WorkforceIntegrationRow row, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var last = await c.ExecuteScalarAsync<long?>("SELECT read_at FROM workforce_omni_reads WHERE tenant_id = @TenantId AND group_name = @GroupName",
            new { row.TenantId, row.GroupName });
        return last is not { } at || clock.GetUtcNow().ToUnixTimeMilliseconds() - at >= options.Value.OmniChannelPollInterval.TotalMilliseconds;
    }

    /// <summary>Reads what changed in the org since the last read and stores it; the caller holds the tenant's workforce lease.</summary>
    public async Task<OmniChannelRead> ReadAsync(WorkforceIntegrationRow row, CancellationToken ct, IProgress<RoutingMaps.ImportProgress>? progress = null)
    {
        var s = row.Historical();
        var client = await orgs.ClientAsync(row, s.ClientId, s.TokenUrl, s.ApiVersion, ct);
        Dictionary<string, long> cursors;
        await using (var c = await db.OpenAsync(ct))
            cursors = (await c.QueryAsync<Cursor>("SELECT object_name, modstamp_ms FROM workforce_omni_cursors WHERE tenant_id = @TenantId AND group_name = @GroupName",
                new { row.TenantId, row.GroupName })).ToDictionary(x => x.ObjectName, x => x.ModstampMs);
        var horizon = clock.GetUtcNow() - retention.Value.LinkActivity;
        var apiCalls = 0;
        var counts = new Dictionary<string, int>();
        var backfill = false;
        string Soql(string objectName, DateTimeOffset since) =>
            $"SELECT {Fields[objectName]} FROM {objectName} WHERE {Filters[objectName]}SystemModstamp >= {SoqlTime(since)}";
        DateTimeOffset Since(string objectName) => cursors.TryGetValue(objectName, out var cursor) ? DateTimeOffset.FromUnixTimeMilliseconds(cursor) - options.Value.OmniChannelOverlap : horizon;
        var objects = new[] { Presence, Work, Calls };

        // What changed since the last read: the objects' queries in one composite request (one API call), more pages only when many changed.
        var changed = new Dictionary<string, List<Func<string, string?>>>();
        var increments = objects.Where(cursors.ContainsKey).ToList();
        if (increments.Count > 0)
        {
            var response = await client.SendAsync(HttpMethod.Post, $"{client.DataPath}/composite", new JsonObject
            {
                ["allOrNone"] = false,
                ["compositeRequest"] = new JsonArray(increments.Select(o => (JsonNode)new JsonObject
                {
                    ["method"] = "GET", ["referenceId"] = o, ["url"] = $"{client.DataPath}/query?q={Uri.EscapeDataString(Soql(o, Since(o)) + " ORDER BY SystemModstamp")}",
                }).ToArray()),
            }, ct);
            apiCalls++;
            foreach (var sub in response?["compositeResponse"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                var objectName = sub["referenceId"]!.GetValue<string>();
                var status = sub["httpStatusCode"]?.GetValue<int>() ?? 500;
                if (status != 200)
                {
                    var error = (sub["body"] as JsonArray)?.FirstOrDefault();
                    var code = error?["errorCode"]?.GetValue<string>() ?? "UNKNOWN_ERROR";
                    if (objectName == Calls && status is 400 or 404) { changed[objectName] = []; continue; } // no Service Cloud Voice
                    throw new SalesforceApiException((System.Net.HttpStatusCode)status, code, error?["message"]?.GetValue<string>() ?? $"The query of {objectName} failed.");
                }
                var page = sub["body"] as JsonObject;
                var records = new List<Func<string, string?>>();
                while (page is not null)
                {
                    foreach (var r in page["records"]?.AsArray().OfType<JsonObject>() ?? []) records.Add(path => Value(r, path));
                    if (page["done"]?.GetValue<bool>() != false || page["nextRecordsUrl"]?.GetValue<string>() is not { } next) break;
                    page = await client.GetAsync(next, ct) as JsonObject;
                    apiCalls++;
                }
                changed[objectName] = records;
            }
        }

        var step = 0;
        foreach (var objectName in objects)
        {
            progress?.Report(new RoutingMaps.ImportProgress($"{row.TenantId}/{row.GroupName}: {objectName}", step++, objects.Length));
            var cursor = cursors.TryGetValue(objectName, out var old) ? old : horizon.ToUnixTimeMilliseconds();
            if (changed.TryGetValue(objectName, out var records))
            {
                counts[objectName] = records.Count;
                cursor = Math.Max(cursor, await StoreAsync(row, objectName, records, ct));
            }
            else
            {
                // The first read of an object: everything changed within the retention window, by a Bulk API 2.0 query, stored page by page.
                backfill = true;
                counts[objectName] = 0;
                try
                {
                    var bulk = new SalesforceBulkClient(client, clock) { PollInterval = options.Value.BulkPollInterval };
                    apiCalls += await bulk.QueryAsync(Soql(objectName, horizon), async page =>
                    {
                        counts[objectName] += page.Count;
                        cursor = Math.Max(cursor, await StoreAsync(row, objectName,
                            page.Select(r => (Func<string, string?>)(path => r.TryGetValue(path, out var v) && v.Length > 0 ? v : null)).ToList(), ct));
                    }, null, ct);
                }
                catch (SalesforceApiException e) when (objectName == Calls && (int)e.Status is 400 or 404)
                {
                    // No Service Cloud Voice in this org: AgentWork tells the story.
                    logger.LogDebug("Omni-Channel source {TenantId}/{Group}: no VoiceCall ({Error})", row.TenantId, row.GroupName, e.ErrorCode);
                }
            }
            // Where the object got to, once all of it is stored (a Bulk result is in no order: a cursor mid-way could pass records not yet read).
            await using var w = await db.WriteAsync(durable: false, ct);
            await StillCurrentAsync(w.Connection, w.Transaction, row);
            await w.Connection.ExecuteAsync("""
                INSERT INTO workforce_omni_cursors (tenant_id, group_name, object_name, modstamp_ms) VALUES (@TenantId, @GroupName, @objectName, @cursor)
                ON CONFLICT (tenant_id, group_name, object_name) DO UPDATE SET modstamp_ms = excluded.modstamp_ms
                """, new { row.TenantId, row.GroupName, objectName, cursor }, w.Transaction);
            await w.CommitAsync(ct);
        }
        await using (var w = await db.WriteAsync(durable: false, ct))
        {
            await StillCurrentAsync(w.Connection, w.Transaction, row);
            await w.Connection.ExecuteAsync($"""
                INSERT INTO workforce_omni_reads (tenant_id, group_name, read_at, api_calls) VALUES (@TenantId, @GroupName, @at, @apiCalls)
                ON CONFLICT (tenant_id, group_name) DO UPDATE SET read_at = excluded.read_at, api_calls = workforce_omni_reads.api_calls + excluded.api_calls
                """, new { row.TenantId, row.GroupName, at = clock.GetUtcNow().ToUnixTimeMilliseconds(), apiCalls }, w.Transaction);
            await w.CommitAsync(ct);
        }
        logger.LogDebug("Omni-Channel source {TenantId}/{Group}: {Presences} presences, {Work} work, {Calls} calls read in {ApiCalls} API calls",
            row.TenantId, row.GroupName, counts[Presence], counts[Work], counts[Calls], apiCalls);
        return new OmniChannelRead(counts[Presence], counts[Work], counts[Calls], apiCalls, backfill);
    }

    /// <summary>Forgets what was read for an integration (removed, or now reading another org): the next read starts again.</summary>
    public static async Task ForgetAsync(DbConnection c, DbTransaction tx, string tenantId, string group)
    {
        foreach (var table in new[] { "workforce_omni_cursors", "workforce_omni_reads", "workforce_omni_users", "workforce_omni_presence", "workforce_omni_work", "workforce_omni_calls", "workforce_omni_contacts" })
            await c.ExecuteAsync($"DELETE FROM {table} WHERE tenant_id = @tenantId AND group_name = @group", new { tenantId, group }, tx);
    }

    private static string SoqlTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A value at a dotted path of a REST query record (ServicePresenceStatus.MasterLabel), as text; null when absent.</summary>
    private static string? Value(JsonObject record, string path)
    {
        JsonNode? node = record;
        foreach (var part in path.Split('.')) node = node is JsonObject o ? o[part] : null;
        return node is JsonValue v ? (v.TryGetValue<string>(out var text) ? text : v.ToJsonString()) : null;
    }

    /// <summary>A Salesforce date-time (2026-12-05T09:15:00.000+0000 or …Z) in Unix milliseconds; null when empty.</summary>
    public static long? Time(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (text.Length > 5 && text[^5] is '+' or '-' && char.IsAsciiDigit(text[^1])) text = text[..^2] + ":" + text[^2..];
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
    }

    private static long Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 ? (long)Math.Round(n) : 0;

    /// <summary>Stores records read (1,000 to a transaction), marking what they change; returns the latest SystemModstamp among them (0: none).</summary>
    private async Task<long> StoreAsync(WorkforceIntegrationRow row, string objectName, List<Func<string, string?>> records, CancellationToken ct)
    {
        long cursor = 0;
        var key = new { row.TenantId, row.GroupName };
        foreach (var chunk in records.Chunk(1000))
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            var (c, tx) = (w.Connection, w.Transaction);
            await StillCurrentAsync(c, tx, row);
            long? earliest = null;
            var items = new HashSet<string>(StringComparer.Ordinal);
            var users = new Dictionary<string, Func<string, string?>>(StringComparer.Ordinal);
            foreach (var r in chunk)
            {
                var id = r("Id")!;
                cursor = Math.Max(cursor, Time(r("SystemModstamp")) ?? 0);
                switch (objectName)
                {
                    case Presence when Time(r("StatusStartDate")) is { } start && r("UserId") is { } userId:
                        users[userId] = r;
                        var before = await c.QuerySingleOrDefaultAsync<PresenceRow>(
                            "SELECT start_ms, end_ms FROM workforce_omni_presence WHERE tenant_id = @TenantId AND group_name = @GroupName AND record_id = @id",
                            new { key.TenantId, key.GroupName, id }, tx);
                        var end = Time(r("StatusEndDate"));
                        // A new status changes its agent's time from where it begins; one that ends (or moves), from where it ended first.
                        long? from = before is null ? start
                            : before.StartMs != start ? Math.Min(before.StartMs, start)
                            : before.EndMs != end ? Math.Min(before.EndMs ?? long.MaxValue, end ?? long.MaxValue) : null;
                        if (from is { } changedFrom) earliest = Math.Min(earliest ?? long.MaxValue, changedFrom);
                        await c.ExecuteAsync("""
                            INSERT INTO workforce_omni_presence (tenant_id, group_name, record_id, user_id, status, start_ms, end_ms)
                            VALUES (@TenantId, @GroupName, @id, @user, @status, @start, @end)
                            ON CONFLICT (tenant_id, group_name, record_id) DO UPDATE SET user_id = excluded.user_id, status = excluded.status,
                                start_ms = excluded.start_ms, end_ms = excluded.end_ms
                            """, new { key.TenantId, key.GroupName, id, user = r("UserId"), status = r("ServicePresenceStatus.MasterLabel"), start, end }, tx);
                        break;
                    case Work when r("WorkItemId") is { } item:
                        items.Add(item);
                        await c.ExecuteAsync("""
                            INSERT INTO workforce_omni_work (tenant_id, group_name, record_id, work_item_id, user_id, channel, queue, status, request_ms, accept_ms,
                                close_ms, cancel_ms, acw_seconds)
                            VALUES (@TenantId, @GroupName, @id, @item, @user, @channel, @queue, @status, @request, @accept, @close, @cancel, @acw)
                            ON CONFLICT (tenant_id, group_name, record_id) DO UPDATE SET work_item_id = excluded.work_item_id, user_id = excluded.user_id,
                                channel = excluded.channel, queue = excluded.queue, status = excluded.status, request_ms = excluded.request_ms,
                                accept_ms = excluded.accept_ms, close_ms = excluded.close_ms, cancel_ms = excluded.cancel_ms, acw_seconds = excluded.acw_seconds
                            """, new
                        {
                            key.TenantId, key.GroupName, id, item, user = r("UserId"), channel = ChannelOf(r("ServiceChannel.RelatedEntity")), queue = r("OriginalQueue.Name"),
                            status = r("Status"), request = Time(r("RequestDateTime")), accept = Time(r("AcceptDateTime")), close = Time(r("CloseDateTime")),
                            cancel = Time(r("CancelDateTime")), acw = Number(r("AfterConversationActualTime")),
                        }, tx);
                        break;
                    case Calls:
                        items.Add(id);
                        await c.ExecuteAsync("""
                            INSERT INTO workforce_omni_calls (tenant_id, group_name, record_id, queue, queued_ms, accept_ms, end_ms, hold_seconds)
                            VALUES (@TenantId, @GroupName, @id, @queue, @queued, @accept, @end, @hold)
                            ON CONFLICT (tenant_id, group_name, record_id) DO UPDATE SET queue = excluded.queue, queued_ms = excluded.queued_ms,
                                accept_ms = excluded.accept_ms, end_ms = excluded.end_ms, hold_seconds = excluded.hold_seconds
                            """, new
                        {
                            key.TenantId, key.GroupName, id, queue = r("QueueName"), queued = Time(r("CallQueuedDateTime")) ?? Time(r("CallStartDateTime")),
                            accept = Time(r("CallAcceptDateTime")), end = Time(r("CallEndDateTime")), hold = Number(r("CustomerHoldDuration")),
                        }, tx);
                        break;
                }
            }
            // The agents as the user import lists them: name, e-mail, username and department (the team).
            foreach (var (userId, r) in users)
                await c.ExecuteAsync("""
                    INSERT INTO workforce_omni_users (tenant_id, group_name, user_id, name, email, username, team, first_seen_at)
                    VALUES (@TenantId, @GroupName, @userId, @name, @email, @username, @team, @now)
                    ON CONFLICT (tenant_id, group_name, user_id) DO UPDATE SET name = excluded.name, email = excluded.email, username = excluded.username, team = excluded.team
                    """, new
                {
                    key.TenantId, key.GroupName, userId, name = r("User.Name"), email = r("User.Email")?.ToLowerInvariant(), username = r("User.Username"), team = r("User.Department"),
                    now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
                }, tx);
            if (items.Count > 0 && await ContactsAsync(c, tx, row, items) is { } changed) earliest = Math.Min(earliest ?? long.MaxValue, changed);
            if (earliest is { } mark) await WorkforceFeed.MarkAsync(c, tx, row.TenantId, mark);
            await w.CommitAsync(ct);
        }
        return cursor;
    }

    private sealed class PresenceRow
    {
        public long StartMs { get; init; }
        public long? EndMs { get; init; }
    }

    private sealed class WorkRow
    {
        public string WorkItemId { get; init; } = "";
        public string? UserId { get; init; }
        public string Channel { get; init; } = "";
        public string? Queue { get; init; }
        public long? RequestMs { get; init; }
        public long? AcceptMs { get; init; }
        public long? CloseMs { get; init; }
        public long? CancelMs { get; init; }
        public long AcwSeconds { get; init; }
    }

    private sealed class CallRow
    {
        public string RecordId { get; init; } = "";
        public string? Queue { get; init; }
        public long? QueuedMs { get; init; }
        public long? AcceptMs { get; init; }
        public long? EndMs { get; init; }
        public long HoldSeconds { get; init; }
    }

    /// <summary>
    /// A work item as the feed counts it: offered when first requested, answered when an agent first accepted it (that agent
    /// handles it), ended when the last agent's conversation ended (closing less after-conversation work), transfers as the
    /// further agents who accepted it; abandoned when no agent accepted it and it was cancelled (or, for a call, it ended).
    /// </summary>
    public static ContactFact? FactOf(string itemId, IReadOnlyList<(string? User, string Channel, string? Queue, long? Request, long? Accept, long? Close, long? Cancel, long Acw)> work,
        (string? Queue, long? Queued, long? Accept, long? End, long Hold)? call)
    {
        static DateTimeOffset? T(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
        var accepted = work.Where(x => x.Accept is not null).OrderBy(x => x.Accept).ToList();
        var offered = work.Select(x => x.Request).Where(x => x is not null).Min() ?? call?.Queued;
        if (offered is null || (work.Count == 0 && call?.Queue is null)) return null;
        var first = work.Where(x => x.Request is not null).OrderBy(x => x.Request).FirstOrDefault();
        var channel = work.Count > 0 ? first.Channel ?? work[0].Channel : "voice";
        var queue = (work.Count > 0 ? first.Queue : null) ?? call?.Queue;
        // A call answered outside Omni-Channel (after every routed offer was declined) is answered, with no agent known.
        long? answered = accepted.Count > 0 ? accepted[0].Accept : call?.Accept;
        var last = accepted.Count > 0 ? accepted[^1] : default;
        long? ended = accepted.Count > 0
            ? call?.End ?? (last.Close is { } close ? close - last.Acw * 1000 : null)
            : work.Select(x => x.Cancel).Where(x => x is not null).Max() ?? call?.End;
        var abandoned = answered is null && ended is not null;
        return new ContactFact(itemId, channel, "inbound", queue, accepted.Count > 0 ? accepted[0].User : null, T(offered)!.Value, T(answered), T(ended), abandoned,
            (int)(call?.Hold ?? 0), (int)accepted.Sum(x => x.Acw), Math.Max(0, accepted.Count - 1));
    }

    /// <summary>The touched work items' contacts made again; the earliest moment one that changed is counted at, or null.</summary>
    private async Task<long?> ContactsAsync(DbConnection c, DbTransaction tx, WorkforceIntegrationRow row, HashSet<string> items)
    {
        var ids = items.ToArray();
        var args = new { row.TenantId, row.GroupName, ids };
        var work = (await c.QueryAsync<WorkRow>($"""
            SELECT work_item_id, user_id, channel, queue, request_ms, accept_ms, close_ms, cancel_ms, acw_seconds FROM workforce_omni_work
            WHERE tenant_id = @TenantId AND group_name = @GroupName AND {db.AnyOf("work_item_id", "ids")}
            """, args, tx)).ToLookup(w => w.WorkItemId);
        var calls = (await c.QueryAsync<CallRow>($"""
            SELECT record_id, queue, queued_ms, accept_ms, end_ms, hold_seconds FROM workforce_omni_calls
            WHERE tenant_id = @TenantId AND group_name = @GroupName AND {db.AnyOf("record_id", "ids")}
            """, args, tx)).ToDictionary(x => x.RecordId);
        var before = (await c.QueryAsync<WorkforceFeed.ContactRow>($"""
            SELECT interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned, hold_seconds, wrap_seconds, transfers
            FROM workforce_omni_contacts WHERE tenant_id = @TenantId AND group_name = @GroupName AND {db.AnyOf("interaction_id", "ids")}
            """, args, tx)).ToDictionary(x => x.InteractionId);
        long? earliest = null;
        foreach (var id in ids)
        {
            var fact = FactOf(id, work[id].Select(x => (x.UserId, x.Channel, x.Queue, x.RequestMs, x.AcceptMs, x.CloseMs, x.CancelMs, x.AcwSeconds)).ToList(),
                calls.TryGetValue(id, out var call) ? (call.Queue, call.QueuedMs, call.AcceptMs, call.EndMs, call.HoldSeconds) : null);
            if (fact is null) continue;
            var now = WorkforceFeed.ContactRow.Of(fact);
            if (before.TryGetValue(id, out var old) && old.Same(now)) continue;
            earliest = Math.Min(earliest ?? long.MaxValue, Math.Min(now.OfferedAt, old?.OfferedAt ?? long.MaxValue));
            await c.ExecuteAsync("""
                INSERT INTO workforce_omni_contacts (tenant_id, group_name, interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at,
                    abandoned, hold_seconds, wrap_seconds, transfers)
                VALUES (@TenantId, @GroupName, @InteractionId, @Channel, @Direction, @Queue, @AgentId, @OfferedAt, @AnsweredAt, @EndedAt, @Abandoned, @HoldSeconds,
                    @WrapSeconds, @Transfers)
                ON CONFLICT (tenant_id, group_name, interaction_id) DO UPDATE SET channel = excluded.channel, direction = excluded.direction, queue = excluded.queue,
                    agent_id = excluded.agent_id, offered_at = excluded.offered_at, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
                    abandoned = excluded.abandoned, hold_seconds = excluded.hold_seconds, wrap_seconds = excluded.wrap_seconds, transfers = excluded.transfers
                """, new
            {
                row.TenantId, row.GroupName, now.InteractionId, now.Channel, now.Direction, now.Queue, now.AgentId, now.OfferedAt, now.AnsweredAt, now.EndedAt,
                now.Abandoned, now.HoldSeconds, now.WrapSeconds, now.Transfers,
            }, tx);
        }
        return earliest;
    }
}
