using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Logging;
using ContactBridge.Storage;
using ContactBridge.Tests.Support;
using Dapper;

namespace ContactBridge.Tests.SeveralInstances;

/// <summary>
/// Three hub processes on one PostgreSQL, killed with SIGKILL and restarted while a contact center sends a
/// steady stream and Salesforce is slow, fails, hangs, loses answers to applied writes, hits its daily limit
/// and expires the session: every interaction the hubs acknowledged ends up in Salesforce exactly once.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int Instances = 3;
    private static readonly TimeSpan ChaosStep = TimeSpan.FromSeconds(5);
    private const int PerSecond = 8;

    [Fact(Timeout = 240_000)]
    public async Task Three_instances_killed_and_restarted_under_faults_log_every_acknowledged_interaction_exactly_once()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql");
        // The set-up hub (in this process, no workers) links two tenants through the portal and the emulator, then stands by.
        await using var setup = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Hub:Key"] = key });
        var (sales, support) = await TwoTenantsAsync(setup);
        using var salesSender = await EventSender.ForAsync(setup, sales.Id);
        using var supportSender = await EventSender.ForAsync(setup, support.Id);
        var emulator = setup.Emulator;
        var tokensBefore = emulator.State.Log.LastSequence;

        var hubs = Enumerable.Range(0, Instances).Select(i => new HubInstanceProcess(i, db.ConnectionString!, key, emulator)).ToArray();
        try
        {
            await Task.WhenAll(hubs.Select(h => h.StartAsync()));
            // Salesforce as it is on a bad day: slow, and now and then failing, hanging or losing the answer to a write it applied.
            var faults = emulator.State.Faults;
            faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(30), Jitter = TimeSpan.FromMilliseconds(20) });
            faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, PathContains = "/composite", Probability = 0.05 });
            faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 500, PathContains = "/search", Probability = 0.03 });
            faults.Add(new FaultRule { Kind = FaultKind.DropResponse, PathContains = "/composite/graph", Probability = 0.08 });
            faults.Add(new FaultRule { Kind = FaultKind.Hang, PathContains = "/composite", Probability = 0.02 });

            var contactCenter = new RetryingSender(hubs);
            using var streamEnds = new CancellationTokenSource();
            var sending = contactCenter.SendAsync(salesSender, supportSender, PerSecond, streamEnds.Token);
            var expiries = 0;
            var chaos = Task.Run(async () =>
            {
                for (var round = 0; round < Instances * 2; round++)
                {
                    // Chaos at a steady pace while the stream flows; the stream ends a few seconds after the last restart.
                    await Task.Delay(ChaosStep, Ct);
                    var hub = hubs[round % Instances];
                    hub.Kill();
                    if (round == 2) faults.Add(new FaultRule { Kind = FaultKind.RequestLimitExceeded, Remaining = 5 });
                    if (round is 1 or 3)
                    {
                        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} expiring every access token");
                        emulator.State.OAuth.ExpireAllAccessTokens();
                        expiries++;
                    }
                    await hub.StartAsync();
                }
                await Task.Delay(ChaosStep, Ct);
                await streamEnds.CancelAsync();
            }, Ct);
            await Task.WhenAll(sending, chaos);
            faults.Clear();
            output.WriteLine($"sent {contactCenter.Acknowledged.Count} interactions; {contactCenter.Retries} deliveries were retried on another instance");

            await WaitUntilDrainedAsync(db.ConnectionString!, TimeSpan.FromSeconds(100));

            hubs.ShouldAllBe(h => h.Starts == 3, "each instance killed twice and started again");
            await AssertExactlyOnceAsync(setup, db.ConnectionString!, contactCenter.Acknowledged, sales.Id, support.Id, atLeastEach: 100);

            // One refresh per expiry and tenant across the three instances (plus at most one for each kill that cut a refresh short).
            var refreshes = emulator.State.Log.Entries(afterSequence: tokensBefore).Count(e => e.Kind == "oauth.token.refresh_token");
            output.WriteLine($"{refreshes} token refreshes for {expiries} expiries of 2 tenants' sessions");
            refreshes.ShouldBeInRange(expiries * 2, expiries * 2 + Instances * 2);
        }
        finally
        {
            foreach (var hub in hubs)
            {
                output.WriteLine($"--- instance {hub.Index} (last start) ---\n{hub.Errors()}");
                hub.Dispose();
            }
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Two_instances_ride_out_PostgreSQL_crashing_and_restarting_under_load()
    {
        var restart = Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_POSTGRES_RESTART")
            ?? throw new InvalidOperationException("CONTACTBRIDGE_TEST_POSTGRES_RESTART is not set: run the tests with ./scripts/test.sh, which starts a PostgreSQL server this test may crash.");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql", Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_POSTGRES_CRASHABLE"));
        await using var setup = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Hub:Key"] = key });
        var (sales, support) = await TwoTenantsAsync(setup);
        using var salesSender = await EventSender.ForAsync(setup, sales.Id);
        using var supportSender = await EventSender.ForAsync(setup, support.Id);
        setup.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(30), Jitter = TimeSpan.FromMilliseconds(20) });

        var hubs = Enumerable.Range(0, 2).Select(i => new HubInstanceProcess(i, db.ConnectionString!, key, setup.Emulator)).ToArray();
        try
        {
            await Task.WhenAll(hubs.Select(h => h.StartAsync()));
            var contactCenter = new RetryingSender(hubs);
            using var streamEnds = new CancellationTokenSource();
            var sending = contactCenter.SendAsync(salesSender, supportSender, PerSecond, streamEnds.Token);
            // A crash with five seconds down, then a quick one: the server loses every connection and every transaction in flight.
            foreach (var down in new[] { 5, 0 })
            {
                await Task.Delay(ChaosStep, Ct);
                output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} crashing PostgreSQL for {down} s");
                await RunAsync(restart, down.ToString(System.Globalization.CultureInfo.InvariantCulture));
                output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} PostgreSQL is back");
            }
            await Task.Delay(ChaosStep, Ct);
            await streamEnds.CancelAsync();
            await sending;
            output.WriteLine($"sent {contactCenter.Acknowledged.Count} interactions; {contactCenter.Retries} deliveries were retried");

            // While the server was down the instances refused deliveries with a 503 that says why and when to retry, never a bare 500.
            contactCenter.Refusals.ShouldNotBeEmpty();
            contactCenter.Refusals.ShouldAllBe(r => r.Status == 503 && r.ContentType == "application/problem+json" && r.RetryAfter == TimeSpan.FromSeconds(5));
            contactCenter.Refusals.ShouldContain(r => r.Body.Contains("The hub's database is unreachable", StringComparison.Ordinal));

            // The set-up hub stood by; its idle connections died with the server.
            Npgsql.NpgsqlConnection.ClearAllPools();
            await WaitUntilDrainedAsync(db.ConnectionString!, TimeSpan.FromSeconds(60));
            await AssertExactlyOnceAsync(setup, db.ConnectionString!, contactCenter.Acknowledged, sales.Id, support.Id, atLeastEach: 50);

            // Each instance recorded the outage it saw once it could write again, and the Activity page says what happened.
            await using (var c = Unpooled(db.ConnectionString!))
            {
                var incidents = (await c.QueryAsync<(string Kind, long StartedAt, long EndedAt, long Affected, string Instance)>(
                    "SELECT kind, started_at, ended_at, affected, instance FROM incidents WHERE tenant_id IS NULL")).ToList();
                output.WriteLine(string.Join("\n", incidents));
                incidents.ShouldAllBe(i => i.Kind == IncidentKinds.StorageUnreachable);
                incidents.Select(i => i.Instance).Distinct().Count().ShouldBe(2, "both instances saw the server go");
                incidents.ShouldContain(i => i.EndedAt - i.StartedAt >= 4_000, "the first crash kept the server down for 5 s");
                incidents.Sum(i => i.Affected).ShouldBeInRange(1, contactCenter.Refusals.Count);
            }
            using var portal = await setup.SignInAsync();
            var activity = await portal.GetAsync($"/tenants/{sales.Id}/activity");
            activity.Html.ShouldShowText("The hub's database was unreachable");
            activity.Html.ShouldContain("with 503 for their senders to retry");
        }
        finally
        {
            foreach (var hub in hubs)
            {
                output.WriteLine($"--- instance {hub.Index} ---\n{hub.Errors()}");
                hub.Dispose();
            }
        }
    }

    /// <summary>A tenant that logs calls (sales) and one that logs chats as cases (support), both linked.</summary>
    private static async Task<(ContactBridge.Tenants.Tenant Sales, ContactBridge.Tenants.Tenant Support)> TwoTenantsAsync(TestHub setup)
    {
        var sales = await setup.LinkedTenantAsync("Sales Co");
        var support = await setup.LinkedTenantAsync("Support Co");
        var settings = setup.Services.GetRequiredService<LoggingSettingsStore>();
        await settings.SaveAsync(support.Id, await settings.GetAsync(support.Id, Ct) with { Mode = LoggingSettings.Support }, Ct);
        return (sales, support);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        process.ExitCode.ShouldBe(0, error);
    }

    /// <summary>Every acknowledged interaction is in Salesforce exactly once, counted by key; nothing dead, set aside or lost.</summary>
    private static async Task AssertExactlyOnceAsync(TestHub setup, string connectionString, List<(string TenantId, string InteractionId)> acknowledged, string salesId, string supportId, int atLeastEach)
    {
        var salesIds = acknowledged.Where(a => a.TenantId == salesId).Select(a => a.InteractionId).ToList();
        var supportIds = acknowledged.Where(a => a.TenantId == supportId).Select(a => a.InteractionId).ToList();
        salesIds.Count.ShouldBeGreaterThan(atLeastEach);
        supportIds.Count.ShouldBeGreaterThan(atLeastEach);

        // Exactly once, counted by key: a Task and a Lead for each call, a Case and a Contact for each chat.
        ExactlyOnce(setup.Records("Task"), salesIds.Select(id => LogPlan.Key(salesId, "task", id)), $"cb2-{salesId[..8]}-task-");
        ExactlyOnce(setup.Records("Case"), supportIds.Select(id => LogPlan.Key(supportId, "case", id)), $"cb2-{supportId[..8]}-case-");
        var leads = setup.Records("Lead").Select(r => r.GetString("ContactBridge_Key__c")).ToList();
        leads.Count.ShouldBe(salesIds.Count, "one new caller per call");
        leads.Distinct().Count().ShouldBe(leads.Count);
        var contacts = setup.Records("Contact").Select(r => r.GetString("ContactBridge_Key__c")).Where(k => k is not null).ToList();
        contacts.Count.ShouldBe(supportIds.Count, "one new customer per chat");
        contacts.Distinct().Count().ShouldBe(contacts.Count);

        await using var c = Unpooled(connectionString);
        (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE state = 'dead'")).ShouldBe(0, "every fault was transient: nothing is a dead letter");
        (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE folded = 2")).ShouldBe(0, "no event set aside");
        (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM interactions")).ShouldBe(acknowledged.Count, "every acknowledged interaction was kept");
    }

    /// <summary>A connection of its own: a pooled one may be from before a PostgreSQL crash.</summary>
    private static Npgsql.NpgsqlConnection Unpooled(string connectionString) =>
        new(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);

    private static void ExactlyOnce(IReadOnlyList<ContactBridge.Emulator.Records.SRecord> records, IEnumerable<string> expectedKeys, string prefix)
    {
        var keys = records.Select(r => r.GetString("ContactBridge_Key__c")).Where(k => k is not null && k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var duplicated = keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        duplicated.ShouldBeEmpty("no record written twice");
        var missing = expectedKeys.Except(keys).ToList();
        missing.ShouldBeEmpty("every acknowledged interaction is in Salesforce");
        keys.Count.ShouldBe(expectedKeys.Count(), "nothing that was not acknowledged");
    }

    /// <summary>Waits for the instances to finish: nothing to fold, identify, plan or send, and nothing leased.</summary>
    private async Task WaitUntilDrainedAsync(string connectionString, TimeSpan within)
    {
        await using var c = Unpooled(connectionString);
        var deadline = Stopwatch.StartNew();
        const string Waiting = """
            SELECT (SELECT COUNT(*) FROM inbox_events WHERE folded = 0)
                 + (SELECT COUNT(*) FROM interactions WHERE identification IS NULL)
                 + (SELECT COUNT(*) FROM interactions WHERE ended = 1 AND planned_version < state_version)
                 + (SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending'))
            """;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await c.ExecuteScalarAsync<long>(Waiting) > 0)
        {
            if (deadline.Elapsed > within)
            {
                var stuck = await c.QueryAsync<(string State, long Attempts, string? Error)>("SELECT state, attempts, last_error FROM outbox WHERE state IN ('pending', 'sending') LIMIT 10");
                throw new TimeoutException($"Interactions are stuck after {within}: {await c.ExecuteScalarAsync<long>(Waiting)} steps waiting; outbox: {string.Join("; ", stuck)}");
            }
            await poll.WaitForNextTickAsync(Ct);
        }
        output.WriteLine($"drained {deadline.Elapsed.TotalSeconds:F1} s after the stream ended");
    }
}
