using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Linking;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using Dapper;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// The logging load run (see README, "Benchmark"): the hub on SQLite, its real background pipeline,
// against the emulator with Salesforce-like latency on every request; N interactions at a steady rate.
//   dotnet run -c Release --project bench/ContactBridge.Bench -- [--rate 50] [--minutes 10] [--latency-ms 100] [--jitter-ms 30] [--known 0.7]
// The routing-map import run instead: -- --routing-map 20000 [--latency-ms 100] [--jitter-ms 30]
// The soak run (hub processes, SQLite or PostgreSQL, 1–3 instances, sampled over time): -- soak --help
// The contact-center run (the contact-center emulator drives the hub; live picture latency, logging exactly once): -- contact-center --help
// The workforce feed run (30 days of 500 agents and 50 queues computed from scratch, then one interval): -- workforce [--agents 500] [--queues 50] [--days 30]; the real-time run: -- workforce --realtime [--rate 200] [--seconds 60];
// The caller index's load and lookups: -- caller-index [--records 100000];
// Screen pops and logging three ways (caller index, batched search, a peer connector's search per call), each in its own process: -- screen-pop [--rate 50] [--minutes 10] [--records 100000]
// Omni-Channel in the emulator's org as the source (API calls of the first read and of increments): -- workforce --salesforce [--agents 100] [--queues 10] [--days 7] [--work-per-hour 15]
if (args.FirstOrDefault() == "soak") return await ContactBridge.Bench.Soak.SoakCommand.RunAsync(args);
if (args.FirstOrDefault() == "contact-center") return await ContactBridge.Bench.ContactCenterLoad.ContactCenterCommand.RunAsync(args);
if (args.FirstOrDefault() == "workforce" && args.Contains("--salesforce"))
    return await WorkforceBench.RunSalesforceAsync((int)Arg("--agents", 100), (int)Arg("--queues", 10), (int)Arg("--days", 7), Arg("--work-per-hour", 15.0));
if (args.FirstOrDefault() == "workforce" && args.Contains("--realtime")) return await WorkforceBench.RunRealTimeAsync(Arg("--rate", 200.0), Arg("--seconds", 60.0));
if (args.FirstOrDefault() == "workforce")
    return await WorkforceBench.RunAsync((int)Arg("--agents", 500), (int)Arg("--queues", 50), (int)Arg("--days", 30), args.SkipWhile(a => a != "--database").Skip(1).FirstOrDefault());
if (args.FirstOrDefault() == "caller-index") return await CallerIndexBench.RunAsync((int)Arg("--records", 100000));
if (args.FirstOrDefault() == "screen-pop") return await ContactBridge.Bench.ScreenPop.ScreenPopBench.RunAsync(args);
if (args.Contains("--routing-map")) return await RoutingMapBench.RunAsync((int)Arg("--routing-map", 20000), Arg("--latency-ms", 100.0), Arg("--jitter-ms", 30.0));
var rate = Arg("--rate", 50.0);
var minutes = Arg("--minutes", 10.0);
var latencyMs = Arg("--latency-ms", 100.0);
var jitterMs = Arg("--jitter-ms", 30.0);
var knownShare = Arg("--known", 0.7);
var knownCallers = 5000;
var total = (int)(rate * minutes * 60);

Console.WriteLine($"ContactBridge logging benchmark: {total} interactions at {rate}/s for {minutes} min, Salesforce latency {latencyMs} ± {jitterMs} ms, {knownShare:P0} known callers.");
var directory = Directory.CreateTempSubdirectory("cb-bench-").FullName;
var random = new Random(42);

await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = BenchSetup.Seed(knownCallers) });
await using var hub = await HubServer.StartAsync(new HubServerOptions
{
    Urls = "http://127.0.0.1:0",
    Settings = new()
    {
        [$"{HubOptions.Section}:DataDirectory"] = directory,
        [$"{SalesforceOptions.Section}:ProductionLoginUrl"] = emulator.ProductionLoginUrl,
        ["Logging:LogLevel:Default"] = "Warning",
    },
    ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
});
var sp = hub.Services;
var (tenantId, secret) = await BenchSetup.LinkedTenantAsync(hub, emulator);
emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(latencyMs), Jitter = TimeSpan.FromMilliseconds(jitterMs) });
var logStart = emulator.State.Log.LastSequence;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = hub.BaseUri };
var postLatencies = new List<double>();
var failures = 0;
var eventsSent = 0;
async Task PostAsync(JsonArray events)
{
    using var request = BenchSetup.EventsRequest(tenantId, secret, events);
    var sw = Stopwatch.StartNew();
    using var response = await http.SendAsync(request);
    lock (postLatencies) postLatencies.Add(sw.Elapsed.TotalMilliseconds);
    if (response.StatusCode != HttpStatusCode.Accepted) Interlocked.Increment(ref failures);
    Interlocked.Add(ref eventsSent, events.Count);
}
JsonObject Event(string interaction, string type, JsonObject data, int seq) => BenchSetup.Event(interaction, type, data, seq);
string[] channels = ["voice", "voice", "voice", "voice", "voice", "web_chat", "web_chat", "web_chat", "email", "sms"];

