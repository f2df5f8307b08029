using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Outbox;
using ContactBridge.Tenants;
using ContactBridge.Web;
using static ContactBridge.Web.Html;

namespace ContactBridge.Logging;

/// <summary>The portal's pages for a tenant's logging: its settings, and what happened to recent interactions.</summary>
public static class LoggingPages
{
    public static void MapLoggingPages(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("/logging", (HttpContext c, string tenantId) => SettingsPageAsync(c, tenantId, null, null));
        portal.MapPost("/logging", SaveSettings);
        portal.MapGet("/activity", ActivityPageAsync);
        portal.MapPost("/dead-letters/{id}/replay", Replay);
        portal.MapPost("/dead-letters/{id}/discard", Discard);
        portal.MapPost("/set-aside-events/{seq:long}/replay", ReplayEvent);
        portal.MapPost("/set-aside-events/{seq:long}/discard", DiscardEvent);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private const string IvrExample = "[{\"ivrKey\": \"account_number\", \"object\": \"Account\", \"field\": \"AccountNumber\"}]";

    private static readonly JsonSerializerOptions RulesJson = new(JsonSerializerDefaults.Web) { WriteIndented = true, AllowDuplicateProperties = false };

    /// <summary>The mapping text as the admin typed it: a name given twice is an error to show, not a silent "the last one wins".</summary>
    private static readonly JsonSerializerOptions MappingJson = new() { AllowDuplicateProperties = false };

    private static string Option(string value, string label, string current) => $"<option value=\"{E(value)}\"{(value == current ? " selected" : "")}>{E(label)}</option>";

    private static async Task<IResult> SettingsPageAsync(HttpContext c, string tenantId, string? ok, string? error, LoggingSettings? shown = null, string? mappingText = null,
        string? channelText = null, string? objectsText = null, string? ivrText = null)
    {
        var tenant = await TenantAccess.TenantAsync(c, tenantId);
        if (tenant is null) return TenantAccess.NotFoundPage(c);
        var settings = shown ?? await c.RequestServices.GetRequiredService<LoggingSettingsStore>().GetAsync(tenantId, c.RequestAborted);
        var mapping = mappingText ?? JsonSerializer.Serialize(settings.FieldMapping, Indented);
        var channelMapping = channelText ?? JsonSerializer.Serialize(settings.ChannelFieldMapping, Indented);
        var objects = objectsText ?? JsonSerializer.Serialize(settings.Identification.Objects, RulesJson);
        var ivr = ivrText ?? JsonSerializer.Serialize(settings.Identification.IvrRules, RulesJson);
        var placeholders = string.Join("", LogTemplates.Placeholders.Select(p => $"<li><code>{{{E(p.Key)}}}</code> {E(p.Value)}</li>"));
        return Page(c, $"{tenant.Name} · Logging", $"""
            <h1>{E(tenant.Name)} · Logging settings</h1>
            {TenantTabs(tenantId)}
            {Notice("ok", ok)}{Notice("error", error)}
            <section>
              <form method="post" action="/tenants/{E(tenantId)}/logging" id="logging-form">{Antiforgery(c)}
                <label for="mode">What is created automatically</label>
                <select id="mode" name="mode">
                  {Option(LoggingSettings.Sales, "Sales: unknown callers become Leads; every chat, conversation and call a Task under the lead", settings.Mode)}
                  {Option(LoggingSettings.Support, "Support: unknown callers become Contacts; chats and conversations Cases; calls Tasks", settings.Mode)}
                  {Option(LoggingSettings.Manual, "Manual: only calls are logged; agents create the rest", settings.Mode)}
                </select>
                <label for="updatePolicy">When the caller is already in Salesforce</label>
                <select id="updatePolicy" name="updatePolicy">
                  {Option("none", "Do not update the record", settings.UpdatePolicy)}
                  {Option("overwrite", "Update it with the interaction's data", settings.UpdatePolicy)}
                  {Option("fill_empty", "Only add new information (do not overwrite)", settings.UpdatePolicy)}
                </select>
                <label for="defaultCountry">Default country for phone numbers (ISO code)</label>
                <input type="text" id="defaultCountry" name="defaultCountry" value="{E(settings.Identification.DefaultCountry)}" maxlength="2">
                <label for="whenSeveral">When several records match a caller</label>
                <select id="whenSeveral" name="whenSeveral">
                  {Option("screen_pop_search", "Show the agent a search page with all of them", settings.Identification.WhenSeveral)}
                  {Option("most_recent", "Use the most recently changed record", settings.Identification.WhenSeveral)}
                </select>
                <label for="identificationObjects">Identification: objects in the order they are searched, with their phone and e-mail fields</label>
                <textarea id="identificationObjects" name="identificationObjects" rows="8" style="width:100%;font-family:monospace">{E(objects)}</textarea>
                <label for="ivrRules">Identification by IVR input, tried first (for example {E(IvrExample)})</label>
                <textarea id="ivrRules" name="ivrRules" rows="3" style="width:100%;font-family:monospace">{E(ivr)}</textarea>
                <label for="fieldMapping">Field mapping (object → field → template)</label>
                <textarea id="fieldMapping" name="fieldMapping" rows="14" style="width:100%;font-family:monospace">{E(mapping)}</textarea>
                <label for="channelFieldMapping">Per channel (voice, web_chat, inbox, email, sms): overrides of the field mapping</label>
                <textarea id="channelFieldMapping" name="channelFieldMapping" rows="5" style="width:100%;font-family:monospace">{E(channelMapping)}</textarea>
                <button type="submit" id="save-logging">Save</button>
              </form>
              <p>Templates may use:</p><ul>{placeholders}</ul>
            </section>
            """, error is null ? 200 : 400);
    }

    private static async Task<IResult> SaveSettings(HttpContext c, string tenantId, IFormCollection f, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage(c);
        var current = await store.GetAsync(tenantId, c.RequestAborted);
        var (mappingText, channelText, objectsText, ivrText) = (f["fieldMapping"].ToString(), f["channelFieldMapping"].ToString(), f["identificationObjects"].ToString(), f["ivrRules"].ToString());
        T? Parse<T>(string text, string what, JsonSerializerOptions? options, List<string> errors) where T : class
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            try
            {
                return JsonSerializer.Deserialize<T>(text, options);
            }
            catch (JsonException e)
            {
                errors.Add($"{what} is not valid JSON: {e.Message}");
                return null;
            }
        }
        var jsonErrors = new List<string>();
        var mapping = Parse<Dictionary<string, Dictionary<string, string>>>(mappingText, "The field mapping", MappingJson, jsonErrors);
        var channelMapping = Parse<Dictionary<string, Dictionary<string, Dictionary<string, string>>>>(channelText, "The per-channel mapping", MappingJson, jsonErrors);
        var objectRules = Parse<List<ContactBridge.Identification.ObjectRule>>(objectsText, "The identification objects", RulesJson, jsonErrors);
        var ivrRules = Parse<List<ContactBridge.Identification.IvrRule>>(ivrText, "The IVR rules", RulesJson, jsonErrors);
        if (jsonErrors.Count > 0) return await SettingsPageAsync(c, tenantId, null, string.Join(" ", jsonErrors), current, mappingText, channelText, objectsText, ivrText);
        var settings = current with
        {
            Mode = f["mode"].ToString(), UpdatePolicy = f["updatePolicy"].ToString(), FieldMapping = mapping ?? [], ChannelFieldMapping = channelMapping ?? [],
            Identification = current.Identification with
            {
                DefaultCountry = f["defaultCountry"].ToString().Trim().ToUpperInvariant(), WhenSeveral = f["whenSeveral"].ToString(),
                Objects = objectRules ?? current.Identification.Objects, IvrRules = ivrRules ?? [],
            },
        };
        var problems = LoggingEndpoints.ShapeProblems(settings);
        if (problems.Count == 0)
        {
            problems.AddRange(settings.Problems());
            problems.AddRange(await LoggingEndpoints.CheckMappingAsync(c, tenantId, settings));
        }
        if (problems.Count > 0) return await SettingsPageAsync(c, tenantId, null, string.Join(" ", problems), settings, mappingText, channelText, objectsText, ivrText);
        await store.SaveAsync(tenantId, settings, c.RequestAborted);
        return await SettingsPageAsync(c, tenantId, "Logging settings saved.", null);
    }

