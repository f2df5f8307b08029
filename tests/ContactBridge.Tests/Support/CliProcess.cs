using System.Diagnostics;
using System.Text;

namespace ContactBridge.Tests.Support;

/// <summary>Runs the real contactbridge executable, with standard input a test can answer.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Contains, TaskCompletionSource<string> Seen)> _waiters = [];

    private CliProcess(Process process) => _process = process;

    public static CliProcess Start(string dataDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "contactbridge.dll"));
        info.ArgumentList.Add("--data-dir");
        info.ArgumentList.Add(dataDirectory);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var cli = new CliProcess(Process.Start(info)!);
        cli._process.OutputDataReceived += (_, e) => cli.OnLine(e.Data, cli._stdout);
        cli._process.ErrorDataReceived += (_, e) => cli.OnLine(e.Data, cli._stderr);
        cli._process.BeginOutputReadLine();
        cli._process.BeginErrorReadLine();
        return cli;
    }

    private void OnLine(string? line, StringBuilder into)
    {
        if (line is null) return;
        lock (_waiters)
        {
            into.AppendLine(line);
            foreach (var w in _waiters.Where(w => line.Contains(w.Contains, StringComparison.Ordinal)).ToList())
            {
                w.Seen.TrySetResult(line);
                _waiters.Remove(w);
            }
        }
    }

    /// <summary>Waits for an output line containing the text (the process may still be running).</summary>
    public Task<string> LineContainingAsync(string text)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            var existing = _stdout.ToString().Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (existing is not null) tcs.SetResult(existing);
            else _waiters.Add((text, tcs));
        }
        return tcs.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
    }

    /// <summary>What it has written so far, standard output then standard error.</summary>
    public string Output
    {
        get
        {
            lock (_waiters) return _stdout + _stderr.ToString();
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
    }

    public async Task<Result> ExitAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        _process.WaitForExit();
        lock (_waiters) return new Result(_process.ExitCode, _stdout.ToString(), _stderr.ToString());
    }

    public static async Task<Result> RunAsync(string dataDirectory, IDictionary<string, string>? environment, string? stdin, params string[] args)
    {
        using var cli = Start(dataDirectory, environment, args);
        if (stdin is not null) await cli.WriteLineAsync(stdin);
        return await cli.ExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