var run = Stopwatch.StartNew();
var running = new List<Task>();
var progressAt = 0;
for (var i = 0; i < total; i++)
{
    var due = TimeSpan.FromSeconds(i / rate);
    if (run.Elapsed < due) await Task.Delay(due - run.Elapsed);
    var id = $"bench-{i:000000}";
    var known = random.NextDouble() < knownShare;
    var n = random.Next(knownCallers);
    var phone = known ? $"212{n / 10000 + 555:000}{n % 10000:0000}" : $"+44 20 7{random.Next(100, 999)} {random.Next(1000, 9999)}";
    var channel = channels[random.Next(channels.Length)];
    var talk = random.Next(1, 4);
    running.Add(Task.Run(async () =>
    {
        await PostAsync([Event(id, "started", new JsonObject
        {
            ["channel"] = channel, ["direction"] = "inbound", ["caller"] = new JsonObject { ["phone"] = phone, ["name"] = known ? null : "New Caller" },
        }, 1), Event(id, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["email"] = "agent@bench.example" } }, 2)]);
        await Task.Delay(TimeSpan.FromSeconds(talk));
        await PostAsync([Event(id, "message_appended", new JsonObject { ["message"] = new JsonObject { ["from"] = "customer", ["text"] = "Hello, I need help with my order." } }, 3),
            Event(id, "ended", new JsonObject { ["durationSeconds"] = talk, ["outcome"] = "answered" }, 4)]);
    }));
    running.RemoveAll(t => t.IsCompleted);
    if (i * 10 / total > progressAt)
    {
        progressAt = i * 10 / total;
        Console.WriteLine($"  {progressAt * 10,3} % sent ({i} interactions, {run.Elapsed:mm\\:ss})");
    }
}
await Task.WhenAll(running);
var sendSeconds = run.Elapsed.TotalSeconds;

// Wait for the pipeline to drain (bounded).
var db = sp.GetRequiredService<HubDatabase>();
var drainLimit = Stopwatch.StartNew();
long done = 0;
while (drainLimit.Elapsed < TimeSpan.FromMinutes(3))
{
    await using var c = await db.OpenAsync();
    done = await c.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT interaction_id) FROM outbox WHERE state = 'done'");
    if (done >= total) break;
    await Task.Delay(500);
}
var elapsed = run.Elapsed.TotalSeconds;

await using var conn = await db.OpenAsync();
var endedRows = (await conn.QueryAsync<(double Latency, long At)>("""
    SELECT o.sent_at - e.received_at, e.received_at FROM outbox o
    JOIN inbox_events e ON e.tenant_id = o.tenant_id AND e.interaction_id = o.interaction_id AND e.type = 'ended'
    WHERE o.state = 'done'
    """)).ToList();
var endedToRecord = endedRows.Select(r => r.Latency).ToList();
var firstAt = endedRows.Count > 0 ? endedRows.Min(r => r.At) : 0;
var perMinute = endedRows.GroupBy(r => (r.At - firstAt) / 60_000).OrderBy(g => g.Key)
    .Select(g => $"{g.Key + 1}: {P(g.Select(x => x.Latency).ToList(), 0.99):F0}");
var identifications = (await conn.QueryAsync<(string Identification, long ReceivedAt)>("""
    SELECT i.identification, e.received_at FROM interactions i
    JOIN inbox_events e ON e.tenant_id = i.tenant_id AND e.interaction_id = i.interaction_id AND e.type = 'started'
    WHERE i.identification IS NOT NULL
    """)).ToList();
var screenPop = identifications.Select(x => (DateTimeOffset.Parse(JsonNode.Parse(x.Identification)!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() - x.ReceivedAt) * 1.0).ToList();
var dead = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE state = 'dead'");
var apiCalls = emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, logStart);
var kinds = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, logStart).Where(e => e.CountedAsApiCall).GroupBy(e => e.Kind).OrderByDescending(g => g.Count())
    .Select(g => $"{g.Key} {g.Count()}");
int tasks, cases, leads;
var org = emulator.State.DefaultOrg;
lock (org.Sync)
{
    tasks = org.Records.OfType("Task").Count(r => !r.IsDeleted);
    cases = org.Records.OfType("Case").Count(r => !r.IsDeleted);
    leads = org.Records.OfType("Lead").Count(r => !r.IsDeleted);
}
var logged = tasks + cases;
static double P(List<double> xs, double p) => xs.Count == 0 ? double.NaN : xs.Order().ElementAt(Math.Min(xs.Count - 1, (int)Math.Ceiling(p * xs.Count) - 1));

Console.WriteLine($"""

    Results ({total} interactions, {sendSeconds:F0} s of load, {elapsed:F0} s until drained)
      Interactions logged                  {done} of {total} (lost: {total - done}, dead letters: {dead})
      Records in Salesforce                {tasks} Tasks, {cases} Cases, {leads} new Leads (duplicates: {logged - done})
      Throughput                           {done / elapsed:F1} interactions/s logged; events accepted {eventsSent / sendSeconds:F0}/s
      Salesforce API calls                 {apiCalls} = {(double)apiCalls / total:F3} per interaction   ({string.Join(", ", kinds)})
      Ended → record in Salesforce         p50 {P(endedToRecord, 0.5):F0} ms, p99 {P(endedToRecord, 0.99):F0} ms
        p99 by minute (ms)                 {string.Join(", ", perMinute)}
      Screen pop (started → identified)    p50 {P(screenPop, 0.5):F0} ms, p99 {P(screenPop, 0.99):F0} ms
      Event POST latency (durable 202)     p50 {P(postLatencies, 0.5):F1} ms, p99 {P(postLatencies, 0.99):F1} ms; failures {failures}
      Peak memory (hub + emulator process) {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB
    """);
Directory.Delete(directory, recursive: true);
return done == total && logged == done ? 0 : 1;

double Arg(string name, double fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
