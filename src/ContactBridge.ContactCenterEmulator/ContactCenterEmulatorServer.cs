using System.Net;
using System.Text.Json;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Control;
using ContactBridge.ContactCenterEmulator.Tenants;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ContactBridge.ContactCenterEmulator;

/// <summary>
/// A running contact-center emulator: real HTTP on a loopback port, taking the hub's signed commands and
/// posting signed events to the hub. Start one per test (port 0) or run the executable for a long-lived one.
/// </summary>
public sealed class ContactCenterEmulatorServer : IAsyncDisposable
{
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly WebApplication _app;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _ticker;

    private ContactCenterEmulatorServer(WebApplication app, ContactCenter center, HttpClient http)
    {
        _app = app;
        Center = center;
        _http = http;
    }

    public ContactCenter Center { get; }

    /// <summary>The origin, e.g. http://127.0.0.1:8855/.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Where the hub sends a tenant's commands.</summary>
    public Uri CommandUrlOf(string tenantId) => new(BaseUri, $"tenants/{Uri.EscapeDataString(tenantId)}/commands");

    public static async Task<ContactCenterEmulatorServer> StartAsync(ContactCenterEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ContactCenterEmulatorOptions();
        options.Validate();
        var seed = options.Seed;
        if (seed is null && options.SeedFile is not null)
        {
            try
            {
                seed = JsonSerializer.Deserialize<SeedFile>(await File.ReadAllTextAsync(options.SeedFile, cancellationToken), JsonBody.Options)
                       ?? throw new ArgumentException($"Seed file '{options.SeedFile}' is empty.");
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"Seed file '{options.SeedFile}' is not a valid seed: {e.Message}", e);
            }
        }
        var clock = options.TimeProvider ?? TimeProvider.System;
        var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var center = new ContactCenter(clock, options.RandomSeed, http);
        var problems = new List<string>();
        foreach (var (tenant, i) in (seed?.Tenants ?? []).Select((t, i) => (t, i)))
            problems.AddRange(center.PutTenant(tenant).Select(p => $"tenants[{i}] ({tenant.Id}): {p}"));
        if (problems.Count > 0)
        {
            await center.StopAsync();
            http.Dispose();
            throw new ArgumentException("The seed is not valid:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ContactCenterEmulatorServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Host), options.Port));
        builder.Services.AddSingleton(center);
        builder.Services.AddOpenApi("contact-center");
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.UseRouting();
        app.MapOpenApi("/_emulator/openapi/{documentName}.json");
        app.MapCommands();
        app.MapControl();
        app.MapGet("/", () => Results.Redirect("/_emulator")).ExcludeFromDescription();

        var server = new ContactCenterEmulatorServer(app, center, http);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await center.StopAsync();
            http.Dispose();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        if (options.RunTimers) server._ticker = server.TickLoopAsync(clock, app.Services.GetRequiredService<ILogger<ContactCenterEmulatorServer>>());
        return server;
    }

    private async Task TickLoopAsync(TimeProvider clock, ILogger logger)
    {
        using var timer = new PeriodicTimer(TickInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    Center.Tick();
                }
                catch (Exception e)
                {
                    // A bug in one pass must not stop time for the rest of the run.
                    logger.LogError(e, "A tick of the contact-center emulator failed.");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_ticker is not null) await _ticker;
        await Center.StopAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
        _stopping.Dispose();
    }
}
