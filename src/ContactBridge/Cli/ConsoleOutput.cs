using System.Text.Json;
using Spectre.Console;

namespace ContactBridge.Cli;

/// <summary>
/// How the command line shows data: Spectre.Console tables and progress bars on a terminal, plain
/// lines when the output goes to a file or a pipe (so scripts and logs read it as before), and JSON
/// with <c>--json</c>.
/// </summary>
public static class ConsoleOutput
{
    public static readonly System.CommandLine.Option<bool> Json = new("--json") { Description = "Print the data as JSON (for scripts)." };

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool Interactive => !Console.IsOutputRedirected;

    public static void WriteJson<T>(T value) => Console.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>A table on a terminal; otherwise the plain lines, one per row.</summary>
    public static void Table(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows, Func<string[], string> plainLine, bool showHeaders = true)
    {
        if (!Interactive)
        {
            foreach (var row in rows) Console.WriteLine(plainLine(row));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        if (!showHeaders) table.HideHeaders();
        foreach (var h in headers) table.AddColumn(new TableColumn(Markup.Escape(h)));
        foreach (var row in rows) table.AddRow(row.Select(c => new Text(c)).ToArray());
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// Runs work that reports progress: a Spectre progress bar on standard error when it is a terminal,
    /// one line per stage when it is redirected, nothing when <paramref name="quiet"/>.
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(string title, bool quiet, Func<IProgress<RoutingMaps.ImportProgress>?, Task<T>> work)
    {
        if (quiet) return await work(null);
        if (Console.IsErrorRedirected) return await work(new StageLines());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title));
                var result = await work(new Progress<RoutingMaps.ImportProgress>(p =>
                {
                    task.Description = Markup.Escape($"{title}: {p.Stage}");
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                }));
                task.Value = task.MaxValue;
                return result;
            });
    }

    /// <summary>Redirected: a line each time the stage changes.</summary>
    private sealed class StageLines : IProgress<RoutingMaps.ImportProgress>
    {
        private string? _last;

        public void Report(RoutingMaps.ImportProgress value)
        {
            if (value.Stage == _last) return;
            _last = value.Stage;
            Console.Error.WriteLine($"{value.Stage}: {value.Total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} row(s)");
        }
    }
}
