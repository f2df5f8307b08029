using ContactBridge.Tenants;
using ContactBridge.Web;
using Microsoft.Extensions.Options;
using static ContactBridge.Web.Html;

namespace ContactBridge.Linking;

/// <summary>A tenant's link as the API shows it: never a token or a secret.</summary>
public sealed record LinkView(
    string TenantId, string Status, string StatusLabel, string? StatusReason, string? Flow, string? Environment, string? AppConfiguration,
    string? OrgId, string? UserId, string? Username, string? DisplayName, string? InstanceUrl, string? ApiVersion, DateTimeOffset? LinkedAt, DateTimeOffset? LastCheckedAt)
{
    public static LinkView Of(string tenantId, SalesforceLink? l) => l is null
        ? new LinkView(tenantId, LinkStatus.Unlinked, "Unlinked", null, null, null, null, null, null, null, null, null, null, null, null)
        : new LinkView(tenantId, l.Status, LinkStatus.Label(l.Status), l.StatusReason, l.Flow, l.Environment, l.AppConfig,
            l.Status == LinkStatus.Unlinked ? null : l.OrgId, l.Status == LinkStatus.Unlinked ? null : l.UserId, l.Status == LinkStatus.Unlinked ? null : l.Username,
            l.Status == LinkStatus.Unlinked ? null : l.DisplayName, l.Status == LinkStatus.Unlinked ? null : l.InstanceUrl, l.ApiVersion,
            l.LinkedAt is { } a ? DateTimeOffset.FromUnixTimeMilliseconds(a) : null, l.LastCheckedAt is { } c ? DateTimeOffset.FromUnixTimeMilliseconds(c) : null);
}

public static class LinkingEndpoints
{
    private static readonly Dictionary<string, string> Done = new(StringComparer.Ordinal)
    {
        ["linked"] = "Linked to Salesforce.",
        ["relinked"] = "Relinked to Salesforce. The previous grant was revoked.",
        ["unlinked"] = "Unlinked. " + SalesforceLinkService.UnlinkConsequences + " The tokens were revoked at Salesforce.",
        ["custom_app_saved"] = "Your connected app's consumer key and secret are saved.",
        ["api_version_saved"] = "API version saved.",
        ["admin_created"] = "Tenant administrator created.",
        ["system_app_saved"] = "The platform's connected app is saved.",
        ["checked"] = "Link checked.",
    };

    public static LinkView Describe(string tenantId, SalesforceLink? link) => LinkView.Of(tenantId, link);

