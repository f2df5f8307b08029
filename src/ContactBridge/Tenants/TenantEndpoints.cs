using ContactBridge.Linking;
using ContactBridge.Web;

namespace ContactBridge.Tenants;

public sealed record TenantSummary(string Id, string Name, string Slug, string LinkStatus);

public static class TenantEndpoints
{
    public static void MapTenants(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("/", (HttpContext c) =>
        {
            var user = CurrentUser.From(c.User)!;
            return Results.Redirect(user.IsSystemAdmin ? "/tenants" : $"/tenants/{user.TenantId}");
        });
        portal.MapGet("/tenants", (HttpContext c, TenantStore t, LinkStore l, string? sort) => TenantsPageAsync(c, t, l, sort: sort));
        portal.MapPost("/tenants", CreateTenant);
        portal.MapPost("/tenants/{tenantId}/admins", CreateTenantAdmin);

        var api = app.MapGroup("/api/v1").RequireAuthorization().WithTags("Tenants").RequireAntiforgery();
        api.MapGet("/tenants", ListTenants).WithSummary("The tenants the signed-in user may see, with their Salesforce link status.");
    }

    private static async Task<IReadOnlyList<TenantSummary>> Summaries(TenantStore tenants, LinkStore links, CurrentUser user, CancellationToken ct)
    {
        var all = await tenants.ListAsync(ct);
        var result = new List<TenantSummary>();
        foreach (var t in all.Where(t => user.CanAccess(t.Id)))
            result.Add(new TenantSummary(t.Id, t.Name, t.Slug, (await links.GetAsync(t.Id, ct))?.Status ?? LinkStatus.Unlinked));
        return result;
    }

    private static async Task<IResult> ListTenants(HttpContext c, TenantStore tenants, LinkStore links) =>
        Results.Ok(await Summaries(tenants, links, CurrentUser.From(c.User)!, c.RequestAborted));

    private static async Task<IResult> TenantsPageAsync(HttpContext c, TenantStore tenants, LinkStore links, string? error = null, int status = 200, string? sort = null)
    {
        var user = CurrentUser.From(c.User)!;
        if (!user.IsSystemAdmin) return Results.Redirect($"/tenants/{user.TenantId}");
        var overview = await c.RequestServices.GetRequiredService<Dashboard.TenantDashboard>().OverviewAsync(await tenants.ListAsync(c.RequestAborted), c.RequestAborted);
        return PortalPage.Render<TenantsPage>(new
        {
            Tenants = overview, Sort = sort, SystemAppConfigured = await links.GetSystemAppAsync(c.RequestAborted) is not null, Error = error,
        }, status);
    }

    private static async Task<IResult> CreateTenant(HttpContext c, IFormCollection form, TenantStore tenants, LinkStore links)
    {
        if (!CurrentUser.From(c.User)!.IsSystemAdmin) return TenantAccess.NotFoundPage();
        var name = form["name"].ToString();
        // A NUL or other control character is no part of a name, and PostgreSQL cannot store a NUL in text.
        if (name.Any(char.IsControl)) return await TenantsPageAsync(c, tenants, links, "A tenant name cannot hold control characters (such as a NUL or a line break).", 400);
        try
        {
            var tenant = await tenants.CreateAsync(name, c.RequestAborted);
            return Results.Redirect($"/tenants/{tenant.Id}/salesforce");
        }
        catch (ArgumentException e)
        {
            return await TenantsPageAsync(c, tenants, links, e.Message, 400);
        }
    }

    private static async Task<IResult> CreateTenantAdmin(HttpContext c, string tenantId, IFormCollection form, TenantStore tenants, UserStore users)
    {
        var user = CurrentUser.From(c.User)!;
        if (!user.CanAccess(tenantId) || await tenants.GetAsync(tenantId, c.RequestAborted) is null) return TenantAccess.NotFoundPage();
        if (form["email"].ToString().Any(char.IsControl))
            return await LinkingEndpoints.SalesforcePageAsync(c, tenantId, null, "An e-mail address cannot hold control characters (such as a NUL or a line break).", 400);
        try
        {
            await users.CreateAsync(form["email"].ToString(), form["password"].ToString(), Roles.TenantAdmin, tenantId, c.RequestAborted);
            return Results.Redirect($"/tenants/{tenantId}/salesforce?done=admin_created");
        }
        catch (ArgumentException e)
        {
            return await LinkingEndpoints.SalesforcePageAsync(c, tenantId, null, e.Message, 400);
        }
    }
}
