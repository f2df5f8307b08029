using ContactBridge.Linking;
using ContactBridge.Observability;
using ContactBridge.Security;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using ContactBridge.Web;
using Microsoft.AspNetCore.DataProtection;
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
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = options.Args, ContentRootPath = Directory.GetCurrentDirectory() });
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
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateOnStart();
        services.AddOptions<SalesforceOptions>().BindConfiguration(SalesforceOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SalesforceOptions>, HubOptionsValidator>();
        services.AddSingleton(options.Clock ?? TimeProvider.System);
        services.AddSingleton(sp => new HubDatabase(sp.GetRequiredService<IOptions<HubOptions>>().Value.DatabaseConnectionString, sp.GetRequiredService<TimeProvider>())
        {
            Instance = sp.GetRequiredService<HubInstance>().Id,
        });
        services.AddSingleton<ContactBridge.Incidents.IncidentLog>();
        services.AddSingleton<HubInstance>();
        services.AddSingleton<WorkLeases>();
        services.AddSingleton(sp => SecretProtector.From(sp.GetRequiredService<IOptions<HubOptions>>().Value));
        services.AddSingleton<TenantStore>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<LinkStore>();
        services.AddSingleton<SalesforceConnections>();
        services.AddSingleton<SalesforceLinkService>();
        services.AddHttpClient(SalesforceConnections.HttpClientName)
            .ConfigureHttpClient((sp, c) => c.Timeout = sp.GetRequiredService<IOptions<SalesforceOptions>>().Value.RequestTimeout);
        services.AddOptions<ContactBridge.Outbox.LoggingOptions>().BindConfiguration(ContactBridge.Outbox.LoggingOptions.Section);
        services.AddSingleton<ContactBridge.Intake.IntakeSecrets>();
        services.AddSingleton<ContactBridge.Intake.InboxStore>();
        services.AddSingleton<ContactBridge.Interactions.InteractionStore>();
        services.AddSingleton<ContactBridge.Logging.LoggingSettingsStore>();
        services.AddSingleton<ContactBridge.Identification.CallerIdentifier>();
        services.AddSingleton<ContactBridge.Outbox.OutboxStore>();
        services.AddSingleton<ContactBridge.Outbox.OutboxSender>();
        services.AddSingleton<ContactBridge.Outbox.SalesforceMetadata>();
        services.AddSingleton<ContactBridge.Outbox.SalesforceOutages>();
        services.AddSingleton<ContactBridge.Outbox.InteractionPipeline>();
        services.AddOptions<ContactBridge.RoutingMaps.RoutingMapOptions>().BindConfiguration(ContactBridge.RoutingMaps.RoutingMapOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ContactBridge.RoutingMaps.RoutingMapOptions>, HubOptionsValidator>();
        services.AddSingleton<ContactBridge.RoutingMaps.RoutingMapStore>();
        services.AddSingleton<ContactBridge.RoutingMaps.RoutingMapImporter>();
        services.AddSingleton<ContactBridge.RoutingMaps.RoutingMapKeeper>();
        services.AddOptions<ContactBridge.Retention.RetentionOptions>().BindConfiguration(ContactBridge.Retention.RetentionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ContactBridge.Retention.RetentionOptions>, HubOptionsValidator>();
        services.AddSingleton<ContactBridge.Retention.RetentionWorker>();
        if (options.RunBackgroundWorkers)
        {
            services.AddHostedService(sp => sp.GetRequiredService<ContactBridge.Retention.RetentionWorker>());
            services.AddHostedService(sp => sp.GetRequiredService<ContactBridge.RoutingMaps.RoutingMapKeeper>());
            services.AddHostedService<LinkHealthCheckWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<ContactBridge.Outbox.InteractionPipeline>());
        }
        services.AddPortalAuth();
        // Sign-in and antiforgery cookies are protected by a key ring kept in the database: it survives a restart and every instance shares it.
        services.AddDataProtection().SetApplicationName("ContactBridge");
        services.AddSingleton<DatabaseKeyRing>();
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<DatabaseKeyRing>((o, ring) => o.XmlRepository = ring);
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageUnavailableHandler>();
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "ContactBridge hub API";
                doc.Info.Description = "Events in from the contact center (signed), tenants, Salesforce links, logging and routing maps (Service Cloud Voice user mapping). " +
                                       "Portal calls use the sign-in cookie; unsafe ones need the X-CSRF-TOKEN header.";
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Any(n => n.EndpointName == "PostEvents")
                    && operation.RequestBody?.Content is { } content)
                {
                    foreach (var (type, media) in content)
                        media.Example = type == "application/cloudevents+json" ? ContactBridge.Intake.IntakeEndpoints.Example()[0]!.DeepClone() : ContactBridge.Intake.IntakeEndpoints.Example();
                    // The exact shape of each event type's data, as JSON Schema: what the intake checks.
                    operation.Extensions ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiExtension>();
                    operation.Extensions["x-event-data"] = new Microsoft.OpenApi.JsonNodeExtension(new System.Text.Json.Nodes.JsonObject(
                        ContactBridge.Intake.EventDataSchema.Types.Keys.Select(t => KeyValuePair.Create(ContactBridge.Intake.InteractionEvent.TypePrefix + t,
                            (System.Text.Json.Nodes.JsonNode?)ContactBridge.Intake.EventDataSchema.JsonSchema(t)))));
                }
                return Task.CompletedTask;
            });
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            var h = context.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "no-referrer";
            h.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; form-action 'self' https: http:";
            await next();
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapAccounts();
        app.MapTenants();
        app.MapLinking();
        ContactBridge.Intake.IntakeEndpoints.MapIntake(app);
        ContactBridge.Logging.LoggingEndpoints.MapLogging(app);
        ContactBridge.Logging.LoggingPages.MapLoggingPages(app);
        ContactBridge.RoutingMaps.RoutingMapEndpoints.MapRoutingMaps(app);
        ContactBridge.RoutingMaps.RoutingMapPages.MapRoutingMapPages(app);
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
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
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
    IValidateOptions<ContactBridge.Observability.ObservabilityOptions>, IValidateOptions<ContactBridge.Retention.RetentionOptions>
{
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
