using System.Diagnostics;
using System.Text;
using ContactBridge;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.RoutingMaps;
using ContactBridge.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// The routing-map import run: N agents in the org's call center, a CSV of N telephony users, one import and its
/// re-run against the emulator with Salesforce-like latency; reports time, rows a second and API calls (from the org's log).
/// </summary>
internal static class RoutingMapBench
{
    public static async Task<int> RunAsync(int users, double latencyMs, double jitterMs)
    {
        Console.WriteLine($"ContactBridge routing-map benchmark: {users:N0} users, Salesforce latency {latencyMs} ± {jitterMs} ms.");
        var directory = Directory.CreateTempSubdirectory("cb-bench-map-").FullName;
        var seedUsers = Enumerable.Range(1, users).Select(i => new SeedUser
        {
            Username = $"agent{i}@bench.example", Email = $"agent{i}@bench.example", LastName = $"Agent {i}", Alias = $"a{i}", CallCenter = "ContactBridgeVoice",
        }).ToList();
        var seedClock = Stopwatch.StartNew();
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Seed = new SeedFile { Orgs = [new SeedOrg { Key = WellKnown.DefaultOrgKey, ApiDailyLimit = 1_000_000, Users = seedUsers }] },
        });
        Console.WriteLine($"  org seeded with {users:N0} users in {seedClock.Elapsed.TotalSeconds:F1} s");
        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Settings = new()
            {
                [$"{HubOptions.Section}:DataDirectory"] = directory,
                [$"{SalesforceOptions.Section}:ProductionLoginUrl"] = emulator.ProductionLoginUrl,
                [$"{RoutingMapOptions.Section}:BulkPollInterval"] = "00:00:01",
            },
            ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
        });
        var tenant = await hub.Services.GetRequiredService<TenantStore>().CreateAsync("Bench Contact Center", default);
        await BenchSetup.LinkAsync(hub, emulator, tenant.Id);
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(latencyMs), Jitter = TimeSpan.FromMilliseconds(jitterMs) });
        string center;
        lock (emulator.State.DefaultOrg.Sync) center = emulator.State.DefaultOrg.Records.OfType("CallCenter")[0].Id;
        var csv = new StringBuilder("ExternalId,Email\n");
        for (var i = 1; i <= users; i++) csv.Append($"telephony.agent.{i},agent{i}@bench.example\n");
        var (parsed, _) = TelephonyUserCsv.Parse(csv.ToString(), MatchBy.Email);
        var importer = hub.Services.GetRequiredService<RoutingMapImporter>();
        var request = new RoutingMapRequest(center, MatchBy.Email, ExistingMapPolicy.Skip, DryRun: false);

        var ok = true;
        foreach (var run in new[] { "import", "re-run" })
        {
            var before = emulator.State.Log.LastSequence;
            var sw = Stopwatch.StartNew();
            var import = await importer.ImportAsync(tenant.Id, ImportSources.Csv, request, parsed, "bench", null, default);
            var seconds = sw.Elapsed.TotalSeconds;
            var calls = emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, before);
            var kinds = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Where(e => e.CountedAsApiCall).GroupBy(e => e.Kind).OrderByDescending(g => g.Count())
                .Select(g => $"{g.Key} {g.Count()}");
            Console.WriteLine($"""
                  {run,-8} {import.State}: {RoutingMapPages.SummaryText(import)}
                           {seconds:F1} s ({users / seconds:N0} rows/s), {calls} Salesforce API calls ({string.Join(", ", kinds)}){(import.Method is null ? "" : $", written by {import.Method}")}
                """);
            ok &= import.State == ImportStates.Done && (run == "import" ? import.Summary!.Created : import.Summary!.Unchanged) == users;
        }
        int maps;
        lock (emulator.State.DefaultOrg.Sync) maps = emulator.State.DefaultOrg.Records.OfType("CallCenterRoutingMap").Count(r => !r.IsDeleted);
        Console.WriteLine($"  CallCenterRoutingMap records in the org: {maps:N0}; peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
        Directory.Delete(directory, recursive: true);
        return ok && maps == users ? 0 : 1;
    }
}
