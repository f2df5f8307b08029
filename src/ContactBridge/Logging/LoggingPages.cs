using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Outbox;
using ContactBridge.Tenants;
using ContactBridge.Web;

namespace ContactBridge.Logging;

/// <summary>One recent interaction as the Activity page lists it.</summary>
public sealed record ActivityRow(string InteractionId, long UpdatedAt, string Channel, string? Caller, IdentificationResult? Identification, IReadOnlyList<KeyValuePair<string, string>> Records, string State);

/// <summary>A contact-center user the hub mapped to a Salesforce user by itself.</summary>
public sealed record AutomaticMapping(long At, string ExternalId, string? SalesforceUser, string? ReferenceRecordId);

/// <summary>The portal's pages for a tenant's logging: its settings, and what happened to recent interactions.</summary>
public static class LoggingPages
{
    public static void MapLoggingPages(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("/logging", (HttpContext c, string tenantId) => SettingsPageAsync(c, tenantId, null, null));
        portal.MapPost("/logging", SaveSettings);
        portal.MapGet("/activity", ActivityPageAsync);
        portal.MapGet("/interactions/{interactionId}", InteractionPageAsync);
        portal.MapPost("/dead-letters/{id}/replay", Replay);
        portal.MapPost("/dead-letters/{id}/discard", Discard);
        portal.MapPost("/set-aside-events/{seq:long}/replay", ReplayEvent);
        portal.MapPost("/set-aside-events/{seq:long}/discard", DiscardEvent);
    }

    private static async Task<IResult> SettingsPageAsync(HttpContext c, string tenantId, string? ok, string? error, LoggingSettings? shown = null)
    {
        var tenant = await TenantAccess.TenantAsync(c, tenantId);
        if (tenant is null) return TenantAccess.NotFoundPage();
        var settings = shown ?? await c.RequestServices.GetRequiredService<LoggingSettingsStore>().GetAsync(tenantId, c.RequestAborted);
        return PortalPage.Render<LoggingSettingsPage>(new { Tenant = tenant, Settings = settings, Ok = ok, Error = error }, error is null ? 200 : 400);
    }

    /// <summary>The mode and the update policy; identification and the field mapping have their own editors.</summary>
    private static async Task<IResult> SaveSettings(HttpContext c, string tenantId, IFormCollection f, LoggingSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        var current = await store.GetAsync(tenantId, c.RequestAborted);
        var settings = current with { Mode = f["mode"].ToString(), UpdatePolicy = f["updatePolicy"].ToString() };
        var problems = settings.Problems().ToList();
        if (problems.Count > 0) return await SettingsPageAsync(c, tenantId, null, $"Nothing was saved: {string.Join(" ", problems)}", current);
        await store.SaveAsync(tenantId, settings, c.RequestAborted);
        return await SettingsPageAsync(c, tenantId, "Logging settings saved.", null);
    }

