using ContactBridge.Web;

namespace ContactBridge.ContactCenter;

/// <summary>The portal's contact-center page: where commands go (set here, secret shown once), and the live picture.</summary>
public static class ContactCenterPages
{
    public static void MapContactCenterPage(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}/contact-center").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("", (HttpContext c, string tenantId) => PageAsync(c, tenantId, new PageState()));
        portal.MapPost("", SaveConnectionAsync);
    }

    private sealed record PageState(string? Ok = null, string? Error = null, string? UrlError = null, string? CommandUrl = null, string? NewSecret = null);

    private static async Task<IResult> PageAsync(HttpContext c, string tenantId, PageState state)
    {
        var tenant = await TenantAccess.TenantAsync(c, tenantId);
        if (tenant is null) return TenantAccess.NotFoundPage();
        var ct = c.RequestAborted;
        var sp = c.RequestServices;
        var store = sp.GetRequiredService<LivePictureStore>();
        if (state.NewSecret is not null) c.Response.Headers.CacheControl = "no-store";
        return PortalPage.Render<ContactCenterPage>(new
        {
            Tenant = tenant, Connection = await sp.GetRequiredService<ContactCenterConnections>().ViewAsync(tenantId, ct), Agents = await store.AgentsAsync(tenantId, ct),
            Queues = await store.QueuesAsync(tenantId, ct), Commitments = await store.CommitmentsAsync(tenantId, ct),
            Commands = await sp.GetRequiredService<CommandStore>().RecentAsync(tenantId, null, 20, ct),
            state.Ok, state.Error, state.UrlError, state.CommandUrl, state.NewSecret,
            AgentCallbackUrl = ContactBridge.AgentAdapter.AgentSignIn.CallbackUrl(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions>>().Value).ToString(),
        }, state.Error is null ? 200 : 400);
    }

    private static async Task<IResult> SaveConnectionAsync(HttpContext c, string tenantId, IFormCollection form, ContactCenterConnections connections)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        var url = form["commandUrl"].ToString();
        if (connections.UrlProblem(url) is { } problem)
            return await PageAsync(c, tenantId, new PageState(Error: "Nothing was saved: the command URL is not usable.", UrlError: problem, CommandUrl: url));
        var secret = await connections.ConnectAsync(tenantId, url, form["newSecret"] == "true", c.RequestAborted);
        return await PageAsync(c, tenantId, new PageState(Ok: secret is null ? "Command URL saved; the secret is unchanged." : "Command URL saved, with a new command secret.",
            NewSecret: secret));
    }
}
