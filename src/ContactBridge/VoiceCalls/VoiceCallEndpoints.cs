using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Linking;
using ContactBridge.Web;

namespace ContactBridge.VoiceCalls;

/// <summary>What the settings API shows: on or off, the certificate to put on the contact center, and where the hub sends VoiceCalls (null: nowhere it knows).</summary>
public sealed record VoiceCallSettingsView(bool Enabled, DateTimeOffset? EnabledAt, string ContactCenterApiName, string CertificatePem, string? TelephonyUrl);

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
