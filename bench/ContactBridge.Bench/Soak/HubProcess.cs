using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContactBridge.Bench.Soak;

/// <summary>
/// One hub instance as it runs in production: its own process (<c>contactbridge serve</c>), configured through
/// CONTACTBRIDGE_ variables, so its memory and CPU can be read from /proc apart from the load generator's.
/// </summary>
internal sealed class HubProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _directory;
    private CpuCap? _cap;
    private StreamWriter? _log;

    private HubProcess(Process process, Uri baseUri, string directory)
    {
        _process = process;
        BaseUri = baseUri;
        _directory = directory;
    }

    public Uri BaseUri { get; }
    public int Pid => _process.Id;

    /// <param name="cpus">When set, the instance gets this many cores at most (a cgroup quota), as a machine of that size would.</param>
    /// <param name="logFile">Where everything it writes goes, as well as the last lines kept for an error message.</param>
    public static async Task<HubProcess> StartAsync(int index, IReadOnlyDictionary<string, string> environment, double? cpus = null, string? logFile = null)
    {
        var directory = Directory.CreateTempSubdirectory($"cb-soak-instance{index}-").FullName;
        var baseUri = new Uri($"http://127.0.0.1:{FreePort()}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "contactbridge.dll"), "--data-dir", directory, "serve", "--urls", baseUri.ToString() })
            info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        info.Environment["CONTACTBRIDGE_Hub__PublicUrl"] = baseUri.ToString();
        // The runtime sizes its thread pool and GC for the cores it may use, as it would read them from its own cgroup.
        if (cpus is { } c) info.Environment["DOTNET_PROCESSOR_COUNT"] = Math.Max(1, (int)Math.Ceiling(c)).ToString(CultureInfo.InvariantCulture);
        var hub = new HubProcess(Process.Start(info)!, baseUri, directory);
        if (logFile is not null) hub._log = new StreamWriter(logFile) { AutoFlush = true };
        if (cpus is { } share) hub._cap = CpuCap.Apply(hub.Pid, share);
        hub._process.OutputDataReceived += (_, e) => hub.OnLine(e.Data);
        hub._process.ErrorDataReceived += (_, e) => hub.OnLine(e.Data);
        hub._process.BeginOutputReadLine();
        hub._process.BeginErrorReadLine();
        var exited = hub._process.WaitForExitAsync();
        var first = await Task.WhenAny(hub._serving.Task, exited, Task.Delay(TimeSpan.FromMinutes(1)));
        if (first != hub._serving.Task)
        {
            var why = first == exited ? $"exited with {hub._process.ExitCode}" : "did not serve within a minute";
            hub.Dispose();
            throw new InvalidOperationException($"Hub instance {index} {why}:\n{hub.Tail}");
        }
        return hub;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _log?.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > 40) _tail.Dequeue();
        }
        if (line.Contains("ContactBridge is serving", StringComparison.Ordinal)) _serving.TrySetResult();
    }

    /// <summary>The last lines it wrote (warnings and errors only: it runs at log level Warning).</summary>
    public string Tail
    {
        get
        {
            lock (_tail) return string.Join('\n', _tail);
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory in bytes (VmRSS in /proc/&lt;pid&gt;/status), 0 once it has exited.</summary>
    public long RssBytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>User and system CPU time it has used, from /proc/&lt;pid&gt;/stat (clock ticks of 1/100 s).</summary>
    public double CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            // Fields after the command name in parentheses (which may hold spaces): utime and stime are the 12th and 13th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        _cap?.Dispose();
        lock (_tail) _log?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory: the OS cleans it.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
