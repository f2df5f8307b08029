using ContactBridge.Web;

namespace ContactBridge.Dashboard;

/// <summary>A tenant's landing page, and the same figures for scripts.</summary>
public static class DashboardEndpoints
{
    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/tenants/{tenantId}").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery()
            .MapGet("", PageAsync);
        app.MapGet("/api/v1/tenants/{tenantId}/dashboard", ReadAsync).RequireAuthorization().WithTags("Dashboard")
            .WithSummary("The tenant at a glance: link, the org's API allowance and the hub's calls, the last 24 hours by hour, the backlog, and problems with what to do.")
            .Produces<TenantDashboardView>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> PageAsync(HttpContext c, string tenantId, TenantDashboard dashboard)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        return PortalPage.Render<DashboardPage>(new { Tenant = tenant, View = await dashboard.ReadAsync(tenantId, c.RequestAborted) });
    }

    private static async Task<IResult> ReadAsync(HttpContext c, string tenantId, TenantDashboard dashboard) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await dashboard.ReadAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);
}
