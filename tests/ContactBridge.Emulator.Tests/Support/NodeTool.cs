using System.Diagnostics;
using System.Text;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>
/// Runs the third-party Node clients (jsforce, the Salesforce CLI) that the project pins in
/// package.json. They must be installed: the README's test command (scripts/test.sh) does that.
/// </summary>
public static class NodeTool
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ContactBridge.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (ContactBridge.slnx) above " + AppContext.BaseDirectory);
    }

    public static string NodeModules
    {
        get
        {
            var path = Path.Combine(RepositoryRoot, "node_modules");
            if (!Directory.Exists(Path.Combine(path, "jsforce")) || !Directory.Exists(Path.Combine(path, "@salesforce", "cli")))
                throw new InvalidOperationException("The npm packages the client tests need are not installed. Run ./scripts/test.sh, or `npm ci` in " + RepositoryRoot + ".");
            return path;
        }
    }

    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static async Task<Run> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryRoot,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        process.WaitForExit();
        return new Run(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
