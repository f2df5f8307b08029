using Spectre.Console;

namespace ContactBridge.Bench.Soak;

/// <summary>Samples as a live table on a terminal; the same figures as plain lines when the output is piped or logged.</summary>
internal sealed class SoakDisplay
{
    private static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public void Line(string text)
    {
        if (Interactive) AnsiConsole.MarkupLine(Markup.Escape(text));
        else Console.WriteLine(text);
    }

    public async Task RunAsync(string title, Func<Action<SoakSample>, Task> body)
    {
        if (!Interactive)
        {
            Console.WriteLine($"  {"time",5} {"phase",-5} {"sent",8} {"acked",8} {"logged",8} {"logged/s",8}  {"inbox_ev",8} {"interact",8} {"outbox",8}  {"api",6}  {"cpu%",4}  rss MiB (cpu % of a core) per instance");
            await body(s => Console.WriteLine(PlainLine(s)));
            return;
        }
        var table = new Table().Title(title).Border(TableBorder.Simple);
        foreach (var column in new[] { "time", "phase", "sent", "acked", "logged", "logged/s", "inbox_events", "interactions", "outbox", "API calls", "machine CPU", "RSS MiB (CPU %) per instance" })
            table.AddColumn(new TableColumn(column).RightAligned());
        await AnsiConsole.Live(table).StartAsync(async context => await body(s =>
        {
            table.AddRow(Time(s), s.Phase, $"{s.Sent:N0}", $"{s.Acknowledged:N0}", $"{s.Logged:N0}", $"{s.LoggedPerSecond:F1}", $"{s.InboxEvents:N0}",
                $"{s.Interactions:N0}", $"{s.Outbox:N0}", $"{s.ApiCalls:N0}", $"{s.MachineCpuPercent:F0} %", Instances(s));
            while (table.Rows.Count > 25) table.Rows.RemoveAt(0);
            context.Refresh();
        }));
    }

    private static string Time(SoakSample s) => TimeSpan.FromSeconds(s.ElapsedSeconds).ToString(@"mm\:ss");

    private static string Instances(SoakSample s) => string.Join("  ", s.RssMiB.Select((m, i) => $"{m:F0} ({s.CpuPercent[i]:F0} %)"));

    private static string PlainLine(SoakSample s) =>
        $"  {Time(s),5} {s.Phase,-5} {s.Sent,8} {s.Acknowledged,8} {s.Logged,8} {s.LoggedPerSecond,8:F1}  {s.InboxEvents,8} {s.Interactions,8} {s.Outbox,8}  {s.ApiCalls,6}  {s.MachineCpuPercent,4:F0}  {Instances(s)}";
}
