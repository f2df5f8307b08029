using ContactBridge.AgentAdapter;
using ContactBridge.ContactCenter;
using ContactBridge.Dashboard;
using ContactBridge.Incidents;
using ContactBridge.Intake;
using ContactBridge.Identification;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Observability;
using ContactBridge.Outbox;
using ContactBridge.Retention;
using ContactBridge.RoutingMaps;
using ContactBridge.Workforce;
using ContactBridge.Security;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using ContactBridge.Web;
using ContactBridge.VoiceCalls;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ContactBridge;

public sealed class HubServerOptions
{
    /// <summary>Where Kestrel listens; loopback unless configured otherwise.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5180";
    public string[] Args { get; init; } = [];
    /// <summary>Settings that win over appsettings.json and CONTACTBRIDGE_ environment variables (command-line options, tests).</summary>
    public Dictionary<string, string?> Settings { get; init; } = [];
    public TimeProvider? Clock { get; init; }
    public bool RunBackgroundWorkers { get; init; } = true;
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}

/// <summary>The hub host: HTTP API, admin portal and background workers, on Kestrel.</summary>
public sealed class HubServer : IAsyncDisposable
{
    private HubServer(WebApplication app) => App = app;

    public WebApplication App { get; }
    public IServiceProvider Services => App.Services;
    public Uri BaseUri { get; private set; } = null!;

    public static WebApplication Build(HubServerOptions options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = options.Args, ContentRootPath = Directory.GetCurrentDirectory(),
            // The portal's style sheet and vendored scripts ship next to the hub, wherever it is started from.
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddEnvironmentVariables("CONTACTBRIDGE_");
        builder.Configuration.AddInMemoryCollection(options.Settings);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.UseRejectedRequestProblems()));
        builder.Logging.ClearProviders();
        builder.AddHubObservability(options.RunBackgroundWorkers);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        options.ConfigureLogging?.Invoke(builder.Logging);

        var services = builder.Services;
        var workers = options.RunBackgroundWorkers;
        services.AddSingleton(options.Clock ?? TimeProvider.System);
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateOnStart();
        services.AddSingleton(sp => SecretProtector.From(sp.GetRequiredService<IOptions<HubOptions>>().Value));
        services.AddHubStorage(workers);
        services.AddTenants();
        services.AddIntake();
        services.AddContactCenter();
        services.AddAgentAdapter();
        services.AddVoiceCalls(workers);
        services.AddWorkforce(workers);
        services.AddLinking(workers);
        services.AddInteractionLogging(workers);
        services.AddCallerIndex(workers);
        services.AddRoutingMaps(workers);
        services.AddRetention(workers);
        services.AddDashboard(workers);
        services.AddPortal();
        services.AddProblemDetails();
        services.AddHubOpenApi();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            var h = context.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "no-referrer";
            // Pages carry no inline script or style: the portal's own files only.
            h.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; form-action 'self' https: http:; frame-ancestors 'none'";
            await next();
        });
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapAccounts();
        app.MapTenants();
        app.MapDashboard();
        app.MapLinking();
        app.MapIntake();
        app.MapContactCenter();
        app.MapAgentAdapter();
        app.MapVoiceCalls();
        app.MapWorkforce();
        app.MapLogging();
        app.MapLoggingPages();
        app.MapIdentificationRulesEditor();
        app.MapCallerIndex();
        app.MapFieldMappingEditor();
        app.MapIncidents();
        app.MapRoutingMaps();
        app.MapRoutingMapPages();
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
        app.MapHubObservability();
        return app;
    }

    public static async Task<HubServer> StartAsync(HubServerOptions options, CancellationToken ct = default)
    {
        var app = Build(options);
        await PrepareAsync(app.Services, ct);
        var server = new HubServer(app);
        await app.StartAsync(ct);
        // Listening on http and https, the http address is the base (the hub's own clients and tests talk plainly on this machine).
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .OrderBy(a => a.StartsWith("https:", StringComparison.Ordinal) ? 1 : 0).First();
        server.BaseUri = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>Applies database migrations and opens the key file, before anything is served.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct = default)
    {
        services.GetRequiredService<IOptions<HubOptions>>().Value.ToString();
        services.GetRequiredService<IOptions<SalesforceOptions>>().Value.ToString();
        services.GetRequiredService<IOptions<ContactBridge.RoutingMaps.RoutingMapOptions>>().Value.ToString();
        await services.GetRequiredService<HubDatabase>().MigrateAsync(services.GetRequiredService<TimeProvider>(), ct);
        services.GetRequiredService<SecretProtector>();
        await DatabaseKeyRing.EnsureKeyAsync(services, ct);
    }

    public Task WaitForShutdownAsync(CancellationToken ct = default) => App.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Fails start-up with every misconfiguration listed, instead of failing later on first use.</summary>
public sealed class HubOptionsValidator : IValidateOptions<HubOptions>, IValidateOptions<SalesforceOptions>, IValidateOptions<ContactBridge.RoutingMaps.RoutingMapOptions>,
    IValidateOptions<ContactBridge.Observability.ObservabilityOptions>, IValidateOptions<ContactBridge.Retention.RetentionOptions>,
    IValidateOptions<ContactBridge.Intake.IntakeOptions>, IValidateOptions<ContactBridge.ContactCenter.ContactCenterOptions>, IValidateOptions<ContactBridge.VoiceCalls.VoiceCallOptions>
{
    public ValidateOptionsResult Validate(string? name, ContactBridge.VoiceCalls.VoiceCallOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, ContactBridge.ContactCenter.ContactCenterOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, ContactBridge.Intake.IntakeOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, ContactBridge.Retention.RetentionOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, ContactBridge.Observability.ObservabilityOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, ContactBridge.RoutingMaps.RoutingMapOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, HubOptions options) => Result(options.Problems());

    public ValidateOptionsResult Validate(string? name, SalesforceOptions options) => Result(options.Problems());

    private static ValidateOptionsResult Result(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        return list.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(list);
    }
}