    private static async Task<IResult> ActivityPageAsync(HttpContext c, string tenantId, InteractionStore interactions, OutboxStore outbox, LinkStore links,
        InboxStore inbox, SalesforceOutages outages, ContactBridge.Incidents.IncidentLog incidents, ContactBridge.Storage.HubDatabase db, TimeProvider clock)
    {
        var tenant = await TenantAccess.TenantAsync(c, tenantId);
        if (tenant is null) return TenantAccess.NotFoundPage(c);
        var instance = (await links.GetAsync(tenantId, c.RequestAborted))?.InstanceUrl?.TrimEnd('/');
        var rows = await interactions.RecentAsync(tenantId, 50, c.RequestAborted);
        var lines = new System.Text.StringBuilder();
        foreach (var row in rows)
        {
            var s = row.Parsed;
            var id = row.ParsedIdentification;
            var records = row.Records is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(row.Records, InteractionStore.Json)!;
            var writes = await outbox.ForInteractionAsync(tenantId, row.InteractionId, c.RequestAborted);
            var last = writes.Count > 0 ? writes[^1] : null;
            var who = id is null ? "identifying…" : id.Outcome switch
            {
                "one" => $"<a href=\"{E(id.ScreenPop)}\">{E(id.Matches[0].Object)}: {E(id.Matches[0].Name)}</a>",
                "several" => $"<a href=\"{E(id.ScreenPop)}\">{id.Matches.Count} matches</a>",
                IdentificationResult.Unidentified => $"<span class=\"unidentified\" title=\"{E(id.Reason)}\">not identified: {E(id.Reason)}</span>",
                _ => "new caller",
            };
            var links2 = string.Join(", ", records.Select(r => instance is null ? $"{E(r.Key)} {E(r.Value)}" : $"<a href=\"{E(instance)}/lightning/r/{E(r.Key)}/{E(r.Value)}/view\">{E(r.Key)}</a>"));
            var state = last is null ? (s.Ended ? "planning" : "in progress") : last.State switch
            {
                OutboxState.Done => "written",
                OutboxState.Dead => $"failed: {E(last.LastErrorCode)}",
                _ => last.LastErrorCode is null ? "sending" : $"retrying ({E(last.LastErrorCode)})",
            };
            lines.Append($"<tr><td>{When(row.UpdatedAt)}</td><td>{E(LogTemplates.ChannelLabel(s.Channel))}</td><td>{E(s.Caller.Name ?? s.Caller.Phone ?? s.Caller.Email)}</td><td>{who}</td><td>{links2}</td><td class=\"write-state\">{state}</td></tr>");
        }
        var dead = await outbox.ForTenantAsync(tenantId, OutboxState.Dead, 50, c.RequestAborted);
        var mapStore = c.RequestServices.GetRequiredService<ContactBridge.RoutingMaps.RoutingMapStore>();
        var imports = await mapStore.ListAsync(tenantId, 10, c.RequestAborted);
        var automatic = new System.Text.StringBuilder();
        foreach (var i in imports.Where(i => i.Source == ContactBridge.RoutingMaps.ImportSources.KeepMapped && i.Summary is { Created: > 0 }))
        {
            foreach (var r in (await mapStore.ReportAsync(tenantId, i.Id, c.RequestAborted))?.Rows.Where(r => r.Outcome == ContactBridge.RoutingMaps.Outcomes.Created) ?? [])
                automatic.Append($"<li>{When(i.CreatedAt.ToUnixTimeMilliseconds())}: contact-center user <strong>{E(r.ExternalId)}</strong> mapped automatically to {E(r.SalesforceUser)} ({E(r.ReferenceRecordId)})</li>");
        }
        var af = Antiforgery(c);
        var deadRows = string.Concat(dead.Select(d => $"""
            <tr><td>{When(d.CreatedAt)}</td><td>{E(d.InteractionId)}</td><td><code>{E(d.LastErrorCode)}</code> {E(d.LastError)}</td>
            <td><form method="post" action="/tenants/{E(tenantId)}/dead-letters/{E(d.Id)}/replay" class="inline">{af}<button type="submit" class="replay">Replay</button></form>
            <form method="post" action="/tenants/{E(tenantId)}/dead-letters/{E(d.Id)}/discard" class="inline">{af}<button type="submit" class="discard">Discard</button></form></td></tr>
            """));
        var setAside = await inbox.QuarantinedAsync(tenantId, 50, c.RequestAborted);
        var setAsideRows = string.Concat(setAside.Select(q => $"""
            <tr><td>{When(q.ReceivedAt)}</td><td>{E(q.InteractionId)}</td><td>{E(q.EventId)} ({E(q.Type)})</td><td>{E(q.Error)}</td>
            <td><form method="post" action="/tenants/{E(tenantId)}/set-aside-events/{q.Seq}/replay" class="inline">{af}<button type="submit" class="replay">Replay</button></form>
            <form method="post" action="/tenants/{E(tenantId)}/set-aside-events/{q.Seq}/discard" class="inline">{af}<button type="submit" class="discard">Discard</button></form></td></tr>
            """));
        var outage = await outages.GetAsync(tenantId, c.RequestAborted);
        var banner = outage is null ? "" : $"""
            <p id="outage" class="notice error">Salesforce unreachable since {When(outage.Since)} ({E(outage.LastError)}), {Waiting(await interactions.WaitingAsync(tenantId, c.RequestAborted))}.
            They are retried automatically (next try {When(outage.RetryAt)}) and written, oldest first, as soon as Salesforce answers.</p>
            """;
        var now = clock.GetUtcNow();
        var today = await inbox.IntakeOnAsync(tenantId, now, c.RequestAborted);
        var recentIncidents = await incidents.RecentAsync(tenantId, now.AddDays(-30), 20, c.RequestAborted);
        return Page(c, $"{tenant.Name} · Activity", $"""
            <h1>{E(tenant.Name)} · Activity</h1>
            {TenantTabs(tenantId)}
            {ActionNotice(c.Request.Query["done"])}
            {ContactBridge.Incidents.IncidentViews.StorageBanner(db.Health.Current)}
            {banner}
            {ContactBridge.Incidents.IncidentViews.IntakeToday(today.Accepted, today.Repeated)}
            <section><h2>Recent interactions</h2>
              <table id="interactions"><tr><th>When</th><th>Channel</th><th>Caller</th><th>Identified as</th><th>In Salesforce</th><th>State</th></tr>{lines}</table>
            </section>
            {ContactBridge.Incidents.IncidentViews.Section(recentIncidents)}
            <section><h2>User mapping</h2>
              <ul id="automatic-mappings">{automatic}</ul>
              {ContactBridge.RoutingMaps.RoutingMapPages.ImportsTable(tenantId, imports)}
            </section>
            <section><h2>Dead letters ({dead.Count}{(dead.Count == 50 ? "+" : "")})</h2>
              <p>Writes Salesforce refused, with its error. Fix the cause (in Salesforce or the logging settings), then replay.</p>
              <table id="dead-letters"><tr><th>When</th><th>Interaction</th><th>Error</th><th></th></tr>{deadRows}</table>
            </section>
            <section><h2>Set-aside events ({setAside.Count}{(setAside.Count == 50 ? "+" : "")})</h2>
              <p>Events the hub could not read into their interaction. The rest of the interaction was logged without them. Replay one after an upgrade that understands it, or discard it.</p>
              <table id="set-aside-events"><tr><th>Received</th><th>Interaction</th><th>Event</th><th>Why</th><th></th></tr>{setAsideRows}</table>
            </section>
            """);
    }

