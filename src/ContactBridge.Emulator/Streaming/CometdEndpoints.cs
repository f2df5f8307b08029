using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Events;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;

namespace ContactBridge.Emulator.Streaming;

/// <summary>
/// The Streaming API over CometD (Bayeux 1.0, long polling) at <c>/cometd/{version}</c>: handshake, connect,
/// subscribe with replay (-1 new, -2 all retained, or a replay id), unsubscribe and disconnect, for platform
/// events (<c>/event/X__e</c>), change events (<c>/data/ChangeEvents</c>, <c>/data/{Entity}ChangeEvent</c>), PushTopics
/// (<c>/topic/{Name}</c>) and generic streaming channels (<c>/u/{name}</c>).
/// Streaming calls are not counted against the daily API allowance.
/// </summary>
public static class CometdEndpoints
{
    private const int AdviceTimeoutMs = 110_000;

    public static void MapCometd(this IEndpointRouteBuilder app)
    {
        app.MapPost("/cometd/{version}", Handle).WithTags("Salesforce Streaming")
            .WithSummary("Bayeux messages (a JSON array); answers with the replies and any events due.");
    }

    private static async Task<IResult> Handle(HttpContext context, EmulatorState state, string version)
    {
        context.Items[EmulatorMiddleware.LogKindKey] = "cometd";
        if (!RestDispatcher.TryParseVersion("v" + version, out _))
            return Reply(404, new JsonArray(new JsonObject { ["successful"] = false, ["error"] = $"404::Unknown API version {version}; use one of /services/data's versions, as in /cometd/{RestDispatcher.LatestVersion}" }));
        JsonArray messages;
        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            messages = node switch
            {
                JsonArray a => a,
                JsonObject o => new JsonArray(o.DeepClone()),
                _ => throw new JsonException("Expected a Bayeux message or an array of them."),
            };
        }
        catch (JsonException e)
        {
            return Reply(400, new JsonArray(new JsonObject { ["successful"] = false, ["error"] = "400::Bad request: " + e.Message }));
        }