    private static async Task<IResult> ActivityPageAsync(HttpContext c, string tenantId, string? done, InteractionStore interactions, OutboxStore outbox, LinkStore links,
        InboxStore inbox, SalesforceOutages outages, ContactBridge.Incidents.IncidentLog incidents, ContactBridge.Storage.HubDatabase db, TimeProvider clock)
    {
        var tenant = await TenantAccess.TenantAsync(c, tenantId);
        if (tenant is null) return TenantAccess.NotFoundPage();
        var ct = c.RequestAborted;
        var (query, problems) = ReadQuery(c.Request.Query);
        var (found, more) = await InteractionSearch.SearchAsync(db, tenantId, query, ct);
        var rows = new List<ActivityRow>();
        var latest = await outbox.LatestForInteractionsAsync(tenantId, found.Select(f => f.InteractionId).ToList(), ct);
        foreach (var row in found)
        {
            var s = row.Parsed;
            var records = row.Records is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(row.Records, InteractionStore.Json)!;
            var last = latest.GetValueOrDefault(row.InteractionId);
            var state = last is null ? (s.Ended ? "planning" : "in progress") : last.State switch
            {
                OutboxState.Done => "written",
                OutboxState.Dead => $"failed: {last.LastErrorCode}",
                _ => last.LastErrorCode is null ? "sending" : $"retrying ({last.LastErrorCode})",
            };
            rows.Add(new ActivityRow(row.InteractionId, row.UpdatedAt, s.Channel, s.Caller.Name ?? s.Caller.Phone ?? s.Caller.Email, row.ParsedIdentification, records.ToList(), state));
        }
        var mapStore = c.RequestServices.GetRequiredService<ContactBridge.RoutingMaps.RoutingMapStore>();
        var imports = await mapStore.ListAsync(tenantId, 10, ct);
        var automatic = new List<AutomaticMapping>();
        foreach (var i in imports.Where(i => i.Source == ContactBridge.RoutingMaps.ImportSources.KeepMapped && i.Summary is { Created: > 0 }))
        {
            foreach (var r in (await mapStore.ReportAsync(tenantId, i.Id, ct))?.Rows.Where(r => r.Outcome == ContactBridge.RoutingMaps.Outcomes.Created) ?? [])
                automatic.Add(new AutomaticMapping(i.CreatedAt.ToUnixTimeMilliseconds(), r.ExternalId, r.SalesforceUser, r.ReferenceRecordId));
        }
        var outage = await outages.GetAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var today = await inbox.IntakeOnAsync(tenantId, now, ct);
        return PortalPage.Render<ActivityPage>(new
        {
            Tenant = tenant,
            InstanceUrl = Html.HttpUrl((await links.GetAsync(tenantId, ct))?.InstanceUrl)?.TrimEnd('/'),
            Rows = rows,
            AutomaticMappings = automatic,
            Imports = imports,
            DeadLetters = await outbox.ForTenantAsync(tenantId, OutboxState.Dead, ActivityPage.Shown, ct),
            SetAside = await inbox.QuarantinedAsync(tenantId, ActivityPage.Shown, ct),
            SalesforceOutage = outage,
            WaitingForSalesforce = outage is null ? 0 : await interactions.WaitingAsync(tenantId, ct),
            StorageOutage = db.Health.Current,
            IntakeAccepted = today.Accepted,
            IntakeRepeated = today.Repeated,
            Incidents = await incidents.RecentAsync(tenantId, now.AddDays(-30), 20, ct),
            Done = done,
            Query = query,
            QueryProblems = problems,
            More = more,
        }, problems.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    /// <summary>The Activity page's search and filters from its query string; what cannot be read is left out and said.</summary>
    private static (InteractionQuery Query, List<string> Problems) ReadQuery(IQueryCollection q)
    {
        var problems = new List<string>();
        string? One(string name) => q[name].Count > 0 && q[name][0] is { Length: > 0 } v ? v : null;
        DateOnly? Date(string name, string label)
        {
            if (One(name) is not { } text) return null;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) && d < DateOnly.MaxValue) return d;
            problems.Add($"The {label} date must be a date such as 2026-12-04.");
            return null;
        }
        var text = One("q");
        if (text is { Length: > 200 })
        {
            problems.Add("Search for at most 200 characters.");
            text = null;
        }
        var channel = One("channel");
        if (channel is not null && !LoggingSettings.Channels.Contains(channel))
        {
            problems.Add($"There is no channel \"{channel}\"; choose one of the list.");
            channel = null;
        }
        var state = One("state");
        if (state is not null && !InteractionQuery.States.Contains(state))
        {
            problems.Add($"There is no state \"{state}\"; choose written, pending or dead.");
            state = null;
        }
        var page = 1;
        if (One("page") is { } p && (!int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out page) || page is < 1 or > 10_000))
        {
            problems.Add("The page must be a number from 1 to 10000.");
            page = 1;
        }
        if (text?.Any(char.IsControl) == true)
        {
            problems.Add("The search holds a control character (such as a NUL or a line break); type it again.");
            text = null;
        }
        var (from, to) = (Date("from", "from"), Date("to", "to"));
        if (from > to)
        {
            problems.Add("The from date is after the to date.");
            (from, to) = (null, null);
        }
        return (new InteractionQuery(text, channel, state, from, to, page), problems);
    }

    private static async Task<IResult> InteractionPageAsync(HttpContext c, string tenantId, string interactionId, InteractionStore interactions, InboxStore inbox,
        OutboxStore outbox, LinkStore links)
    {
        var ct = c.RequestAborted;
        // Routing leaves an escaped slash escaped; an id may hold one ("queue/123").
        interactionId = interactionId.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant || await interactions.GetAsync(tenantId, interactionId, ct) is not { } row)
            return TenantAccess.NotFoundPage("interaction");
        return PortalPage.Render<InteractionPage>(new
        {
            Tenant = tenant, Row = row, Events = await inbox.ForInteractionAsync(tenantId, interactionId, ct), Writes = await outbox.ForInteractionAsync(tenantId, interactionId, ct),
            Requests = await c.RequestServices.GetRequiredService<SalesforceRequestLog>().ForInteractionAsync(tenantId, interactionId, ct),
            InstanceUrl = Html.HttpUrl((await links.GetAsync(tenantId, ct))?.InstanceUrl)?.TrimEnd('/'),
            VoiceCall = await c.RequestServices.GetRequiredService<VoiceCalls.VoiceCallSync>().ForInteractionAsync(tenantId, interactionId, ct),
        });
    }

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
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        var acted = await action();
        pipeline.Wake();
        return Results.Redirect($"/tenants/{tenantId}/activity?done={(acted ? done : "gone")}");
    }

}
