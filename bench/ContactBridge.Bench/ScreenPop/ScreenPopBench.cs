using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Intake;
using ContactBridge.Logging;
using ContactBridge.Salesforce;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContactBridge.Bench.ScreenPop;

/// <summary>
/// Screen pops and logging three ways against the same emulator settings (an org of N contacts and leads, Salesforce-like latency on
/// every request, the same callers at the same rate): the hub with its caller index, the hub with the batched search, and a peer
/// baseline written here the way common connectors work (one SOSL search per call as it arrives, one REST create per new Lead and one
/// per Task). Each runs in its own process (so peak memory is its own); the parent prints the figures side by side and as ratios.
///   dotnet run -c Release --project bench/ContactBridge.Bench -- screen-pop [--rate 50] [--minutes 10] [--records 100000] [--latency-ms 100] [--jitter-ms 30] [--known 0.7]
///   [--pops FOLDER] (every screen pop of the hub's runs, as CSV)
/// </summary>
internal static class ScreenPopBench
{
    private static readonly string[] Phases = ["index", "search", "peer"];
    /// <summary>Figures a run did not measure are NaN, written as such.</summary>
    private static readonly JsonSerializerOptions ResultJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private static readonly string[] Channels = ["voice", "voice", "voice", "voice", "voice", "web_chat", "web_chat", "web_chat", "email", "sms"];

    private sealed record Options(double Rate, double Minutes, int Records, double LatencyMs, double JitterMs, double Known, string? Phase, string? Pops)
    {
        public int Total => (int)(Rate * Minutes * 60);

        /// <summary>Interactions sent (and logged) before the measured ones, so connections are open and code compiled when measuring starts: ten seconds' worth.</summary>
        public int WarmUp => (int)Math.Ceiling(Rate * 10);

        public static Options Parse(string[] args)
        {
            double Arg(string name, double fallback)
            {
                var i = Array.IndexOf(args, name);
                return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
            }
            string? Text(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            var pops = Text("--pops") is { } folder ? Directory.CreateDirectory(folder).FullName : null;
            return new Options(Arg("--rate", 50), Arg("--minutes", 10), (int)Arg("--records", 100_000), Arg("--latency-ms", 100), Arg("--jitter-ms", 30), Arg("--known", 0.7),
                Text("--phase"), pops);
        }

        public string[] Args(string phase) =>
        [
            "screen-pop", "--phase", phase, "--rate", Rate.ToString(CultureInfo.InvariantCulture), "--minutes", Minutes.ToString(CultureInfo.InvariantCulture),
            "--records", Records.ToString(CultureInfo.InvariantCulture), "--latency-ms", LatencyMs.ToString(CultureInfo.InvariantCulture),
            "--jitter-ms", JitterMs.ToString(CultureInfo.InvariantCulture), "--known", Known.ToString(CultureInfo.InvariantCulture), .. Pops is null ? Array.Empty<string>() : ["--pops", Pops],
        ];
    }

    /// <summary>What one phase measured.</summary>
    private sealed record Result(string Phase, int Interactions, int Logged, int Duplicates, int ApiCalls, int PopApiCalls, double PopP50, double PopP99, double EndedP50,
        double EndedP99, long PeakMiB, double LoadSeconds, int LoadApiCalls, int IndexRecords, double IndexMiB, string CallKinds)
    {
        /// <summary>The screen pop after the hub answered the contact center's POST of the start (its durable write done), for the hub's runs.</summary>
        public double AcceptedPopP50 { get; init; } = double.NaN;
        public double AcceptedPopP99 { get; init; } = double.NaN;

        /// <summary>The garbage collector's pauses while measuring (the process's, the emulator's included): their total and the full collections.</summary>
        public double GcPauseMs { get; init; } = double.NaN;
        public int Gen2Collections { get; init; }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        if (o.Phase is not null)
        {
            var result = o.Phase switch
            {
                "peer" => await RunPeerAsync(o),
                "index" or "search" => await RunHubAsync(o, index: o.Phase == "index"),
                _ => throw new ArgumentException("--phase is index, search or peer."),
            };
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, ResultJson));
            return 0;
        }

