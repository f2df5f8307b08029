using System.Text.Json.Nodes;
using ContactBridge.AgentAdapter;
using ContactBridge.ContactCenter;
using ContactBridge.Interactions;
using ContactBridge.Tenants;
using ContactBridge.Linking;
using ContactBridge.Web;

namespace ContactBridge.VoiceCalls;

/// <summary>What the settings API shows: on or off, the certificate to put on the contact center, and where the hub sends VoiceCalls (null: nowhere it knows).</summary>
public sealed record VoiceCallSettingsView(bool Enabled, DateTimeOffset? EnabledAt, string ContactCenterApiName, string CertificatePem, string? TelephonyUrl);

/// <summary>The presence mapping, and the contact center's reasons an unavailable state may carry.</summary>
public sealed record PresenceMappingView(IReadOnlyList<PresenceMappingEntry> Statuses, IReadOnlyList<string> Reasons);

/// <summary>One of an agent's calls and its VoiceCall in Salesforce (null until Salesforce has answered).</summary>
public sealed record AgentVoiceCall(string InteractionId, string? VoiceCallId);

public static class VoiceCallEndpoints
{
    public static IServiceCollection AddVoiceCalls(this IServiceCollection services, bool workers)
    {
        services.AddOptions<VoiceCallOptions>().BindConfiguration(VoiceCallOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<VoiceCallOptions>, HubOptionsValidator>();
        services.AddSingleton<VoiceCallSettingsStore>();
        services.AddSingleton<TelephonyClient>();
        services.AddSingleton<VoiceCallSync>();
        // Signed requests go where the org's My Domain says, and nowhere a redirect points.
        services.AddHttpClient(TelephonyClient.HttpClientName)
            .ConfigureHttpClient((sp, c) => c.Timeout = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<VoiceCallOptions>>().Value.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        if (workers) services.AddHostedService<VoiceCallWorker>();
        return services;
    }

    public static void MapVoiceCalls(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}/voice-calls").RequireAuthorization().WithTags("Service Cloud Voice");
        api.MapGet("/settings", GetAsync)
            .WithSummary("Service Cloud Voice for the tenant: on or off, the certificate to put on its contact center in Salesforce, and the Telephony Integration API the hub calls.")
            .Produces<VoiceCallSettingsView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/settings", PutAsync)
            .WithSummary("Turns Service Cloud Voice on or off ({\"enabled\": true}): from then on every voice call gets a VoiceCall in the tenant's org, made at its start and updated at its end.")
            .Accepts<JsonObject>("application/json").Produces<VoiceCallSettingsView>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        var portal = app.MapGroup("/tenants/{tenantId}/interactions/{interactionId}/voice-call").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapPost("/send-again", SendAgainAsync);
        api.MapGet("/presence-mapping", GetMappingAsync)
            .WithSummary("The tenant's Omni-Channel presence statuses and the contact-center agent state each means (available, unavailable with a reason, logged_out), which the connector follows both ways.")
            .Produces<PresenceMappingView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/presence-mapping", PutMappingAsync)
            .WithSummary("Replaces the presence mapping: {\"statuses\": [{\"statusApiName\": \"Break\", \"statusId\": \"0N5…\", \"state\": \"unavailable\", \"reason\": \"Break\"}]}. A state or reason the contact center does not have is refused, naming its row.")
            .Accepts<PresenceMappingView>("application/json").Produces<PresenceMappingView>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/agent/{tenantId}/voice-connector", ConnectorPageAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapSoftphoneApi().MapGet("/contacts/{interactionId}/voice-call", AgentVoiceCallAsync)
            .WithSummary("The VoiceCall the hub made in Salesforce for one of the agent's calls: its id once Salesforce has answered (null before), for the voice widget to open.")
            .Produces<AgentVoiceCall>();
        api.MapGet("/certificate", CertificateAsync)
            .WithSummary("The tenant's telephony integration certificate (PEM), for the contact center in Salesforce; its private key never leaves the hub.")
            .Produces<string>(StatusCodes.Status200OK, "application/x-pem-file").ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<VoiceCallSettingsView> ViewAsync(Tenants.Tenant tenant, VoiceCallSettingsStore store, LinkStore links, VoiceCallOptions options, CancellationToken ct)
    {
        var s = await store.GetAsync(tenant.Id, ct);
        var link = await links.GetAsync(tenant.Id, ct);
        return new VoiceCallSettingsView(s.Enabled, s.EnabledAt, AgentAdapter.CallCenterDefinitionFile.InternalName(tenant), s.CertificatePem,
            link is null ? null : TelephonyClient.BaseUrl(link.InstanceUrl, options.TelephonyBaseUrl)?.ToString());
    }

    private static async Task<IResult> GetAsync(HttpContext c, string tenantId, VoiceCallSettingsStore store, LinkStore links, Microsoft.Extensions.Options.IOptions<VoiceCallOptions> options)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        return Results.Ok(await ViewAsync(tenant, store, links, options.Value, c.RequestAborted));
    }

    private static async Task<IResult> PutAsync(HttpContext c, string tenantId, VoiceCallSettingsStore store, LinkStore links, Microsoft.Extensions.Options.IOptions<VoiceCallOptions> options)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        var (json, bad) = await CommandEndpoints.ReadJsonAsync(c, 4 * 1024);
        if (bad is not null) return bad;
        if (json is not JsonObject body || body["enabled"] is not JsonValue flag || flag.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
            return Results.Problem(statusCode: 400, title: "Invalid body", detail: "Send {\"enabled\": true} or {\"enabled\": false}.");
        await store.SetEnabledAsync(tenant.Id, flag.GetValue<bool>(), c.RequestAborted);
        return Results.Ok(await ViewAsync(tenant, store, links, options.Value, c.RequestAborted));
    }

    /// <summary>The interaction page's "Send again" for a VoiceCall given up on; back to the page.</summary>
    private static async Task<IResult> SendAgainAsync(HttpContext c, string tenantId, string interactionId, VoiceCallSync sync)
    {
        interactionId = interactionId.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        if (!await sync.SendAgainAsync(tenantId, interactionId, c.RequestAborted)) return TenantAccess.NotFoundPage("VoiceCall given up on");
        return Results.Redirect($"/tenants/{Uri.EscapeDataString(tenantId)}/interactions/{Uri.EscapeDataString(interactionId)}");
    }

    /// <summary>Where Salesforce's voice widget finds the tenant's connector (the ConnectorUrl of its ConversationVendorInfo).</summary>
    public static Uri ConnectorUrl(Uri publicUrl, string tenantId) => new(publicUrl, $"/agent/{Uri.EscapeDataString(tenantId)}/voice-connector");

    /// <summary>A status with a name it does not know (a typo such as "reasn") is refused, not quietly dropped.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions StrictJson = new(System.Text.Json.JsonSerializerOptions.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private static async Task<IResult> GetMappingAsync(HttpContext c, string tenantId, VoiceCallSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        return Results.Ok(new PresenceMappingView(await store.PresenceMappingAsync(tenant.Id, c.RequestAborted), AgentApi.DefaultReasons));
    }

