using ContactBridge.Tenants;

namespace ContactBridge.Web;

/// <summary>
/// Whether the signed-in user may see a tenant, and how a page or the API says no. Another tenant's pages answer
/// "not found", not "forbidden": they do not even confirm the tenant exists.
/// </summary>
public static class TenantAccess
{
    /// <summary>The tenant, when it exists (by id, not slug) and the signed-in user may see it; otherwise null.</summary>
    public static async Task<Tenant?> TenantAsync(HttpContext c, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (CurrentUser.From(c.User)?.CanAccess(tenantId) != true) return null;
        var tenant = await c.RequestServices.GetRequiredService<TenantStore>().GetAsync(tenantId, c.RequestAborted);
        return tenant is not null && tenant.Id == tenantId ? tenant : null;
    }

    public static async Task<bool> AllowedAsync(HttpContext c, string tenantId) => await TenantAsync(c, tenantId) is not null;

    public static IResult NotFoundPage(string what = "tenant") =>
        PortalPage.Message("Not found", $"There is no such {what}, or it is not yours.", StatusCodes.Status404NotFound);

    public static IResult NotFoundProblem(string detail) => Results.Problem(statusCode: 404, title: "Not found", detail: detail);

    public static IResult TenantNotFound(string tenantId) => NotFoundProblem($"No tenant {tenantId} that you may see.");
}
