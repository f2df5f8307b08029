using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// Generic streaming (<c>/sobjects/StreamingChannel/{id}/push</c>): POST sends events to a /u/ channel's subscribers — all
/// of them, or only the users named — and answers each event's fan-out; GET lists the users subscribed now.
/// </summary>
public static class StreamingChannelPush
{
    /// <summary>A generic event's payload may be at most 3,000 characters.</summary>
    public const int MaxPayloadChars = 3000;

    /// <summary>A user id as the bus compares them: 18 characters, whichever length was given.</summary>
    private static string UserId(JsonNode? node) =>
        SalesforceId.TryNormalize(node?.ToString() ?? "", out var id18) && id18.StartsWith("005", StringComparison.Ordinal)
            ? id18
            : throw new SalesforceException(400, "INVALID_INPUT", $"'{node}' is not a user id: userIds lists the ids (005…) of the users to send to.");

    public static RestResult Handle(RestContext ctx, string method, SRecord channel, string? body)
    {
        var name = channel.GetString("Name")!;
        var online = ctx.State.Streaming.All
            .Where(c => c.OrgKey == ctx.Org.Key && c.Subscriptions.ContainsKey(name)).Select(c => c.UserId).Distinct(StringComparer.Ordinal).ToList();
        if (method == "GET")
            return new RestResult(200, new JsonObject { ["OnlineUserIds"] = new JsonArray([.. online.Select(u => (JsonNode)u)]), ["ChannelName"] = name });
        if (method != "POST") throw RestDispatcher.MethodNotAllowed(method, "GET", "POST");
        if (RestDispatcher.ParseObject(body)["pushEvents"] is not JsonArray events || events.Count == 0)
            throw new SalesforceException(400, "INVALID_INPUT", "The request body needs a pushEvents array of {payload, userIds}.");
        var parsed = events.Select(e => e is JsonObject o && o["payload"] is JsonValue p && p.TryGetValue<string>(out var text)
                ? (Payload: text, UserIds: o["userIds"] is JsonArray ids ? ids.Select(UserId).Distinct(StringComparer.Ordinal).ToList() : [])
                : throw new SalesforceException(400, "INVALID_INPUT", "Each push event needs a payload string.")).ToList();
        if (parsed.FirstOrDefault(p => p.Payload.Length > MaxPayloadChars) is { Payload: not null } tooLong)
            throw new SalesforceException(400, "INVALID_INPUT", $"A push event's payload may be at most {MaxPayloadChars:N0} characters; this one has {tooLong.Payload.Length:N0}.");
        var results = new JsonArray();
        foreach (var (payload, userIds) in parsed)
        {
            ctx.Org.Events.Append(name, new JsonObject
            {
                ["event"] = new JsonObject { ["createdDate"] = FieldValues.FormatDateTime(ctx.State.Clock.GetUtcNow()) },
                ["payload"] = payload,
            }, userIds.Count == 0 ? null : userIds);
            results.Add(new JsonObject
            {
                // -1: sent to every subscriber; otherwise how many of the users named were subscribed.
                ["fanoutCount"] = userIds.Count == 0 ? -1 : userIds.Count(online.Contains),
                ["userOnlineStatus"] = new JsonObject([.. userIds.Select(u => KeyValuePair.Create(u, (JsonNode?)online.Contains(u)))]),
            });
        }
        return new RestResult(200, results);
    }
}
