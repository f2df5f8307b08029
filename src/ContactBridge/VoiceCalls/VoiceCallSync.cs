using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Salesforce;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using Dapper;

namespace ContactBridge.VoiceCalls;

/// <summary>One interaction's VoiceCall as the hub keeps it: its id once made, the attempts and last error, whether it was given up on.</summary>
public sealed class VoiceCallRow
{
    public string? VoiceCallId { get; init; }
    public long SentVersion { get; init; }
    public long Attempts { get; init; }
    public string? LastError { get; init; }
    public long Dead { get; init; }
    public long NextAttemptAt { get; init; }
    /// <summary>Why the call's transcript could not be posted last, if it could not.</summary>
    public string? TranscriptError { get; init; }
}

/// <summary>
/// Keeps a VoiceCall in the tenant's org for every voice interaction since Service Cloud Voice was switched on: created
/// when the call starts (<c>POST /voiceCalls</c>, its vendorCallKey the interaction id, so a create whose answer was lost
/// and is sent again gets the same record), updated once it ends (<c>PATCH /voiceCalls/{id}</c>: end, accept, hold, queue,
/// outcome, the agent's disposition and notes), again if a later event changes an ended call. Each call is a row in
/// <c>voice_calls</c>: a crash between two steps repeats the later one. One instance works a tenant at a time (a lease).
/// </summary>
public sealed partial class VoiceCallSync(HubDatabase db, VoiceCallSettingsStore settings, TelephonyClient telephony, LinkStore links, TenantStore tenants,
    SalesforceRequestLog requests, WorkLeases leases, TimeProvider clock, Microsoft.Extensions.Options.IOptions<VoiceCallOptions> options, ILogger<VoiceCallSync> logger)
{
    public const string RequestStep = "voice_call";

    /// <summary>A row due for a request (a class: column types differ between SQLite and PostgreSQL, and Dapper converts properties).</summary>
    private sealed record Due
    {
        public string InteractionId { get; init; } = "";
        public string? VoiceCallId { get; init; }
        public long Attempts { get; init; }
        public string State { get; init; } = "";
        public long StateVersion { get; init; }
        public long Ended { get; init; }
        public long SentVersion { get; init; }
        public string? SentMessages { get; init; }
        public long MessagesVersion { get; init; }
        public string? EndHash { get; init; }
        public long TranscriptAttempts { get; init; }
        /// <summary>1 when the call's own create or update is due (not given up on, its wait over).</summary>
        public long MainDue { get; init; }
        /// <summary>1 when its transcript may have new messages and its wait is over.</summary>
        public long TranscriptDue { get; init; }
    }

    /// <summary>Per request of the bulk transcript API: at most 5 calls, 5 messages each (Salesforce's limits).</summary>
    public const int CallsPerTranscriptRequest = 5;
    public const int MessagesPerCall = 5;

    /// <summary>One pass over every tenant with Service Cloud Voice on; the requests it sent (0: nothing was due).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var sent = 0;
        foreach (var tenantId in await settings.EnabledTenantsAsync(ct))
        {
            // Renewed while the pass goes on; should another instance take it over all the same, this one stops.
            await using var lease = await leases.HoldAsync("voice-calls:" + tenantId, TimeSpan.FromMinutes(1), ct);
            if (lease is null) continue;
            using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            try
            {
                sent += await RunTenantAsync(tenantId, both.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // One tenant's trouble (its database rows, its key) holds up no other tenant.
                logger.LogError(e, "Sending the VoiceCalls of tenant {TenantId} failed; the next pass tries again", tenantId);
            }
        }
        return sent;
    }

    /// <summary>Passes until nothing is due (tests and the demo).</summary>
    public async Task RunUntilIdleAsync(CancellationToken ct)
    {
        while (await RunOnceAsync(ct) > 0)
        {
        }
    }

    private async Task<int> RunTenantAsync(string tenantId, CancellationToken ct)
    {
        var current = await settings.GetAsync(tenantId, ct);
        if (!current.Enabled || current.EnabledAt is not { } since || await tenants.GetAsync(tenantId, ct) is not { } tenant) return 0;
        if (await links.GetAsync(tenantId, ct) is not { IsUsable: true } link) return 0;
        var apiName = AgentAdapter.CallCenterDefinitionFile.InternalName(tenant);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        List<Due> due;
        await using (var w = await db.WriteAsync(durable: false, ct))
        {
            // Voice calls the hub learnt of after Service Cloud Voice was switched on, not yet known here.
            await w.Connection.ExecuteAsync("""
                INSERT INTO voice_calls (tenant_id, interaction_id, created_at, updated_at)
                SELECT i.tenant_id, i.interaction_id, @now, @now FROM interactions i
                WHERE i.tenant_id = @tenantId AND i.channel = 'voice' AND i.created_at > @since
                  AND NOT EXISTS (SELECT 1 FROM voice_calls v WHERE v.tenant_id = i.tenant_id AND v.interaction_id = i.interaction_id)
                ON CONFLICT (tenant_id, interaction_id) DO NOTHING
                """, new { tenantId, now, since = since.ToUnixTimeMilliseconds() }, w.Transaction);
            due = (await w.Connection.QueryAsync<Due>("""
                SELECT * FROM (
                    SELECT v.interaction_id, v.voice_call_id, v.attempts, i.state, i.state_version, i.ended, v.sent_version, v.sent_messages, v.messages_version,
                        v.end_hash, v.transcript_attempts, v.created_at,
                        CASE WHEN v.dead = 0 AND v.next_attempt_at <= @now AND (v.voice_call_id IS NULL OR (i.ended = 1 AND v.sent_version < i.state_version)) THEN 1 ELSE 0 END AS main_due,
                        CASE WHEN v.voice_call_id IS NOT NULL AND v.messages_version < i.state_version AND v.transcript_next_at <= @now THEN 1 ELSE 0 END AS transcript_due
                    FROM voice_calls v
                    JOIN interactions i ON i.tenant_id = v.tenant_id AND i.interaction_id = v.interaction_id
                    WHERE v.tenant_id = @tenantId) d
                WHERE main_due = 1 OR transcript_due = 1
                ORDER BY created_at LIMIT @max
                """, new { tenantId, now, max = options.Value.BatchSize }, w.Transaction)).ToList();
            await w.CommitAsync(ct);
        }
        var sent = 0;
        var transcripts = new List<(Due Row, InteractionState State, List<(string Id, JsonObject Message)> Pending)>();
        foreach (var row in due)
        {
            var state = InteractionRow.TryRead(row.State);
            // Not a call after all (its first event came before the one naming its channel): no VoiceCall. (A call the hub learns of after
            // the switch gets one even if the contact center sends it late: Salesforce takes VoiceCalls of calls that have ended.)
            if (state is not null && state.Channel != "voice")
            {
                await ForgetAsync(tenantId, row.InteractionId, ct);
                continue;
            }
            if (state is not null && state.StartedAt is null && state.EndedAt is { } end) state = state with { StartedAt = end.AddSeconds(-(state.DurationSeconds ?? 0)) };
            if (row.MainDue == 0)
            {
                // Only its transcript is due (the call's own update is done, waiting, or given up on: transcripts go on regardless).
                if (state is not null) transcripts.Add((row, state, PendingMessages(row, state)));
                continue;
            }
            if (state?.StartedAt is null)
            {
                // Nothing to send yet (no start known): look again later, and give up in the end, saying why.
                var waited = row.Attempts + 1;
                await SaveAsync(tenantId, row.InteractionId, row.VoiceCallId, null, waited, state is null ? "The interaction's stored state cannot be read." : "No start time is known for the call yet.",
                    dead: state is null || waited >= options.Value.MaxAttempts, ct, next: clock.GetUtcNow() + Outbox.RetryPolicy.Delay(waited, options.Value.MaxRetryDelay));
                continue;
            }
            var calls = new List<SalesforceCall>();
            var voiceCallId = row.VoiceCallId;
            try
            {
                if (voiceCallId is null)
                {
                    // The org may lack an IVR field named in callAttributes (or refuse its value): the call still gets its VoiceCall.
                    var answer = await SendOrWithoutAsync(tenantId, row.InteractionId, link, apiName, HttpMethod.Post, "voiceCalls", CreateBody(apiName, state), "callAttributes",
                        calls, ct);
                    voiceCallId = answer is JsonObject o && o["voiceCallId"] is JsonValue v && v.TryGetValue<string>(out var id) && id.Length is > 0 and <= 18 && id.All(char.IsAsciiLetterOrDigit)
                        ? id
                        : throw new TelephonyException("The Telephony Integration API answered the create without a voiceCallId.", transient: true);
                    await SaveAsync(tenantId, row.InteractionId, voiceCallId, sentVersion: 0, attempts: 0, error: null, dead: false, ct);
                }
                if (row.Ended == 1 && row.SentVersion < row.StateVersion)
                {
                    // Sent again only when what it says changed (not for a transcript message alone).
                    var update = EndBody(state);
                    if (state.Agent?.Id is { } agentId && await SalesforceUsernameAsync(tenantId, agentId, ct) is { } username) update["agent"] = username;
                    var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(update.ToJsonString())));
                    // The org may not know the agent's user (renamed, deactivated): the call is updated all the same.
                    if (hash != row.EndHash)
                        await SendOrWithoutAsync(tenantId, row.InteractionId, link, apiName, HttpMethod.Patch, "voiceCalls/" + Uri.EscapeDataString(voiceCallId), update, "agent",
                            calls, ct);
                    await SaveAsync(tenantId, row.InteractionId, voiceCallId, row.StateVersion, attempts: 0, error: null, dead: false, ct, endHash: hash);
                }
                // A call just made may already have words to post; one made before waits for its transcript's turn.
                if (row.VoiceCallId is null ? row.MessagesVersion < row.StateVersion : row.TranscriptDue == 1)
                    transcripts.Add((row with { VoiceCallId = voiceCallId }, state, PendingMessages(row, state)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A refusal, or anything unexpected (counted as passing): the attempt counts, and the row waits its turn again.
                var attempts = row.Attempts + 1;
                var dead = e is TelephonyException { Transient: false } || attempts >= options.Value.MaxAttempts;
                logger.LogWarning("VoiceCall of interaction {InteractionId} of tenant {TenantId}: {Reason}{Then}", row.InteractionId, tenantId, e.Message,
                    dead ? "; given up (see the interaction's page)" : "; tried again later");
                await SaveAsync(tenantId, row.InteractionId, voiceCallId, null, attempts, e.Message, dead, ct,
                    next: clock.GetUtcNow() + Outbox.RetryPolicy.Delay(attempts, options.Value.MaxRetryDelay));
            }
            finally
            {
                await requests.AddAsync(tenantId, [row.InteractionId], RequestStep, calls, CancellationToken.None);
            }
            sent += calls.Count;
        }
        sent += await SendTranscriptsAsync(tenantId, link, apiName, transcripts, ct);
        return sent;
    }

    /// <summary>
    /// Sends a request; if Salesforce refuses it (400) and it carries the optional <paramref name="optional"/> property, sends it once
    /// more without that property, so what the hub only adds for good measure never costs the call its record.
    /// </summary>
    private async Task<JsonNode?> SendOrWithoutAsync(string tenantId, string interactionId, SalesforceLink link, string apiName, HttpMethod method, string path,
        JsonObject body, string optional, List<SalesforceCall> calls, CancellationToken ct)
    {
        try
        {
            return await telephony.SendAsync(link, apiName, method, path, body, calls, ct);
        }
        catch (TelephonyException refused) when (refused.Status == 400 && body.Remove(optional))
        {
            logger.LogWarning("VoiceCall of interaction {InteractionId} of tenant {TenantId}: {Property} refused ({Reason}); sent without it",
                interactionId, tenantId, optional, refused.Message);
            return await telephony.SendAsync(link, apiName, method, path, body, calls, ct);
        }
    }

    /// <summary>
    /// The Salesforce username of the agent's latest single sign-on to the softphone (a session made by password names no Salesforce
    /// user): the VoiceCall's agent. Null when the agent never signed in with Salesforce.
    /// </summary>
    private async Task<string?> SalesforceUsernameAsync(string tenantId, string agentId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QueryFirstOrDefaultAsync<string?>(
            "SELECT salesforce_username FROM agent_sessions WHERE tenant_id = @tenantId AND agent_id = @agentId AND salesforce_user_id <> '' ORDER BY created_at DESC LIMIT 1",
            new { tenantId, agentId });
    }

    /// <summary>A message's id: the same message (who, when, what) always gets the same one, so a repeat is one transcript entry.</summary>
    private static string MessageId(Message m, int repeat) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{m.From}\n{m.At.ToUnixTimeMilliseconds()}\n{m.Text}\n{repeat}")))[..24];

    /// <summary>The call's messages not posted yet, as the Telephony Integration API takes them (oldest first).</summary>
    private static List<(string Id, JsonObject Message)> PendingMessages(Due row, InteractionState state)
    {
        var sentIds = row.SentMessages is { } json ? System.Text.Json.JsonSerializer.Deserialize<HashSet<string>>(json) ?? [] : [];
        var agent = state.Agent?.Email ?? state.Agent?.Id ?? "agent";
        // The same words from the same speaker at the same moment, said again, are another message: each repeat is counted into its id.
        var seen = new Dictionary<(string, DateTimeOffset, string), int>();
        return state.Messages.Where(m => !string.IsNullOrWhiteSpace(m.Text)).Select(m =>
        {
            var key = (m.From, m.At, m.Text);
            var repeat = seen.TryGetValue(key, out var n) ? n + 1 : 0;
            seen[key] = repeat;
            return (Id: MessageId(m, repeat), m);
        }).Where(x => !sentIds.Contains(x.Id)).Select(x =>
        {
            var (senderType, participant) = x.m.From switch
            {
                "agent" => ("HUMAN_AGENT", agent),
                "bot" => ("VIRTUAL_AGENT", state.InteractionId),
                _ => ("END_USER", state.Caller.Phone ?? "END_USER"),
            };
            var at = x.m.At.ToUnixTimeMilliseconds();
            return (x.Id, new JsonObject
            {
                ["participantId"] = participant, ["messageId"] = x.Id, ["startTime"] = at, ["endTime"] = at, ["senderType"] = senderType,
                ["content"] = x.m.Text.Length <= 32_000 ? x.m.Text : x.m.Text[..32_000],
            });
        }).ToList();
    }

    /// <summary>
    /// Posts the calls' new transcript messages: one alone through <c>/voiceCalls/{key}/messages</c>, more in bulk through
    /// <c>/voiceCalls/messages</c> (5 calls, 5 messages each, per request). Each call remembers the ids posted; a refusal counts an
    /// attempt on the calls of that request, which are tried again later.
    /// </summary>
    private async Task<int> SendTranscriptsAsync(string tenantId, SalesforceLink link, string apiName,
        List<(Due Row, InteractionState State, List<(string Id, JsonObject Message)> Pending)> transcripts, CancellationToken ct)
    {
        var sent = 0;
        foreach (var (row, _, _) in transcripts.Where(t => t.Pending.Count == 0))
            await MarkMessagesAsync(tenantId, row, [], row.StateVersion, ct);
        foreach (var chunk in transcripts.Where(t => t.Pending.Count > 0 && t.Row.VoiceCallId is not null).Chunk(CallsPerTranscriptRequest))
        {
            var taken = chunk.Select(t => (t.Row, Messages: t.Pending.Take(MessagesPerCall).ToList(), Done: t.Pending.Count <= MessagesPerCall)).ToList();
            var (count, refused) = await PostTranscriptsAsync(tenantId, link, apiName, taken, ct);
            sent += count;
            // One call's message Salesforce refuses (400) must not hold up the others of its request: each is tried alone.
            if (refused is { Status: 400 } && taken.Count > 1)
                foreach (var one in taken)
                    sent += (await PostTranscriptsAsync(tenantId, link, apiName, [one], ct)).Calls;
        }
        return sent;
    }

    /// <summary>
    /// Posts one request of transcript messages: one alone through <c>/voiceCalls/{key}/messages</c>, more through the bulk
    /// <c>/voiceCalls/messages</c>. Their calls remember the ids posted; a failure counts a transcript attempt on them (their own
    /// updates are not held up) and is shown on their interactions' pages. Returns the requests made and the refusal, if any.
    /// </summary>
    private async Task<(int Calls, TelephonyException? Refused)> PostTranscriptsAsync(string tenantId, SalesforceLink link, string apiName,
        List<(Due Row, List<(string Id, JsonObject Message)> Messages, bool Done)> taken, CancellationToken ct)
    {
        var calls = new List<SalesforceCall>();
        try
        {
            if (taken.Count == 1 && taken[0].Messages.Count == 1)
            {
                await telephony.SendAsync(link, apiName, HttpMethod.Post, $"voiceCalls/{Uri.EscapeDataString(taken[0].Row.InteractionId)}/messages",
                    taken[0].Messages[0].Message, calls, ct);
            }
            else
            {
                var entries = new JsonArray(taken.Select(t => (JsonNode)new JsonObject
                {
                    ["vendorCallKey"] = t.Row.InteractionId, ["messages"] = new JsonArray(t.Messages.Select(m => (JsonNode)m.Message.DeepClone()).ToArray()),
                }).ToArray());
                await telephony.SendAsync(link, apiName, HttpMethod.Post, "voiceCalls/messages", new JsonObject { ["entries"] = entries }, calls, ct);
            }
            foreach (var (row, messages, done) in taken)
                await MarkMessagesAsync(tenantId, row, messages.Select(m => m.Id), done ? row.StateVersion : row.MessagesVersion, ct);
            return (calls.Count, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var refused = e as TelephonyException;
            if (refused is { Status: 400 } && taken.Count > 1) return (calls.Count, refused); // tried call by call next
            foreach (var (row, _, _) in taken)
            {
                var attempts = row.TranscriptAttempts + 1;
                // Given up after the attempts (or at once for a refusal): until the call changes again, when its messages are tried once more.
                var giveUp = refused is { Transient: false } || attempts >= options.Value.MaxAttempts;
                logger.LogWarning("Transcript of interaction {InteractionId} of tenant {TenantId}: {Reason}", row.InteractionId, tenantId, e.Message);
                await using var w = await db.WriteAsync(durable: true, ct);
                await w.Connection.ExecuteAsync(
                    "UPDATE voice_calls SET transcript_attempts = @attempts, transcript_next_at = @next, transcript_error = @error, messages_version = @version, updated_at = @now WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
                    new
                    {
                        tenantId, interactionId = row.InteractionId, attempts = giveUp ? 0 : attempts, error = (giveUp ? "Transcript given up on: " : "Transcript: ") + e.Message,
                        next = giveUp ? 0 : (clock.GetUtcNow() + Outbox.RetryPolicy.Delay(attempts, options.Value.MaxRetryDelay)).ToUnixTimeMilliseconds(),
                        version = giveUp ? row.StateVersion : row.MessagesVersion, now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
                    }, w.Transaction);
                await w.CommitAsync(ct);
            }
            return (calls.Count, refused);
        }
        finally
        {
            await requests.AddAsync(tenantId, taken.Select(t => t.Row.InteractionId).ToList(), RequestStep, calls, CancellationToken.None);
        }
    }

    private async Task MarkMessagesAsync(string tenantId, Due row, IEnumerable<string> ids, long version, CancellationToken ct)
    {
        var all = row.SentMessages is { } json ? System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];
        all.AddRange(ids);
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync(
            "UPDATE voice_calls SET sent_messages = @sent, messages_version = @version, transcript_attempts = 0, transcript_error = NULL, updated_at = @now WHERE tenant_id = @tenantId AND interaction_id = @interactionId",
            new { tenantId, interactionId = row.InteractionId, sent = System.Text.Json.JsonSerializer.Serialize(all.Distinct().ToList()), version, now = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>The VoiceCall of one interaction as the hub keeps it, or null when it has none.</summary>
    public async Task<VoiceCallRow?> ForInteractionAsync(string tenantId, string interactionId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<VoiceCallRow>("""
            SELECT voice_call_id, sent_version, attempts, last_error, dead, next_attempt_at, transcript_error FROM voice_calls WHERE tenant_id = @tenantId AND interaction_id = @interactionId
            """, new { tenantId, interactionId });
    }

    /// <summary>A VoiceCall given up on is tried again from the start of its attempts; false when there is none given up on.</summary>
    public async Task<bool> SendAgainAsync(string tenantId, string interactionId, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        var changed = await w.Connection.ExecuteAsync("""
            UPDATE voice_calls SET dead = 0, attempts = 0, next_attempt_at = 0, updated_at = @now WHERE tenant_id = @tenantId AND interaction_id = @interactionId AND dead = 1
            """, new { tenantId, interactionId, now = clock.GetUtcNow().ToUnixTimeMilliseconds() }, w.Transaction);
        await w.CommitAsync(ct);
        return changed == 1;
    }

    private async Task ForgetAsync(string tenantId, string interactionId, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("DELETE FROM voice_calls WHERE tenant_id = @tenantId AND interaction_id = @interactionId AND voice_call_id IS NULL",
            new { tenantId, interactionId }, w.Transaction);
        await w.CommitAsync(ct);
    }

    private async Task SaveAsync(string tenantId, string interactionId, string? voiceCallId, long? sentVersion, long attempts, string? error, bool dead, CancellationToken ct,
        DateTimeOffset? next = null, string? endHash = null)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("""
            UPDATE voice_calls SET voice_call_id = @voiceCallId, sent_version = COALESCE(@sentVersion, sent_version), attempts = @attempts, last_error = @error,
                dead = @dead, next_attempt_at = @next, updated_at = @now, end_hash = COALESCE(@endHash, end_hash)
            WHERE tenant_id = @tenantId AND interaction_id = @interactionId
            """, new
        {
            tenantId, interactionId, voiceCallId, sentVersion, attempts, error, dead = dead ? 1 : 0, next = next?.ToUnixTimeMilliseconds() ?? 0, endHash,
            now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        }, w.Transaction);
        await w.CommitAsync(ct);
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The call as it starts: who called whom, when, inbound or outbound.</summary>
    private static JsonObject CreateBody(string apiName, InteractionState s)
    {
        var outbound = s.Direction == "outbound";
        var customer = s.Caller.Phone ?? "anonymous";
        var center = s.DialledNumber ?? "unknown";
        var body = new JsonObject
        {
            ["callCenterApiName"] = apiName, ["vendorCallKey"] = s.InteractionId, ["initiationMethod"] = outbound ? "Outbound" : "Inbound",
            ["from"] = outbound ? center : customer, ["to"] = outbound ? customer : center, ["startTime"] = Time(s.StartedAt!.Value),
            ["participants"] = new JsonArray(new JsonObject { ["participantKey"] = customer, ["type"] = "END_USER" }),
        };
        // IVR data named as a VoiceCall custom field (Account_Number__c) lands in that field; other IVR keys stay in the hub's log.
        var fields = new JsonObject();
        foreach (var (key, value) in s.Ivr.OrderBy(k => k.Key, StringComparer.Ordinal))
            if (CustomField().IsMatch(key)) fields[key] = value;
        if (fields.Count > 0) body["callAttributes"] = fields.ToJsonString();
        return body;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z](?:[A-Za-z0-9]|_(?!_)){0,39}__c$")]
    private static partial System.Text.RegularExpressions.Regex CustomField();

    /// <summary>The call as it ended: times, holds, queue, how it ended, and the agent's wrap-up in the description.</summary>
    private static JsonObject EndBody(InteractionState s)
    {
        var body = new JsonObject
        {
            ["startTime"] = Time(s.StartedAt!.Value), ["endTime"] = Time(s.EndedAt ?? s.StartedAt.Value.AddSeconds(s.DurationSeconds ?? 0)),
            ["totalHoldDuration"] = s.HoldSeconds, ["isActiveCall"] = false,
            ["disconnectReason"] = new JsonObject { ["value"] = s.Outcome ?? "ended", ["isError"] = false },
        };
        if (s.ConnectedAt is { } accepted) body["acceptTime"] = Time(accepted);
        if (s.Queue is { Length: > 0 } queue) body["queue"] = queue;
        if (s.RecordingUrl is { } recording)
        {
            // Salesforce makes the call's VoiceCallRecording from these.
            body["recordingLocation"] = recording;
            if (s.RecordingSeconds is { } seconds) body["totalRecordingDuration"] = seconds;
        }
        var lines = new List<string>();
        if (s.Outcome == "abandoned") lines.Add(s.Queue is null ? "Abandoned before an agent answered." : $"Abandoned in {s.Queue} before an agent answered.");
        if ((s.WrapUp?.Code ?? s.Disposition) is { Length: > 0 } code) lines.Add("Disposition: " + code);
        if (s.WrapUp?.Notes is { Length: > 0 } notes) lines.Add(notes);
        lines.AddRange(s.Transfers.Select(t => $"Transferred ({t.Kind}) to {t.ToAgent ?? t.ToSkill ?? t.ToNumber}"));
        if (lines.Count > 0)
        {
            var description = string.Join("\n", lines);
            body["callAttributes"] = new JsonObject { ["Description"] = description.Length <= 32_000 ? description : description[..32_000] }.ToJsonString();
        }
        return body;
    }
}
