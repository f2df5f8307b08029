using ContactBridge.Web;

namespace ContactBridge.Identification;

/// <summary>
/// The caller index of a tenant on this hub instance, for operators' tools: how it is (what the identification page shows) and, once
/// what set it aside is fixed, a load now instead of after <see cref="CallerIndexOptions.RetryDelay"/>.
/// </summary>
public static class CallerIndexEndpoints
{
    public static void MapCallerIndex(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}/caller-index").RequireAuthorization().WithTags("Identification").RequireAntiforgery();
        api.MapGet("", Get).WithSummary("The tenant's caller index on this hub instance: ready, loading or set aside (and why), its records, memory, load and changes.")
            .Produces<CallerIndexStatus>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/reload", ReloadAsync)
            .WithSummary("Loads a set-aside caller index again now (after Change Data Capture was selected, or the tenant linked again), instead of after the retry delay.")
            .Produces<CallerIndexStatus>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> Get(HttpContext c, string tenantId, CallerIndexes indexes)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        return indexes.StatusOf(tenantId) is { } status ? Results.Ok(status) : NoIndex(tenantId);
    }

    private static async Task<IResult> ReloadAsync(HttpContext c, string tenantId, CallerIndexes indexes)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        if (indexes.StatusOf(tenantId) is null) return NoIndex(tenantId);
        if (!await indexes.RetryNowAsync(tenantId, c.RequestAborted))
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not set aside",
                detail: "The tenant's caller index is not set aside on this hub instance (it is ready or already loading), so there is nothing to load again.");
        return Results.Json(indexes.StatusOf(tenantId), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult NoIndex(string tenantId) => TenantAccess.NotFoundProblem(
        $"Tenant {tenantId} has no caller index on this hub instance: turn on \"Answer screen pops from a caller index\" in its identification rules (the tenant must be linked to Salesforce).");
}
