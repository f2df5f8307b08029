using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Outbox;
using ContactBridge.Tenants;
using ContactBridge.Web;

namespace ContactBridge.Logging;

public sealed record InteractionView(string InteractionId, string Channel, string Direction, bool Ended, object? Caller, IdentificationResult? Identification,
    IReadOnlyDictionary<string, string>? Records, IReadOnlyList<WriteView> Writes, DateTimeOffset UpdatedAt);

public sealed record WriteView(string Id, string State, long Attempts, string? ErrorCode, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

public static class LoggingEndpoints
{
    public static void MapLogging(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}").RequireAuthorization().WithTags("Logging").RequireAntiforgery();
        api.MapGet("/logging-settings", GetSettings).WithSummary("The tenant's logging mode, update policy, identification rules and field mapping.");
        api.MapPut("/logging-settings", PutSettings).WithSummary("Replaces the logging settings; the field mapping is checked against the org's describe.");
        api.MapGet("/interactions", Recent).WithSummary("Recent interactions: who called, what was written, and its state.");
        api.MapGet("/interactions/{interactionId}", One).WithSummary("One interaction: identification (screen pop), records written, write attempts.");
        api.MapGet("/dead-letters", DeadLetters).WithSummary("Writes Salesforce refused (with its error code and message) or that could not be planned.");
        api.MapPost("/dead-letters/{id}/replay", Replay).WithSummary("Sends a dead letter again, after the cause was fixed.");
        api.MapPost("/dead-letters/{id}/discard", DiscardDeadLetter).WithSummary("Gives up on a dead letter; it stays on record as discarded.");
        api.MapGet("/set-aside-events", SetAsideEvents).WithSummary("Events that could not be folded into their interaction, and why; the rest of the interaction flowed on.");
        api.MapPost("/set-aside-events/{seq:long}/replay", ReplayEvent).WithSummary("Folds a set-aside event again (after an upgrade that understands it).");
        api.MapPost("/set-aside-events/{seq:long}/discard", DiscardEvent).WithSummary("Gives up on a set-aside event.");
        api.MapGet("/salesforce-status", SalesforceStatus).WithSummary("Whether the tenant's org answers: since when it fails, the last error and how many interactions wait.");

        app.MapGet("/api/v1/tenants/{tenantId}/lookup", Lookup).AllowAnonymous().WithTags("Identification")
            .WithSummary("Who is calling: none, one or several records and the screen-pop URL. Signed like events, over \"{t}.{path and query}\".");
    }

    private static async Task<IResult> GetSettings(HttpContext c, string tenantId, LoggingSettingsStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Json(await store.GetAsync(tenantId, c.RequestAborted), LoggingSettings.Json) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> PutSettings(HttpContext c, string tenantId, LoggingSettingsStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        if (!c.Request.HasJsonContentType())
            return Results.Problem(statusCode: 415, title: "Unsupported media type", detail: "Send the settings as JSON, with Content-Type: application/json.");
        LoggingSettings? settings;
        try
        {
            settings = await JsonSerializer.DeserializeAsync<LoggingSettings>(c.Request.Body, StrictJson, c.RequestAborted);
        }
        catch (JsonException e)
        {
            return Results.Problem(statusCode: 400, title: "Malformed JSON", detail: e.Message);
        }
        if (settings is null) return Results.Problem(statusCode: 400, title: "Missing settings", detail: "Send the settings as a JSON object.");
        var problems = ShapeProblems(settings);
        if (problems.Count == 0)
        {
            problems.AddRange(settings.Problems());
            problems.AddRange(await CheckMappingAsync(c, tenantId, settings));
        }
        if (problems.Count > 0)
            return Results.Problem(statusCode: 400, title: "Invalid logging settings", detail: $"{problems.Count} problem(s).", extensions: new Dictionary<string, object?> { ["errors"] = problems });
        await store.SaveAsync(tenantId, settings, c.RequestAborted);
        return Results.Json(settings, LoggingSettings.Json);
    }

    /// <summary>Settings as a body must be JSON as RFC 8259 wants it for interchange: a name given twice is refused, not read as the last one.</summary>
    public static readonly JsonSerializerOptions StrictJson = new(LoggingSettings.Json) { AllowDuplicateProperties = false };

    /// <summary>An API name as Salesforce makes them (Account, Phone, ContactBridge_Key__c, ns__Field__c): the only text that may reach a SOQL query or a REST path unquoted.</summary>
    public static bool IsApiName(string? name) => ContactBridge.Salesforce.Soql.IsName(name);

    /// <summary>
    /// What JSON can give that the settings' types do not say: a null where a list, map or name belongs, and object or
    /// field names that are not API names (they are written into SOQL, SOSL and REST paths as they are). Checked first,
    /// so the other checks can read every part.
    /// </summary>
    public static List<string> ShapeProblems(LoggingSettings s)
    {
        var problems = new List<string>();
        void Name(string? name, string where)
        {
            if (!IsApiName(name)) problems.Add($"{where}: {(name is null ? "missing" : $"'{name}' is not a Salesforce API name (letters, digits and underscores, starting with a letter)")}.");
        }
        void Mapping(Dictionary<string, Dictionary<string, string>>? mapping, string where)
        {
            if (mapping is null)
            {
                problems.Add($"{where} must be an object (object → field → template), not null.");
                return;
            }
            foreach (var (obj, fields) in mapping)
            {
                Name(obj, $"{where} object");
                if (fields is null) problems.Add($"{where}.{obj} must be an object (field → template), not null.");
                else
                {
                    foreach (var (field, template) in fields)
                    {
                        Name(field, $"{where}.{obj} field");
                        if (template is null) problems.Add($"{where}.{obj}.{field} must be a template string, not null.");
                    }
                }
            }
        }
        Name(s.KeyField, "keyField");
        Mapping(s.FieldMapping, "fieldMapping");
        if (s.ChannelFieldMapping is null) problems.Add("channelFieldMapping must be an object (channel → object → field → template), not null.");
        else foreach (var (channel, mapping) in s.ChannelFieldMapping) Mapping(mapping, $"channelFieldMapping.{channel}");
        if (s.Identification is not { } id)
        {
            problems.Add("identification must be an object, not null.");
            return problems;
        }
        if (id.Objects is null) problems.Add("identification.objects must be a list, not null.");
        else
        {
            foreach (var rule in id.Objects)
            {
                if (rule is null)
                {
                    problems.Add("identification.objects: each rule must be an object with object, phoneFields and emailFields, not null.");
                    continue;
                }
                Name(rule.Object, "identification.objects object");
                if (rule.PhoneFields is null || rule.EmailFields is null) problems.Add($"identification.objects {rule.Object}: phoneFields and emailFields must be lists, not null.");
                foreach (var field in (rule.PhoneFields ?? []).Concat(rule.EmailFields ?? [])) Name(field, $"identification.objects {rule.Object} field");
            }
        }
        if (id.IvrRules is null) problems.Add("identification.ivrRules must be a list, not null.");
        else
        {
            foreach (var rule in id.IvrRules)
            {
                if (rule is null || string.IsNullOrWhiteSpace(rule.IvrKey))
                {
                    problems.Add("identification.ivrRules: each rule needs an ivrKey, an object and a field.");
                    continue;
                }
                Name(rule.Object, $"identification.ivrRules {rule.IvrKey} object");
                Name(rule.Field, $"identification.ivrRules {rule.IvrKey} field");
            }
        }
        return problems;
    }

    /// <summary>The field mapping against the org's describe: unknown field, read-only, wrong type, or fixed text too long.</summary>
    public static async Task<IReadOnlyList<string>> CheckMappingAsync(HttpContext c, string tenantId, LoggingSettings settings)
    {
        var problems = new List<string>();
        var connections = c.RequestServices.GetRequiredService<SalesforceConnections>();
        var metadata = c.RequestServices.GetRequiredService<SalesforceMetadata>();
        try
        {
            var client = await connections.ClientAsync(tenantId, c.RequestAborted);
            metadata.Forget(tenantId);
            var mappings = settings.AllMappings().ToList();
            var identifying = settings.Identification.Objects.Where(o => o.Object is "Contact" or "Lead" or "Account").ToList();
            var shapes = await metadata.ShapesAsync(tenantId, client, mappings.Select(m => m.Object).Concat(identifying.Select(o => o.Object)), c.RequestAborted);
            foreach (var (where, obj, field, template) in mappings)
            {
                if (!shapes[obj].Fields.TryGetValue(field, out var f)) problems.Add($"{where}.{obj}.{field}: {obj} has no field {field}.");
                else if (!f.Createable || !f.Updateable) problems.Add($"{where}.{obj}.{field}: the field is read-only for the linked user.");
                else if (f.Type is not ("string" or "textarea" or "combobox" or "picklist" or "email" or "phone" or "url"))
                    problems.Add($"{where}.{obj}.{field}: the field is a {f.Type}; only text fields can take a template.");
                else if (!template.Contains('{', StringComparison.Ordinal) && template.Length > f.Length)
                    problems.Add($"{where}.{obj}.{field}: the text is {template.Length} characters; the field holds {f.Length}.");
            }
            foreach (var rule in identifying)
            foreach (var field in rule.PhoneFields.Concat(rule.EmailFields))
            {
                // Person Account fields may be named in orgs without them: they are skipped there, not refused.
                if (!shapes[rule.Object].Has(field) && !field.StartsWith("Person", StringComparison.Ordinal))
                    problems.Add($"identification.objects: {rule.Object} has no field {field}.");
            }
            foreach (var ivr in settings.Identification.IvrRules)
            {
                try
                {
                    var ivrShapes = await metadata.ShapesAsync(tenantId, client, [ivr.Object], c.RequestAborted);
                    if (!ivrShapes[ivr.Object].Has(ivr.Field)) problems.Add($"identification.ivrRules: {ivr.Object} has no field {ivr.Field}.");
                }
                catch (Salesforce.SalesforceApiException e) when (e.ErrorCode is "NOT_FOUND" or "INVALID_TYPE")
                {
                    problems.Add($"identification.ivrRules: the org has no object {ivr.Object}.");
                }
            }
        }
        catch (LinkingException)
        {
            // Not linked: the mapping is checked against the org when the tenant links and sends.
        }
        catch (Salesforce.SalesforceApiException e) when (e.ErrorCode is "NOT_FOUND" or "INVALID_TYPE")
        {
            problems.Add($"fieldMapping: {e.SalesforceMessage}");
        }
        return problems;
    }

    private static async Task<InteractionView> View(InteractionRow row, OutboxStore outbox, CancellationToken ct)
    {
        var s = row.Parsed;
        var writes = (await outbox.ForInteractionAsync(row.TenantId, row.InteractionId, ct)).Select(w => new WriteView(w.Id, w.State, w.Attempts, w.LastErrorCode, w.LastError,
            DateTimeOffset.FromUnixTimeMilliseconds(w.CreatedAt), w.SentAt is { } sent ? DateTimeOffset.FromUnixTimeMilliseconds(sent) : null)).ToList();
        var records = row.Records is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(row.Records, InteractionStore.Json);
        return new InteractionView(s.InteractionId, s.Channel, s.Direction, s.Ended, s.Caller, row.ParsedIdentification, records, writes, DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt));
    }

    private static async Task<IResult> Recent(HttpContext c, string tenantId, InteractionStore store, OutboxStore outbox, int? limit)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        var rows = await store.RecentAsync(tenantId, Math.Clamp(limit ?? 50, 1, 500), c.RequestAborted);
        var views = new List<InteractionView>();
        foreach (var r in rows) views.Add(await View(r, outbox, c.RequestAborted));
        return Results.Ok(views);
    }

    private static async Task<IResult> One(HttpContext c, string tenantId, string interactionId, InteractionStore store, OutboxStore outbox)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        var row = await store.GetAsync(tenantId, interactionId, c.RequestAborted);
        return row is null ? Results.Problem(statusCode: 404, title: "Not found", detail: $"No interaction {interactionId} yet.") : Results.Ok(await View(row, outbox, c.RequestAborted));
    }

    private static async Task<IResult> DeadLetters(HttpContext c, string tenantId, OutboxStore outbox) =>
        await TenantAccess.AllowedAsync(c, tenantId)
            ? Results.Ok((await outbox.ForTenantAsync(tenantId, OutboxState.Dead, 200, c.RequestAborted)).Select(w => new
            {
                w.Id, w.InteractionId, w.Attempts, errorCode = w.LastErrorCode, error = w.LastError, createdAt = DateTimeOffset.FromUnixTimeMilliseconds(w.CreatedAt),
            }))
            : TenantAccess.TenantNotFound(tenantId);

    private static Task<IResult> Replay(HttpContext c, string tenantId, string id, OutboxStore outbox, InteractionPipeline pipeline) =>
        ActAsync(c, tenantId, () => outbox.ReplayAsync(tenantId, id, c.RequestAborted), $"No dead letter {id}.", Results.Accepted(), pipeline);

    private static Task<IResult> DiscardDeadLetter(HttpContext c, string tenantId, string id, OutboxStore outbox) =>
        ActAsync(c, tenantId, () => outbox.DiscardAsync(tenantId, id, c.RequestAborted), $"No dead letter {id}.", Results.NoContent());

    private static async Task<IResult> SetAsideEvents(HttpContext c, string tenantId, InboxStore inbox) =>
        await TenantAccess.AllowedAsync(c, tenantId)
            ? Results.Ok((await inbox.QuarantinedAsync(tenantId, 200, c.RequestAborted)).Select(q => new
            {
                q.Seq, q.EventId, q.InteractionId, q.Type, q.Error, receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(q.ReceivedAt),
            }))
            : TenantAccess.TenantNotFound(tenantId);

    private static Task<IResult> ReplayEvent(HttpContext c, string tenantId, long seq, InboxStore inbox, InteractionPipeline pipeline) =>
        ActAsync(c, tenantId, () => inbox.ReplayQuarantinedAsync(tenantId, seq, c.RequestAborted), $"No set-aside event {seq}.", Results.Accepted(), pipeline);

    private static Task<IResult> DiscardEvent(HttpContext c, string tenantId, long seq, InboxStore inbox) =>
        ActAsync(c, tenantId, () => inbox.DiscardQuarantinedAsync(tenantId, seq, c.RequestAborted), $"No set-aside event {seq}.", Results.NoContent());

    /// <summary>An action on one of the tenant's dead letters or set-aside events: 404 for another tenant's or a missing one.</summary>
    private static async Task<IResult> ActAsync(HttpContext c, string tenantId, Func<Task<bool>> act, string missing, IResult done, InteractionPipeline? wake = null)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        if (!await act()) return Results.Problem(statusCode: 404, title: "Not found", detail: missing);
        wake?.Wake();
        return done;
    }

    private static async Task<IResult> SalesforceStatus(HttpContext c, string tenantId, SalesforceOutages outages, InteractionStore interactions)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        var outage = await outages.GetAsync(tenantId, c.RequestAborted);
        return Results.Ok(new
        {
            reachable = outage is null,
            failingSince = outage?.SinceTime,
            lastError = outage?.LastError,
            nextTry = outage is null ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(outage.RetryAt),
            waiting = await interactions.WaitingAsync(tenantId, c.RequestAborted),
        });
    }

    private static async Task<IResult> Lookup(HttpContext c, string tenantId, string? phone, string? email, TenantStore tenants, IntakeSecrets secrets,
        SalesforceConnections connections, LoggingSettingsStore settingsStore, CallerIdentifier identifier, TimeProvider clock)
    {
        var tenant = await tenants.GetAsync(tenantId, c.RequestAborted);
        if (tenant is null || tenant.Id != tenantId) return Results.Problem(statusCode: 404, title: "Unknown tenant", detail: $"There is no tenant {tenantId}.");
        var signed = Encoding.UTF8.GetBytes(c.Request.Path + c.Request.QueryString);
        var active = await secrets.ActiveAsync(tenantId, c.RequestAborted);
        var problem = EventSignature.Problem(c.Request.Headers[EventSignature.Header], signed, active, clock.GetUtcNow());
        if (problem is not null) return Results.Problem(statusCode: 401, title: "Bad signature", detail: problem);
        if (string.IsNullOrWhiteSpace(phone) && string.IsNullOrWhiteSpace(email))
            return Results.Problem(statusCode: 400, title: "Nothing to look up", detail: "Give phone=… or email=….");
        var caller = new JsonObject { ["phone"] = phone, ["email"] = email };
        var problems = new List<string>();
        EventDataSchema.Check("started", new JsonObject { ["caller"] = caller }, "query", problems);
        if (problems.Count > 0)
            return Results.Problem(statusCode: 400, title: "Invalid lookup", detail: string.Join(" ", problems.Select(p => p.Replace("query.data.caller.", "", StringComparison.Ordinal))));
        // An agent is waiting: answer within the bound whatever Salesforce does.
        var bound = c.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LoggingOptions>>().Value.LookupTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted);
        timeout.CancelAfter(bound);
        try
        {
            var client = await connections.ClientAsync(tenantId, timeout.Token);
            var settings = await settingsStore.GetAsync(tenantId, timeout.Token);
            var shapes = await c.RequestServices.GetRequiredService<SalesforceMetadata>().ShapesAsync(tenantId, client, settings.Identification.Objects.Select(o => o.Object), timeout.Token);
            var state = new InteractionState { InteractionId = "lookup", Caller = new Caller(phone, email, null, null) };
            var result = await identifier.IdentifyAsync(client, CallerIdentifier.ForOrg(settings.Identification, shapes), [state], timeout.Token);
            return Results.Ok(result["lookup"]);
        }
        catch (LinkingException e)
        {
            return Results.Problem(statusCode: 409, title: "Not linked", detail: e.Message);
        }
        catch (OperationCanceledException) when (!c.RequestAborted.IsCancellationRequested)
        {
            return Results.Problem(statusCode: 504, title: "Salesforce is slow",
                detail: $"Salesforce did not answer within {bound.TotalSeconds:0.#} s; the caller could not be looked up. Try again, or pop without a match.");
        }
        catch (Exception e) when (RetryPolicy.IsTransient(e, c.RequestAborted))
        {
            return Results.Problem(statusCode: 503, title: "Salesforce is unreachable", detail: $"The caller could not be looked up: {RetryPolicy.Describe(e)}");
        }
        catch (Salesforce.SalesforceApiException e)
        {
            return Results.Problem(statusCode: 502, title: "Salesforce refused the lookup", detail: $"{e.ErrorCode}: {e.SalesforceMessage}",
                extensions: new Dictionary<string, object?> { ["errorCode"] = e.ErrorCode });
        }
    }
}
