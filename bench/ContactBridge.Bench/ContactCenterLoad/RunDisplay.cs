using System.Diagnostics;
using Spectre.Console;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>A progress bar with a live line on a terminal; the same line every 10 s when the output is piped or logged.</summary>
internal static class RunDisplay
{
    private static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static void Line(string text)
    {
        if (Interactive) AnsiConsole.MarkupLine(Markup.Escape(text));
        else Console.WriteLine(text);
    }

    /// <summary>Runs <paramref name="body"/>, which reports (progress out of <paramref name="max"/>, a line of figures) as often as it likes.</summary>
    public static async Task RunAsync(string title, double max, Func<Action<double, string>, Task> body)
    {
        if (!Interactive)
        {
            var printed = Stopwatch.StartNew();
            var last = "";
            await body((value, line) =>
            {
                last = line;
                if (printed.Elapsed < TimeSpan.FromSeconds(10)) return;
                printed.Restart();
                Console.WriteLine($"  {title,-6} {100 * Math.Min(value, max) / max,3:F0} %  {line}");
            });
            Console.WriteLine($"  {title,-6} done   {last}");
            return;
        }
        await AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: max);
                await body((value, line) =>
                {
                    task.Value = Math.Min(value, max);
                    task.Description = Markup.Escape($"{title}: {line}");
                });
                task.Value = max;
            });
    }
}
