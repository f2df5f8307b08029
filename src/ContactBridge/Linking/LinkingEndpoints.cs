using ContactBridge.Tenants;
using ContactBridge.Web;
using Microsoft.Extensions.Options;

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
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage();
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
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage();
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
            return PortalPage.Message("Salesforce link", "The link could not be completed.", StatusCodes.Status400BadRequest, error: e.Message, backTo: "/");
        }
    }

    public static async Task<IResult> SalesforcePageAsync(HttpContext c, string tenantId, string? ok, string? error, int status = 200)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        var store = c.RequestServices.GetRequiredService<LinkStore>();
        return PortalPage.Render<SalesforcePage>(new
        {
            Tenant = tenant,
            Link = await store.GetAsync(tenantId, c.RequestAborted),
            Salesforce = c.RequestServices.GetRequiredService<IOptions<SalesforceOptions>>().Value,
            CallbackUrl = c.RequestServices.GetRequiredService<IOptions<HubOptions>>().Value.CallbackUrl.ToString(),
            CustomAppClientId = (await store.GetTenantAppAsync(tenantId, c.RequestAborted))?.ClientId,
            Events = await store.EventsAsync(tenantId, 15, c.RequestAborted),
            IsSystemAdmin = CurrentUser.From(c.User)!.IsSystemAdmin,
            Ok = ok,
            Error = error,
        }, status);
    }

    private static async Task<IResult> SystemAppPageAsync(HttpContext c, IOptions<HubOptions> o, LinkStore store, string? ok, string? error, int status = 200)
    {
        if (!CurrentUser.From(c.User)!.IsSystemAdmin) return TenantAccess.NotFoundPage();
        var app = await store.GetSystemAppAsync(c.RequestAborted);
        return PortalPage.Render<SystemAppPage>(new { CallbackUrl = o.Value.CallbackUrl.ToString(), app?.ClientId, Ok = ok, Error = error }, status);
    }

    private static async Task<IResult> SaveSystemApp(HttpContext c, IFormCollection f, SalesforceLinkService s, IOptions<HubOptions> o, LinkStore store)
    {
        if (!CurrentUser.From(c.User)!.IsSystemAdmin) return TenantAccess.NotFoundPage();
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
