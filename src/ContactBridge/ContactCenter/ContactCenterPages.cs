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
        portal.MapPost("/voice", SwitchVoiceAsync);
        portal.MapPost("/presence-mapping", SaveMappingAsync);
    }

    private sealed record PageState(string? Ok = null, string? Error = null, string? UrlError = null, string? CommandUrl = null, string? NewSecret = null,
        string? MappingText = null, IReadOnlyList<string>? MappingErrors = null);

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
            ConnectorUrl = VoiceCalls.VoiceCallEndpoints.ConnectorUrl(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions>>().Value.PublicUrl, tenantId).ToString(),
            Mapping = await sp.GetRequiredService<VoiceCalls.VoiceCallSettingsStore>().PresenceMappingAsync(tenantId, ct),
            state.MappingText, MappingErrors = state.MappingErrors ?? [], Reasons = ContactBridge.AgentAdapter.AgentApi.DefaultReasons,
            Voice = await VoiceCalls.VoiceCallEndpoints.ViewAsync(tenant, sp.GetRequiredService<VoiceCalls.VoiceCallSettingsStore>(), sp.GetRequiredService<Linking.LinkStore>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<VoiceCalls.VoiceCallOptions>>().Value, ct),
        }, state.Error is null ? 200 : 400);
    }

    /// <summary>Service Cloud Voice on or off, from the page's button.</summary>
    private static async Task<IResult> SwitchVoiceAsync(HttpContext c, string tenantId, IFormCollection form, VoiceCalls.VoiceCallSettingsStore voice)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        if (form["enabled"].ToString() is not ("true" or "false") || form["enabled"].Count != 1)
            return await PageAsync(c, tenantId, new PageState(Error: "Nothing was changed: say whether Service Cloud Voice is on (enabled=true) or off (enabled=false)."));
        var on = form["enabled"] == "true";
        await voice.SetEnabledAsync(tenantId, on, c.RequestAborted);
        return await PageAsync(c, tenantId, new PageState(Ok: on
            ? "Service Cloud Voice is on: voice calls from now on get a VoiceCall in Salesforce. Download the call center definition again and import it."
            : "Service Cloud Voice is off: no more VoiceCalls are made; the call center definition is the Open CTI softphone again."));
    }

    /// <summary>The presence mapping from the page's text (CSV): saved whole, or the page again with each problem and the text as typed.</summary>
    private static async Task<IResult> SaveMappingAsync(HttpContext c, string tenantId, IFormCollection form, VoiceCalls.VoiceCallSettingsStore voice)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        var text = form["mapping"].ToString();
        if (text.Length > 64 * 1024)
            return await PageAsync(c, tenantId, new PageState(Error: "Nothing was saved: the mapping is longer than 64 KiB.", MappingErrors: ["The mapping is longer than 64 KiB."]));
        var (entries, problems) = VoiceCalls.PresenceMapping.ParseCsv(text);
        problems.AddRange(VoiceCalls.PresenceMapping.Problems(entries, ContactBridge.AgentAdapter.AgentApi.DefaultReasons));
        if (problems.Count > 0)
            return await PageAsync(c, tenantId, new PageState(Error: "Nothing was saved: the presence mapping has problems (below).", MappingText: text, MappingErrors: problems));
        await voice.SetPresenceMappingAsync(tenantId, entries, c.RequestAborted);
        return await PageAsync(c, tenantId, new PageState(Ok: $"Presence mapping saved: {entries.Count} Omni-Channel status{(entries.Count == 1 ? "" : "es")}."));
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
