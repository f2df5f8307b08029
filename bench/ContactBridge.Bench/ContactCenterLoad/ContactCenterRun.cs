using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator;
using ContactBridge.ContactCenterEmulator.Routing;
using ContactBridge.ContactCenterEmulator.Tenants;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Logging;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContactBridge.Bench.ContactCenterLoad;

/// <summary>
/// One contact-center run: the hub (its background workers on) with a tenant linked to the Salesforce emulator and
/// connected both ways to the contact-center emulator, embedded on loopback, whose agents answer by themselves. The
/// emulator makes calls at a rate; a signed-in subscriber reads the hub's live picture and times every agent change;
/// at the end every contact must be logged to Salesforce exactly once.
/// </summary>
internal static class ContactCenterRun
{
    private const string SubscriberEmail = "bench-admin@bench.example";
    private const string SubscriberPassword = "bench-admin-password-1";
    private const int KnownCallers = 5000;

    public static async Task<ContactCenterResult> RunAsync(ContactCenterBenchOptions o)
    {
        var directory = Directory.CreateTempSubdirectory("cb-ccbench-").FullName;
        string? databaseName = null;
        var settings = new Dictionary<string, string?>
        {
            [$"{HubOptions.Section}:DataDirectory"] = directory,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (o.PostgreSqlAdmin is { } admin)
        {
            databaseName = "cb_ccbench_" + Guid.NewGuid().ToString("N")[..12];
            await using var connection = new Npgsql.NpgsqlConnection(admin);
            await connection.ExecuteAsync($"CREATE DATABASE {databaseName}");
            settings[$"{HubOptions.Section}:Database"] = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = databaseName }.ConnectionString;
        }
        try
        {
            return await RunInAsync(o, settings);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (databaseName is not null)
            {
                Npgsql.NpgsqlConnection.ClearAllPools();
                await using var connection = new Npgsql.NpgsqlConnection(o.PostgreSqlAdmin);
                await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<ContactCenterResult> RunInAsync(ContactCenterBenchOptions o, Dictionary<string, string?> settings)
    {
        // The org knows 5,000 callers and has a Salesforce user for every agent (matched by e-mail, as the Task's owner).
        var seed = BenchSetup.Seed(KnownCallers);
        seed.Orgs[0].Users.AddRange(Enumerable.Range(1, o.Agents).Select(n => new SeedUser { Username = AgentEmail(n), Email = AgentEmail(n), LastName = $"Agent {n:0000}" }));
        await using var salesforce = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = seed });
        settings[$"{SalesforceOptions.Section}:ProductionLoginUrl"] = salesforce.ProductionLoginUrl;
        // The emulated contact center is on this machine.
        settings[$"{ContactBridge.ContactCenter.ContactCenterOptions.Section}:AllowPrivateNetwork"] = "true";
        await using var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = "http://127.0.0.1:0", Settings = settings, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning),
        });
        var sp = hub.Services;
        var tenant = await sp.GetRequiredService<TenantStore>().CreateAsync("Bench Contact Center", default);
        await BenchSetup.LinkAsync(hub, salesforce, tenant.Id);
        await sp.GetRequiredService<UserStore>().CreateAsync(SubscriberEmail, SubscriberPassword, Roles.SystemAdmin, null, default);

        await using var cc = await ContactCenterEmulatorServer.StartAsync(new ContactCenterEmulatorOptions { RandomSeed = 42 });
        using var control = new HttpClient { BaseAddress = cc.BaseUri, Timeout = TimeSpan.FromMinutes(6) };
        var eventSecret = await sp.GetRequiredService<IntakeSecrets>().RotateAsync(tenant.Id, default);
        var commandSecret = await sp.GetRequiredService<ContactBridge.ContactCenter.ContactCenterConnections>()
            .ConnectAsync(tenant.Id, cc.CommandUrlOf(tenant.Id).ToString(), true, default);
        var problems = cc.Center.PutTenant(new TenantSeed
        {
            Id = tenant.Id, HubEventsUrl = new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/events").ToString(), EventSecret = eventSecret, CommandSecret = commandSecret,
            Skills =
            [
                new SkillSeed { Id = "phone", Name = "Phone", Channel = "phone" },
                new SkillSeed { Id = "chat", Name = "Chat", Channel = "chat" },
                new SkillSeed { Id = "email", Name = "E-mail", Channel = "email" },
            ],
            Agents = Enumerable.Range(1, o.Agents).Select(n => Agent(n, n <= o.Softphones ? SoftphonePassword(n) : null)).ToList(),
            WrapUpSeconds = o.WrapUpSeconds, AutoAnswerSeconds = 1, TalkSeconds = new TalkSeconds { Min = o.TalkMin, Max = o.TalkMax },
            Patience = new PatienceSetting { Distribution = "infinite" },
        });
        if (problems.Count > 0) throw new InvalidOperationException("The contact-center tenant is not valid: " + string.Join("; ", problems));
        await FlushAsync(control, tenant.Id);
        var emulatorTenant = cc.Center.Tenant(tenant.Id);

        using var stop = new CancellationTokenSource();
        var tally = new EmulatorTally(emulatorTenant);
        tally.Read();
        var tallying = tally.RunAsync(stop.Token);
        using var subscriber = new PictureSubscriber(hub.BaseUri, tenant.Id);
        await subscriber.SignInAsync(SubscriberEmail, SubscriberPassword, default);
        var subscribing = subscriber.RunAsync(stop.Token);
        while (!subscriber.HasSnapshot)
        {
            if (subscribing.IsCompleted)
            {
                await subscribing;
                throw new InvalidOperationException("The live stream ended before its snapshot.");
            }
            await Task.Delay(50);
        }

        // A few agents work in the softphone, as in Salesforce: signed in by agent name and password, following their own stream.
        var softphones = Enumerable.Range(1, o.Softphones).Select(n => new SoftphoneWatcher(hub.BaseUri, tenant.Id, AgentId(n))).ToList();
        for (var n = 1; n <= softphones.Count; n++) await softphones[n - 1].SignInAsync(SoftphonePassword(n), default);
        var watching = softphones.Select(w => w.RunAsync(stop.Token)).ToList();

        salesforce.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(o.LatencyMs), Jitter = TimeSpan.FromMilliseconds(o.JitterMs) });
        var logStart = salesforce.State.Log.LastSequence;
        var deliveredBefore = emulatorTenant.Events.Counters().Delivered;
        var stateChangesBefore = tally.StateChanges;
        var process = Process.GetCurrentProcess();

        var machineBefore = Soak.SoakRun.MachineCpu();
        var clock = Stopwatch.StartNew();
        var loadSeconds = o.Minutes * 60;
        await ControlAsync(control, HttpMethod.Put, $"_emulator/tenants/{tenant.Id}/load", new JsonObject
        {
            ["callsPerSecond"] = o.Rate,
            ["channelMix"] = new JsonObject { ["voice"] = 0.8, ["web_chat"] = 0.1, ["email"] = 0.1 },
            ["shortAbandonShare"] = o.ShortAbandonShare,
            ["patience"] = new JsonObject { ["distribution"] = "infinite" },
            ["callers"] = Callers(),
        });
        var peakWorkingSet = 0L;
        string Line()
        {
            process.Refresh();
            peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
            var counters = emulatorTenant.Events.Counters();
            var recent = subscriber.ChangesSince(Math.Max(0, subscriber.ChangeCount - 2000)).Select(c => (double)c.LatencyMs).ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"{tally.Started:N0} contacts, {tally.Ended:N0} ended; events {counters.Delivered - deliveredBefore:N0} delivered, {counters.Pending:N0} pending, " +
                $"{counters.Rejected} rejected; picture p99 {Stats.Percentile(recent, 0.99):F0} ms (last 2,000); logged {Logged(salesforce, tenant.Id).Distinct:N0}; " +
                $"{process.WorkingSet64 / 1024 / 1024} MiB");
        }
        await RunDisplay.RunAsync("load", loadSeconds, async report =>
        {
            while (clock.Elapsed.TotalSeconds < loadSeconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, Math.Max(0.01, loadSeconds - clock.Elapsed.TotalSeconds))));
                report(clock.Elapsed.TotalSeconds, Line());
            }
        });
        await ControlAsync(control, HttpMethod.Delete, $"_emulator/tenants/{tenant.Id}/load", null);
        var loadEnded = clock.Elapsed;
        var machineAfter = Soak.SoakRun.MachineCpu();
        var machineBusy = machineAfter.Total > machineBefore.Total ? 100.0 * (machineAfter.Busy - machineBefore.Busy) / (machineAfter.Total - machineBefore.Total) : double.NaN;

        // Drain: every contact ends and every agent is available again, every event reaches the hub, the subscriber shows
        // every agent's last state, and the hub logs every contact.
        var drained = false;
        TimeSpan eventsDone = default;
        var expectedKeys = new HashSet<string>(StringComparer.Ordinal);
        await RunDisplay.RunAsync("drain", 1, async report =>
        {
            var limit = loadEnded + o.DrainLimit;
            while (clock.Elapsed < limit && !(tally.Ended == tally.Started && tally.AgentStates().Values.All(a => a.State == "available")))
            {
                await Task.Delay(250);
                report(0, "contacts ending: " + Line());
            }
            await FlushAsync(control, tenant.Id);
            tally.Read();
            eventsDone = clock.Elapsed;
            while (clock.Elapsed < limit && !CaughtUp(tally, subscriber))
            {
                await Task.Delay(100);
                report(0.1, "picture catching up: " + Line());
            }
            foreach (var id in tally.StartedIds()) expectedKeys.Add(LogPlan.Key(tenant.Id, "task", id));
            while (clock.Elapsed < limit)
            {
                var logged = Logged(salesforce, tenant.Id, expectedKeys);
                report((double)logged.Expected / Math.Max(1, expectedKeys.Count), "logging: " + Line());
                if (logged.Expected == expectedKeys.Count) break;
                await Task.Delay(500);
            }
            drained = clock.Elapsed < limit;
            report(1, Line());
        });
        var drainSeconds = (clock.Elapsed - loadEnded).TotalSeconds;
        // A moment for a duplicate write, were there one, to land before counting.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll([tallying, subscribing, .. watching]);
        foreach (var w in softphones) w.Dispose();
        process.Refresh();

        var state = (await control.GetFromJsonAsync<JsonObject>($"_emulator/tenants/{tenant.Id}"))!;
        var delivery = state["delivery"]!;
        var (records, distinct, expectedPresent, tasks, cases, leads) = Logged(salesforce, tenant.Id, expectedKeys);
        var apiCalls = salesforce.State.Log.ApiCalls(WellKnown.DefaultOrgKey, logStart);
        var kinds = salesforce.State.Log.Entries(WellKnown.DefaultOrgKey, logStart).Where(e => e.CountedAsApiCall).GroupBy(e => e.Kind)
            .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");

        var changes = subscriber.Changes();
        var db = sp.GetRequiredService<HubDatabase>();
        await using var c = await db.OpenAsync();
        // When the hub had each state event (before its write): the narrower "hub has it → subscriber sees it".
        var received = (await c.QueryAsync<(string Subject, long OccurredAt, long ReceivedAt)>(
                "SELECT subject, occurred_at, received_at FROM contact_center_events WHERE tenant_id = @tenant AND type = @type",
                new { tenant = tenant.Id, type = ContactBridge.ContactCenter.ContactCenterEvents.StateChanged }))
            .GroupBy(r => (r.Subject, r.OccurredAt)).ToDictionary(g => g.Key, g => g.Min(r => r.ReceivedAt));
        var hubToSubscriber = changes.Where(ch => received.ContainsKey((ch.AgentId, ch.StateSinceMs)))
            .Select(ch => (double)(ch.ReceivedMs - received[(ch.AgentId, ch.StateSinceMs)])).ToList();
        var hubEvents = await c.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM contact_center_events WHERE tenant_id = @t) + (SELECT COUNT(*) FROM inbox_events WHERE tenant_id = @t)",
            new { t = tenant.Id });
        var hubInteractions = (await c.QueryAsync<string>("SELECT state FROM interactions WHERE tenant_id = @t AND ended = 1", new { t = tenant.Id }))
            .Select(ContactBridge.Interactions.InteractionRow.TryRead).ToList();
        // The first write of each interaction (events after "ended" that change nothing written send nothing more).
        var endedToRecord = (await c.QueryAsync<double>("""
            SELECT MIN(o.sent_at) - e.received_at FROM outbox o
            JOIN inbox_events e ON e.tenant_id = o.tenant_id AND e.interaction_id = o.interaction_id AND e.type = 'ended'
            WHERE o.state = 'done' AND o.result <> '{}' AND o.tenant_id = @t GROUP BY o.interaction_id, e.received_at
            """, new { t = tenant.Id })).ToList();
        // Writes sent to Salesforce; a plan with nothing new to write is done without one.
        var writes = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE state = 'done' AND result <> '{}' AND tenant_id = @t", new { t = tenant.Id });
        var screenPop = (await c.QueryAsync<(string Identification, long ReceivedAt)>("""
            SELECT i.identification, e.received_at FROM interactions i
            JOIN inbox_events e ON e.tenant_id = i.tenant_id AND e.interaction_id = i.interaction_id AND e.type = 'started'
            WHERE i.identification IS NOT NULL AND i.tenant_id = @t
            """, new { t = tenant.Id }))
            .Select(x => (double)(DateTimeOffset.Parse(JsonNode.Parse(x.Identification)!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() - x.ReceivedAt))
            .ToList();
        var dead = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE state = 'dead' AND tenant_id = @t", new { t = tenant.Id });
        var shown = subscriber.Shown();
        var stale = tally.AgentStates().Count(a => !shown.TryGetValue(a.Key, out var s) || s.SinceMs != a.Value.AtMs || s.State != a.Value.State);

        var generated = tally.Started;
        var deliveredDuringRun = delivery["delivered"]!.GetValue<long>() - deliveredBefore;
        return new ContactCenterResult
        {
            Database = o.DatabaseLabel, Agents = o.Agents, Rate = o.Rate, Minutes = o.Minutes, Talk = $"{o.TalkMin}-{o.TalkMax} s", WrapUpSeconds = o.WrapUpSeconds,
            Occupancy = o.Occupancy, SalesforceLatency = $"{o.LatencyMs} ± {o.JitterMs} ms",
            LoadSeconds = loadEnded.TotalSeconds, DrainSeconds = drainSeconds, Drained = drained,
            EventsDelivered = deliveredDuringRun, EventsPerSecond = deliveredDuringRun / eventsDone.TotalSeconds, EventsStoredByHub = hubEvents,
            EventToPicture = Stats.Of(changes.Select(ch => (double)ch.LatencyMs).ToList()),
            HubToPicture = Stats.Of(hubToSubscriber),
            StateChangesMade = tally.StateChanges - stateChangesBefore, AgentEvents = subscriber.AgentEvents, QueueEvents = subscriber.QueueEvents,
            Resyncs = subscriber.Resyncs, AgentsStale = stale, TallyGaps = tally.Gaps,
            Generated = generated, EndedInContactCenter = tally.Ended, ShortAbandons = tally.Abandoned,
            EndedInHub = hubInteractions.Count, AbandonsInHub = hubInteractions.Count(s => s?.Outcome == "abandoned"),
            LoggedOnce = expectedPresent, Lost = expectedKeys.Count - expectedPresent, Duplicated = records - distinct, DeadLetters = dead,
            Tasks = tasks, Cases = cases, NewLeads = leads,
            ApiCalls = apiCalls, CallsPerInteraction = generated == 0 ? 0 : (double)apiCalls / generated, CallKinds = string.Join(", ", kinds),
            EndedToRecord = Stats.Of(endedToRecord), ScreenPop = Stats.Of(screenPop),
            Softphones = softphones.Count, SoftphoneRing = Stats.Of(softphones.SelectMany(w => w.Ring()).ToList()),
            SoftphonePop = Stats.Of(softphones.SelectMany(w => w.Pop()).ToList()), SoftphonePopRequests = softphones.Sum(w => w.PopRequests),
            SoftphoneSeenAfterOffer = softphones.Sum(w => w.SeenAfterOffer),
            WritesDone = writes, MachineCpuPercent = machineBusy,
            PeakWorkingSetMiB = Math.Max(process.PeakWorkingSet64, peakWorkingSet) / 1024 / 1024,
            Delivery = new DeliveryFigures(delivery["pending"]!.GetValue<long>(), delivery["delivered"]!.GetValue<long>(), delivery["rejected"]!.GetValue<long>(),
                delivery["failedAttempts"]!.GetValue<long>(), delivery["lastError"]?.GetValue<string>()),
        };
    }

    private static string AgentEmail(int n) => $"agent{n:0000}@bench.example";

    private static string AgentId(int n) => $"agent-{n:0000}";

    private static string SoftphonePassword(int n) => $"Softphone-Pass-{n:0000}";

    /// <summary>Every agent takes calls; every other one chats, the rest answer e-mail (voice 80 %, chat and e-mail 10 % each).</summary>
    private static AgentSeed Agent(int n, string? password = null) => new()
    {
        Password = password,
        Id = AgentId(n), Name = $"Agent {n:0000}", Email = AgentEmail(n), Station = $"{4000 + n}", AutoAnswer = true, LoggedIn = true,
        Skills = new Dictionary<string, int> { ["phone"] = 5, [n % 2 == 0 ? "chat" : "email"] = 5 },
    };

    /// <summary>70 % of calls from callers the org knows (1,000 of its contacts), the rest from 430 numbers it does not.</summary>
    private static JsonArray Callers() =>
    [
        .. Enumerable.Range(0, 1000).Select(i => (JsonNode?)$"+1 212 {i / 10000 + 555:000} {i % 10000:0000}"),
        .. Enumerable.Range(0, 430).Select(i => (JsonNode?)$"+44 20 7946 {i:0000}"),
    ];

    private static bool CaughtUp(EmulatorTally tally, PictureSubscriber subscriber)
    {
        var shown = subscriber.Shown();
        return tally.AgentStates().All(a => shown.TryGetValue(a.Key, out var s) && s.SinceMs == a.Value.AtMs && s.State == a.Value.State);
    }

    /// <summary>The org's Tasks and Cases of the tenant: records, distinct keys, and how many of the expected keys are there.</summary>
    private static (long Records, long Distinct, int Expected, long Tasks, long Cases, long Leads) Logged(EmulatorServer salesforce, string tenantId, IReadOnlySet<string>? expected = null)
    {
        var org = salesforce.State.DefaultOrg;
        lock (org.Sync)
        {
            var tasks = org.Records.OfType("Task").Where(r => !r.IsDeleted).Select(r => r.GetString("ContactBridge_Key__c") ?? "").ToList();
            var cases = org.Records.OfType("Case").Where(r => !r.IsDeleted).Select(r => r.GetString("ContactBridge_Key__c") ?? "").ToList();
            var keys = tasks.Concat(cases).ToList();
            var distinct = keys.ToHashSet(StringComparer.Ordinal);
            return (keys.Count, distinct.Count, expected is null ? 0 : expected.Count(distinct.Contains), tasks.Count, cases.Count,
                org.Records.OfType("Lead").Count(r => !r.IsDeleted));
        }
    }

    private static async Task FlushAsync(HttpClient control, string tenantId)
    {
        using var response = await control.PostAsync($"_emulator/tenants/{tenantId}/events/flush?timeoutSeconds=300", null);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Events did not all reach the hub: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task ControlAsync(HttpClient control, HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await control.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
