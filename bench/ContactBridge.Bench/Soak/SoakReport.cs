using System.Globalization;
using System.Text;
using CsvHelper;

namespace ContactBridge.Bench.Soak;

/// <summary>The soak's summary, its samples as CSV and an SVG chart of them, and the side-by-side table of --scale.</summary>
internal static class SoakReport
{
    public static string Summary(SoakOptions o, SoakResult r)
    {
        static string Mib(IEnumerable<double> xs) => string.Join(" / ", xs.Select(x => $"{x:F0}")) + " MiB";
        static string Rows(SoakSample s) => $"inbox_events {s.InboxEvents:N0}, interactions {s.Interactions:N0}, outbox {s.Outbox:N0} (at {TimeSpan.FromSeconds(s.ElapsedSeconds):mm\\:ss})";
        return $"""

            Results ({o.Database}, {r.Instances} instance(s), {o.Tenants} tenant(s), {o.Rate}/s for {r.LoadSeconds:F0} s; drained {r.DrainSeconds:F0} s after)
              Interactions                         {r.Sent:N0} sent, {r.Acknowledged:N0} acknowledged, {r.Logged:N0} logged (lost {r.Lost}, duplicated {r.Duplicates}, dead letters {r.DeadLetters}; posts given up {r.PostFailures}, retried after a 503 {r.PostRefusals:N0}, after a timeout {r.PostTimeouts:N0})
              {DeadLetterCauses(r)}Throughput                           {r.SustainedPerSecond:F1} interactions/s logged (steady state: from 30 s in, or a third of a short run, to the end of sending); backlog at end of load {r.BacklogAtEndOfLoad:N0}
              Salesforce API calls                 {r.CallsPerInteraction:F3} per interaction ({r.CallKinds})
              Ended → record in Salesforce         p50 {r.EndedToRecord.P50:F0} ms, p99 {r.EndedToRecord.P99:F0} ms
              Screen pop (started → identified)    p50 {r.ScreenPop.P50:F0} ms, p99 {r.ScreenPop.P99:F0} ms
              Event POST until 202 (with retries)  p50 {r.EventPost.P50:F1} ms, p99 {r.EventPost.P99:F1} ms
              Memory per instance (RSS)            peak {Mib(r.PeakRssMiB)}, final {Mib(r.FinalRssMiB)}
              Machine CPU busy during load         {r.MeanMachineCpuPercent:F0} % of {Environment.ProcessorCount} cores
              Table rows at start of retention     {(r.RetentionStart is { } s ? Rows(s) : "retention pruned nothing during the run")}
              Table rows at end of load            {Rows(r.EndOfLoad)}
            """;
    }

    /// <summary>Why writes ended as dead letters, by Salesforce's (or the hub's) error code, one example message each.</summary>
    private static string DeadLetterCauses(SoakResult r) => string.Concat(r.DeadLetterCauses.Select(d =>
        $"  dead letters {d.Code,-20} {d.Count:N0} (e.g. {d.Example})\n              "));

    public static string ScaleTable(IReadOnlyList<SoakResult> results)
    {
        var lines = new StringBuilder();
        lines.AppendLine("| instances | logged/s | backlog at end | calls/interaction | ended→record p50 / p99 | screen pop p99 | POST p99 | peak RSS per instance | machine CPU |");
        lines.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
            lines.AppendLine(CultureInfo.InvariantCulture, $"| {r.Instances} | {r.SustainedPerSecond:F1} | {r.BacklogAtEndOfLoad:N0} | {r.CallsPerInteraction:F3} | {r.EndedToRecord.P50:F0} / {r.EndedToRecord.P99:F0} ms | {r.ScreenPop.P99:F0} ms | {r.EventPost.P99:F1} ms | {string.Join(" / ", r.PeakRssMiB.Select(m => $"{m:F0}"))} MiB | {r.MeanMachineCpuPercent:F0} % |");
        return lines.ToString();
    }