    private static string Waiting(long n) => n == 1 ? "1 interaction waiting" : $"{n:N0} interactions waiting";

    private static Task<IResult> Replay(HttpContext c, string tenantId, string id, OutboxStore outbox, InteractionPipeline pipeline) =>
        ThenBackToActivity(c, tenantId, pipeline, "replayed", () => outbox.ReplayAsync(tenantId, id, c.RequestAborted));

    private static Task<IResult> Discard(HttpContext c, string tenantId, string id, OutboxStore outbox, InteractionPipeline pipeline) =>
        ThenBackToActivity(c, tenantId, pipeline, "discarded", () => outbox.DiscardAsync(tenantId, id, c.RequestAborted));

    private static Task<IResult> ReplayEvent(HttpContext c, string tenantId, long seq, InboxStore inbox, InteractionPipeline pipeline) =>
        ThenBackToActivity(c, tenantId, pipeline, "event_replayed", () => inbox.ReplayQuarantinedAsync(tenantId, seq, c.RequestAborted));

    private static Task<IResult> DiscardEvent(HttpContext c, string tenantId, long seq, InboxStore inbox, InteractionPipeline pipeline) =>
        ThenBackToActivity(c, tenantId, pipeline, "event_discarded", () => inbox.DiscardQuarantinedAsync(tenantId, seq, c.RequestAborted));

    /// <summary>Acts, then back to the Activity page, which says what was done (or that there was nothing left to act on).</summary>
    private static async Task<IResult> ThenBackToActivity(HttpContext c, string tenantId, InteractionPipeline pipeline, string done, Func<Task<bool>> action)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage(c);
        var acted = await action();
        pipeline.Wake();
        return Results.Redirect($"/tenants/{tenantId}/activity?done={(acted ? done : "gone")}");
    }

    /// <summary>What the last action on the page did, from <c>?done=</c>.</summary>
    private static string ActionNotice(string? done) => done switch
    {
        "replayed" => Notice("ok", "The write is queued again and will be sent to Salesforce shortly."),
        "discarded" => Notice("ok", "The write was discarded; it stays on record as discarded."),
        "event_replayed" => Notice("ok", "The event is queued to be read into its interaction again."),
        "event_discarded" => Notice("ok", "The event was discarded."),
        "gone" => Notice("warn", "Nothing to do: it was already replayed or discarded (perhaps by someone else)."),
        _ => "",
    };
}