    public static void MapLinking(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("/tenants/{tenantId}/salesforce", (HttpContext c, string tenantId, string? done) =>
            SalesforcePageAsync(c, tenantId, done is not null && Done.TryGetValue(done, out var text) ? text : null, null));
        portal.MapPost("/tenants/{tenantId}/salesforce/link", StartLink);
        portal.MapGet("/linking/callback", Callback);
        portal.MapPost("/tenants/{tenantId}/salesforce/unlink", (HttpContext c, string tenantId, SalesforceLinkService s) =>
            Act(c, tenantId, "unlinked", () => s.UnlinkAsync(tenantId, CurrentUser.From(c.User)!.Email, c.RequestAborted)));
        portal.MapPost("/tenants/{tenantId}/salesforce/client-credentials", (HttpContext c, string tenantId, IFormCollection f, SalesforceLinkService s) =>
            Act(c, tenantId, null, async () => await s.LinkWithClientCredentialsAsync(tenantId, TokenUrl(f["tokenUrl"]), Printable(f, "clientId"), Printable(f, "clientSecret"), f["apiVersion"], c.RequestAborted)));
        portal.MapPost("/tenants/{tenantId}/salesforce/custom-app", (HttpContext c, string tenantId, IFormCollection f, SalesforceLinkService s) =>
            Act(c, tenantId, "custom_app_saved", () => s.SetTenantAppAsync(tenantId, Printable(f, "clientId"), Printable(f, "clientSecret"), c.RequestAborted)));
        portal.MapPost("/tenants/{tenantId}/salesforce/api-version", (HttpContext c, string tenantId, IFormCollection f, SalesforceLinkService s) =>
            Act(c, tenantId, "api_version_saved", () => s.SetApiVersionAsync(tenantId, f["apiVersion"].ToString(), c.RequestAborted)));
        portal.MapPost("/tenants/{tenantId}/salesforce/check", (HttpContext c, string tenantId, SalesforceLinkService s) =>
            Act(c, tenantId, "checked", () => s.CheckAsync(tenantId, c.RequestAborted)));
        portal.MapGet("/system/salesforce-app", (HttpContext c, IOptions<HubOptions> o, LinkStore store) => SystemAppPageAsync(c, o, store, null, null));
        portal.MapPost("/system/salesforce-app", SaveSystemApp);

        var api = app.MapGroup("/api/v1/tenants/{tenantId}/salesforce-link").RequireAuthorization().WithTags("Salesforce link").RequireAntiforgery();
        api.MapGet("", GetLink).WithSummary("The tenant's Salesforce link: status, why, and the linked user and org. Never tokens or secrets.");
        api.MapPost("/check", CheckLink).WithSummary("Checks the link now (one API call), moving it to needs_relink if Salesforce refuses it.");
        api.MapDelete("", UnlinkApi).WithSummary("Unlinks: revokes the tokens at Salesforce and forgets them. Send the X-CSRF-TOKEN header.");
    }

    /// <summary>A consumer key or secret: printable text only (a NUL cannot even be stored in PostgreSQL), or the form is refused.</summary>
    private static string Printable(IFormCollection f, string field) =>
        f[field].ToString() is var v && v.Any(char.IsControl) ? throw new LinkingException("invalid_app", $"The {field} holds a control character; paste it again from Salesforce.") : v;

    /// <summary>
    /// The token URL the hub will post the client secret to: https, or http on loopback only (the My Domain rule), so a
    /// form cannot send it over clear text or to a scheme HttpClient cannot speak.
    /// </summary>
    private static string? TokenUrl(string? value) =>
        string.IsNullOrWhiteSpace(value) || Uri.TryCreate(value.Trim(), UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp && u.IsLoopback)
            ? value
            : throw new LinkingException("invalid_token_url", "The OAuth 2.0 token URL must be an https address, such as https://acme.my.salesforce.com/services/oauth2/token.");

