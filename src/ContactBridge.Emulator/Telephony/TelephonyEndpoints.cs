using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;

namespace ContactBridge.Emulator.Telephony;

/// <summary>
/// The Telephony Integration REST API of Service Cloud Voice partner telephony, at <c>/telephony/v1</c> on the emulator
/// (standing in for <c>https://{MyDomain}.my.salesforce-scrt.com/telephony/v1</c>): a telephony provider creates a
/// VoiceCall when a call starts and updates it when it ends, and posts its transcript. The org is the JWT's; see <see cref="TelephonyAuth"/>.
/// </summary>
public static class TelephonyEndpoints
{
    private const int MaxBodyBytes = 1024 * 1024;

    private static readonly Dictionary<string, string> CallTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Inbound"] = "Inbound", ["Outbound"] = "Outbound", ["Transfer"] = "Transfer", ["Callback"] = "Callback", ["Consult"] = "Consult",
    };

    private static readonly string[] ParticipantTypes = ["END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT"];
    private static readonly string[] SenderTypes = ["END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT", "SUPERVISOR"];

    private static readonly string[] CreateFields =
        ["callCenterApiName", "vendorCallKey", "to", "from", "initiationMethod", "startTime", "participants", "parentVoiceCallId", "callAttributes", "callOrigin", "callSubtype", "queue"];

    private static readonly string[] UpdateFields =
    [
        "startTime", "endTime", "enqueueTime", "acceptTime", "fromNumber", "totalHoldDuration", "longestHoldDuration", "numberOfHolds", "queue", "agent",
        "recordingLocation", "totalRecordingDuration", "agentInteractionDuration", "callOrigin", "isActiveCall", "disconnectReason", "callAttributes", "callCenterApiName",
    ];

    public static void MapTelephony(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/telephony/v1").WithTags("Service Cloud Voice: Telephony Integration REST API");
        api.MapPost("/voiceCalls", (HttpContext c, EmulatorState s) => HandleAsync(c, s, "telephony.voiceCalls.create", (caller, body) => Create(s, caller, body)))
            .WithSummary("Creates the VoiceCall of a call that starts (idempotent on vendorCallKey: the same key answers the same voiceCallId).");
        api.MapPatch("/voiceCalls/{callId}", (HttpContext c, EmulatorState s, string callId) => HandleAsync(c, s, "telephony.voiceCalls.update", (caller, body) => Update(s, caller, body, callId)))
            .WithSummary("Updates a VoiceCall, named by its id or its vendorCallKey: end time, holds, queue, agent, disposition.");
        api.MapPost("/voiceCalls/messages", (HttpContext c, EmulatorState s) => HandleAsync(c, s, "telephony.voiceCalls.messages.bulk", (caller, body) => Bulk(caller, body)))
            .WithSummary("Creates transcript messages for up to 5 voice calls (by vendorCallKey), at most 5 messages each: {\"entries\": [{\"vendorCallKey\": \"…\", \"messages\": [ … ]}]}. All or none are taken.");
        api.MapPost("/voiceCalls/{vendorCallKey}/messages", (HttpContext c, EmulatorState s, string vendorCallKey) => HandleAsync(c, s, "telephony.voiceCalls.messages", (caller, body) => Message(caller, body, vendorCallKey)))
            .WithSummary("Adds a message of the call's transcript (idempotent on messageId).");
    }

    /// <summary>Every request: the JWT, then a JSON body, then the work; a refusal anywhere is Salesforce's error list with its status.</summary>
    private static async Task<IResult> HandleAsync(HttpContext context, EmulatorState state, string kind, Func<TelephonyCaller, JsonObject, IResult> work)
    {
        context.Items[EmulatorMiddleware.LogKindKey] = kind;
        var (caller, error) = await TelephonyAuth.AuthenticateAsync(context, state);
        if (caller is null) return Fail(error!);
        var (body, bad) = await ReadAsync(context);
        if (body is null) return Fail(bad!);
        try
        {
            return work(caller, body);
        }
        catch (SalesforceException e)
        {
            return Fail(e);
        }
    }

    private static SalesforceJsonResult Json(int status, JsonNode? body) => new(status, body, null);

    private static SalesforceJsonResult Fail(SalesforceException e) => Json(e.Status, e.ToBody());

    private static SalesforceException Bad(string message, string code = "INVALID_INPUT") => new(400, code, message);

    private static async Task<(JsonObject? Body, SalesforceException? Error)> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (null, new SalesforceException(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json."));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return (null, new SalesforceException(413, "REQUEST_TOO_LARGE", $"The body is larger than {MaxBodyBytes / 1024} KiB."));
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return JsonNode.Parse(buffer.ToArray(), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is JsonObject o
                ? (o, null) : (null, Bad("The body is not a JSON object.", "JSON_PARSER_ERROR"));
        }
        catch (JsonException e)
        {
            return (null, Bad("The body is not valid JSON: " + e.Message, "JSON_PARSER_ERROR"));
        }
    }

    private static string? Text(JsonObject body, string name, int max = 255)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null) return null;
        if (node.GetValueKind() != JsonValueKind.String) throw Bad($"{name} is a string.");
        var value = node.GetValue<string>();
        if (value.Length > max) throw Bad($"{name} is longer than {max} characters.");
        if (value.Any(char.IsControl)) throw Bad($"{name} holds control characters.");
        return value;
    }

    private static string Required(JsonObject body, string name, int max = 255) =>
        Text(body, name, max) is { Length: > 0 } value ? value : throw Bad($"{name} is required.", "REQUIRED_FIELD_MISSING");

    private static string? Time(JsonObject body, string name) =>
        Text(body, name, 64) is { } value
            ? DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : throw Bad($"{name} '{value}' is not an ISO 8601 date and time (UTC).")
            : null;

    private static int? Seconds(JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null) return null;
        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var n) || n < 0) throw Bad($"{name} is a whole number of seconds, 0 or more.");
        return n;
    }

    private static void Unknown(JsonObject body, string[] known)
    {
        if (body.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k, StringComparer.Ordinal)) is { } unknown)
            throw Bad($"Unknown property '{(unknown.Length <= 40 ? unknown : unknown[..40] + "…")}'; this request takes {string.Join(", ", known)}.");
    }

    /// <summary>callAttributes: a JSON object in a string, its keys VoiceCall fields (custom ones included) and their values.</summary>
    private static void Attributes(SalesforceOrg org, JsonObject body, JsonObject fields, bool creating)
    {
        if (Text(body, "callAttributes", 32_000) is not { } raw) return;
        JsonObject attributes;
        try
        {
            attributes = JsonNode.Parse(raw, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject ?? throw Bad("callAttributes is a JSON object in a string, e.g. \"{\\\"Reason__c\\\":\\\"Billing\\\"}\".");
        }
        catch (JsonException)
        {
            throw Bad("callAttributes is a JSON object in a string, e.g. \"{\\\"Reason__c\\\":\\\"Billing\\\"}\".");
        }
        var type = org.Schema.Require("VoiceCall");
        foreach (var (name, value) in attributes)
        {
            var field = type.Field(name);
            if (field is null || field.Calculated || !(creating ? field.Createable : field.Updateable) || Reserved.Contains(field.Name))
                throw Bad($"callAttributes names '{(name.Length <= 40 ? name : name[..40] + "…")}', which is not a field of VoiceCall that can be set.", "INVALID_FIELD");
            fields[field.Name] = value?.DeepClone();
        }
    }

    /// <summary>Fields the API's own properties set, or that tie the call to its contact center and its other legs: not through callAttributes.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CallCenterId", "VendorCallKey", "PreviousCallId", "NextCallId", "OwnerId", "CallType", "VendorType",
    };

    /// <summary>A call of this contact center, by its id or its vendorCallKey (two contact centers may use the same keys).</summary>
    private static SRecord? FindCall(TelephonyCaller caller, string key)
    {
        var org = caller.Org;
        var type = org.Schema.Require("VoiceCall");
        bool Mine(SRecord r) => !r.IsDeleted && r.Type.Name == "VoiceCall" && r.GetString("CallCenterId") == caller.CallCenter.Id;
        if (SalesforceId.TryNormalize(key, out var id) && org.Records.Get(id) is { } byId && Mine(byId)) return byId;
        return org.Records.FindBy(type, type.Field("VendorCallKey")!, key).FirstOrDefault(Mine);
    }

    private static IResult Create(EmulatorState state, TelephonyCaller caller, JsonObject body)
    {
        Unknown(body, CreateFields);
        var centerName = Required(body, "callCenterApiName", 80);
        if (centerName != caller.Definition.InternalName)
            throw Bad($"callCenterApiName '{centerName}' is not the contact center the JWT was issued for ('{caller.Definition.InternalName}', its sub).");
        var key = Required(body, "vendorCallKey");
        var to = Required(body, "to", 40);
        var from = Required(body, "from", 40);
        var method = Required(body, "initiationMethod", 40);
        if (!CallTypes.TryGetValue(method, out var callType))
            throw Bad($"initiationMethod '{method}' is not one of {string.Join(", ", CallTypes.Keys)}.", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        var start = Time(body, "startTime") ?? throw Bad("startTime is required.", "REQUIRED_FIELD_MISSING");
        if (body["participants"] is not JsonArray { Count: > 0 } participants)
            throw Bad("participants is required: at least one {\"participantKey\": \"+14155550100\", \"type\": \"END_USER\"}.", "REQUIRED_FIELD_MISSING");
        foreach (var p in participants)
        {
            if (p is not JsonObject participant || Text(participant, "participantKey") is not { Length: > 0 } || Text(participant, "type") is not { } kind || !ParticipantTypes.Contains(kind, StringComparer.Ordinal))
                throw Bad($"Each participant has a participantKey and a type ({string.Join(", ", ParticipantTypes)}).");
        }
        var parentKey = Text(body, "parentVoiceCallId");
        if (callType == "Transfer" && parentKey is null) throw Bad("parentVoiceCallId is required when initiationMethod is Transfer.", "REQUIRED_FIELD_MISSING");
        var org = caller.Org;
        lock (org.Sync)
        {
            if (FindCall(caller, key) is { } existing && callType != "Transfer")
                return Json(200, new JsonObject { ["voiceCallId"] = existing.Id });
            SRecord? parent = null;
            if (parentKey is not null && (parent = FindCall(caller, parentKey)) is null)
                throw new SalesforceException(404, "NOT_FOUND", $"parentVoiceCallId '{parentKey}' names no voice call of this contact center.");
            var fields = new JsonObject
            {
                ["CallCenterId"] = caller.CallCenter.Id, ["VendorCallKey"] = key, ["CallType"] = callType, ["FromPhoneNumber"] = from, ["ToPhoneNumber"] = to,
                ["CallStartDateTime"] = start, ["CallDisposition"] = "new", ["VendorType"] = "ContactCenter", ["PreviousCallId"] = parent?.Id,
                ["CallOrigin"] = Text(body, "callOrigin", 40), ["CallSubtype"] = Text(body, "callSubtype", 40),
            };
            Attributes(org, body, fields, creating: true);
            var writer = new RecordWriter(org, state.Clock);
            var admin = org.Records.OfType("User")[0].Id;
            var created = writer.Create(admin, org.Schema.Require("VoiceCall"), fields, system: true);
            if (parent is not null) writer.Update(admin, parent, new JsonObject { ["NextCallId"] = created.Id }, system: true);
            return Json(201, new JsonObject { ["voiceCallId"] = created.Id });
        }
    }

    private static IResult Update(EmulatorState state, TelephonyCaller caller, JsonObject body, string callId)
    {
        Unknown(body, UpdateFields);
        if (Text(body, "callCenterApiName", 80) is { } centerName && centerName != caller.Definition.InternalName)
            throw Bad($"callCenterApiName '{centerName}' is not the contact center the JWT was issued for ('{caller.Definition.InternalName}').");
        var org = caller.Org;
        lock (org.Sync)
        {
            if (FindCall(caller, callId) is not { } call)
                throw new SalesforceException(404, "NOT_FOUND", $"No voice call '{(callId.Length <= 80 ? callId : callId[..80] + "…")}' (an id or a vendorCallKey) in this contact center.");
            var fields = new JsonObject();
            void Set(string field, JsonNode? value)
            {
                if (value is not null) fields[field] = value;
            }
            var start = Time(body, "startTime");
            var end = Time(body, "endTime");
            Set("CallStartDateTime", start);
            Set("CallEndDateTime", end);
            Set("CallQueuedDateTime", Time(body, "enqueueTime"));
            Set("CallAcceptDateTime", Time(body, "acceptTime"));
            Set("FromPhoneNumber", Text(body, "fromNumber", 40));
            Set("CustomerHoldDuration", Seconds(body, "totalHoldDuration"));
            Set("LongestHoldDuration", Seconds(body, "longestHoldDuration"));
            Set("NumberOfHolds", Seconds(body, "numberOfHolds"));
            Set("QueueName", Text(body, "queue"));
            Set("CallOrigin", Text(body, "callOrigin", 40));
            Seconds(body, "totalRecordingDuration");
            Seconds(body, "agentInteractionDuration");
            if (Text(body, "recordingLocation", 2048) is { Length: > 0 }) fields["IsRecorded"] = true;
            if (Text(body, "agent", 80) is { } username)
                Set("UserId", (org.UserByUsername(username) ?? throw Bad($"agent '{username}' is not the username of a user of this org.")).Id);
            switch (body["disconnectReason"])
            {
                case null:
                    break;
                case JsonObject reason when Text(reason, "value") is { } value:
                    fields["DisconnectReason"] = value;
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    fields["DisconnectReason"] = Text(body, "disconnectReason");
                    break;
                default:
                    throw Bad("disconnectReason is {\"value\": \"…\", \"isError\": false}.");
            }
            var active = body["isActiveCall"] switch
            {
                null => false,
                JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
                _ => throw Bad("isActiveCall is true or false."),
            };
            fields["CallDisposition"] = active ? "in-progress" : "completed";
            // The duration is worked out only when both times come in the same update (as Salesforce documents).
            if (start is not null && end is not null)
                fields["CallDurationInSeconds"] = (int)Math.Max(0, (DateTimeOffset.Parse(end, CultureInfo.InvariantCulture) - DateTimeOffset.Parse(start, CultureInfo.InvariantCulture)).TotalSeconds);
            Attributes(org, body, fields, creating: false);
            new RecordWriter(org, state.Clock).Update(org.Records.OfType("User")[0].Id, call, fields, system: true);
            return Json(200, new JsonObject { ["voiceCallId"] = call.Id, ["status"] = "pending" });
        }
    }

    private static IResult Bulk(TelephonyCaller caller, JsonObject body)
    {
        Unknown(body, ["entries"]);
        if (body["entries"] is not JsonArray { Count: > 0 and <= 5 } entries || entries.Any(e => e is not JsonObject))
            throw Bad("entries is a list of 1 to 5 voice calls: [{\"vendorCallKey\": \"…\", \"messages\": [ … ]}].");
        var parsed = new List<(string Key, List<TranscriptMessage> Messages)>();
        foreach (var entry in entries.Cast<JsonObject>())
        {
            Unknown(entry, ["vendorCallKey", "messages"]);
            var key = Required(entry, "vendorCallKey");
            if (entry["messages"] is not JsonArray { Count: > 0 and <= 5 } messages || messages.Any(m => m is not JsonObject))
                throw Bad($"messages of {key} is a list of 1 to 5 messages.");
            if (parsed.Any(p => p.Key == key)) throw Bad($"vendorCallKey {key} is in entries twice.");
            parsed.Add((key, messages.Cast<JsonObject>().Select(ParseMessage).ToList()));
        }
        var org = caller.Org;
        lock (org.Sync)
        {
            var found = parsed.Select(p => (Call: FindCall(caller, p.Key) ?? throw new SalesforceException(404, "NOT_FOUND", $"No voice call with the vendorCallKey {p.Key} in this contact center."), p.Messages)).ToList();
            foreach (var (call, messages) in found)
                foreach (var message in messages) org.Transcripts.Add(call.Id, message);
        }
        return Json(201, new JsonObject
        {
            ["entries"] = new JsonArray(parsed.Select(p => (JsonNode)new JsonObject
            {
                ["vendorCallKey"] = p.Key, ["messageIds"] = new JsonArray(p.Messages.Select(m => (JsonNode)m.MessageId).ToArray()),
            }).ToArray()),
        });
    }

    private static TranscriptMessage ParseMessage(JsonObject body)
    {
        Unknown(body, ["participantId", "messageId", "startTime", "endTime", "content", "senderType"]);
        var message = new TranscriptMessage(
            Required(body, "participantId"), Required(body, "messageId"), Millis(body, "startTime"), Millis(body, "endTime"),
            Text(body, "content", 32_000) ?? throw Bad("content is required.", "REQUIRED_FIELD_MISSING"),
            Required(body, "senderType", 40) is var sender && SenderTypes.Contains(sender, StringComparer.Ordinal) ? sender : throw Bad($"senderType is one of {string.Join(", ", SenderTypes)}."));
        if (message.EndTime < message.StartTime) throw Bad("endTime is before startTime.");
        return message;
    }

    private static IResult Message(TelephonyCaller caller, JsonObject body, string vendorCallKey)
    {
        var message = ParseMessage(body);
        var org = caller.Org;
        lock (org.Sync)
        {
            if (FindCall(caller, vendorCallKey) is not { } call)
                throw new SalesforceException(404, "NOT_FOUND", "No voice call with that vendorCallKey in this contact center.");
            org.Transcripts.Add(call.Id, message);
        }
        return Json(201, new JsonObject { ["messageId"] = message.MessageId });
    }

    private static long Millis(JsonObject body, string name)
    {
        if (body[name] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out var ms) || ms < 0)
            throw Bad($"{name} is required: milliseconds since 1970 (UTC).", "REQUIRED_FIELD_MISSING");
        return ms;
    }
}
