using System.Diagnostics;
using System.Text.Json.Nodes;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Salesforce;

/// <summary>
/// The caller index's load: an org with N contacts and leads (phones in several formats, an e-mail each), the index built by Bulk API
/// 2.0 queries through the emulator, then every caller looked up from memory. Reports the load's time and API calls, the index's
/// memory per record, and the lookup's latency percentiles.
/// </summary>
internal static class CallerIndexBench
{
    private static (long Bytes, int Records, long Estimated) Measure(IdentificationRules rules, List<(ObjectRule Rule, Dictionary<string, string> Row)> rows)
    {
        var before = Heap();
        var index = new CallerIndex(rules);
        // Copies of the rows' strings, as a load's are: what the index keeps is counted, what it reads and drops is not.
        foreach (var (rule, row) in rows)
            index.Put(rule, new string(row["Id"]), new string(row["Name"]), row["LastModifiedDate"], f => row.GetValueOrDefault(f) is { Length: > 0 } v ? new string(v) : null);
        var after = Heap();
        GC.KeepAlive(rows);
        return (after - before, index.Records, index.ApproximateBytes);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    public static async Task<int> RunAsync(int records)
    {
        Console.WriteLine($"ContactBridge caller-index benchmark: {records:N0} contacts and leads.");
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Seed = new SeedFile { Orgs = [new SeedOrg { Key = WellKnown.DefaultOrgKey, ApiDailyLimit = 10_000_000 }] },
        });
        var org = emulator.State.DefaultOrg;
        var sw = Stopwatch.StartNew();
        lock (org.Sync)
        {
            var writer = new ContactBridge.Emulator.Records.RecordWriter(org, emulator.State.Clock);
            var owner = org.Records.OfType("User")[0].Id;
            for (var i = 0; i < records; i++)
            {
                var number = 2_000_000 + i;
                JsonObject fields = i % 3 == 2
                    ? new() { ["LastName"] = $"Lead {i}", ["Company"] = "Bench", ["Phone"] = $"+1 415 {number / 10_000:000}-{number % 10_000:0000}", ["Email"] = $"lead{i}@bench.example" }
                    : new() { ["LastName"] = $"Contact {i}", ["Phone"] = $"(628) {number / 10_000:000}-{number % 10_000:0000}", ["MobilePhone"] = $"+44 20 7{number:0000000}", ["Email"] = $"contact{i}@bench.example" };
                writer.Create(owner, org.Schema.Require(i % 3 == 2 ? "Lead" : "Contact"), fields, system: true);
            }
        }
        Console.WriteLine($"  org seeded in {sw.Elapsed.TotalSeconds:F1} s");

        using var http = new HttpClient();
        var token = await new SalesforceOAuthClient(http).ClientCredentialsAsync(new Uri(emulator.InstanceUrl + "/services/oauth2/token"), WellKnown.ClientId, WellKnown.ClientSecret, default);
        var session = new SalesforceSession(new Uri(token.InstanceUrl), "62.0", token.AccessToken, _ => throw new InvalidOperationException("The session expired."));
        var client = new SalesforceRestClient(http, session, TimeProvider.System);
        var rules = new IdentificationRules { Objects = [new("Contact", ["Phone", "MobilePhone"], ["Email"]), new("Lead", ["Phone"], ["Email"])] };

        var calls = emulator.State.Log.LastSequence;
        sw.Restart();
        var (index, apiCalls) = await CallerIndex.LoadAsync(client, rules, TimeProvider.System, TimeSpan.FromMilliseconds(200), default);
        var load = sw.Elapsed;
        Console.WriteLine($"  loaded {index.Records:N0} records in {load.TotalSeconds:F1} s with {apiCalls} API calls ({emulator.State.Log.ApiCalls(org.Key, calls)} in the org's log)");
        // The index's own memory: built again from the same rows (held before and after), the heap measured around the build.
        var rows = new List<(ObjectRule Rule, Dictionary<string, string> Row)>();
        var bulk = new SalesforceBulkClient(client, TimeProvider.System) { PollInterval = TimeSpan.FromMilliseconds(200) };
        foreach (var rule in rules.Objects)
        {
            var (page, _) = await bulk.QueryAsync($"SELECT Id, Name, LastModifiedDate, {string.Join(", ", rule.PhoneFields.Concat(rule.EmailFields))} FROM {rule.Object}", null, default);
            rows.AddRange(page.Select(r => (rule, r)));
        }
        var (bytes, built, estimated) = Measure(rules, rows);
        Console.WriteLine($"  memory: {bytes / 1048576.0:F1} MiB for {built:N0} records, {bytes / (double)built:F0} bytes a record (each with two or three keys); " +
                          $"the index's own estimate (what its page shows): {estimated / (double)built:F0} bytes a record");

        var latencies = new List<double>(records);
        var instance = client.Session.InstanceUrl.ToString();
        for (var i = 0; i < records; i++)
        {
            var number = 2_000_000 + i;
            var caller = new InteractionState { InteractionId = $"i{i}", Caller = new Caller(i % 3 == 2 ? $"+1415{number}" : $"+1628{number}", null, null, null) };
            var started = Stopwatch.GetTimestamp();
            var found = index.Identify(caller, instance, DateTimeOffset.UtcNow);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (found.Outcome != IdentificationResult.One) throw new InvalidOperationException($"Caller {i} was not found once: {found.Outcome}.");
        }
        latencies.Sort();
        double P(double p) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(p / 100 * latencies.Count) - 1)];
        Console.WriteLine($"  every caller identified once from memory: p50 {P(50) * 1000:F0} µs, p99 {P(99) * 1000:F0} µs, max {latencies[^1]:F2} ms; 0 API calls");
        return 0;
    }
}