    public static void WriteCsv(string path, IReadOnlyList<SoakSample> samples)
    {
        var instances = samples.Max(s => s.RssMiB.Count);
        using var csv = CsvWriter.ToFile(path, CsvWriterOptions.Default);
        csv.WriteHeader([
            "elapsed_s", "phase", "sent", "acknowledged", "logged", "logged_per_s", "inbox_events", "interactions", "outbox", "api_calls", "machine_cpu_pct",
            .. Enumerable.Range(1, instances).SelectMany(i => new[] { $"rss_mib_{i}", $"cpu_pct_{i}" }),
        ]);
        static string N(double x) => x.ToString("0.#", CultureInfo.InvariantCulture);
        foreach (var s in samples)
            csv.WriteRecord([
                N(s.ElapsedSeconds), s.Phase, N(s.Sent), N(s.Acknowledged), N(s.Logged), N(s.LoggedPerSecond), N(s.InboxEvents), N(s.Interactions), N(s.Outbox),
                N(s.ApiCalls), N(s.MachineCpuPercent), .. Enumerable.Range(0, instances).SelectMany(i => new[] { N(s.RssMiB[i]), N(s.CpuPercent[i]) }),
            ]);
    }

    /// <summary>Three panels over elapsed time: throughput, table rows, memory per instance.</summary>
    public static void WriteSvg(string path, string title, IReadOnlyList<SoakSample> samples)
    {
        const int Width = 760, PanelHeight = 170, Left = 70, Right = 20, Top = 40, Gap = 45;
        string[] colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
        var maxX = Math.Max(1, samples.Max(s => s.ElapsedSeconds));
        var loadEnd = samples.LastOrDefault(s => s.Phase == "load")?.ElapsedSeconds ?? maxX;
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Top + 3 * (PanelHeight + Gap)}" font-family="sans-serif" font-size="11">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="100%" height="100%" fill="white"/><text x="{Left}" y="22" font-size="14">{Escape(title)}</text>""");
        var instances = samples.Max(s => s.RssMiB.Count);
        var panels = new (string Name, (string Label, Func<SoakSample, double> Y)[] Series)[]
        {
            ("interactions logged per second", [("logged/s", s => s.LoggedPerSecond)]),
            ("table rows", [("inbox_events", s => s.InboxEvents), ("interactions", s => s.Interactions), ("outbox", s => s.Outbox)]),
            ("RSS memory (MiB)", Enumerable.Range(0, instances).Select(i => ($"instance {i + 1}", (Func<SoakSample, double>)(s => s.RssMiB[i]))).ToArray()),
        };
        for (var p = 0; p < panels.Length; p++)
        {
            var (name, series) = panels[p];
            var top = Top + p * (PanelHeight + Gap);
            var maxY = Math.Max(1, series.Max(x => samples.Max(x.Y))) * 1.1;
            double X(double seconds) => Left + (Width - Left - Right) * seconds / maxX;
            double Y(double value) => top + PanelHeight - PanelHeight * value / maxY;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{top - 6}" font-weight="bold">{name}</text>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{Left}" y="{top}" width="{Width - Left - Right}" height="{PanelHeight}" fill="none" stroke="#999"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{X(loadEnd):F1}" y1="{top}" x2="{X(loadEnd):F1}" y2="{top + PanelHeight}" stroke="#bbb" stroke-dasharray="4 3"/><text x="{X(loadEnd) - 3:F1}" y="{top + 12}" fill="#888" text-anchor="end">load ends</text>""");
            for (var t = 0; t <= 4; t++)
            {
                var v = maxY * t / 4;
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{Y(v) + 4:F1}" text-anchor="end">{v:N0}</text>""");
            }
            for (var i = 0; i < series.Length; i++)
            {
                var points = string.Join(' ', samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{X(s.ElapsedSeconds):F1},{Y(series[i].Y(s)):F1}")));
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{colours[i % colours.Length]}" stroke-width="1.8" points="{points}"/>""");
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Width - Right - 110}" y="{top + 16 + 14 * i}" fill="{colours[i % colours.Length]}">{series[i].Label}</text>""");
            }
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Width - Right}" y="{top + PanelHeight + 14}" text-anchor="end">{maxX:F0} s</text><text x="{Left}" y="{top + PanelHeight + 14}">0 s</text>""");
        }
        svg.AppendLine("</svg>");
        File.WriteAllText(path, svg.ToString());
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
