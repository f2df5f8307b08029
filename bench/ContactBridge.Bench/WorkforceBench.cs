using System.Data.Common;
using System.Diagnostics;
using ContactBridge;
using ContactBridge.ContactCenter;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using ContactBridge.Workforce;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

/// <summary>
/// The workforce feed's run: N days of agent states and contacts for A agents and Q queues, written straight into the hub's
/// tables (as the intake and the fold would leave them), then the historical feed computed from scratch, then again for one
/// new interval. Reports the time of each, rows written, events a second and peak memory.
/// </summary>
internal static class WorkforceBench
{
    /// <summary>A clock the run moves: the feed computes intervals that have closed by it.</summary>
    private sealed class RunClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    public static async Task<int> RunAsync(int agents, int queues, int days, string? database)
    {
        Console.WriteLine($"ContactBridge workforce benchmark: {agents:N0} agents, {queues:N0} queues, {days} days, {(database is null ? "SQLite" : "PostgreSQL")}.");
        var directory = Directory.CreateTempSubdirectory("cb-bench-wfm-").FullName;
        var end = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var start = end.AddDays(-days);
        var clock = new RunClock(end);
        var settings = new Dictionary<string, string?> { [$"{HubOptions.Section}:DataDirectory"] = directory, ["Retention:LinkActivity"] = "400.00:00:00" };
        if (database is not null) settings[$"{HubOptions.Section}:Database"] = database;
        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0", Settings = settings, Clock = clock, RunBackgroundWorkers = false, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
        });
        var sp = hub.Services;
        var tenant = await sp.GetRequiredService<TenantStore>().CreateAsync("Bench Contact Center", default);
        var db = sp.GetRequiredService<HubDatabase>();

        var sw = Stopwatch.StartNew();
        var (states, contacts) = await GenerateAsync(db, tenant.Id, agents, queues, start, end, new Random(7));
        Console.WriteLine($"  generated {states:N0} state changes and {contacts:N0} contacts ({states + contacts:N0} in all) in {sw.Elapsed.TotalSeconds:F1} s");

        var saved = await sp.GetRequiredService<WorkforceIntegrations>().SaveHistoricalAsync(tenant.Id, "default",
            new HistoricalSettings { Enabled = true, ReadyActivities = "Available; On contact", NotReadyActivities = "Unavailable; Break; Lunch", AdminActivities = "After call work" },
            null, default);
        if (saved.Saved is null) throw new InvalidOperationException(string.Join(" ", saved.Problems));
        var feed = sp.GetRequiredService<WorkforceFeed>();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.PeakWorkingSet64;
        sw.Restart();
        var rows = await feed.RunUntilIdleAsync(default);
        var scratch = sw.Elapsed;
        process.Refresh();
        Console.WriteLine($"  from scratch: {rows:N0} interval rows in {scratch.TotalSeconds:F1} s ({(states + contacts) / scratch.TotalSeconds:N0} events/s); " +
                          $"peak working set {process.PeakWorkingSet64 / 1048576:N0} MiB (before: {before / 1048576:N0} MiB)");

        // One more interval: 15 minutes of the same activity, then the clock passes its end.
        var (moreStates, moreContacts) = await GenerateAsync(db, tenant.Id, agents, queues, end, end.AddMinutes(15), new Random(8), loggedIn: true);
        clock.Now = end.AddMinutes(15);
        sw.Restart();
        var newRows = await feed.RunUntilIdleAsync(default);
        var incremental = sw.Elapsed;
        Console.WriteLine($"  one new interval ({moreStates:N0} state changes, {moreContacts:N0} contacts): {newRows:N0} rows in {incremental.TotalMilliseconds:N0} ms");
        var ok = scratch < TimeSpan.FromMinutes(2) && incremental < TimeSpan.FromSeconds(1);
        Console.WriteLine(ok ? "  targets met: from scratch < 2 min, one interval < 1 s" : "  TARGETS MISSED: from scratch < 2 min, one interval < 1 s");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// Omni-Channel in the emulator's org as the source: D days of generated history for A agents and Q queues, the hub's first read
    /// (Bulk API 2.0) and computation, then one more hour read by REST increments; API calls and time of each, side by side with
    /// reading the same records by REST query pages (2,000 records a page), as a connector without Bulk API would.
    /// </summary>
    public static async Task<int> RunSalesforceAsync(int agents, int queues, int days, double workPerHour)
    {
        Console.WriteLine($"ContactBridge workforce benchmark, Omni-Channel as the source: {agents:N0} agents, {queues:N0} queues at {workPerHour} contacts an hour each, {days} days, SQLite.");
        var directory = Directory.CreateTempSubdirectory("cb-bench-wfm-sf-").FullName;
        await using var emulator = await ContactBridge.Emulator.EmulatorServer.StartAsync(new ContactBridge.Emulator.EmulatorOptions
        {
            Seed = new ContactBridge.Emulator.Org.SeedFile { Orgs = [new ContactBridge.Emulator.Org.SeedOrg { Key = ContactBridge.Emulator.Org.WellKnown.DefaultOrgKey, ApiDailyLimit = 10_000_000 }] },
        });
        var org = emulator.State.DefaultOrg;
        var now = emulator.State.Clock.GetUtcNow();
        var sw = Stopwatch.StartNew();
        var first = ContactBridge.Emulator.OmniChannel.OmniChannelActivity.Generate(org, emulator.State.Clock,
            new(From: now.AddDays(-days).AddHours(-1), Hours: days * 24, Agents: agents, Queues: queues, WorkPerHour: workPerHour, Seed: 7, StampedAsItHappened: true));
        Console.WriteLine($"  generated in the org: {first.Presences:N0} presence records, {first.Work:N0} AgentWork, {first.VoiceCalls:N0} VoiceCalls, {first.Cases:N0} cases " +
                          $"({first.Answered:N0} answered, {first.Abandoned:N0} abandoned, {first.Declined:N0} declined, {first.Transferred:N0} transferred) in {sw.Elapsed.TotalSeconds:F1} s");

        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0", RunBackgroundWorkers = false, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
            Settings = new()
            {
                [$"{HubOptions.Section}:DataDirectory"] = directory, ["Retention:LinkActivity"] = "400.00:00:00", ["Workforce:BulkPollInterval"] = "00:00:00.200",
                ["Salesforce:ProductionLoginUrl"] = emulator.ProductionLoginUrl, ["Salesforce:SandboxLoginUrl"] = emulator.SandboxLoginUrl,
            },
        });
        var sp = hub.Services;
        var tenant = await sp.GetRequiredService<TenantStore>().CreateAsync("Bench Omni-Channel", default);
        var tokenUrl = emulator.InstanceUrl + "/services/oauth2/token";
        var saved = await sp.GetRequiredService<WorkforceIntegrations>().SaveHistoricalAsync(tenant.Id, "omni", new HistoricalSettings
        {
            Enabled = true, Source = WorkforceSources.Salesforce, ClientId = ContactBridge.Emulator.Org.WellKnown.ClientId, TokenUrl = tokenUrl,
            ReadyActivities = "Available", NotReadyActivities = "Break; Lunch", AdminActivities = "Training", IdleActivities = "",
        }, ContactBridge.Emulator.Org.WellKnown.ClientSecret, default);
        if (saved.Saved is null) throw new InvalidOperationException(string.Join(" ", saved.Problems));
        var feed = sp.GetRequiredService<WorkforceFeed>();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var calls = emulator.State.Log.LastSequence;
        sw.Restart();
        var rows = await feed.RunUntilIdleAsync(default);
        var backfill = sw.Elapsed;
        var backfillCalls = emulator.State.Log.ApiCalls(org.Key, calls);
        process.Refresh();
        var records = first.Presences + first.Work + first.VoiceCalls;
        Console.WriteLine($"  first read (Bulk API 2.0) and computation: {records:N0} records, {rows:N0} interval rows in {backfill.TotalSeconds:F1} s, " +
                          $"{backfillCalls} API calls; peak working set {process.PeakWorkingSet64 / 1048576:N0} MiB");

        // One more hour of activity, read by REST increments a minute later (the emulator's clock moves on, as it does between reads:
        // records are stamped with it, and each read asks again for the overlap before where the previous one got).
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = ContactBridge.Emulator.OmniChannel.OmniChannelActivity.Generate(org, emulator.State.Clock,
            new(From: emulator.State.Clock.GetUtcNow().AddHours(-1), Hours: 1, Agents: agents, Queues: queues, WorkPerHour: workPerHour, Seed: 8));
        var row = (await sp.GetRequiredService<WorkforceSettingsStore>().GetAsync(tenant.Id, WorkforceKinds.Historical, "omni", default))!;
        calls = emulator.State.Log.LastSequence;
        sw.Restart();
        var read = await sp.GetRequiredService<OmniChannelSource>().ReadAsync(row, default);
        var more = await feed.RunUntilIdleAsync(default);
        var increment = sw.Elapsed;
        var incrementCalls = emulator.State.Log.ApiCalls(org.Key, calls);
        Console.WriteLine($"  one more hour ({second.Presences + second.Work + second.VoiceCalls:N0} new records; {read.Presences + read.Work + read.Calls:N0} read): " +
                          $"{more:N0} rows in {increment.TotalMilliseconds:N0} ms, {incrementCalls} API calls");
        // Nothing new: what each read costs when the org is quiet.
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(1));
        calls = emulator.State.Log.LastSequence;
        await sp.GetRequiredService<OmniChannelSource>().ReadAsync(row, default);
        var quietCalls = emulator.State.Log.ApiCalls(org.Key, calls);

        // The common approach: the same records read by REST query pages.
        var rest = await sp.GetRequiredService<WorkforceOrgClients>().ClientAsync(row, row.Historical().ClientId, tokenUrl, null, default);
        calls = emulator.State.Log.LastSequence;
        sw.Restart();
        foreach (var soql in new[]
                 {
                     "SELECT Id, UserId, StatusStartDate, StatusEndDate FROM UserServicePresence",
                     "SELECT Id, WorkItemId, UserId, RequestDateTime, AcceptDateTime, CloseDateTime FROM AgentWork",
                     "SELECT Id, CallStartDateTime, CallEndDateTime, CustomerHoldDuration FROM VoiceCall",
                 })
            await rest.QueryAllPagesAsync(soql, default);
        var restCalls = emulator.State.Log.ApiCalls(org.Key, calls);
        Console.WriteLine($"  the same first read by REST query pages: {restCalls:N0} API calls in {sw.Elapsed.TotalSeconds:F1} s ({(double)restCalls / Math.Max(1, backfillCalls):F0}x the Bulk read's)");
        Console.WriteLine($"  each read when nothing changed: {quietCalls} API call(s) (one composite request); polled every minute that is {quietCalls * 1440:N0} a day " +
                          $"({quietCalls * 1440 / 1000.0:F1}% of a 100,000-call daily allowance)");
        return 0;
    }

    /// <summary>
    /// The real-time run: the hub with its workers, a WFM tool's webhook on this machine, and agent state changes posted through the
    /// signed intake at a steady rate; each change's time from its POST to its arrival at the webhook.
    /// </summary>
    public static async Task<int> RunRealTimeAsync(double rate, double seconds)
    {
        Console.WriteLine($"ContactBridge real-time workforce benchmark: {rate} agent state changes a second for {seconds} s, delivered to a signed webhook.");
        var directory = Directory.CreateTempSubdirectory("cb-bench-wfm-rt-").FullName;
        var arrived = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var receiver = builder.Build();
        receiver.MapPost("/wfm", async (Microsoft.AspNetCore.Http.HttpContext c) =>
        {
            var now = Stopwatch.GetTimestamp();
            var body = await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.Nodes.JsonObject>(c.Request.Body);
            foreach (var change in body!["changes"]!.AsArray()) arrived.TryAdd(change!["eventId"]!.GetValue<string>(), now);
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await receiver.StartAsync();
        var webhook = receiver.Urls.First() + "/wfm";
        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Settings = new() { [$"{HubOptions.Section}:DataDirectory"] = directory, ["ContactCenter:AllowPrivateNetwork"] = "true" },
            ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
        });
        var sp = hub.Services;
        var tenant = await sp.GetRequiredService<TenantStore>().CreateAsync("Bench Contact Center", default);
        var integrations = sp.GetRequiredService<WorkforceIntegrations>();
        await integrations.SaveHistoricalAsync(tenant.Id, "default", new HistoricalSettings { Enabled = true }, null, default);
        var saved = await integrations.SaveRealTimeAsync(tenant.Id, "default", new RealTimeSettings { Enabled = true, WebhookUrl = webhook }, null, default);
        if (saved.Saved is null) throw new InvalidOperationException(string.Join(" ", saved.Problems));
        var secret = await sp.GetRequiredService<ContactBridge.Intake.IntakeSecrets>().RotateAsync(tenant.Id, default);
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        var sent = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var accepted = new List<double>();
        var storedAt = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var batchesPerSecond = 20;
        var perBatch = Math.Max(1, (int)Math.Round(rate / batchesPerSecond));
        var total = (int)(rate * seconds);
        var states = new[] { "available", "on_contact", "after_call_work", "available", "unavailable" };
        var started = Stopwatch.StartNew();
        var posts = new List<Task>();
        for (var n = 0; n * perBatch < total; n++)
        {
            var due = TimeSpan.FromSeconds((double)n / batchesPerSecond);
            if (due > started.Elapsed) await Task.Delay(due - started.Elapsed);
            var events = new System.Text.Json.Nodes.JsonArray();
            var ids = new List<string>();
            for (var k = 0; k < perBatch; k++)
            {
                var i = n * perBatch + k;
                var id = $"rt-{i:0000000}";
                ids.Add(id);
                events.Add(new System.Text.Json.Nodes.JsonObject
                {
                    ["specversion"] = "1.0", ["id"] = id, ["source"] = "/bench", ["type"] = ContactCenterEvents.StateChanged, ["subject"] = $"ag-{i % 500:000}",
                    ["time"] = DateTimeOffset.UtcNow.ToString("O"),
                    ["data"] = new System.Text.Json.Nodes.JsonObject { ["state"] = states[i / 500 % states.Length], ["reason"] = states[i / 500 % states.Length] == "unavailable" ? "Break" : null },
                });
            }
            posts.Add(PostAsync(events, ids));
        }
        async Task PostAsync(System.Text.Json.Nodes.JsonArray events, List<string> ids)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(events.ToJsonString());
            var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/events") { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
            request.Headers.TryAddWithoutValidation(ContactBridge.Intake.EventSignature.Header, $"t={t},v1={ContactBridge.Intake.IntakeSecrets.Sign(secret, t, bytes)}");
            var at = Stopwatch.GetTimestamp();
            foreach (var id in ids) sent[id] = at;
            using var response = await http.SendAsync(request);
            var stored = Stopwatch.GetTimestamp();
            lock (accepted) accepted.Add(Stopwatch.GetElapsedTime(at, stored).TotalMilliseconds);
            foreach (var id in ids) storedAt[id] = stored;
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted) Console.WriteLine($"  POST answered {(int)response.StatusCode}");
        }
        await Task.WhenAll(posts);
        var wait = Stopwatch.StartNew();
        while (arrived.Count < total && wait.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(100);
        var latencies = sent.Where(s => arrived.ContainsKey(s.Key)).Select(s => Stopwatch.GetElapsedTime(s.Value, arrived[s.Key]).TotalMilliseconds).Order().ToList();
        double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        Console.WriteLine($"  {total:N0} changes sent in {started.Elapsed.TotalSeconds - wait.Elapsed.TotalSeconds:F1} s; {arrived.Count:N0} arrived, {total - arrived.Count:N0} missing");
        Console.WriteLine($"  POST → webhook: p50 {P(0.5):N0} ms, p99 {P(0.99):N0} ms, max {(latencies.Count == 0 ? 0 : latencies[^1]):N0} ms");
        accepted.Sort();
        Console.WriteLine($"  of which POST → 202 (stored durably): p50 {accepted[accepted.Count / 2]:N0} ms, p99 {accepted[(int)(accepted.Count * 0.99)]:N0} ms");
        var delivery = storedAt.Where(s => arrived.ContainsKey(s.Key)).Select(s => Math.Max(0, Stopwatch.GetElapsedTime(s.Value, arrived[s.Key]).TotalMilliseconds)).Order().ToList();
        if (delivery.Count > 0)
            Console.WriteLine($"  202 → webhook (the feed's own part): p50 {delivery[delivery.Count / 2]:N0} ms, p99 {delivery[Math.Min(delivery.Count - 1, (int)(delivery.Count * 0.99))]:N0} ms");
        // The feed's target is its own part: from the change stored (the 202) to the webhook. POST → 202 is the intake's durable write.
        var ok = arrived.Count == total && delivery.Count > 0 && delivery[Math.Min(delivery.Count - 1, (int)(delivery.Count * 0.99))] < 500;
        Console.WriteLine(ok ? "  target met: every change delivered, 202 → webhook p99 < 500 ms" : "  TARGET MISSED: every change delivered, 202 → webhook p99 < 500 ms");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// Each agent works 8 hours a day from a start between 07:00 and 11:00: logs in, then takes contacts (about 110 a day), with
    /// after-call work now and then, a break and a lunch; each contact is offered to one of the queues, one in twenty abandoned.
    /// </summary>
    private static async Task<(long States, long Contacts)> GenerateAsync(HubDatabase db, string tenantId, int agents, int queues, DateTimeOffset from, DateTimeOffset to,
        Random random, bool loggedIn = false)
    {
        await using var w = await db.WriteAsync(durable: false);
        var c = w.Connection;
        using var state = Command(c, w.Transaction, "INSERT INTO contact_center_events (tenant_id, event_id, type, subject, occurred_at, data, received_at) VALUES (@t, @id, @type, @s, @at, @data, @at)",
            "t", "id", "type", "s", "at", "data");
        using var contact = Command(c, w.Transaction, """
            INSERT INTO workforce_contacts (tenant_id, interaction_id, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, abandoned, hold_seconds, wrap_seconds, transfers)
            VALUES (@t, @id, 'voice', 'inbound', @q, @a, @offered, @answered, @ended, @abandoned, @hold, @wrap, 0)
            """, "t", "id", "q", "a", "offered", "answered", "ended", "abandoned", "hold", "wrap");
        long states = 0, contacts = 0;
        async Task StateAsync(string agent, string type, string data, DateTimeOffset at)
        {
            Set(state, tenantId, $"{agent}-{at.ToUnixTimeMilliseconds()}-{states}", type, agent, at.ToUnixTimeMilliseconds(), data);
            await state.ExecuteNonQueryAsync();
            states++;
        }
        for (var a = 0; a < agents; a++)
        {
            var agent = $"ag-{a:0000}";
            await c.ExecuteAsync("INSERT INTO agents (tenant_id, agent_id, logged_in, updated_at) VALUES (@tenantId, @agent, 1, 0) ON CONFLICT (tenant_id, agent_id) DO NOTHING",
                new { tenantId, agent }, w.Transaction);
            for (var day = from.Date; day < to; day = day.AddDays(1))
            {
                var shiftStart = loggedIn ? from : new DateTimeOffset(day, TimeSpan.Zero).AddHours(7 + random.NextDouble() * 4);
                var shiftEnd = loggedIn ? to : shiftStart.AddHours(8);
                if (shiftEnd <= from || shiftStart >= to) continue;
                var t = shiftStart;
                if (!loggedIn) await StateAsync(agent, ContactCenterEvents.LoggedIn, "{}", t);
                var breaks = new[] { shiftStart.AddHours(2), shiftStart.AddHours(4) };
                while (t < shiftEnd)
                {
                    await StateAsync(agent, ContactCenterEvents.StateChanged, """{"state":"available"}""", t);
                    t = t.AddSeconds(20 + random.Next(60));
                    var offered = t.AddSeconds(-random.Next(40));
                    var abandoned = random.Next(20) == 0;
                    var talk = 120 + random.Next(180);
                    var hold = random.Next(5) == 0 ? random.Next(60) : 0;
                    var wrap = random.Next(3) == 0 ? 10 + random.Next(50) : 0;
                    Set(contact, tenantId, $"{agent}-{t.ToUnixTimeMilliseconds()}", $"queue-{random.Next(queues):00}", abandoned ? null : agent, offered.ToUnixTimeMilliseconds(),
                        abandoned ? null : t.ToUnixTimeMilliseconds(), (abandoned ? t : t.AddSeconds(talk)).ToUnixTimeMilliseconds(), abandoned ? 1 : 0, hold, wrap);
                    await contact.ExecuteNonQueryAsync();
                    contacts++;
                    if (abandoned) continue;
                    await StateAsync(agent, ContactCenterEvents.StateChanged, """{"state":"on_contact"}""", t);
                    t = t.AddSeconds(talk);
                    if (wrap > 0)
                    {
                        await StateAsync(agent, ContactCenterEvents.StateChanged, """{"state":"after_call_work"}""", t);
                        t = t.AddSeconds(wrap);
                    }
                    foreach (var (at, reason, minutes) in breaks.Select((b, i) => (b, i == 0 ? "Break" : "Lunch", i == 0 ? 15 : 30)))
                        if (t >= at && t < at.AddMinutes(minutes))
                        {
                            await StateAsync(agent, ContactCenterEvents.StateChanged, $$"""{"state":"unavailable","reason":"{{reason}}"}""", t);
                            t = at.AddMinutes(minutes);
                        }
                }
                if (!loggedIn) await StateAsync(agent, ContactCenterEvents.LoggedOut, "{}", shiftEnd);
            }
        }
        await w.CommitAsync();
        return (states, contacts);
    }

    private static DbCommand Command(DbConnection c, DbTransaction tx, string sql, params string[] names)
    {
        var command = c.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var name in names)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            command.Parameters.Add(p);
        }
        return command;
    }

    private static void Set(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }
}