        Console.WriteLine($"ContactBridge screen-pop benchmark: {o.Total:N0} interactions at {o.Rate}/s for {o.Minutes} min, {o.Records:N0} contacts and leads in the org, " +
                          $"Salesforce latency {o.LatencyMs} ± {o.JitterMs} ms, {o.Known:P0} known callers; each way in its own process.");
        var results = new Dictionary<string, Result>();
        foreach (var phase in Phases)
        {
            Console.WriteLine($"== {phase} ==");
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(ScreenPopBench).Assembly.Location);
            foreach (var a in o.Args(phase)) start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("RESULT ", StringComparison.Ordinal))
                {
                    results[phase] = JsonSerializer.Deserialize<Result>(line[7..], ResultJson)!;
                    // Each run's figures as soon as it ends, whatever the next one does.
                    Console.WriteLine("  " + line);
                }
                else Console.WriteLine("  " + line);
            }
            await child.WaitForExitAsync();
            if (child.ExitCode != 0 || !results.ContainsKey(phase)) return Fail($"the {phase} run failed (exit {child.ExitCode})");
        }
        Print(o, results["index"], results["search"], results["peer"]);
        return 0;
    }

    private static int Fail(string why)
    {
        Console.Error.WriteLine("screen-pop benchmark: " + why);
        return 1;
    }

    private static void Print(Options o, Result on, Result off, Result peer)
    {
        static string R(double a, double b) => b == 0 ? (a == 0 ? "=" : "∞") : (a / b).ToString("0.0#", CultureInfo.InvariantCulture) + "×";
        string Per(Result r) => ((double)r.ApiCalls / r.Interactions).ToString("0.000", CultureInfo.InvariantCulture);
        string PopPer(Result r) => ((double)r.PopApiCalls / r.Interactions).ToString("0.000", CultureInfo.InvariantCulture);
        Console.WriteLine($"""

            Results ({o.Total:N0} interactions, {o.Records:N0} records)       index on      index off       peer baseline   off ÷ on    peer ÷ on
              Logged (duplicates)                  {$"{on.Logged} ({on.Duplicates})",14}  {$"{off.Logged} ({off.Duplicates})",14}  {$"{peer.Logged} ({peer.Duplicates})",14}
              API calls per interaction            {Per(on),14}  {Per(off),14}  {Per(peer),14}   {R(off.ApiCalls, on.ApiCalls),9}  {R(peer.ApiCalls, on.ApiCalls),9}
              API calls per screen pop             {PopPer(on),14}  {PopPer(off),14}  {PopPer(peer),14}
              Screen pop p50 (ms)                  {on.PopP50,14:F1}  {off.PopP50,14:F1}  {peer.PopP50,14:F1}   {R(off.PopP50, on.PopP50),9}  {R(peer.PopP50, on.PopP50),9}
              Screen pop p99 (ms)                  {on.PopP99,14:F1}  {off.PopP99,14:F1}  {peer.PopP99,14:F1}   {R(off.PopP99, on.PopP99),9}  {R(peer.PopP99, on.PopP99),9}
              … after the start's 202, p50 / p99   {$"{on.AcceptedPopP50:F1} / {on.AcceptedPopP99:F1}",14}  {$"{off.AcceptedPopP50:F0} / {off.AcceptedPopP99:F0}",14}
              Ended → record p50 (ms)              {on.EndedP50,14:F0}  {off.EndedP50,14:F0}  {peer.EndedP50,14:F0}   {R(off.EndedP50, on.EndedP50),9}  {R(peer.EndedP50, on.EndedP50),9}
              Ended → record p99 (ms)              {on.EndedP99,14:F0}  {off.EndedP99,14:F0}  {peer.EndedP99,14:F0}   {R(off.EndedP99, on.EndedP99),9}  {R(peer.EndedP99, on.EndedP99),9}
              Peak working set (MiB, with the org) {on.PeakMiB,14}  {off.PeakMiB,14}  {peer.PeakMiB,14}
              GC pauses measuring (ms; full GCs)   {$"{on.GcPauseMs:F0}; {on.Gen2Collections}",14}  {$"{off.GcPauseMs:F0}; {off.Gen2Collections}",14}
              Calls by kind: index on    {on.CallKinds}
                             index off   {off.CallKinds}
                             peer        {peer.CallKinds}
              The index: {on.IndexRecords:N0} records loaded in {on.LoadSeconds:F1} s with {on.LoadApiCalls} API calls (before the load above), about {on.IndexMiB:F1} MiB
                         ({on.IndexMiB * 1048576 / Math.Max(1, on.IndexRecords):F0} bytes a record, estimated from its contents).
            """);
    }

    private static double P(List<double> xs, double p) => xs.Count == 0 ? double.NaN : xs.Order().ElementAt(Math.Min(xs.Count - 1, (int)Math.Ceiling(p * xs.Count) - 1));

    /// <summary>The org: N contacts (two of three; office and mobile numbers, an e-mail) and leads (one of three), made as Salesforce would.</summary>
    private static async Task<EmulatorServer> StartOrgAsync(Options o)
    {
        var seed = BenchSetup.Seed(0);
        seed.Orgs[0].ApiDailyLimit = 10_000_000;
        var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = seed, HttpsPort = 0 });
        var org = emulator.State.DefaultOrg;
        var watch = Stopwatch.StartNew();
        lock (org.Sync)
        {
            var writer = new ContactBridge.Emulator.Records.RecordWriter(org, emulator.State.Clock);
            var owner = org.Records.OfType("User")[0].Id;
            for (var i = 0; i < o.Records; i++)
            {
                var (office, mobile, lead) = Numbers(i);
                JsonObject fields = i % 3 == 2
                    ? new() { ["LastName"] = $"Lead {i}", ["Company"] = "Bench", ["Phone"] = lead, ["Email"] = $"lead{i}@bench.example" }
                    : new() { ["FirstName"] = "Known", ["LastName"] = $"Contact {i}", ["Phone"] = office, ["MobilePhone"] = mobile, ["Email"] = $"contact{i}@bench.example" };
                writer.Create(owner, org.Schema.Require(i % 3 == 2 ? "Lead" : "Contact"), fields, system: true);
            }
        }
        Console.WriteLine($"org of {o.Records:N0} contacts and leads made in {watch.Elapsed.TotalSeconds:F1} s");
        return emulator;
    }

    /// <summary>Record i's numbers as stored (formats vary, as in real orgs).</summary>
    private static (string Office, string Mobile, string Lead) Numbers(int i)
    {
        var n = 2_000_000 + i;
        return ($"(628) {n / 10_000:000}-{n % 10_000:0000}", $"+44 20 7{n:0000000}", $"+1 415 {n / 10_000:000}-{n % 10_000:0000}");
    }

    /// <summary>What a caller's number looks like when the contact center sends it (E.164), for known record i or a stranger.</summary>
    private static string CallerNumber(Random random, Options o)
    {
        if (random.NextDouble() >= o.Known) return $"+1 312 {random.Next(200, 999)} {random.Next(1000, 9999)}";
        var i = random.Next(o.Records);
        var n = 2_000_000 + i;
        return i % 3 == 2 ? $"+1415{n:0000000}" : random.Next(2) == 0 ? $"+1628{n:0000000}" : $"+44207{n:0000000}";
    }

    private static async Task<Result> RunHubAsync(Options o, bool index)
    {
        await using var emulator = await StartOrgAsync(o);
        var directory = Directory.CreateTempSubdirectory("cb-bench-").FullName;
        var pem = Path.Combine(directory, "emulator-tls.pem");
        await File.WriteAllTextAsync(pem, emulator.State.TlsCertificate!.ExportCertificatePem());
        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Settings = new()
            {
                [$"{HubOptions.Section}:DataDirectory"] = directory,
                [$"{SalesforceOptions.Section}:ProductionLoginUrl"] = emulator.ProductionLoginUrl,
                [$"{SalesforceOptions.Section}:PubSubEndpoint"] = $"https://127.0.0.1:{emulator.HttpsPort}",
                [$"{SalesforceOptions.Section}:PubSubCertificate"] = pem,
                ["CallerIndex:CheckInterval"] = "00:00:01",
                ["CallerIndex:BulkPollInterval"] = "00:00:00.500",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
        });
        var sp = hub.Services;
        var (tenantId, secret) = await BenchSetup.LinkedTenantAsync(hub, emulator);
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(o.LatencyMs), Jitter = TimeSpan.FromMilliseconds(o.JitterMs) });
        var rules = new IdentificationRules { Objects = [new("Contact", ["Phone", "MobilePhone"], ["Email"]), new("Lead", ["Phone", "MobilePhone"], ["Email"])], CallerIndex = index };
        var store = sp.GetRequiredService<LoggingSettingsStore>();
        await store.SaveAsync(tenantId, await store.GetAsync(tenantId, default) with { Identification = rules }, default);

        CallerIndexStatus? status = null;
        if (index)
        {
            var wait = Stopwatch.StartNew();
            while ((status = sp.GetRequiredService<CallerIndexes>().StatusOf(tenantId)) is not { State: CallerIndexStatus.Ready })
            {
                if (wait.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"The caller index was not ready after 5 minutes: {status?.State} {status?.Reason}");
                await Task.Delay(100);
            }
            Console.WriteLine($"caller index ready: {status.Records:N0} records in {status.LoadTook?.TotalSeconds:F1} s, {status.LoadApiCalls} API calls");
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = hub.BaseUri };
        var accepted = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        async Task PostAsync(JsonArray events)
        {
            using var request = BenchSetup.EventsRequest(tenantId, secret, events);
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"The hub refused events: {(int)response.StatusCode}");
        }
        static JsonObject Event(string interaction, string type, JsonObject data, int seq) => BenchSetup.Event(interaction, type, data, seq);
        var db = sp.GetRequiredService<HubDatabase>();
        async Task<long> LoggedAsync(string prefix)
        {
            await using var c = await db.OpenAsync();
            return await c.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT interaction_id) FROM outbox WHERE state = 'done' AND interaction_id LIKE @p", new { p = prefix + "-%" });
        }
        async Task InteractionAsync(string id, string phone, string channel, TimeSpan talk)
        {
            await PostAsync([Event(id, "started", new JsonObject
            {
                ["channel"] = channel, ["direction"] = "inbound", ["caller"] = new JsonObject { ["phone"] = phone, ["name"] = "Caller" },
            }, 1), Event(id, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["email"] = "agent@bench.example" } }, 2)]);
            accepted[id] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await Task.Delay(talk);
            await PostAsync([Event(id, "ended", new JsonObject { ["durationSeconds"] = (int)talk.TotalSeconds, ["outcome"] = "answered" }, 3)]);
        }
        await GenerateAsync(o, InteractionAsync, warmUp: true);
        for (var wait = Stopwatch.StartNew(); await LoggedAsync("warm") < o.WarmUp; await Task.Delay(100))
        {
            // Its leftovers would be counted as the measured run's calls and duplicates.
            if (wait.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("The warm-up's interactions were not all logged within 2 minutes.");
        }
        var (logStart, tasksBefore) = (emulator.State.Log.LastSequence, CountOf(emulator, "Task"));
        var (pausedBefore, gen2Before) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
        await GenerateAsync(o, InteractionAsync);
        var (paused, gen2) = ((GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds, GC.CollectionCount(2) - gen2Before);

        for (var drain = Stopwatch.StartNew(); await LoggedAsync("bench") < o.Total && drain.Elapsed < TimeSpan.FromMinutes(3);) await Task.Delay(500);
        await using var conn = await db.OpenAsync();
        var ended = (await conn.QueryAsync<double>("""
            SELECT o.sent_at - e.received_at FROM outbox o
            JOIN inbox_events e ON e.tenant_id = o.tenant_id AND e.interaction_id = o.interaction_id AND e.type = 'ended'
            WHERE o.state = 'done' AND o.interaction_id LIKE 'bench-%'
            """)).ToList();
        var identified = (await conn.QueryAsync<(string InteractionId, string Identification, long ReceivedAt)>("""
            SELECT i.interaction_id, i.identification, e.received_at FROM interactions i
            JOIN inbox_events e ON e.tenant_id = i.tenant_id AND e.interaction_id = i.interaction_id AND e.type = 'started'
            WHERE i.identification IS NOT NULL AND i.interaction_id LIKE 'bench-%'
            """)).Select(x => (x.InteractionId, At: DateTimeOffset.Parse(JsonNode.Parse(x.Identification)!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture)
                .ToUnixTimeMilliseconds(), x.ReceivedAt)).ToList();
        var pops = identified.Select(x => (double)(x.At - x.ReceivedAt)).ToList();
        // Every screen pop, for a chart of the run: when its start arrived and how long it took.
        if (o.Pops is { } folder)
            await File.WriteAllLinesAsync(Path.Combine(folder, $"pops-{(index ? "index" : "search")}.csv"),
                ["received_at_ms,pop_ms", .. identified.OrderBy(x => x.ReceivedAt).Select(x => $"{x.ReceivedAt},{x.At - x.ReceivedAt}")]);
        var afterAccepted = identified.Where(x => accepted.ContainsKey(x.InteractionId)).Select(x => (double)Math.Max(0, x.At - accepted[x.InteractionId])).ToList();
        var logged = (int)await LoggedAsync("bench");
        var tasks = CountOf(emulator, "Task") - tasksBefore;
        status = sp.GetRequiredService<CallerIndexes>().StatusOf(tenantId);
        var result = Tally(emulator, logStart, index ? "index" : "search", o.Total, logged, tasks - logged, pops, ended) with
        {
            LoadSeconds = status?.LoadTook?.TotalSeconds ?? 0, LoadApiCalls = status?.LoadApiCalls ?? 0, IndexRecords = status?.Records ?? 0,
            IndexMiB = (status?.ApproximateBytes ?? 0) / 1048576.0, AcceptedPopP50 = P(afterAccepted, 0.5), AcceptedPopP99 = P(afterAccepted, 0.99),
            GcPauseMs = paused, Gen2Collections = gen2,
        };
        Directory.Delete(directory, recursive: true);
        return result;
    }

    private static int CountOf(EmulatorServer emulator, string sobject)
    {
        var org = emulator.State.DefaultOrg;
        lock (org.Sync) return org.Records.OfType(sobject).Count(r => !r.IsDeleted);
    }

    private static Result Tally(EmulatorServer emulator, long logStart, string phase, int total, int logged, int duplicates, List<double> pops, List<double> ended)
    {
        var entries = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, logStart).Where(e => e.CountedAsApiCall).ToList();
        var kinds = string.Join(", ", entries.GroupBy(e => e.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
        return new Result(phase, total, logged, duplicates, entries.Count, entries.Count(e => e.Kind.Contains("search", StringComparison.Ordinal)),
            P(pops, 0.5), P(pops, 0.99), P(ended, 0.5), P(ended, 0.99), Process.GetCurrentProcess().PeakWorkingSet64 / 1048576, 0, 0, 0, 0, kinds);
    }

    /// <summary>The callers at the rate, each talking 1–3 s, the same sequence in every phase (a fixed seed).</summary>
    /// <summary>Interactions at the run's rate: the measured ones ("bench-…"), or with <paramref name="warmUp"/> the few before them ("warm-…").</summary>
    private static async Task GenerateAsync(Options o, Func<string, string, string, TimeSpan, Task> interaction, bool warmUp = false)
    {
        var random = new Random(warmUp ? 7 : 42);
        var run = Stopwatch.StartNew();
        var running = new List<Task>();
        var progress = 0;
        var total = warmUp ? o.WarmUp : o.Total;
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / o.Rate);
            if (run.Elapsed < due) await Task.Delay(due - run.Elapsed);
            var (id, phone, channel, talk) = ($"{(warmUp ? "warm" : "bench")}-{i:000000}", CallerNumber(random, o), Channels[random.Next(Channels.Length)],
                TimeSpan.FromSeconds(random.Next(1, 4)));
            running.Add(Task.Run(() => interaction(id, phone, channel, talk)));
            running.RemoveAll(t => t.IsCompletedSuccessfully);
            if (!warmUp && i * 10 / total > progress)
            {
                progress = i * 10 / total;
                Console.WriteLine($"{progress * 10,3} % sent ({i:N0} interactions, {run.Elapsed:mm\\:ss})");
            }
        }
        await Task.WhenAll(running);
    }

    /// <summary>
    /// The common way: a SOSL search for the caller's number as each call arrives (the screen pop waits for it), then at the end a
    /// Lead for an unknown caller and a Task under the caller, each its own REST request.
    /// </summary>
    private static async Task<Result> RunPeerAsync(Options o)
    {
        await using var emulator = await StartOrgAsync(o);
        using var tokenHttp = new HttpClient();
        var token = await new SalesforceOAuthClient(tokenHttp).ClientCredentialsAsync(new Uri(emulator.InstanceUrl + "/services/oauth2/token"), WellKnown.ClientId,
            WellKnown.ClientSecret, default);
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(o.LatencyMs), Jitter = TimeSpan.FromMilliseconds(o.JitterMs) });
        // No client timeout: a search that queues behind others is measured as long as it takes.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(token.InstanceUrl), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var pops = new List<double>();
        var ended = new List<double>();
        var logged = 0;
        var measuring = false;
        async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonObject? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync());
        }
        async Task InteractionAsync(string id, string phone, string channel, TimeSpan talk)
        {
            var watch = Stopwatch.StartNew();
            var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
            var national = digits.StartsWith("44", StringComparison.Ordinal) ? digits[2..] : digits.StartsWith('1') ? digits[1..] : digits;
            var found = await SendAsync(HttpMethod.Get, $"/services/data/v62.0/search?q={Uri.EscapeDataString($"FIND {{{national}}} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name)")}");
            if (measuring) lock (pops) pops.Add(watch.Elapsed.TotalMilliseconds);
            var who = found?["searchRecords"]?.AsArray().FirstOrDefault()?["Id"]?.GetValue<string>();
            await Task.Delay(talk);
            watch.Restart();
            who ??= (await SendAsync(HttpMethod.Post, "/services/data/v62.0/sobjects/Lead", new JsonObject { ["LastName"] = "Caller", ["Company"] = "Unknown", ["Phone"] = phone }))?["id"]
                ?.GetValue<string>();
            await SendAsync(HttpMethod.Post, "/services/data/v62.0/sobjects/Task", new JsonObject
            {
                ["Subject"] = $"{channel} {id}", ["WhoId"] = who, ["Status"] = "Completed", ["TaskSubtype"] = channel == "voice" ? "Call" : "Task",
                ["CallDurationInSeconds"] = (int)talk.TotalSeconds, ["CallObject"] = id,
            });
            if (!measuring) return;
            lock (ended) ended.Add(watch.Elapsed.TotalMilliseconds);
            Interlocked.Increment(ref logged);
        }
        await GenerateAsync(o, InteractionAsync, warmUp: true);
        var (logStart, tasksBefore) = (emulator.State.Log.LastSequence, CountOf(emulator, "Task"));
        measuring = true;
        await GenerateAsync(o, InteractionAsync);
        return Tally(emulator, logStart, "peer", o.Total, logged, CountOf(emulator, "Task") - tasksBefore - logged, pops, ended);
    }
}
