using System.Net;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.SeveralInstances;

/// <summary>One hub process (`contactbridge serve`), started again on the same port after a SIGKILL.</summary>
internal sealed class HubInstanceProcess(int index, string database, string key, ContactBridge.Emulator.EmulatorServer emulator) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory($"cb-instance{index}-").FullName;
    private readonly int _port = FreePort();
    private CliProcess? _process;

    public int Index => index;
    public int Starts { get; private set; }
    public Uri BaseUri => new($"http://127.0.0.1:{_port}");
    public bool IsUp { get; private set; }

    public async Task StartAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["CONTACTBRIDGE_Hub__Database"] = database,
            ["CONTACTBRIDGE_Hub__Key"] = key,
            ["CONTACTBRIDGE_Hub__PublicUrl"] = BaseUri.ToString(),
            ["CONTACTBRIDGE_Salesforce__ProductionLoginUrl"] = emulator.ProductionLoginUrl,
            ["CONTACTBRIDGE_Salesforce__SandboxLoginUrl"] = emulator.SandboxLoginUrl,
            // Short enough for a test: a hung request gives up after 3 s, a dead instance's rows and lanes pass on within 10 s.
            ["CONTACTBRIDGE_Salesforce__RequestTimeout"] = "00:00:03",
            ["CONTACTBRIDGE_Logging__Lease"] = "00:00:10",
            ["CONTACTBRIDGE_Logging__LaneLease"] = "00:00:06",
            ["CONTACTBRIDGE_Logging__MaxRetryDelay"] = "00:00:04",
            ["CONTACTBRIDGE_Logging__LogLevel__Default"] = "Warning",
        };
        _process = CliProcess.Start(_directory, environment, "serve", "--urls", BaseUri.ToString());
        await _process.LineContainingAsync("ContactBridge is serving");
        Starts++;
        IsUp = true;
    }

    /// <summary>SIGKILL: no shutdown, leases and claimed rows left as they were.</summary>
    public void Kill()
    {
        IsUp = false;
        _process?.Dispose();
    }

    public string Errors() => _process?.Output ?? "";

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS.
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
