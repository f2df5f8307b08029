using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>
/// The contact-center verb (see README, "Benchmark"): the contact-center emulator drives the hub at a rate of calls;
/// reports how fast agent changes reach a live-picture subscriber and that every contact is logged exactly once.
/// Exit code 1 when anything was lost, duplicated, rejected or not drained in time.
/// </summary>
internal static class ContactCenterCommand
{
    /// <summary>The issue's target for event → picture.</summary>
    private const double PictureTargetP99Ms = 250;

    /// <summary>The agent-adapter issue's "within a second" for new contacts reaching the softphone.</summary>
    private const double SoftphoneTargetMs = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help"))
        {
            Console.WriteLine($"usage: {ContactCenterBenchOptions.Usage}");
            return 0;
        }
        var (o, error) = ContactCenterBenchOptions.Parse(args);
        if (o is null)
        {
            await Console.Error.WriteLineAsync($"error: {error}\nusage: {ContactCenterBenchOptions.Usage}");
            return 2;
        }
        RunDisplay.Line(string.Create(CultureInfo.InvariantCulture,
            $"ContactBridge contact-center benchmark: {o.Rate}/s for {o.Minutes} min on {o.DatabaseLabel}, {o.Agents} agents (auto-answer 1 s, talk {o.TalkMin}-{o.TalkMax} s, " +
            $"wrap-up {o.WrapUpSeconds} s: {o.Occupancy:P0} busy), voice/chat/e-mail 80/10/10 %, {o.ShortAbandonShare:P0} short abandons, Salesforce latency {o.LatencyMs} ± {o.JitterMs} ms."));
        if (o.Occupancy >= 1) RunDisplay.Line("Warning: the agents cannot carry this rate (occupancy 100 % or more); queues will grow for the whole run.");
        var result = await ContactCenterRun.RunAsync(o);
        Print(result);
        if (o.JsonFile is { } file)
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, Json));
            RunDisplay.Line($"Figures written to {file}");
        }
        return result.Passed ? 0 : 1;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static void Print(ContactCenterResult r)
    {
        static string Ms(double x) => double.IsNaN(x) ? "–" : x.ToString("N0", CultureInfo.InvariantCulture);
        static string Latencies(Stats s) => $"p50 {Ms(s.P50)} / p95 {Ms(s.P95)} / p99 {Ms(s.P99)} / max {Ms(s.Max)} ms ({s.Count:N0})";
        static string Check(bool ok) => ok ? "[green]ok[/]" : "[red]FAILED[/]";
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"Contact center → hub: {r.Rate}/s for {r.LoadSeconds:F0} s on {r.Database}, {r.Agents} agents; drained {r.DrainSeconds:F0} s after"))
            .AddColumn("figure").AddColumn("value").AddColumn("target");
        void Row(string figure, string value, string target = "") => table.AddRow(Markup.Escape(figure), Markup.Escape(value), target);
        Row("events accepted by the hub", string.Create(CultureInfo.InvariantCulture,
            $"{r.EventsPerSecond:F0}/s ({r.EventsDelivered:N0} delivered until the last arrived; {r.EventsStoredByHub:N0} stored by the hub in all)"));
        Row("event made → picture at subscriber", Latencies(r.EventToPicture),
            (r.EventToPicture.P99 < PictureTargetP99Ms ? "[green]" : "[red]") + $"p99 < {PictureTargetP99Ms:F0} ms[/]");
        Row("hub has event → picture at subscriber", Latencies(r.HubToPicture));
        Row("agent state changes", $"{r.StateChangesMade:N0} made, {r.EventToPicture.Count:N0} seen ({r.AgentEvents:N0} agent and {r.QueueEvents:N0} queue events on the stream, " +
            $"{r.Resyncs} resyncs); agents not showing their last state at the end: {r.AgentsStale}");
        Row("interactions", $"{r.Generated:N0} generated, {r.EndedInContactCenter:N0} ended at the contact center, {r.EndedInHub:N0} ended in the hub");
        Row("short abandons", $"{r.ShortAbandons:N0} made ({(r.Generated == 0 ? 0 : (double)r.ShortAbandons / r.Generated):P1}), {r.AbandonsInHub:N0} seen ended abandoned by the hub");
        Row("logged to Salesforce exactly once", $"{r.LoggedOnce:N0} of {r.Generated:N0}; lost {r.Lost}, duplicated {r.Duplicated}, dead letters {r.DeadLetters}",
            Check(r.Lost == 0 && r.Duplicated == 0 && r.LoggedOnce == r.Generated));
        Row("records in Salesforce", $"{r.Tasks:N0} Tasks, {r.Cases:N0} Cases, {r.NewLeads:N0} new Leads");
        Row("Salesforce API calls per interaction", string.Create(CultureInfo.InvariantCulture, $"{r.CallsPerInteraction:F3} ({r.ApiCalls:N0}: {r.CallKinds})"), "≤ 0.1");
        Row("ended → first record write in Salesforce", Latencies(r.EndedToRecord) + $"; {r.WritesDone:N0} writes sent in all");
        Row("screen pop (started → identified)", Latencies(r.ScreenPop));
        if (r.Softphones > 0)
        {
            Row($"softphones ({r.Softphones}): offered → ringing", Latencies(r.SoftphoneRing) + $"; {r.SoftphoneSeenAfterOffer} first seen already answered",
                (r.SoftphoneRing.P99 < SoftphoneTargetMs ? "[green]" : "[red]") + $"p99 < {SoftphoneTargetMs:F0} ms[/]");
            Row($"softphones: offered → screen pop ready", Latencies(r.SoftphonePop) + $"; {r.SoftphonePopRequests:N0} pop requests");
        }
        Row("peak memory (working set, whole process)", $"{r.PeakWorkingSetMiB} MiB");
        Row("machine CPU busy during the load", string.Create(CultureInfo.InvariantCulture, $"{r.MachineCpuPercent:F0} % of {Environment.ProcessorCount} cores (other work on the machine included)"));
        Row("emulator delivery", $"{r.Delivery.Delivered:N0} delivered, {r.Delivery.Pending} pending, {r.Delivery.Rejected} rejected, {r.Delivery.FailedAttempts} failed attempts" +
            (r.Delivery.LastError is { } e ? $" (last error: {e})" : ""), Check(r.Delivery.Rejected == 0 && r.Delivery.Pending == 0));
        Row("run", $"{(r.Drained ? "drained" : "NOT drained")} within the limit; talk {r.Talk}, wrap-up {r.WrapUpSeconds} s, occupancy {r.Occupancy:P0}, Salesforce latency {r.SalesforceLatency}" +
            (r.TallyGaps > 0 ? $"; {r.TallyGaps} events not tallied" : ""), Check(r.Passed));
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 220);
        AnsiConsole.Write(table);
    }
}
