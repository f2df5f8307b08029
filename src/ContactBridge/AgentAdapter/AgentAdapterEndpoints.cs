using ContactBridge.Linking;
using ContactBridge.Tenants;
using ContactBridge.Web;
using Microsoft.Extensions.Options;

namespace ContactBridge.AgentAdapter;

/// <summary>
/// The agent adapter: the softphone page Salesforce frames in its softphone panel, and the call
/// center definition file that installs it in a tenant's org.
/// </summary>
public static class AgentAdapterEndpoints
{
    public static IServiceCollection AddAgentAdapter(this IServiceCollection services) =>
        services.AddSingleton<AgentSessionStore>().AddSingleton<AgentDirectory>();

    public static void MapAgentAdapter(this IEndpointRouteBuilder app)
    {
        app.MapAgentSignIn();
        app.MapAgentApi();
        app.MapGet("/api/v1/tenants/{tenantId}/agent-adapter/call-center-definition", DefinitionAsync)
            .RequireAuthorization()
            .WithTags("Agent adapter")
            .WithSummary("The call center definition file (XML) to import in Salesforce (Setup → Call Centers → Import): with Service Cloud Voice off, it puts the tenant's ContactBridge softphone in the agents' softphone panel; on, it is the contact center for partner telephony with the tenant's telephony certificate.")
            .Produces<string>(StatusCodes.Status200OK, "application/xml")
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/agent/{tenantId}", PageAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> DefinitionAsync(HttpContext c, string tenantId, IOptions<HubOptions> options, VoiceCalls.VoiceCallSettingsStore voice)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        var settings = await voice.GetAsync(tenant.Id, c.RequestAborted);
        var xml = settings.Enabled ? CallCenterDefinitionFile.ForVoice(tenant, settings.CertificatePem) : CallCenterDefinitionFile.For(tenant, options.Value.PublicUrl);
        c.Response.Headers.ContentDisposition = $"attachment; filename=\"contactbridge-{tenant.Slug}-call-center.xml\"";
        return Results.Text(xml, "application/xml; charset=utf-8");
    }

    /// <summary>
    /// The page holds no data until an agent signs in, so it is open; but only the tenant's own
    /// Salesforce may frame it (CSP frame-ancestors), and it loads Open CTI from there alone.
    /// </summary>
    private static async Task<IResult> PageAsync(HttpContext c, string tenantId, TenantStore tenants, LinkStore links)
    {
        var ct = c.RequestAborted;
        if (await tenants.GetAsync(tenantId, ct) is not { } tenant)
            return PortalPage.Message("No such tenant", "This softphone address names no tenant of this hub. Import the call center definition again from the portal.", 404);
        var link = await links.GetAsync(tenantId, ct);
        var origin = link is { IsUsable: true, InstanceUrl: { } instance } && Uri.TryCreate(instance, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Authority) : null;
        c.Response.Headers.ContentSecurityPolicy = origin is null
            ? "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
            : $"default-src 'self'; style-src 'self'; script-src 'self' {origin}; frame-ancestors {string.Join(' ', FrameAncestors(origin))}";
        // Framed by Salesforce: the hub's DENY for every other page does not apply here (frame-ancestors says who may).
        c.Response.Headers.Remove("X-Frame-Options");
        c.Response.Headers.CacheControl = "no-store";
        return PortalPage.Render<AgentAdapterPage>(new { TenantId = tenant.Id, TenantName = tenant.Name, SalesforceOrigin = origin, OpenCtiVersion = link?.ApiVersion ?? "62.0" });
    }

    /// <summary>Lightning pages of an org live on its My Domain's lightning.force.com host: https://acme.my.salesforce.com → https://acme.lightning.force.com too.</summary>
    public static IEnumerable<string> FrameAncestors(string instanceOrigin)
    {
        yield return instanceOrigin;
        var host = new Uri(instanceOrigin).Host;
        const string suffix = ".my.salesforce.com";
        if (host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) yield return $"https://{host[..^suffix.Length]}.lightning.force.com";
    }
}
