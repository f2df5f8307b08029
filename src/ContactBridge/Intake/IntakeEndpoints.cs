using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Tenants;

namespace ContactBridge.Intake;

public sealed record EventsAccepted(int Accepted, int Duplicates);

/// <summary>
/// POST /api/v1/tenants/{tenantId}/events: CloudEvents 1.0 JSON, one event
/// (application/cloudevents+json) or a batch (application/cloudevents-batch+json), signed with
/// the tenant's secret. 202 means every event is stored; a batch with any invalid event is refused
/// whole, so a sender never has to work out which part was kept.
/// </summary>
public static class IntakeEndpoints
{
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxBatch = 500;

    public static void MapIntake(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tenants/{tenantId}/events", Receive)
            .WithTags("Events")
            .WithName("PostEvents")
            .WithSummary("Reports what happened in the contact center (signed CloudEvents; 202 once stored).")
            .WithDescription($"Sign with header {EventSignature.Header}: t={{unix seconds}},v1={{hex HMAC-SHA256(secret, \"{{t}}.{{raw body}}\")}}. " +
                             "Types: " + string.Join("; ", InteractionEvent.Types.Select(t => $"{t.Key}: {t.Value}")
                                 .Concat(ContactCenter.ContactCenterEvents.Types.Select(t => $"{t.Key}: {t.Value.Summary}"))))
            .Accepts<JsonObject>("application/cloudevents+json", "application/cloudevents-batch+json", "application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
    }

    /// <summary>A whole inbound call as a batch: the example the OpenAPI document shows.</summary>
    public static JsonArray Example()
    {
        JsonObject E(string id, string type, string time, JsonObject data) => new()
        {
            ["specversion"] = "1.0", ["id"] = id, ["source"] = "/acme-contact-center", ["type"] = InteractionEvent.TypePrefix + type,
            ["subject"] = "call-42", ["time"] = time, ["datacontenttype"] = "application/json", ["data"] = data,
        };
        return
        [
            E("evt-1", "started", "2026-11-21T10:00:00Z", new JsonObject
            {
                ["channel"] = "voice", ["direction"] = "inbound", ["dialledNumber"] = "+1 800 555 0199", ["queue"] = "Support",
                ["caller"] = new JsonObject { ["phone"] = "+1 (415) 555-0100", ["name"] = "Grace Hopper", ["company"] = "Navy" },
                ["ivr"] = new JsonObject { ["account_number"] = "A-1001" },
            }),
            E("evt-2", "agent_assigned", "2026-11-21T10:00:12Z", new JsonObject { ["agent"] = new JsonObject { ["id"] = "ag-7", ["email"] = "ada@acme.example", ["name"] = "Ada Agent" } }),
            E("evt-3", "note_added", "2026-11-21T10:03:40Z", new JsonObject { ["note"] = new JsonObject { ["text"] = "Wants a callback next week." } }),
            E("evt-4", "wrapped_up", "2026-11-21T10:04:05Z", new JsonObject { ["wrapUp"] = new JsonObject { ["code"] = "Billing", ["notes"] = "Refund issued" } }),
            E("evt-5", "ended", "2026-11-21T10:04:00Z", new JsonObject { ["durationSeconds"] = 228, ["disposition"] = "Resolved", ["outcome"] = "answered" }),
        ];
    }

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    /// <summary>
    /// JSON as RFC 8259 says it must be to be interoperable: valid UTF-8, no duplicate names, no lone
    /// surrogate escapes. Anything else is refused here rather than failing later in the database.
    /// </summary>
    public static (JsonNode? Json, string? Problem) ParseStrictly(byte[] body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body)) return (null, "The body is not valid UTF-8.");
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body, documentOptions: Strict);
        }
        catch (JsonException e)
        {
            return (null, $"The body is not JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            return (null, $"The body holds text that is not valid Unicode ({e.Message})");
        }
        string? bad;
        try
        {
            // Reading every name and string now also makes the tree whole, so nothing later meets a text it cannot read.
            bad = BadText(json);
        }
        catch (InvalidOperationException e)
        {
            return (null, $"The body holds text that is not valid Unicode ({e.Message})");
        }
        return bad is null ? (json, null) : (null, $"{bad} holds an unpaired UTF-16 surrogate escape (\\uD800–\\uDFFF alone), which is not text.");
    }

    /// <summary>The path of the first name or string that is not well-formed Unicode, or null.</summary>
    private static string? BadText(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    if (!WellFormed(k)) return $"{path} (a property name)";
                    if (BadText(v, $"{path}.{k}") is { } bad) return bad;
                }
                return null;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (BadText(a[i], $"{path}[{i}]") is { } bad) return bad;
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return WellFormed(v.GetValue<string>()) ? null : path;
            default:
                return null;
        }
    }

    private static bool WellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }

    private static IResult Problem(int status, string title, string detail, IEnumerable<string>? errors = null) =>
        Results.Problem(statusCode: status, title: title, detail: detail,
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors.ToList() });

    private static async Task<IResult> Receive(HttpContext c, string tenantId, TenantStore tenants, IntakeSecrets secrets, InboxStore inbox,
        TimeProvider clock, Observability.HubMetrics metrics, IntakeGate gate)
    {
        var result = await ReceiveAsync(c, tenantId, tenants, secrets, inbox, clock, metrics, gate);
        if (result is IStatusCodeHttpResult { StatusCode: >= 400 and var status })
        {
            metrics.EventsRefused(status switch
            {
                401 => "bad_signature", 404 => "unknown_tenant", 408 => "slow_body", 413 => "too_large", 415 => "unsupported_media_type", 503 => "busy", _ => "invalid",
            });
        }
        return result;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext c, string tenantId, TenantStore tenants, IntakeSecrets secrets, InboxStore inbox,
        TimeProvider clock, Observability.HubMetrics metrics, IntakeGate gate)
    {
        var ct = c.RequestAborted;
        if (c.Request.ContentLength > MaxBodyBytes)
            return Problem(413, "Too large", $"A request may carry at most {MaxBodyBytes / 1024} KiB; send smaller batches.");
        var mediaType = c.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/cloudevents+json" or "application/cloudevents-batch+json" or "application/json"))
            return Problem(415, "Unsupported media type", "Send application/cloudevents+json (one event) or application/cloudevents-batch+json (a JSON array of events).");

        byte[]? read;
        try
        {
            read = await Web.BoundedRead.ReadAsync(c.Request.Body, MaxBodyBytes, ct);
        }
        catch (BadHttpRequestException e)
        {
            // A body shorter than its Content-Length, or one that arrives too slowly: Kestrel says which (400 or 408).
            return Problem(e.StatusCode, e.StatusCode == 408 ? "Body too slow" : "Incomplete body", $"The request body did not arrive whole: {e.Message}");
        }
        if (read is null) return Problem(413, "Too large", $"A request may carry at most {MaxBodyBytes / 1024} KiB; send smaller batches.");
        var body = read;

        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is null || tenant.Id != tenantId) return Problem(404, "Unknown tenant", $"There is no tenant {tenantId}.");
        var active = await secrets.ActiveAsync(tenantId, ct);
        var signatureProblem = EventSignature.Problem(c.Request.Headers[EventSignature.Header], body, active, clock.GetUtcNow());
        if (signatureProblem is not null) return Problem(401, "Bad signature", signatureProblem);

        var (json, malformed) = ParseStrictly(body);
        if (malformed is not null) return Problem(400, "Malformed JSON", malformed);
        var batch = mediaType == "application/cloudevents-batch+json" || json is JsonArray;
        if (mediaType == "application/cloudevents-batch+json" && json is not JsonArray) return Problem(400, "Not a batch", "A batch must be a JSON array of events.");
        var nodes = batch ? ((JsonArray)json!).ToList() : [json];
        if (nodes.Count == 0) return Problem(400, "Empty batch", "The batch holds no events.");
        if (nodes.Count > MaxBatch) return Problem(413, "Batch too large", $"A batch may hold at most {MaxBatch} events; this one holds {nodes.Count}.");

        var problems = new List<string>();
        var now = clock.GetUtcNow();
        var events = nodes.Select((n, i) => InteractionEvent.Parse(n, batch ? $"[{i}]" : "event", problems, now)).ToList();
        var repeated = events.Where(e => e is not null).GroupBy(e => e!.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        problems.AddRange(repeated.Select(id => $"Event id \"{id}\" appears more than once in the batch."));
        if (problems.Count > 0) return Problem(400, "Invalid events", $"{problems.Count} problem(s); nothing in this request was stored.", problems);

        // The request's trace goes with the events, so the steps that log them later join it.
        var trace = System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } current ? current.Id : null;
        using var place = await gate.EnterAsync(ct);
        if (!place.IsAcquired) return gate.Busy(c);
        // Interaction events go to the inbox the pipeline folds, the contact center's live state to its picture: one transaction, shared
        // with the other requests of the moment (group commit), before the 202.
        var added = await inbox.AppendAsync(tenantId, events.Select(e => e!).ToList(), trace, ct);
        metrics.EventsAccepted(tenantId, added);
        return Results.Json(new EventsAccepted(added, events.Count - added), statusCode: StatusCodes.Status202Accepted);
    }
}
