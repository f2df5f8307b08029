using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ContactBridge.Salesforce.Streaming;

/// <summary>The Streaming API refused a handshake or a subscription (its error text says why).</summary>
public sealed class StreamingApiException(string message) : Exception(message)
{
    /// <summary>The replay id asked for is unknown or past the event bus's retention.</summary>
    public bool IsReplayGone => Message.Contains("replayId", StringComparison.OrdinalIgnoreCase) || Message.Contains("replay id", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// One CometD session of Salesforce's Streaming API (Bayeux over long polling, /cometd/{version}): handshake, subscribe to one channel
/// from a replay id (-1: new events only, -2: every event kept), then long polls, each connect's events of the channel handed on in
/// order before the next poll. A refused token is renewed (the session's refresh) and the session ends for a new handshake.
/// </summary>
public static class StreamingApiSession
{
    /// <summary>A long poll is answered within 110 s by Salesforce; a request that takes longer has been lost.</summary>
    public static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(150);

    /// <summary>
    /// Runs a session until the server ends it or <paramref name="ct"/> is cancelled. <paramref name="replayFrom"/> is tried in order
    /// while the server refuses a replay id (a stored one past retention, then -2, say); <paramref name="replayRefused"/> is told of each
    /// refused one. Returns the wait the server advises before the next session (at least a second) once a connect succeeded, or null
    /// when none did. Throws <see cref="StreamingApiException"/> when the handshake or every subscription is refused. <paramref name="subscribedTo"/>
    /// is told once the subscription stands (events from then on are kept for the session).
    /// </summary>
    public static async Task<TimeSpan?> RunAsync(HttpClient http, SalesforceSession session, string channel, IReadOnlyList<long> replayFrom,
        Func<IReadOnlyList<JsonObject>, Task> received, Action<long, string>? replayRefused, TimeProvider clock, CancellationToken ct, Action? subscribedTo = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(replayFrom);
        ArgumentNullException.ThrowIfNull(received);
        var url = SalesforceRestClient.Resolve(session.InstanceUrl, $"/cometd/{session.ApiVersion}");
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        var token = session.AccessToken;

        async Task<JsonArray> PostAsync(JsonObject message)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(PollTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(new JsonArray(message).ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", cookies.Select(kv => $"{kv.Key}={kv.Value}")));
            using var response = await http.SendAsync(request, bound.Token);
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
                foreach (var cookie in set.Select(v => v.Split(';')[0]).Where(v => v.Contains('=', StringComparison.Ordinal)))
                    cookies[cookie[..cookie.IndexOf('=', StringComparison.Ordinal)].Trim()] = cookie[(cookie.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim();
            if ((int)response.StatusCode == 401) return [new JsonObject { ["channel"] = message["channel"]?.GetValue<string>(), ["successful"] = false, ["error"] = "401::Authentication invalid" }];
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(bound.Token)) as JsonArray ?? throw new System.Text.Json.JsonException("The Streaming API did not answer with a JSON array.");
        }

        static string? Error(JsonNode? m) => m?["successful"]?.GetValue<bool>() == true ? null : m?["error"]?.GetValue<string>() ?? m?["ext"]?["sfdc"]?["failureReason"]?.GetValue<string>() ?? "unsuccessful";

        async Task RenewAsync() => token = await session.RefreshAsync(token, ct);

        // Handshake (a refused token is renewed once).
        JsonNode? handshake = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            handshake = (await PostAsync(new JsonObject
            {
                ["channel"] = "/meta/handshake", ["version"] = "1.0", ["minimumVersion"] = "1.0", ["supportedConnectionTypes"] = new JsonArray("long-polling"),
            })).FirstOrDefault(m => m?["channel"]?.GetValue<string>() == "/meta/handshake");
            if (Error(handshake) is { } e && e.Contains("401", StringComparison.Ordinal) && attempt == 0) await RenewAsync();
            else break;
        }
        if (Error(handshake) is { } refused) throw new StreamingApiException($"The Streaming API refused the handshake: {refused}");
        var clientId = handshake?["clientId"]?.GetValue<string>() ?? throw new StreamingApiException("The Streaming API's handshake gave no client id.");

        JsonNode? subscribed = null;
        foreach (var from in replayFrom)
        {
            subscribed = (await PostAsync(new JsonObject
            {
                ["channel"] = "/meta/subscribe", ["clientId"] = clientId, ["subscription"] = channel,
                ["ext"] = new JsonObject { ["replay"] = new JsonObject { [channel] = from } },
            })).FirstOrDefault(m => m?["channel"]?.GetValue<string>() == "/meta/subscribe");
            if (Error(subscribed) is not { } e || !e.Contains("replayId", StringComparison.OrdinalIgnoreCase)) break;
            replayRefused?.Invoke(from, e);
        }
        if (Error(subscribed) is { } notSubscribed) throw new StreamingApiException($"The Streaming API refused the subscription to {channel}: {notSubscribed}");
        subscribedTo?.Invoke();

        TimeSpan? connected = null;
        while (!ct.IsCancellationRequested)
        {
            var messages = await PostAsync(new JsonObject { ["channel"] = "/meta/connect", ["clientId"] = clientId, ["connectionType"] = "long-polling" });
            var events = messages.OfType<JsonObject>().Where(m => m["channel"]?.GetValue<string>() == channel && m["data"] is JsonObject).Select(m => (JsonObject)m["data"]!).ToList();
            if (events.Count > 0) await received(events);
            var connect = messages.FirstOrDefault(m => m?["channel"]?.GetValue<string>() == "/meta/connect");
            var advice = connect?["advice"]?["interval"] is JsonValue v && v.TryGetValue<long>(out var ms) ? TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, 60_000)) : TimeSpan.Zero;
            if (Error(connect) is { } lost)
            {
                // 401: the token expired; 403::Unknown client: the server forgot the session. Either way a new handshake, after a pause.
                if (lost.Contains("401", StringComparison.Ordinal)) await RenewAsync();
                return connected;
            }
            connected = advice > TimeSpan.FromSeconds(1) ? advice : TimeSpan.FromSeconds(1);
            if (connect?["advice"]?["reconnect"]?.GetValue<string>() is "handshake" or "none") return connected;
            if (advice > TimeSpan.Zero) await Task.Delay(advice, clock, ct);
        }
        return connected;
    }
}
