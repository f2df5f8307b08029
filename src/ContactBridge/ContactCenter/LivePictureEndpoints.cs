using ContactBridge.Web;

namespace ContactBridge.ContactCenter;

/// <summary>The live picture over HTTP: a tenant's agents and queues as the contact center last reported them.</summary>
public static class LivePictureEndpoints
{
    public static void MapContactCenter(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}").RequireAuthorization().WithTags("Contact center").RequireAntiforgery();
        api.MapGet("/agents", AgentsAsync)
            .WithSummary("The tenant's agents now: logged in or not, state and reason, time in state, skills.")
            .Produces<IReadOnlyList<AgentView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/queues", QueuesAsync)
            .WithSummary("The tenant's queues (skills) as last reported: contacts waiting, longest wait, agents staffed and available.")
            .Produces<IReadOnlyList<QueueView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> AgentsAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await store.AgentsAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> QueuesAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await store.QueuesAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);
}