        var replies = new JsonArray();
        JsonObject? connect = null;
        foreach (var m in messages.OfType<JsonObject>())
        {
            var channel = m["channel"]?.GetValue<string>() ?? "";
            context.Items[EmulatorMiddleware.LogKindKey] = "cometd." + channel.TrimStart('/').Replace("meta/", "", StringComparison.Ordinal);
            if (channel == "/meta/connect") connect = m;
            else replies.Add(Answer(context, state, m, channel));
        }
        if (connect is not null)
        {
            var held = await ConnectAsync(context, state, connect);
            if (held is null)
            {
                context.Abort();
                return Results.Empty;
            }
            foreach (var r in held) replies.Add(r);
        }
        return Reply(200, replies);
    }

    private static IResult Reply(int status, JsonArray body) =>
        Results.Text(body.ToJsonString(SalesforceJsonResult.WireJson), "application/json;charset=UTF-8", statusCode: status);

    private static JsonObject Base(JsonObject m, string channel, string? clientId, bool ok)
    {
        var r = new JsonObject { ["channel"] = channel, ["successful"] = ok };
        if (clientId is not null) r["clientId"] = clientId;
        if (m["id"] is { } id) r["id"] = id.DeepClone();
        return r;
    }

    private static JsonObject Failure(JsonObject m, string channel, string? clientId, string error, string reconnect)
    {
        var r = Base(m, channel, clientId, false);
        r["error"] = error;
        r["advice"] = new JsonObject { ["reconnect"] = reconnect, ["interval"] = 0 };
        return r;
    }

    private static JsonObject Answer(HttpContext context, EmulatorState state, JsonObject m, string channel)
    {
        var now = state.Clock.GetUtcNow();
        if (channel == "/meta/handshake")
        {
            var grant = OAuthEndpoints.Authenticate(context, state);
            if (grant is null)
            {
                var denied = Failure(m, channel, null, "403::Handshake denied", "none");
                denied["ext"] = new JsonObject { ["sfdc"] = new JsonObject { ["failureReason"] = "401::Authentication invalid" }, ["replay"] = true, ["payload.format"] = true };
                return denied;
            }
            var token = context.Request.Headers.Authorization.ToString().Split(' ', 2)[^1].Trim();
            var client = state.Streaming.Add(state.FindOrg(grant.OrgKey)!, grant.UserId, token, now);
            var r = Base(m, channel, client.ClientId, true);
            r["version"] = "1.0";
            r["minimumVersion"] = "1.0";
            r["supportedConnectionTypes"] = new JsonArray("long-polling");
            r["advice"] = new JsonObject { ["interval"] = 0, ["timeout"] = AdviceTimeoutMs, ["reconnect"] = "retry" };
            r["ext"] = new JsonObject { ["replay"] = true, ["payload.format"] = true };
            return r;
        }

        var clientId = m["clientId"]?.GetValue<string>();
        var c = state.Streaming.Find(clientId, now);
        if (c is null) return Failure(m, channel, clientId, "403::Unknown client", "handshake");
        if (OAuthEndpoints.Authenticate(context, state) is null) return Failure(m, channel, clientId, "401::Authentication invalid", "handshake");
        c.LastSeen = now;
        var org = state.FindOrg(c.OrgKey)!;
        switch (channel)
        {
            case "/meta/subscribe":
            {
                var subscription = m["subscription"]?.GetValue<string>() ?? "";
                var reply = Base(m, channel, clientId, true);
                reply["subscription"] = subscription;
                lock (org.Sync)
                {
                    if (!ChannelExists(org, subscription))
                        return Fail(reply, $"400::The channel you requested to subscribe to does not exist {{{subscription}}}");
                    var replay = -1L;
                    if (m["ext"]?["replay"] is JsonObject map && map.FirstOrDefault(kv => kv.Key.Equals(subscription, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v)
                        replay = v.TryGetValue<long>(out var l) ? l : long.TryParse(v.ToString(), out var p) ? p : long.MinValue;
                    if (replay < -2 || !org.Events.CanReplayFrom(replay))
                        return Fail(reply, $"400::The replayId {{{replay}}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.");
                    c.Subscriptions[subscription] = replay switch { -1 => org.Events.LastReplayId, -2 => 0, _ => replay };
                }
                c.Wake();
                return reply;
            }
            case "/meta/unsubscribe":
            {
                var subscription = m["subscription"]?.GetValue<string>() ?? "";
                var reply = Base(m, channel, clientId, true);
                reply["subscription"] = subscription;
                lock (org.Sync)
                {
                    if (!c.Subscriptions.Remove(subscription)) return Fail(reply, $"400::You are not subscribed to {subscription}");
                }
                return reply;
            }
            case "/meta/disconnect":
                state.Streaming.Remove(c.ClientId);
                c.Wake();
                return Base(m, channel, clientId, true);
            default:
                return Failure(m, channel, clientId, "403::Publish not allowed", "retry");
        }
    }

    private static JsonObject Fail(JsonObject reply, string error)
    {
        reply["successful"] = false;
        reply["error"] = error;
        return reply;
    }

    private static bool ChannelExists(SalesforceOrg org, string channel)
    {
        if (channel == EventBus.AllChangeEvents) return true;
        if (channel.StartsWith("/event/", StringComparison.Ordinal))
            return org.Schema.Find(channel["/event/".Length..]) is { IsPlatformEvent: true };
        if (channel.StartsWith("/data/", StringComparison.Ordinal))
            return org.ChangeDataCapture.Any(entity => RecordWriter.ChangeEventName(entity).Equals(channel["/data/".Length..], StringComparison.OrdinalIgnoreCase));
        if (channel.StartsWith("/topic/", StringComparison.Ordinal))
            return org.Records.OfType("PushTopic").Any(t => !t.IsDeleted && t["IsActive"] is true && t.GetString("Name") == channel["/topic/".Length..]);
        if (channel.StartsWith("/u/", StringComparison.Ordinal))
            return org.Records.OfType("StreamingChannel").Any(c => !c.IsDeleted && c.GetString("Name") == channel);
        return false;
    }

    /// <summary>Answers at once with whatever is due, or holds the poll until an event arrives or the timeout passes. Null: the connection was dropped.</summary>
    private static async Task<List<JsonObject>?> ConnectAsync(HttpContext context, EmulatorState state, JsonObject m)
    {
        const string channel = "/meta/connect";
        var clientId = m["clientId"]?.GetValue<string>();
        var wait = Stopwatch.StartNew();
        var answerAtOnce = state.Streaming.Find(clientId, state.Clock.GetUtcNow()) is { } known && IsFirstConnect(known);
        while (true)
        {
            var now = state.Clock.GetUtcNow();
            var c = state.Streaming.Find(clientId, now);
            if (c is null) return [Failure(m, channel, clientId, "403::Unknown client", "handshake")];
            if (OAuthEndpoints.Authenticate(context, state) is null) return [Failure(m, channel, clientId, "401::Authentication invalid", "handshake")];
            c.LastSeen = now;
            var changed = c.Changed;
            var drop = c.Connection.Token;
            var org = state.FindOrg(c.OrgKey)!;
            var due = new List<JsonObject>();
            lock (org.Sync)
            {
                foreach (var (subscription, after) in c.Subscriptions.ToList())
                {
                    var events = org.Events.After(subscription, after);
                    if (events.Count == 0) continue;
                    due.AddRange(events.Where(e => e.ReachesUser(c.UserId)).Select(e => e.ToMessage(subscription)));
                    c.Subscriptions[subscription] = events[^1].ReplayId;
                }
            }
            var remaining = state.Streaming.LongPollTimeout - wait.Elapsed;
            if (due.Count > 0 || remaining <= TimeSpan.Zero || answerAtOnce)
            {
                var reply = Base(m, channel, clientId, true);
                reply["advice"] = new JsonObject { ["interval"] = 0, ["timeout"] = AdviceTimeoutMs, ["reconnect"] = "retry" };
                var all = due.OrderBy(d => d["data"]!["event"]!["replayId"]!.GetValue<long>()).ToList();
                all.Add(reply);
                return all;
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, drop);
            try
            {
                await changed.WaitAsync(remaining, linked.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (drop.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    private static bool IsFirstConnect(StreamingClient c)
    {
        lock (c)
        {
            if (c.Connected) return false;
            c.Connected = true;
            return true;
        }
    }
}