    private static async Task<IResult> PutMappingAsync(HttpContext c, string tenantId, VoiceCallSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        var (json, bad) = await CommandEndpoints.ReadJsonAsync(c, 64 * 1024);
        if (bad is not null) return bad;
        const string Example = "{\"statuses\": [{\"statusApiName\": \"Break\", \"statusId\": null, \"state\": \"unavailable\", \"reason\": \"Break\"}]}";
        List<PresenceMappingEntry>? entries;
        try
        {
            entries = json is JsonObject { } o && o["statuses"] is JsonArray array && array.All(x => x is JsonObject)
                ? System.Text.Json.JsonSerializer.Deserialize<List<PresenceMappingEntry>>(array, StrictJson)
                : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            return Results.Problem(statusCode: 400, title: "Invalid body", detail: $"Send {Example}: {e.Message}");
        }
        if (entries is null) return Results.Problem(statusCode: 400, title: "Invalid body", detail: $"Send {Example}.");
        entries = entries.Select(e => e with { State = e.State ?? "" }).ToList();
        var problems = PresenceMapping.Problems(entries, AgentApi.DefaultReasons);
        if (problems.Count > 0)
            return Results.Problem(statusCode: 400, title: "Invalid presence mapping", detail: string.Join(" ", problems.Take(5)),
                extensions: new Dictionary<string, object?> { ["errors"] = problems });
        await store.SetPresenceMappingAsync(tenant.Id, entries, c.RequestAborted);
        return Results.Ok(new PresenceMappingView(entries, AgentApi.DefaultReasons));
    }

