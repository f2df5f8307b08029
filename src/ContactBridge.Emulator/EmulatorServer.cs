using System.Net;
using System.Text.Json;
using ContactBridge.Emulator.Admin;
using ContactBridge.Emulator.BulkV1;
using ContactBridge.Emulator.CallCenters;
using ContactBridge.Emulator.Lightning;
using ContactBridge.Emulator.OpenCti;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Rest;
using ContactBridge.Emulator.Soap;
using ContactBridge.Emulator.Streaming;
using ContactBridge.Emulator.Telephony;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ContactBridge.Emulator;

/// <summary>
/// A running emulator: real HTTP on a loopback port, so third-party Salesforce clients can talk
/// to it. Start one per test (port 0) or run the executable for a long-lived local org.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DataFile? _dataFile;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _saver;

    private EmulatorServer(WebApplication app, EmulatorState state, DataFile? dataFile)
    {
        _app = app;
        State = state;
        _dataFile = dataFile;
    }

    public EmulatorState State { get; }

    /// <summary>The origin, e.g. http://127.0.0.1:8844 — also the default org's instance URL.</summary>
    public Uri BaseUri { get; private set; } = null!;

    public string InstanceUrl => BaseUri.ToString().TrimEnd('/');
    public string ProductionLoginUrl => InstanceUrl + "/login";
    public string SandboxLoginUrl => InstanceUrl + "/test";

    /// <summary>The https port of the orgs' Lightning hosts, when <see cref="EmulatorOptions.HttpsPort"/> asked for one.</summary>
    public int? HttpsPort { get; private set; }

    /// <summary>An org's Lightning host, e.g. https://default.lightning.force.com:8845 (needs <see cref="EmulatorOptions.HttpsPort"/>).</summary>
    public string LightningUrlOf(string orgKey) =>
        $"https://{orgKey}{Lightning.LightningHosts.Suffix}:{HttpsPort ?? throw new InvalidOperationException("Start the emulator with an HttpsPort to have Lightning hosts.")}";

    public string InstanceUrlOf(string orgKey) => orgKey == WellKnown.DefaultOrgKey ? InstanceUrl : $"{InstanceUrl}/orgs/{orgKey}";

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        options.Validate();
        var seed = options.Seed;
        if (seed is null && options.SeedFile is not null)
        {
            seed = JsonSerializer.Deserialize<SeedFile>(await File.ReadAllTextAsync(options.SeedFile, cancellationToken), SeedJson)
                   ?? throw new ArgumentException($"Seed file '{options.SeedFile}' is empty.");
        }
        var state = new EmulatorState(seed, options.TimeProvider);
        DataFile? dataFile = null;
        if (options.DataFile is not null)
        {
            dataFile = new DataFile(state, options.DataFile);
            dataFile.Load();
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(EmulatorServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Parse(options.Host), options.Port);
            if (options.HttpsPort is { } https)
            {
                // One certificate for the https port (the Lightning hosts and the Pub/Sub API), made now; clients can fetch it to trust it.
                state.TlsCertificate = Lightning.LightningHosts.Certificate();
                k.Listen(IPAddress.Parse(options.Host), https, l => l.UseHttps(state.TlsCertificate));
            }
            // Bulk uploads may be up to 150 MB.
            k.Limits.MaxRequestBodySize = 200 * 1024 * 1024;
            // Salesforce accepts request URIs up to 16,384 bytes (REST API Developer Guide, "Limits").
            k.Limits.MaxRequestLineSize = 16_384 + 64;
        });
        builder.Services.AddSingleton(state);
        builder.Services.AddOpenApi("emulator");
        builder.Services.AddProblemDetails();
        // Salesforce compresses a response when the client asks (Accept-Encoding: gzip), over https too.
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
            o.MimeTypes = ["application/json", "application/xml", "text/xml", "text/csv", "text/plain"];
        });
        builder.Services.AddGrpc();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        var app = builder.Build();
        // Not the answers that carry a session or token (OAuth, SOAP login: no compression side channel on a secret), nor gRPC (its own framing).
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/services/oauth2") && !c.Request.Path.StartsWithSegments("/services/Soap")
                && !(c.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) ?? false),
            compressed => compressed.UseResponseCompression());
        app.UseMiddleware<EmulatorMiddleware>();
        // The console's scripts and styles and the vendored design system, from inside the assembly.
        app.UseStaticFiles(new StaticFileOptions { FileProvider = OpenCti.OpenCtiEndpoints.Assets, RequestPath = Lightning.ConsoleLayout.Assets });
        app.UseRouting();
        app.MapOpenApi("/_emulator/openapi/{documentName}.json");
        app.MapOAuth();
        app.MapRest();
        app.MapBulkV1();
        app.MapSoap();
        app.MapCometd();
        app.MapEmulatorAdmin();
        app.MapCallCenterAdmin();
        app.MapConsoleSignIn();
        app.MapRecordPages();
        app.MapOpenCti();
        app.MapTelephony();
        app.MapGrpcService<PubSub.PubSubService>();

        var server = new EmulatorServer(app, state, dataFile);
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal))).ToList();
        server.BaseUri = addresses.First(a => a.Scheme == Uri.UriSchemeHttp);
        server.HttpsPort = addresses.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttps)?.Port;
        if (dataFile is not null) server._saver = server.SaveLoopAsync(options.SaveInterval);
        return server;
    }

    public static readonly JsonSerializerOptions SeedJson = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private async Task SaveLoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token)) _dataFile!.Save();
        }
        catch (OperationCanceledException)
        {
            // Stopping: the final save happens in DisposeAsync.
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_saver is not null) await _saver;
        _dataFile?.Save(force: true);
        State.Faults.Clear();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
