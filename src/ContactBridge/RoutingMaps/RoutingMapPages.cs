using System.Globalization;
using ContactBridge.Linking;
using ContactBridge.Tenants;
using ContactBridge.Web;
using static ContactBridge.Web.Html;

namespace ContactBridge.RoutingMaps;

/// <summary>
/// The portal's user-mapping pages: upload the contact center's users (or use those seen in events), choose the call
/// center, match field and what to do with users already mapped, then follow the import and download its outcome.
/// </summary>
public static class RoutingMapPages
{
    public const int RowsShown = 1000;

    /// <summary>A running import's page reloads itself each second until the import has finished.</summary>
    private const string Reload = "setTimeout(function () { location.reload(); }, 1000);";

    public static void MapRoutingMapPages(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}/routing-map").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("", (HttpContext c, string tenantId) => PageAsync(c, tenantId, null, null));
        portal.MapPost("/imports", StartImport);
        portal.MapGet("/imports/{importId}", ImportPageAsync);
        portal.MapPost("/settings", SaveSettings);
    }

    private static string Option(string value, string label, string current) =>
        $"<option value=\"{E(value)}\"{(string.Equals(value, current, StringComparison.OrdinalIgnoreCase) ? " selected" : "")}>{E(label)}</option>";

    private static string MatchOptions(string current) =>
        Option("email", "Email", current) + Option("username", "Username", current) + Option("alias", "Alias", current) + Option("federation_id", "Federation ID", current);

    private static string MatchValue(MatchBy m) => m switch { MatchBy.Email => "email", MatchBy.Username => "username", MatchBy.Alias => "alias", _ => "federation_id" };

    private static async Task<IResult> PageAsync(HttpContext c, string tenantId, string? ok, string? error, int status = 200)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage(c);
        var sp = c.RequestServices;
        var store = sp.GetRequiredService<RoutingMapStore>();
        var settings = await store.GetSettingsAsync(tenantId, c.RequestAborted);
        IReadOnlyList<CallCenterView> centers = [];
        string? linkProblem = null;
        try
        {
            centers = await RoutingMapEndpoints.CallCentersAsync(sp.GetRequiredService<SalesforceConnections>(), tenantId, c.RequestAborted);
        }
        catch (LinkingException e)
        {
            linkProblem = e.Message;
        }
        catch (ContactBridge.Salesforce.SalesforceApiException e)
        {
            linkProblem = $"Salesforce did not list the call centers ({e.ErrorCode}: {e.Message}). Type the call center id instead.";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !c.RequestAborted.IsCancellationRequested)
        {
            linkProblem = "Salesforce could not be reached to list the call centers. Type the call center id instead, or try again.";
        }
        string CenterField(string id, string? current) => centers.Count > 0
            ? $"<select id=\"{id}\" name=\"callCenterId\">{string.Concat(centers.Select(x => Option(x.Id, $"{x.Name} ({x.Id})", current ?? "")))}</select>"
            : $"<input type=\"text\" id=\"{id}\" name=\"callCenterId\" value=\"{E(current)}\" placeholder=\"04v…\">";
        var seen = await store.SeenUsersAsync(tenantId, c.RequestAborted);
        var imports = await store.ListAsync(tenantId, 20, c.RequestAborted);
        var af = Antiforgery(c);
        return Page(c, $"{tenant.Name} · User mapping", $"""
            <h1>{E(tenant.Name)} · User mapping (Service Cloud Voice)</h1>
            {TenantTabs(tenantId)}
            {Notice("ok", ok)}{Notice("error", error)}{(linkProblem is null ? "" : Notice("warn", linkProblem))}
            <section>
              <h2>Map contact-center users to Salesforce users</h2>
              <p>Each Salesforce user who takes calls needs a CallCenterRoutingMap record naming their telephony user, or calls assigned to them are not routed.
                 Upload a CSV with a header row: <code>ExternalId</code> (the telephony username, or Amazon Connect ARN), the column to match by
                 (<code>Email</code>, <code>Username</code>, <code>Alias</code> or <code>FederationId</code>), and optionally <code>QuickConnect</code> and
                 <code>ReferenceRecordId</code> (a Salesforce user id, 15 or 18 characters, used instead of matching). Nothing is written if any row has a problem;
                 rows are counted from the first line after the header.</p>
              <form method="post" action="/tenants/{E(tenantId)}/routing-map/imports" enctype="multipart/form-data" id="import-form">{af}
                <label><input type="radio" name="source" value="csv" checked> Users from a CSV file</label>
                <input type="file" id="users-file" name="file" accept=".csv,text/csv">
                <label><input type="radio" name="source" value="seen_users" id="source-seen"> The {seen.Count} user(s) seen in the contact center's events</label>
                <label for="callCenterId">Call center</label>
                {CenterField("callCenterId", settings.CallCenterId)}
                <label for="matchBy">Match contact-center users to Salesforce users by</label>
                <select id="matchBy" name="matchBy">{MatchOptions(MatchValue(settings.MatchBy))}</select>
                <label for="existing">When a Salesforce user already has a map in this call center</label>
                <select id="existing" name="existing">{Option("skip", "Leave it as it is", "skip")}{Option("update", "Update its ExternalId and QuickConnect", "skip")}</select>
                <label><input type="checkbox" name="dryRun" value="true" id="dryRun"> Dry run: check and show what would be written, write nothing</label>
                <button type="submit" id="start-import">Check and import</button>
              </form>
            </section>
            <section>
              <h2>Keep it mapped</h2>
              <p>When the contact center's events name an agent the hub has not seen before, map them at once to the Salesforce user who matches.
                 Users already mapped are left alone; each automatic mapping shows in the Activity page.</p>
              <form method="post" action="/tenants/{E(tenantId)}/routing-map/settings" id="keep-form">{af}
                <label><input type="checkbox" name="keepMapped" value="true" id="keepMapped"{(settings.KeepMapped ? " checked" : "")}> Map new contact-center users automatically</label>
                <label for="keepCallCenterId">Call center</label>
                {CenterField("keepCallCenterId", settings.CallCenterId)}
                <label for="keepMatchBy">Match by (Email uses the agent's e-mail in events; the others, the agent's id)</label>
                <select id="keepMatchBy" name="matchBy">{MatchOptions(MatchValue(settings.MatchBy))}</select>
                <button type="submit" id="save-keep">Save</button>
              </form>
            </section>
            <section><h2>Recent imports</h2>{ImportsTable(tenantId, imports)}</section>
            """, status);
    }

    public static string ImportsTable(string tenantId, IReadOnlyList<RoutingMapImport> imports)
    {
        var rows = string.Concat(imports.Select(i => $"""
            <tr><td><a href="/tenants/{E(tenantId)}/routing-map/imports/{E(i.Id)}">{When(i.CreatedAt.ToUnixTimeMilliseconds())}</a></td><td>{E(ImportSources.Label(i.Source))}</td>
            <td class="import-state">{E(StateLabel(i))}</td><td>{E(SummaryText(i))}</td></tr>
            """));
        return $"<table id=\"imports\"><tr><th>When</th><th>Users from</th><th>State</th><th>Outcome</th></tr>{rows}</table>";
    }

    public static string StateLabel(RoutingMapImport i) => i.State switch
    {
        ImportStates.Running => "running",
        ImportStates.Done => "done",
        ImportStates.DoneWithFailures => "done, some rows failed",
        ImportStates.Invalid => "not written: problems found",
        ImportStates.DryRun => "dry run",
        ImportStates.Failed => "failed",
        _ => i.State,
    };

    public static string SummaryText(RoutingMapImport i)
    {
        if (i.Summary is not { } s) return i.Error ?? "";
        var parts = new List<string>();
        void Add(int n, string what)
        {
            if (n > 0) parts.Add($"{n.ToString("N0", CultureInfo.InvariantCulture)} {what}");
        }
        Add(s.Created, "created");
        Add(s.Updated, "updated");
        Add(s.WouldCreate, "would be created");
        Add(s.WouldUpdate, "would be updated");
        Add(s.Unchanged, "unchanged");
        Add(s.Skipped, "skipped (already mapped)");
        Add(s.Failed, "failed");
        Add(s.Problems, "with problems");
        Add(s.Unmatched, "unmatched");
        return parts.Count == 0 ? "no rows" : string.Join(", ", parts);
    }

    private static async Task<IResult> StartImport(HttpContext c, string tenantId, RoutingMapImporter importer, LinkStore links)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage(c);
        if (!c.Request.HasFormContentType) return await PageAsync(c, tenantId, null, "Send the users file with this page's form (multipart/form-data).", 415);
        IFormCollection form;
        try
        {
            form = await c.Request.ReadFormAsync(c.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException && !c.RequestAborted.IsCancellationRequested)
        {
            // Past the form reader's limits (fields, sizes), a multipart body that ends early, or a %00 in a field.
            return await PageAsync(c, tenantId, null, $"The form could not be read ({e.Message}). Choose the file again and resubmit the page's form.", 400);
        }
        var source = form["source"].ToString();
        byte[]? csv = null;
        if (source != ImportSources.SeenUsers)
        {
            var file = form.Files.GetFile("file");
            if (file is null || file.Length == 0) return await PageAsync(c, tenantId, null, "Choose the CSV file of contact-center users first.", 400);
            if (file.Length > RoutingMapEndpoints.MaxCsvBytes) return await PageAsync(c, tenantId, null, $"The file is larger than {RoutingMapEndpoints.MaxCsvBytes / 1024 / 1024} MiB; split it.", 400);
            using var bytes = new MemoryStream((int)file.Length);
            await file.CopyToAsync(bytes, c.RequestAborted);
            csv = bytes.ToArray();
        }
        var (request, users, src, errors) = await RoutingMapEndpoints.ReadAsync(c.RequestServices, tenantId, form["callCenterId"], form["matchBy"], form["existing"],
            form["dryRun"] == "true", csv, source, c.RequestAborted);
        if (request is null) return await PageAsync(c, tenantId, null, string.Join(" ", errors), 400);
        if ((await links.GetAsync(tenantId, c.RequestAborted)) is not { IsUsable: true })
            return await PageAsync(c, tenantId, null, "Link the tenant to its Salesforce org first (the Salesforce link page).", 409);
        var import = await importer.StartAsync(tenantId, src, request, users, "user:" + CurrentUser.From(c.User)!.Email, c.RequestAborted);
        return Results.Redirect($"/tenants/{tenantId}/routing-map/imports/{import.Id}");
    }

    private static async Task<IResult> ImportPageAsync(HttpContext c, string tenantId, string importId, RoutingMapStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant || await store.GetAsync(tenantId, importId, c.RequestAborted) is not { } import)
            return TenantAccess.NotFoundPage(c, "tenant or import");
        var report = import.Finished ? await store.ReportAsync(tenantId, importId, c.RequestAborted) : null;
        var api = $"/api/v1/tenants/{E(tenantId)}/routing-map/imports/{E(importId)}";
        var progress = import.Finished ? "" : $"""
            <p id="progress-text">{E(import.ProgressStage ?? "starting")}: {import.ProgressDone:N0} of {import.ProgressTotal:N0}</p>
            <progress id="progress" max="{Math.Max(1, import.ProgressTotal)}" value="{import.ProgressDone}"></progress>
            <script>{Reload}</script>
            """;
        var rows = report is null ? "" : string.Concat(report.Rows.Take(RowsShown).Select(r => $"""
            <tr class="outcome-{E(r.Outcome.Replace(' ', '-'))}"><td>{r.Row}</td><td>{E(r.ExternalId)}</td><td>{E(r.SalesforceUser ?? r.MatchValue)}</td><td>{E(r.ReferenceRecordId)}</td>
            <td class="outcome">{E(r.Outcome)}</td><td>{E(r.Message)}</td></tr>
            """));
        var more = report is { } rep && rep.Rows.Count > RowsShown ? $"<p>The first {RowsShown:N0} of {rep.Rows.Count:N0} rows are shown; download the results for all of them.</p>" : "";
        var unmapped = report is { UnmappedSalesforceUsers.Count: > 0 } u
            ? $"<p id=\"unmapped\">{u.UnmappedSalesforceUsers.Count:N0} active user(s) of the call center have no routing map and no row in the file: {E(string.Join(", ", u.UnmappedSalesforceUsers.Take(50)))}{(u.UnmappedSalesforceUsers.Count > 50 ? " …" : "")}</p>"
            : "";
        var downloads = report is null ? "" : $"""
            <p><a href="{api}/results.csv" id="download-results">Download each row's outcome (CSV)</a> ·
               <a href="{api}/routing-map.csv" id="download-map">Download the routing map (CSV in Salesforce's columns)</a></p>
            """;
        var how = import.Method is null ? "" : $" Written by {E(import.Method)} in {import.ApiCalls:N0} Salesforce API call(s).";
        return Page(c, $"{tenant.Name} · Routing map import", $"""
            <h1>{E(tenant.Name)} · Routing map import</h1>
            {TenantTabs(tenantId)}
            <section>
              <h2>State: <span id="import-state">{E(StateLabel(import))}</span></h2>
              <p>Users from {E(ImportSources.Label(import.Source))}; call center {E(import.CallCenterId)}; matched by {E(import.MatchBy)}; already mapped users: {E(import.ExistingPolicy.ToLowerInvariant())}{(import.DryRun ? "; dry run" : "")}.</p>
              {progress}
              <p id="summary">{E(SummaryText(import))}.{how}</p>
              {(import.Error is null ? "" : Notice("error", import.Error))}
              {unmapped}
              {downloads}
            </section>
            {(report is null ? "" : $"<section><h2>Rows</h2>{more}<table id=\"rows\"><tr><th>Row</th><th>ExternalId</th><th>Salesforce user</th><th>ReferenceRecordId</th><th>Outcome</th><th>Message</th></tr>{rows}</table></section>")}
            <p><a href="/tenants/{E(tenantId)}/routing-map">Back to user mapping</a></p>
            """);
    }

    private static async Task<IResult> SaveSettings(HttpContext c, string tenantId, IFormCollection f, RoutingMapStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage(c);
        var (settings, error) = RoutingMapEndpoints.CheckSettings(f["keepMapped"] == "true", f["callCenterId"], f["matchBy"]);
        if (settings is null) return await PageAsync(c, tenantId, null, error, 400);
        await store.SaveSettingsAsync(tenantId, settings, c.RequestAborted);
        return await PageAsync(c, tenantId, settings.KeepMapped ? "New contact-center users will be mapped automatically." : "Automatic mapping is off.", null);
    }
}
