using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>
/// Serves the test softphone (Lightning/TestSoftphone, written from Salesforce's Open CTI
/// documentation) from its own origin, as a softphone vendor's server would.
/// </summary>
public sealed class SoftphoneHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SoftphoneHost(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>The adapter URL for a call center definition: the page, told where Salesforce is.</summary>
    public string AdapterUrl(EmulatorServer salesforce, string page = "index.html") =>
        $"{BaseUri}{page}{(page.Contains('?', StringComparison.Ordinal) ? '&' : '?')}salesforce={Uri.EscapeDataString(salesforce.InstanceUrl)}";

    public static async Task<SoftphoneHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // 127.0.0.2 is loopback too, but another origin than the emulator's 127.0.0.1.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse("127.0.0.2"), 0));
        var app = builder.Build();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(NodeTool.RepositoryRoot, "tests/ContactBridge.Emulator.Tests/Lightning/TestSoftphone")),
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SoftphoneHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