    private static async Task<IResult> Act(HttpContext c, string tenantId, string? done, Func<Task> action)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage(c);
        try
        {
            await action();
            if (done is null)
            {
                var latest = await c.RequestServices.GetRequiredService<LinkStore>().EventsAsync(tenantId, 1, c.RequestAborted);
                done = latest.Count > 0 ? latest[0].Event : null;
            }
            return Results.Redirect($"/tenants/{tenantId}/salesforce?done={done}");
        }
        catch (LinkingException e)
        {
            return await SalesforcePageAsync(c, tenantId, null, e.Message, 400);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !c.RequestAborted.IsCancellationRequested)
        {
            // A token URL typed into the form that nothing answers at: the admin's to correct, not the hub's failure.
            return await SalesforcePageAsync(c, tenantId, null, $"Salesforce could not be reached ({e.Message}). Check the address and try again.", 400);
        }
    }

    private static async Task<IResult> StartLink(HttpContext c, string tenantId, IFormCollection f, SalesforceLinkService s)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage(c);
        try
        {
            var url = await s.StartWebLinkAsync(tenantId, CurrentUser.From(c.User)!.SessionId, f["environment"].ToString(), f["myDomainUrl"],
                f["appConfig"].ToString() is { Length: > 0 } cfg ? cfg : AppConfiguration.System, f["apiVersion"], c.RequestAborted);
            return Results.Redirect(url.ToString());
        }
        catch (LinkingException e)
        {
            return await SalesforcePageAsync(c, tenantId, null, e.Message, 400);
        }
    }

    private static async Task<IResult> Callback(HttpContext c, string? state, string? code, string? error, string? error_description, SalesforceLinkService s)
    {
        try
        {
            var (tenantId, what) = await s.CompleteWebLinkAsync(CurrentUser.From(c.User)!.SessionId, state, code, error, error_description, c.RequestAborted);
            return Results.Redirect($"/tenants/{tenantId}/salesforce?done={what}");
        }
        catch (LinkingException e) when (e.TenantId is not null)
        {
            return await SalesforcePageAsync(c, e.TenantId, null, e.Message, 400);
        }
        catch (LinkingException e)
        {
            return Page(c, "Salesforce link", $"<h1>Salesforce link</h1>{Notice("error", e.Message)}<p><a href=\"/\">Back</a></p>", 400);
        }
    }

    public static async Task<IResult> SalesforcePageAsync(HttpContext c, string tenantId, string? ok, string? error, int status = 200)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage(c);
        var store = c.RequestServices.GetRequiredService<LinkStore>();
        var hub = c.RequestServices.GetRequiredService<IOptions<HubOptions>>().Value;
        var sf = c.RequestServices.GetRequiredService<IOptions<SalesforceOptions>>().Value;
        var link = await store.GetAsync(tenantId, c.RequestAborted);
        var view = LinkView.Of(tenantId, link);
        var customApp = await store.GetTenantAppAsync(tenantId, c.RequestAborted);
        var events = await store.EventsAsync(tenantId, 15, c.RequestAborted);
        var af = Antiforgery(c);
        var linked = link is { Status: not LinkStatus.Unlinked };

        var details = !linked ? "<p>This tenant is not linked to a Salesforce org.</p>" : $"""
            <table id="link-details">
              <tr><th>Salesforce user</th><td id="linked-username">{E(view.Username)}</td></tr>
              <tr><th>Name</th><td>{E(view.DisplayName)}</td></tr>
              <tr><th>Org id</th><td id="linked-org">{E(view.OrgId)}</td></tr>
              <tr><th>Instance</th><td>{E(view.InstanceUrl)}</td></tr>
              <tr><th>Environment</th><td id="linked-environment">{E(view.Environment?.Replace('_', ' '))}</td></tr>
              <tr><th>How</th><td>{E(view.Flow?.Replace('_', ' '))}, {E(view.AppConfiguration)} configuration</td></tr>
              <tr><th>API version</th><td>{E(view.ApiVersion)}</td></tr>
              <tr><th>Linked</th><td>{When(link!.LinkedAt)}</td></tr>
              <tr><th>Last checked</th><td>{When(link.LastCheckedAt)}</td></tr>
            </table>
            """;
        var banner = link?.Status switch
        {
            LinkStatus.NeedsRelink => Notice("error", $"Needs relink: {link.StatusReason} Relink below to restore logging and screen pops."),
            LinkStatus.Legacy => Notice("warn", "This link uses a stored username and password, a method Salesforce is retiring. Relink with OAuth below; the stored password is then deleted."),
            _ => "",
        };
        var action = linked ? "Relink" : "Link";
        var eventRows = string.Concat(events.Select(e => $"<tr><td>{When(e.At)}</td><td>{E(e.Event.Replace('_', ' '))}</td><td>{E(e.Detail)}</td></tr>"));
        var body = $"""
            <h1>{E(tenant.Name)} · Salesforce</h1>
            {TenantTabs(tenantId)}
            {Notice("ok", ok)}{Notice("error", error)}
            <section>
              <h2>Status: <span class="status status-{E(view.Status)}" id="link-status">{E(view.StatusLabel)}</span></h2>
              {banner}
              {details}
              {(link?.IsUsable == true ? $"<form method=\"post\" action=\"/tenants/{E(tenantId)}/salesforce/check\" class=\"inline\">{af}<button type=\"submit\" id=\"check\">Check now</button></form>" : "")}
              {(linked ? $"""
                <form method="post" action="/tenants/{E(tenantId)}/salesforce/unlink" class="inline" id="unlink-form"
                      onsubmit="return confirm('Unlink from Salesforce? {E(SalesforceLinkService.UnlinkConsequences)}')">{af}
                  <button type="submit" id="unlink">Unlink</button>
                </form>
                <p>Unlinking revokes ContactBridge's tokens at Salesforce. {E(SalesforceLinkService.UnlinkConsequences)}</p>
                """ : "")}
            </section>
            <section>
              <h2>{action}</h2>
              <p>Sign in to Salesforce as the API user (an API Only user is best) and choose Allow. One API user can serve at most {SalesforceLinkService.MaxTenantsPerApiUser} tenants.</p>
              <form method="post" action="/tenants/{E(tenantId)}/salesforce/link" id="link-form">{af}
                <label for="environment">Salesforce environment</label>
                <select id="environment" name="environment">
                  <option value="production">Production ({E(sf.ProductionLoginUrl.ToString())})</option>
                  <option value="sandbox">Sandbox ({E(sf.SandboxLoginUrl.ToString())})</option>
                  <option value="my_domain">My Domain</option>
                </select>
                <label for="myDomainUrl">My Domain URL (for My Domain only)</label>
                <input type="url" id="myDomainUrl" name="myDomainUrl" placeholder="https://acme.my.salesforce.com">
                <label for="appConfig">Connected app</label>
                <select id="appConfig" name="appConfig">
                  <option value="system">System configuration (the platform's app)</option>
                  <option value="custom"{(customApp is null ? " disabled" : "")}>Custom configuration (your own app{(customApp is null ? " — enter it below first" : "")})</option>
                </select>
                <label for="apiVersion">API version</label>
                <input type="text" id="apiVersion" name="apiVersion" value="{E(view.ApiVersion ?? sf.DefaultApiVersion)}">
                <button type="submit" id="link">{action}</button>
              </form>
            </section>
            <section>
              <h2>Custom configuration</h2>
              <p>To use your own connected app, create it in Salesforce (Setup → App Manager → New Connected App), enable OAuth with the scopes
                 <code>api</code>, <code>refresh_token</code> and <code>id</code>, and paste this callback URL:</p>
              <p><code id="callback-url">{E(hub.CallbackUrl.ToString())}</code></p>
              <form method="post" action="/tenants/{E(tenantId)}/salesforce/custom-app" id="custom-app-form">{af}
                <label for="clientId">Consumer key</label><input type="text" id="clientId" name="clientId" value="{E(customApp?.ClientId)}">
                <label for="clientSecret">Consumer secret</label><input type="password" id="clientSecret" name="clientSecret" autocomplete="off"
                       placeholder="{(customApp is null ? "" : "saved — enter a new one to replace it")}">
                <button type="submit">Save connected app</button>
              </form>
            </section>
            <section>
              <h2>Server-to-server link (client credentials)</h2>
              <p>For orgs that prefer it: a connected app with the client credentials flow enabled and a run-as user.</p>
              <form method="post" action="/tenants/{E(tenantId)}/salesforce/client-credentials" id="client-credentials-form">{af}
                <label for="tokenUrl">OAuth 2.0 token URL</label><input type="url" id="tokenUrl" name="tokenUrl" value="{E(sf.DefaultTokenUrl.ToString())}">
                <label for="ccClientId">Client id</label><input type="text" id="ccClientId" name="clientId">
                <label for="ccClientSecret">Client secret</label><input type="password" id="ccClientSecret" name="clientSecret" autocomplete="off">
                <label for="ccApiVersion">API version</label><input type="text" id="ccApiVersion" name="apiVersion" value="{E(view.ApiVersion ?? sf.DefaultApiVersion)}">
                <button type="submit">Link with client credentials</button>
              </form>
            </section>
            {(linked ? $"""
              <section><h2>API version</h2>
                <form method="post" action="/tenants/{E(tenantId)}/salesforce/api-version" id="api-version-form">{af}
                  <label for="newApiVersion">API version (62.0 or v62.0)</label><input type="text" id="newApiVersion" name="apiVersion" value="{E(view.ApiVersion)}">
                  <button type="submit">Save</button>
                </form>
              </section>
              """ : "")}
            {(CurrentUser.From(c.User)!.IsSystemAdmin ? $"""
              <section><h2>Tenant administrators</h2>
                <form method="post" action="/tenants/{E(tenantId)}/admins" id="tenant-admin-form">{af}
                  <label for="adminEmail">E-mail</label><input type="email" id="adminEmail" name="email">
                  <label for="adminPassword">Password (12 characters or more)</label><input type="password" id="adminPassword" name="password" autocomplete="new-password">
                  <button type="submit">Add tenant administrator</button>
                </form>
              </section>
              """ : "")}
            <section><h2>History</h2><table id="events"><tr><th>When</th><th>What</th><th>Detail</th></tr>{eventRows}</table></section>
            """;
        return Page(c, $"{tenant.Name} · Salesforce", body, status);
    }

    private static async Task<IResult> SystemAppPageAsync(HttpContext c, IOptions<HubOptions> o, LinkStore store, string? ok, string? error, int status = 200)
    {
        if (!CurrentUser.From(c.User)!.IsSystemAdmin) return TenantAccess.NotFoundPage(c);
        var app = await store.GetSystemAppAsync(c.RequestAborted);
        return Page(c, "Salesforce app", $"""
            <h1>System configuration: the platform's Salesforce connected app</h1>
            {Notice("ok", ok)}{Notice("error", error)}
            <section>
              <p>Tenants that choose system configuration link through this app. In its Salesforce settings, use this callback URL:</p>
              <p><code>{E(o.Value.CallbackUrl.ToString())}</code></p>
              <form method="post" action="/system/salesforce-app" id="system-app-form">{Antiforgery(c)}
                <label for="clientId">Consumer key</label><input type="text" id="clientId" name="clientId" value="{E(app?.ClientId)}">
                <label for="clientSecret">Consumer secret</label><input type="password" id="clientSecret" name="clientSecret" autocomplete="off"
                       placeholder="{(app is null ? "" : "saved — enter a new one to replace it")}">
                <button type="submit">Save</button>
              </form>
            </section>
            """, status);
    }

    private static async Task<IResult> SaveSystemApp(HttpContext c, IFormCollection f, SalesforceLinkService s, IOptions<HubOptions> o, LinkStore store)
    {
        if (!CurrentUser.From(c.User)!.IsSystemAdmin) return TenantAccess.NotFoundPage(c);
        try
        {
            await s.SetSystemAppAsync(Printable(f, "clientId"), Printable(f, "clientSecret"), c.RequestAborted);
            return await SystemAppPageAsync(c, o, store, Done["system_app_saved"], null);
        }
        catch (LinkingException e)
        {
            return await SystemAppPageAsync(c, o, store, null, e.Message, 400);
        }
    }

    private static async Task<IResult> GetLink(HttpContext c, string tenantId, LinkStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(LinkView.Of(tenantId, await store.GetAsync(tenantId, c.RequestAborted))) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> CheckLink(HttpContext c, string tenantId, SalesforceLinkService s)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        return Results.Ok(LinkView.Of(tenantId, await s.CheckAsync(tenantId, c.RequestAborted)));
    }

    private static async Task<IResult> UnlinkApi(HttpContext c, string tenantId, SalesforceLinkService s, LinkStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        try
        {
            await s.UnlinkAsync(tenantId, CurrentUser.From(c.User)!.Email, c.RequestAborted);
            return Results.Ok(LinkView.Of(tenantId, await store.GetAsync(tenantId, c.RequestAborted)));
        }
        catch (LinkingException e)
        {
            return Results.Problem(statusCode: 409, title: "Cannot unlink", detail: e.Message);
        }
    }
}
