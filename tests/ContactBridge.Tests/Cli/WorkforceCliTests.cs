using System.Text.Json.Nodes;
using ContactBridge.Tests.Support;
using ContactBridge.Workforce;

namespace ContactBridge.Tests.Cli;

/// <summary>The workforce verbs of the real executable, on the same data directory as a running hub.</summary>
public sealed class WorkforceCliTests
{
    [Fact]
    public async Task An_admin_sets_a_historical_integration_from_json_and_exports_its_intervals_as_csv()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        await File.WriteAllTextAsync(Path.Combine(hub.Directory, "bad.json"), """{"enabled": true, "shortAbandonSeconds": -1, "timeZone": "Moon/Base"}""", ct);
        await File.WriteAllTextAsync(Path.Combine(hub.Directory, "good.json"), """{"enabled": true, "timeZone": "Europe/Berlin"}""", ct);

        var refused = await CliProcess.RunAsync(hub.Directory, null, null, "workforce", "set", "--tenant", tenant.Slug, "--kind", "historical", "--settings", "bad.json");
        refused.ExitCode.ShouldBe(2, refused.ToString());
        refused.Stderr.ShouldContain("shortAbandonSeconds: The abandoned short contact threshold is 0 to 3,600 seconds");
        refused.Stderr.ShouldContain("timeZone: \"Moon/Base\" is not a time zone");
        var saved = await CliProcess.RunAsync(hub.Directory, null, null, "workforce", "set", "--tenant", tenant.Slug, "--kind", "historical", "--settings", "good.json");
        saved.ExitCode.ShouldBe(0, saved.ToString());
        saved.Stdout.ShouldContain("Historical integration \"default\" of Acme Support saved (on).");

        // Two calls two hours ago: one answered, one abandoned after 30 s.
        using (var sender = await EventSender.ForAsync(hub, tenant.Id))
        {
            var clock = new IntervalClock(TimeSpan.FromMinutes(15), TimeZoneInfo.Utc);
            var t0 = clock.StartOf(DateTimeOffset.UtcNow).AddHours(-2);
            await sender.AcceptAsync(
                sender.Event("c1", "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = "support" }, t0.AddMinutes(1)),
                sender.Event("c1", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, t0.AddMinutes(1).AddSeconds(4)),
                sender.Event("c1", "ended", new() { ["outcome"] = "answered" }, t0.AddMinutes(3)),
                sender.Event("c2", "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = "support" }, t0.AddMinutes(2)),
                sender.Event("c2", "ended", new() { ["outcome"] = "abandoned" }, t0.AddMinutes(2).AddSeconds(30)));
        }
        await hub.RunPipelineAsync();
        var export = await CliProcess.RunAsync(hub.Directory, null, null, "workforce", "export", "--tenant", tenant.Slug, "--what", "queues", "--out", "queues.csv");
        export.ExitCode.ShouldBe(0, export.ToString());
        export.Stdout.ShouldContain("1 queues interval row(s) written to queues.csv");
        var lines = (await File.ReadAllTextAsync(Path.Combine(hub.Directory, "queues.csv"), ct)).TrimEnd('\n').Split('\n');
        lines[0].ShouldStartWith("start,localStart,queue,channel,offered,answered,answeredWithinThreshold,abandoned,shortAbandoned,serviceLevelPercent");
        lines[1].Split(',')[2..10].ShouldBe(["support", "voice", "2", "1", "1", "1", "0", "50"], "one answered in 4 s, one abandoned after 30 s");

        var listed = await CliProcess.RunAsync(hub.Directory, null, null, "workforce", "list", "--tenant", tenant.Slug);
        listed.Stdout.ShouldContain("historical");
        listed.Stdout.ShouldContain("on");
        var missing = await CliProcess.RunAsync(hub.Directory, null, null, "workforce", "export", "--tenant", tenant.Slug, "--group", "emea");
        missing.ExitCode.ShouldBe(2);
        missing.Stderr.ShouldContain("has no historical integration \"emea\"");
    }
}
