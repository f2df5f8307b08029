using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContactBridge.Bench.Soak;

/// <summary>
/// One soak run: hub processes (one on SQLite, up to three sharing PostgreSQL) fed a steady stream of
/// interactions across several tenants, behind a round-robin "load balancer", against the emulator with
/// Salesforce-like latency; sampled every few seconds until the hubs have logged what they acknowledged.
/// </summary>
internal static class SoakRun
{
    private const int KnownCallers = 5000;
    private static readonly string[] Channels = ["voice", "voice", "voice", "voice", "voice", "web_chat", "web_chat", "web_chat", "email", "sms"];

    public static async Task<SoakResult> RunAsync(SoakOptions o, int instances, SoakDisplay display)
    {
        var label = $"{o.Database}, {instances} instance{(instances > 1 ? "s" : "")}" +
                    (o.CpusPerInstance is { } cpus ? string.Create(CultureInfo.InvariantCulture, $" of {cpus:0.##} core{(cpus > 1 ? "s" : "")}") : "");
        display.Line($"Soak ({label}): {o.Rate}/s for {o.Duration}, {o.Tenants} tenant(s), Salesforce latency {o.LatencyMs} ± {o.JitterMs} ms, " +
            (o.Retention is { } r ? $"retention {r} every {o.RetentionInterval}." : "default retention (nothing pruned during the run)."));
        var directory = Directory.CreateTempSubdirectory("cb-soak-").FullName;
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string? databaseName = null;
        string connection;
        if (o.Database == "postgresql")
        {
            databaseName = "cb_soak_" + Guid.NewGuid().ToString("N")[..12];
            await using var admin = new Npgsql.NpgsqlConnection(o.PostgreSqlAdmin);
            await admin.ExecuteAsync($"CREATE DATABASE {databaseName}");
            connection = new Npgsql.NpgsqlConnectionStringBuilder(o.PostgreSqlAdmin) { Database = databaseName }.ConnectionString;
        }
        else
        {
            connection = $"Data Source={Path.Combine(directory, "contactbridge.db")}";
        }

        var hubs = new List<HubProcess>();
        try
        {
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = BenchSetup.Seed(KnownCallers, apiUsers: o.Tenants) });
            // The set-up hub (in this process, no background workers) creates and links the tenants, then only reads the tables.
            await using var setup = await HubServer.StartAsync(new HubServerOptions
            {
                Urls = "http://127.0.0.1:0", RunBackgroundWorkers = false,
                Settings = new()
                {
                    [$"{HubOptions.Section}:DataDirectory"] = directory, [$"{HubOptions.Section}:Database"] = connection, [$"{HubOptions.Section}:Key"] = key,
                    [$"{SalesforceOptions.Section}:ProductionLoginUrl"] = emulator.ProductionLoginUrl, ["Logging:LogLevel:Default"] = "Warning",
                },
                ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
            });
            var tenants = new List<(string Id, string Secret)>();
            for (var t = 0; t < o.Tenants; t++)
            {
                var tenant = await setup.Services.GetRequiredService<TenantStore>().CreateAsync($"Soak Contact Center {t + 1}", default);
                await BenchSetup.LinkAsync(setup, emulator, tenant.Id, BenchSetup.ApiUser(t + 1));
                tenants.Add((tenant.Id, await setup.Services.GetRequiredService<IntakeSecrets>().RotateAsync(tenant.Id, default)));
            }

            var environment = new Dictionary<string, string>
            {
                ["CONTACTBRIDGE_Hub__Database"] = connection,
                ["CONTACTBRIDGE_Hub__Key"] = key,
                ["CONTACTBRIDGE_Salesforce__ProductionLoginUrl"] = emulator.ProductionLoginUrl,
                ["CONTACTBRIDGE_Salesforce__SandboxLoginUrl"] = emulator.SandboxLoginUrl,
                ["CONTACTBRIDGE_Logging__LogLevel__Default"] = o.HubLogLevel,
            };
            if (o.Retention is { } keep)
            {
                environment["CONTACTBRIDGE_Retention__Interactions"] = keep.ToString("c", CultureInfo.InvariantCulture);
                environment["CONTACTBRIDGE_Retention__Interval"] = o.RetentionInterval.ToString("c", CultureInfo.InvariantCulture);
            }
            Directory.CreateDirectory(o.Output);
            for (var i = 0; i < instances; i++)
                hubs.Add(await HubProcess.StartAsync(i + 1, environment, o.CpusPerInstance, Path.Combine(o.Output, $"instance{i + 1}.log")));
            display.Line($"  {instances} hub process(es) serving (pids {string.Join(", ", hubs.Select(h => h.Pid))}); {o.Tenants} tenant(s) linked.");

            emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(o.LatencyMs), Jitter = TimeSpan.FromMilliseconds(o.JitterMs) });
            var load = new Load(o, hubs, tenants);
            return await MeasureAsync(o, label, hubs, emulator, setup.Services.GetRequiredService<HubDatabase>(), load, display);
        }
        finally
        {
            foreach (var hub in hubs) hub.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (databaseName is not null)
            {
                Npgsql.NpgsqlConnection.ClearAllPools();
                await using var admin = new Npgsql.NpgsqlConnection(o.PostgreSqlAdmin);
                await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<SoakResult> MeasureAsync(SoakOptions o, string label, List<HubProcess> hubs, EmulatorServer emulator, HubDatabase db, Load load, SoakDisplay display)
    {
        var logStart = emulator.State.Log.LastSequence;
        var latencies = new LatencyReader();
        var samples = new List<SoakSample>();
        var clock = Stopwatch.StartNew();
        var cpuBefore = hubs.Select(h => h.CpuSeconds()).ToArray();
        var machineBefore = MachineCpu();
        long loggedBefore = 0;
        var sampledAt = TimeSpan.Zero;
        double loadSeconds = 0;

        async Task<SoakSample> SampleAsync(string phase)
        {
            var now = clock.Elapsed;
            var seconds = (now - sampledAt).TotalSeconds;
            sampledAt = now;
            var logged = Logged(emulator).Records;
            await using var c = await db.OpenAsync();
            var rows = await c.QuerySingleAsync<(long Events, long Interactions, long Outbox)>(
                "SELECT (SELECT COUNT(*) FROM inbox_events), (SELECT COUNT(*) FROM interactions), (SELECT COUNT(*) FROM outbox)");
            await latencies.ReadAsync(c);
            var cpu = hubs.Select(h => h.CpuSeconds()).ToArray();
            var machine = MachineCpu();
            var sample = new SoakSample(now.TotalSeconds, phase, load.Sent, load.Acknowledged, logged, (logged - loggedBefore) / seconds,
                rows.Events, rows.Interactions, rows.Outbox, emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, logStart),
                machine.Total > machineBefore.Total ? 100.0 * (machine.Busy - machineBefore.Busy) / (machine.Total - machineBefore.Total) : 0,
                hubs.Select(h => h.RssBytes() / 1024.0 / 1024.0).ToList(),
                cpu.Select((s, i) => 100 * (s - cpuBefore[i]) / seconds).ToList());
            (loggedBefore, cpuBefore, machineBefore) = (logged, cpu, machine);
            samples.Add(sample);
            return sample;
        }

        await display.RunAsync($"Soak: {label}", async report =>
        {
            var sending = load.RunAsync();
            using var timer = new PeriodicTimer(o.SampleInterval);
            while (!sending.IsCompleted && await timer.WaitForNextTickAsync())
            {
                report(await SampleAsync("load"));
                foreach (var dead in hubs.Where(h => h.HasExited)) throw new InvalidOperationException($"A hub instance died:\n{dead.Tail}");
            }
            await sending;
            loadSeconds = clock.Elapsed.TotalSeconds;
            // A sample just taken stands for the end of the load (or of the drain): two a moment apart would show a rate of nothing.
            if (clock.Elapsed - sampledAt > TimeSpan.FromSeconds(1)) report(await SampleAsync("load"));
            var drainStarted = clock.Elapsed;
            while (Logged(emulator).Records < load.Acknowledged && clock.Elapsed - drainStarted < o.DrainLimit && await timer.WaitForNextTickAsync())
                report(await SampleAsync("drain"));
            if (clock.Elapsed - sampledAt > TimeSpan.FromSeconds(1)) report(await SampleAsync("drain"));
        });

        var endOfLoad = samples.Last(s => s.Phase == "load");
        var drained = samples[^1];
        await using var conn = await db.OpenAsync();
        var causes = (await conn.QueryAsync<(string?, long, string?)>(
            "SELECT last_error_code, COUNT(*), MIN(last_error) FROM outbox WHERE state = 'dead' GROUP BY last_error_code ORDER BY COUNT(*) DESC"))
            .Select(d => (d.Item1 ?? "(none)", d.Item2, d.Item3 is { Length: > 160 } e ? e[..160] + "…" : d.Item3 ?? "")).ToList();
        var (records, distinctKeys) = Logged(emulator);
        var lost = load.AcknowledgedIds.Except(LoggedInteractions(emulator)).LongCount();
        var apiCalls = emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, logStart);
        var kinds = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, logStart).Where(e => e.CountedAsApiCall).GroupBy(e => e.Kind)
            .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
        // Steady state: from 30 s in (interactions last 1–3 s, and the pipeline fills up) to the last sample while new interactions still started.
        var warm = Math.Min(30, o.Duration.TotalSeconds / 3);
        var from = samples.FirstOrDefault(s => s.ElapsedSeconds >= warm);
        var to = samples.LastOrDefault(s => s.ElapsedSeconds <= o.Duration.TotalSeconds);
        var sustained = from is not null && to is not null && to.ElapsedSeconds > from.ElapsedSeconds
            ? (to.Logged - from.Logged) / (to.ElapsedSeconds - from.ElapsedSeconds)
            : endOfLoad.Logged / loadSeconds;
        var retentionStart = samples.Skip(1).Select((s, i) => (s, before: samples[i])).FirstOrDefault(x => x.s.Interactions < x.before.Interactions).s;
        return new SoakResult(hubs.Count, loadSeconds, load.Sent, load.Acknowledged, records, records - distinctKeys, lost, causes.Sum(d => d.Item2), causes,
            sustained,
            endOfLoad.Acknowledged - endOfLoad.Logged, Math.Max(0, drained.ElapsedSeconds - loadSeconds),
            load.Acknowledged == 0 ? 0 : (double)apiCalls / load.Acknowledged, string.Join(", ", kinds),
            latencies.EndedToRecord(), latencies.ScreenPop(), Percentiles(load.PostLatencies), load.Failures, load.Refusals, load.Timeouts,
            Enumerable.Range(0, hubs.Count).Select(i => samples.Max(s => s.RssMiB[i])).ToList(), drained.RssMiB,
            samples.Where(s => s.Phase == "load").Average(s => s.MachineCpuPercent), retentionStart, endOfLoad, samples);
    }

    /// <summary>Tasks and Cases in the org (one per logged interaction), and how many distinct keys they carry.</summary>
    private static (long Records, long DistinctKeys) Logged(EmulatorServer emulator)
    {
        var org = emulator.State.DefaultOrg;
        lock (org.Sync)
        {
            var keys = org.Records.OfType("Task").Concat(org.Records.OfType("Case")).Where(r => !r.IsDeleted).Select(r => r.GetString("ContactBridge_Key__c")).ToList();
            return (keys.Count, keys.Distinct().LongCount());
        }
    }

    /// <summary>The interactions with a Task or Case in the org, read back from their keys (<c>cb2-{tenant}-task-soak-0000042</c>).</summary>
    private static HashSet<string> LoggedInteractions(EmulatorServer emulator)
    {
        var org = emulator.State.DefaultOrg;
        lock (org.Sync)
            return org.Records.OfType("Task").Concat(org.Records.OfType("Case")).Where(r => !r.IsDeleted)
                .Select(r => r.GetString("ContactBridge_Key__c") ?? "").Select(k => k[(k.IndexOf("-soak-", StringComparison.Ordinal) + 1)..]).ToHashSet();
    }

    /// <summary>Busy and total jiffies of the whole machine (first line of /proc/stat): the hubs share two cores with the database and the load generator.</summary>
    internal static (long Busy, long Total) MachineCpu()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Sum() - idle, fields.Sum());
    }

    public static (double P50, double P99) Percentiles(IReadOnlyCollection<double> xs)
    {
        if (xs.Count == 0) return (double.NaN, double.NaN);
        var sorted = xs.Order().ToArray();
        double P(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return (P(0.5), P(0.99));
    }

    /// <summary>
    /// The two latencies the benchmark reports, read as the hubs write them: "ended" received → its write sent, and
    /// "started" received → identified. Read every sample, before retention can prune the rows.
    /// </summary>
    private sealed class LatencyReader
    {
        private readonly Dictionary<string, double> _endedToRecord = [];
        private readonly Dictionary<string, double> _screenPop = [];
        private long _since;

        public async Task ReadAsync(System.Data.Common.DbConnection c)
        {
            // A minute of overlap: rows committed late by another instance are still seen; the dictionaries drop repeats.
            var since = _since - 60_000;
            _since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (id, latency) in await c.QueryAsync<(string, double)>("""
                SELECT o.id, o.sent_at - e.received_at FROM outbox o
                JOIN inbox_events e ON e.tenant_id = o.tenant_id AND e.interaction_id = o.interaction_id AND e.type = 'ended'
                WHERE o.state = 'done' AND o.sent_at >= @since
                """, new { since }))
                _endedToRecord[id] = latency;
            foreach (var (tenant, interaction, identification, receivedAt) in await c.QueryAsync<(string, string, string, long)>("""
                SELECT i.tenant_id, i.interaction_id, i.identification, e.received_at FROM interactions i
                JOIN inbox_events e ON e.tenant_id = i.tenant_id AND e.interaction_id = i.interaction_id AND e.type = 'started'
                WHERE i.identification IS NOT NULL AND i.updated_at >= @since
                """, new { since }))
            {
                var key = tenant + "/" + interaction;
                if (_screenPop.ContainsKey(key)) continue;
                var at = DateTimeOffset.Parse(JsonNode.Parse(identification)!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                _screenPop[key] = at.ToUnixTimeMilliseconds() - receivedAt;
            }
        }

        public (double, double) EndedToRecord() => Percentiles(_endedToRecord.Values);
        public (double, double) ScreenPop() => Percentiles(_screenPop.Values);
    }

    /// <summary>
    /// The contact center: interaction n goes to tenant n mod T; each of its two posts (started + assigned, then
    /// message + ended 1–3 s later) goes to the next instance in turn, as a round-robin load balancer would send it.
    /// </summary>
    private sealed class Load(SoakOptions o, List<HubProcess> hubs, List<(string Id, string Secret)> tenants)
    {
        // A contact center sends over a bounded number of connections per instance and times each attempt from when it is
        // sent, not from when it was queued: otherwise, once it falls behind, every post times out before it is sent.
        private const int ConnectionsPerInstance = 96;
        private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = ConnectionsPerInstance }) { Timeout = Timeout.InfiniteTimeSpan };
        private readonly SemaphoreSlim[] _connections = hubs.Select(_ => new SemaphoreSlim(ConnectionsPerInstance)).ToArray();
        private readonly ConcurrentBag<double> _postLatencies = [];
        private readonly ConcurrentDictionary<string, byte> _acknowledgedIds = new();
        private long _sent;
        private long _acknowledged;
        private long _failures;
        private long _refusals;
        private long _timeouts;
        private int _next;

        public long Sent => Interlocked.Read(ref _sent);
        public long Acknowledged => Interlocked.Read(ref _acknowledged);
        /// <summary>Posts given up after ten minutes of retries.</summary>
        public long Failures => Interlocked.Read(ref _failures);

        /// <summary>Attempts a hub refused with 503 (busy, or its database away), then sent again.</summary>
        public long Refusals => Interlocked.Read(ref _refusals);

        /// <summary>Attempts that timed out or found no connection, then sent again.</summary>
        public long Timeouts => Interlocked.Read(ref _timeouts);
        public IReadOnlyCollection<double> PostLatencies => _postLatencies;

        /// <summary>The interactions both of whose posts the hubs accepted (202): each must end up in the org exactly once.</summary>
        public IEnumerable<string> AcknowledgedIds => _acknowledgedIds.Keys;

        public async Task RunAsync()
        {
            var random = new Random(42);
            var total = (long)(o.Rate * o.Duration.TotalSeconds);
            var run = Stopwatch.StartNew();
            var running = new List<Task>();
            for (var i = 0L; i < total; i++)
            {
                var due = TimeSpan.FromSeconds(i / o.Rate);
                if (run.Elapsed < due) await Task.Delay(due - run.Elapsed);
                var tenant = tenants[(int)(i % tenants.Count)];
                var id = $"soak-{i:0000000}";
                var known = random.NextDouble() < o.Known;
                var n = random.Next(KnownCallers);
                var phone = known ? $"212{n / 10000 + 555:000}{n % 10000:0000}" : $"+44 20 7{random.Next(100, 999)} {random.Next(1000, 9999)}";
                var channel = Channels[random.Next(Channels.Length)];
                var talk = random.Next(1, 4);
                Interlocked.Increment(ref _sent);
                running.Add(Task.Run(async () =>
                {
                    var started = await PostAsync(tenant, [Event(id, "started", new JsonObject
                    {
                        ["channel"] = channel, ["direction"] = "inbound", ["caller"] = new JsonObject { ["phone"] = phone, ["name"] = known ? null : "New Caller" },
                    }, 1), Event(id, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["email"] = "agent@bench.example" } }, 2)]);
                    await Task.Delay(TimeSpan.FromSeconds(talk));
                    var ended = await PostAsync(tenant, [Event(id, "message_appended", new JsonObject { ["message"] = new JsonObject { ["from"] = "customer", ["text"] = "Hello, I need help with my order." } }, 3),
                        Event(id, "ended", new JsonObject { ["durationSeconds"] = talk, ["outcome"] = "answered" }, 4)]);
                    if (started && ended)
                    {
                        _acknowledgedIds[id] = 0;
                        Interlocked.Increment(ref _acknowledged);
                    }
                }));
                if (running.Count > 1000) running.RemoveAll(t => t.IsCompleted);
            }
            await Task.WhenAll(running);
        }

        /// <summary>
        /// Posts until a hub accepts (202), as a contact center does: after a 503, a timeout or a refused connection it
        /// waits — at least what Retry-After says, doubling from a second up to 30 s, with jitter — and sends to the
        /// next instance; it gives up after ten minutes.
        /// The event ids stay the same, so a post accepted whose answer was lost is not stored twice.
        /// </summary>
        private async Task<bool> PostAsync((string Id, string Secret) tenant, JsonArray events)
        {
            var body = Encoding.UTF8.GetBytes(events.ToJsonString());
            var first = Stopwatch.StartNew();
            for (var attempt = 0; first.Elapsed < TimeSpan.FromMinutes(10); attempt++)
            {
                var index = (int)((uint)Interlocked.Increment(ref _next) % hubs.Count);
                var hub = hubs[index];
                await _connections[index].WaitAsync();
                var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/events")) { Content = new ByteArrayContent(body) };
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
                request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(tenant.Secret, t, body)}");
                var wait = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt)) * (0.5 + Random.Shared.NextDouble()));
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    using var response = await _http.SendAsync(request, timeout.Token);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        _postLatencies.Add(first.Elapsed.TotalMilliseconds);
                        return true;
                    }
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref _refusals);
                        if (response.Headers.RetryAfter?.Delta is { } after && after > wait) wait = after;
                    }
                    else
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref _timeouts);
                }
                finally
                {
                    _connections[index].Release();
                }
                await Task.Delay(wait);
            }
            Interlocked.Increment(ref _failures);
            return false;
        }

        private static JsonObject Event(string interaction, string type, JsonObject data, int seq) => new()
        {
            ["specversion"] = "1.0", ["id"] = $"{interaction}-{seq}", ["source"] = "/soak", ["type"] = InteractionEvent.TypePrefix + type, ["subject"] = interaction,
            ["time"] = DateTimeOffset.UtcNow.ToString("O"), ["data"] = data,
        };
    }
}