    /// <summary>
    /// The connector page holds nothing until an agent signs in; only the tenant's own Lightning host (and configured consoles)
    /// may frame it, and it runs only the hub's scripts: Salesforce's connector base, vendored, and the connector.
    /// </summary>
    private static async Task<IResult> ConnectorPageAsync(HttpContext c, string tenantId, TenantStore tenants, LinkStore links,
        Microsoft.Extensions.Options.IOptions<VoiceCallOptions> options)
    {
        var ct = c.RequestAborted;
        if (tenantId.Length > 200 || await tenants.GetAsync(tenantId, ct) is not { } tenant)
            return PortalPage.Message("No such tenant", "This connector address names no tenant of this hub: set the ConnectorUrl of the contact center's vendor again from the portal.", 404);
        var link = await links.GetAsync(tenant.Id, ct);
        var origin = link is { IsUsable: true, InstanceUrl: { } instance } && Uri.TryCreate(instance, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Authority) : null;
        var ancestors = (origin is null ? [] : AgentAdapter.AgentAdapterEndpoints.FrameAncestors(origin)).Concat(options.Value.ConsoleOrigins).Distinct().ToList();
        c.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors {(ancestors.Count == 0 ? "'none'" : string.Join(' ', ancestors))}";
        c.Response.Headers.Remove("X-Frame-Options");
        c.Response.Headers.CacheControl = "no-store";
        return PortalPage.Render<VoiceConnectorPage>(new { TenantId = tenant.Id, TenantName = tenant.Name, ConsoleOrigins = string.Join(' ', ancestors) });
    }

    private static async Task<IResult> AgentVoiceCallAsync(HttpContext c, string tenantId, string interactionId, InteractionStore interactions, VoiceCallSync sync)
    {
        var ct = c.RequestAborted;
        if (interactionId.Length is 0 or > 200) return Results.Problem(statusCode: 400, title: "Invalid contact id", detail: "A contact id is 1 to 200 characters.");
        var row = await interactions.GetAsync(tenantId, interactionId, ct);
        if (row is null || row.AgentId != c.Session().AgentId) return TenantAccess.NotFoundProblem($"No contact {interactionId} of yours.");
        var call = await sync.ForInteractionAsync(tenantId, interactionId, ct);
        return Results.Ok(new AgentVoiceCall(interactionId, call?.VoiceCallId));
    }

    private static async Task<IResult> CertificateAsync(HttpContext c, string tenantId, VoiceCallSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        var s = await store.GetAsync(tenant.Id, c.RequestAborted);
        c.Response.Headers.ContentDisposition = $"attachment; filename=\"contactbridge-{tenant.Slug}-telephony.crt\"";
        return Results.Text(s.CertificatePem, "application/x-pem-file");
    }
}

/// <summary>Sends VoiceCalls as calls start and end: a pass every second, passes back to back while there is work.</summary>
public sealed class VoiceCallWorker(VoiceCallSync sync, TimeProvider clock, ILogger<VoiceCallWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        do
        {
            try
            {
                await sync.RunUntilIdleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sending VoiceCalls failed; trying again in a second");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
