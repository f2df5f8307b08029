using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;
using Dapper;

namespace ContactBridge.Tests.SeveralInstances;

/// <summary>
/// Three hub processes on one PostgreSQL, killed with SIGKILL and restarted while a contact center sends a
/// steady stream and Salesforce is slow, fails, hangs, loses answers to applied writes, hits its daily limit
/// and expires the session: every interaction the hubs acknowledged ends up in Salesforce exactly once.
/// </summary>
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
        var sales = await setup.LinkedTenantAsync("Sales Co");
        var support = await setup.LinkedTenantAsync("Support Co");
        var settings = setup.Services.GetRequiredService<LoggingSettingsStore>();
        await settings.SaveAsync(support.Id, await settings.GetAsync(support.Id, Ct) with { Mode = LoggingSettings.Support }, Ct);
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
            var acknowledged = contactCenter.Acknowledged;
            var salesIds = acknowledged.Where(a => a.TenantId == sales.Id).Select(a => a.InteractionId).ToList();
            var supportIds = acknowledged.Where(a => a.TenantId == support.Id).Select(a => a.InteractionId).ToList();
            salesIds.Count.ShouldBeGreaterThan(100);
            supportIds.Count.ShouldBeGreaterThan(100);

            // Exactly once, counted by key: a Task and a Lead for each call, a Case and a Contact for each chat.
            ExactlyOnce(setup.Records("Task"), salesIds.Select(id => LogPlan.Key(sales.Id, "task", id)), $"cb2-{sales.Id[..8]}-task-");
            ExactlyOnce(setup.Records("Case"), supportIds.Select(id => LogPlan.Key(support.Id, "case", id)), $"cb2-{support.Id[..8]}-case-");
            var leads = setup.Records("Lead").Select(r => r.GetString("ContactBridge_Key__c")).ToList();
            leads.Count.ShouldBe(salesIds.Count, "one new caller per call");
            leads.Distinct().Count().ShouldBe(leads.Count);
            var contacts = setup.Records("Contact").Select(r => r.GetString("ContactBridge_Key__c")).Where(k => k is not null).ToList();
            contacts.Count.ShouldBe(supportIds.Count, "one new customer per chat");
            contacts.Distinct().Count().ShouldBe(contacts.Count);

            await using var c = new Npgsql.NpgsqlConnection(db.ConnectionString);
            (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE state = 'dead'")).ShouldBe(0, "every fault was transient: nothing is a dead letter");
            (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE folded = 2")).ShouldBe(0, "no event set aside");
            (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM interactions")).ShouldBe(acknowledged.Count, "every acknowledged interaction was kept");

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
        await using var c = new Npgsql.NpgsqlConnection(connectionString);
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

    /// <summary>One hub process (`contactbridge serve`), started again on the same port after a SIGKILL.</summary>
    private sealed class HubInstanceProcess(int index, string database, string key, ContactBridge.Emulator.EmulatorServer emulator) : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory($"cb-instance{index}-").FullName;
        private readonly int _port = FreePort();
        private CliProcess? _process;

        public int Index => index;
        public int Starts { get; private set; }
        public Uri BaseUri => new($"http://127.0.0.1:{_port}");
        public bool IsUp { get; private set; }

        public async Task StartAsync()
        {
            var environment = new Dictionary<string, string>
            {
                ["CONTACTBRIDGE_Hub__Database"] = database,
                ["CONTACTBRIDGE_Hub__Key"] = key,
                ["CONTACTBRIDGE_Hub__PublicUrl"] = BaseUri.ToString(),
                ["CONTACTBRIDGE_Salesforce__ProductionLoginUrl"] = emulator.ProductionLoginUrl,
                ["CONTACTBRIDGE_Salesforce__SandboxLoginUrl"] = emulator.SandboxLoginUrl,
                // Short enough for a test: a hung request gives up after 3 s, a dead instance's rows and lanes pass on within 10 s.
                ["CONTACTBRIDGE_Salesforce__RequestTimeout"] = "00:00:03",
                ["CONTACTBRIDGE_Logging__Lease"] = "00:00:10",
                ["CONTACTBRIDGE_Logging__LaneLease"] = "00:00:06",
                ["CONTACTBRIDGE_Logging__MaxRetryDelay"] = "00:00:04",
                ["CONTACTBRIDGE_Logging__LogLevel__Default"] = "Warning",
            };
            _process = CliProcess.Start(_directory, environment, "serve", "--urls", BaseUri.ToString());
            await _process.LineContainingAsync("ContactBridge is serving");
            Starts++;
            IsUp = true;
        }

        /// <summary>SIGKILL: no shutdown, leases and claimed rows left as they were.</summary>
        public void Kill()
        {
            IsUp = false;
            _process?.Dispose();
        }

        public string Errors() => _process?.Output ?? "";

        public void Dispose()
        {
            Kill();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Cleaned by the OS.
            }
        }

        private static int FreePort()
        {
            using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    /// <summary>A contact center that sends each interaction to an instance behind its load balancer and, when that fails, to the next one until one acknowledges it.</summary>
    private sealed class RetryingSender(HubInstanceProcess[] hubs)
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
        private int _next;
        private int _retries;

        public List<(string TenantId, string InteractionId)> Acknowledged { get; } = [];
        public int Retries => _retries;

        public async Task SendAsync(EventSender sales, EventSender support, int perSecond, CancellationToken until)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
            var inFlight = new List<Task>();
            for (var n = 0; !until.IsCancellationRequested && await timer.WaitForNextTickAsync(Ct); n++)
            {
                var sender = n % 2 == 0 ? sales : support;
                var id = $"int-{n:D5}";
                var events = n % 2 == 0
                    ? Interaction(sender, id, "voice", phone: $"+1 415 555 {n:D4}", email: null)
                    : Interaction(sender, id, "web_chat", phone: null, email: $"chat{n}@customers.example");
                inFlight.Add(DeliverAsync(sender, id, Encoding.UTF8.GetBytes(new JsonArray(events).ToJsonString())));
            }
            await Task.WhenAll(inFlight);
        }

        private static JsonNode[] Interaction(EventSender sender, string id, string channel, string? phone, string? email)
        {
            var start = DateTimeOffset.UtcNow.AddMinutes(-2);
            var caller = new JsonObject { ["phone"] = phone, ["email"] = email, ["name"] = $"Caller {id}" };
            return
            [
                sender.Event(id, "started", new JsonObject { ["channel"] = channel, ["direction"] = "inbound", ["caller"] = caller }, start, $"{id}-started"),
                sender.Event(id, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["id"] = "a-1", ["email"] = TestHub.AgentEmail } }, start.AddSeconds(5), $"{id}-assigned"),
                sender.Event(id, "ended", new JsonObject { ["durationSeconds"] = 90, ["outcome"] = "answered" }, start.AddSeconds(95), $"{id}-ended"),
            ];
        }

        private async Task DeliverAsync(EventSender sender, string id, byte[] body)
        {
            for (var attempt = 0; ; attempt++)
            {
                var hub = hubs[Interlocked.Increment(ref _next) % hubs.Length];
                if (hub.IsUp)
                {
                    try
                    {
                        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.BaseUri, $"/api/v1/tenants/{sender.TenantId}/events")) { Content = new ByteArrayContent(body) };
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
                        request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(sender.Secret, t, body)}");
                        using var response = await _http.SendAsync(request, Ct);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            lock (Acknowledged) Acknowledged.Add((sender.TenantId, id));
                            return;
                        }
                        // A refusal of well-formed, signed events is a bug, not a fault to ride out.
                        ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(500, await response.Content.ReadAsStringAsync(Ct));
                    }
                    catch (HttpRequestException)
                    {
                        // The instance died under the request: the load balancer sends it to another.
                    }
                    catch (TaskCanceledException) when (!Ct.IsCancellationRequested)
                    {
                        // No answer in time: another instance.
                    }
                }
                Interlocked.Increment(ref _retries);
                if (attempt > 200) throw new InvalidOperationException($"Interaction {id} was refused by every instance for too long.");
                // A contact center backs off a little before the next instance.
                await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
            }
        }
    }
}
