using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Signing;
using ContactBridge.ContactCenterEmulator.Tenants;
using Microsoft.Extensions.Time.Testing;

namespace ContactBridge.ContactCenterEmulator.Tests.Support;

/// <summary>One event from the emulator's log, as the control API shows it.</summary>
public sealed record Ev(long Seq, string Status, string Type, string Subject, JsonObject Data, JsonObject Raw)
{
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A short line per event, so that a sequence reads (and fails) as a list of lines.</summary>
    public string Line
    {
        get
        {
            var name = Type[(Type.LastIndexOf('.') + 1)..];
            var details = name switch
            {
                "state_changed" => $" {Data["state"]}{(Data["reason"] is { } r ? $" ({r})" : "")}",
                "offered" or "connected" => $" {Data["agent"]?["id"]}",
                "leg_changed" => $" {Data["leg"]}",
                "transferred" => $" {Data["kind"]} {Data["to"]!.ToJsonString(Readable)}",
                "ended" => $" {Data["outcome"]}",
                "muted" => $" {Data["state"]}",
                _ => "",
            };
            return $"{name} {Subject}{details}";
        }
    }
}

/// <summary>A fresh emulator on a free loopback port, on a fake clock that the test moves, with helpers to speak the protocol to it.</summary>
public sealed class TestCenter : IAsyncDisposable
{
    public const string TenantId = "acme";
    public const string CommandSecret = "cbc_test_acme_commands";
    public const string EventSecret = "cbs_test_acme_events";
    public static readonly DateTimeOffset Start = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private int _commands;

    private TestCenter(ContactCenterEmulatorServer server, FakeTimeProvider clock)
    {
        Server = server;
        Clock = clock;
        Http = new HttpClient { BaseAddress = server.BaseUri };
    }

    public ContactCenterEmulatorServer Server { get; }
    public FakeTimeProvider Clock { get; }
    public HttpClient Http { get; }

    public static async Task<TestCenter> StartAsync(params TenantSeed[] tenants)
    {
        var clock = new FakeTimeProvider(Start);
        var server = await ContactCenterEmulatorServer.StartAsync(new ContactCenterEmulatorOptions
        {
            TimeProvider = clock, RunTimers = false, RandomSeed = 42, Seed = new SeedFile { Tenants = [.. tenants] },
        }, TestContext.Current.CancellationToken);
        return new TestCenter(server, clock);
    }

    /// <summary>Skills sales and support (phone) and mail (email); ag-1 to ag-3 take sales and mail, ag-4 support only.</summary>
    public static TenantSeed Acme(string id = TenantId, string commandSecret = CommandSecret, int? wrapUpSeconds = 30, bool loggedIn = false, string? hubEventsUrl = null) => new()
    {
        Id = id,
        HubEventsUrl = hubEventsUrl,
        EventSecret = EventSecret,
        CommandSecret = commandSecret,
        Skills =
        [
            new SkillSeed { Id = "sales", Name = "Sales", Channel = "phone" },
            new SkillSeed { Id = "support", Name = "Support", Channel = "phone" },
            new SkillSeed { Id = "mail", Name = "Mail", Channel = "email" },
        ],
        Agents =
        [
            Agent("ag-1", "Ada Agent", new() { ["sales"] = 5, ["mail"] = 3 }, loggedIn),
            Agent("ag-2", "Bo Agent", new() { ["sales"] = 4, ["mail"] = 3 }, loggedIn),
            Agent("ag-3", "Cy Agent", new() { ["sales"] = 3, ["mail"] = 3 }, loggedIn),
            Agent("ag-4", "Di Agent", new() { ["support"] = 5 }, loggedIn),
        ],
        AddressBooks = [new AddressBookSeed { Id = "main", Name = "Main", Entries = [new AddressBookEntry { Name = "Billing", Number = "+14155550123" }] }],
        RingSeconds = 20,
        WrapUpSeconds = wrapUpSeconds,
    };

    private static AgentSeed Agent(string id, string name, Dictionary<string, int> skills, bool loggedIn) => new()
    {
        Id = id, Name = name, Email = $"{id}@acme.example", Station = "10" + id[^1], Skills = skills, LoggedIn = loggedIn,
    };

    /// <summary>Signs and posts a command; the raw response, for tests of what is refused before an answer.</summary>
    public Task<HttpResponseMessage> PostCommandAsync(string agentId, string type, object? data = null, string? id = null, string tenantId = TenantId,
        string secret = CommandSecret, DateTimeOffset? signedAt = null, bool sign = true, string? idempotencyKey = null, HttpClient? client = null)
    {
        id ??= $"cmd_{Interlocked.Increment(ref _commands)}";
        var body = JsonSerializer.Serialize(new { protocol = "1", id, tenantId, agentId, type, data = data ?? new { }, issuedAt = Clock.GetUtcNow() });
        return PostRawCommandAsync(body, tenantId, secret, signedAt, sign, idempotencyKey ?? id, client);
    }

    public async Task<HttpResponseMessage> PostRawCommandAsync(string body, string tenantId = TenantId, string secret = CommandSecret,
        DateTimeOffset? signedAt = null, bool sign = true, string? idempotencyKey = null, HttpClient? client = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, Server.CommandUrlOf(tenantId)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (sign) request.Headers.TryAddWithoutValidation(Signature.Header, Signature.Sign(secret, bytes, signedAt ?? Clock.GetUtcNow()));
        return await (client ?? Http).SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Sends a command and returns its answer, checking that the answer is 200, signed with the command secret and names the command.</summary>
    public async Task<JsonObject> CommandAsync(string agentId, string type, object? data = null, string? id = null)
    {
        id ??= $"cmd_{Interlocked.Increment(ref _commands)}";
        using var response = await PostCommandAsync(agentId, type, data, id);
        return await AnswerOfAsync(response, id);
    }

    public async Task<JsonObject> AnswerOfAsync(HttpResponseMessage response, string id)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, Encoding.UTF8.GetString(bytes));
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        Signature.Check(response.Headers.TryGetValues(Signature.Header, out var v) ? v.Single() : null, CommandSecret, bytes, Clock.GetUtcNow()).ShouldBeNull();
        var answer = JsonNode.Parse(bytes)!.AsObject();
        answer["commandId"]!.GetValue<string>().ShouldBe(id);
        return answer;
    }

    /// <summary>Sends a command that must be accepted; its result, if any.</summary>
    public async Task<JsonObject?> AcceptedAsync(string agentId, string type, object? data = null)
    {
        var answer = await CommandAsync(agentId, type, data);
        answer["outcome"]!.GetValue<string>().ShouldBe("accepted", answer.ToJsonString());
        return answer["result"] as JsonObject;
    }

    public async Task<string> RefusedAsync(string agentId, string type, object? data = null)
    {
        var answer = await CommandAsync(agentId, type, data);
        answer["outcome"]!.GetValue<string>().ShouldBe("refused", answer.ToJsonString());
        answer["message"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        return answer["reason"]!.GetValue<string>();
    }

    public async Task<List<Ev>> EventsAsync(long after = 0, string tenantId = TenantId, bool snapshots = false)
    {
        var page = await GetJsonAsync($"_emulator/tenants/{tenantId}/events?after={after}");
        return page["events"]!.AsArray().Select(e =>
        {
            var raw = e!["event"]!.AsObject();
            return new Ev(e["seq"]!.GetValue<long>(), e["status"]!.GetValue<string>(), raw["type"]!.GetValue<string>(), raw["subject"]!.GetValue<string>(), raw["data"]!.AsObject(), raw);
        }).Where(e => snapshots || !e.Type.EndsWith(".snapshot", StringComparison.Ordinal)).ToList();
    }

    public async Task<long> LastSeqAsync(string tenantId = TenantId)
    {
        var page = await GetJsonAsync($"_emulator/tenants/{tenantId}/events");
        return page["last"]!.GetValue<long>();
    }

    public async Task<List<string>> LinesAfterAsync(long after) => (await EventsAsync(after)).Select(e => e.Line).ToList();

    /// <summary>Moves the clock and runs one tick over HTTP.</summary>
    public async Task TickAsync(TimeSpan advance, string tenantId = TenantId)
    {
        Clock.Advance(advance);
        using var response = await Http.PostAsync($"_emulator/tenants/{tenantId}/tick", null, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public Task<JsonObject> StateAsync(string tenantId = TenantId) => GetJsonAsync($"_emulator/tenants/{tenantId}");

    public async Task<JsonObject> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public async Task<string> AddContactAsync(object contact, string tenantId = TenantId)
    {
        using var response = await Http.PostAsJsonAsync($"_emulator/tenants/{tenantId}/contacts", contact, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    public Task<string> CallAsync(string skill = "sales", double? patienceSeconds = null) =>
        AddContactAsync(new { channel = "voice", skill, from = "+14155550100", name = "Carol Caller", ivr = new { account_number = "A-1001" }, patienceSeconds });

    /// <summary>Logs an agent in and makes them available.</summary>
    public async Task AvailableAsync(string agentId)
    {
        await AcceptedAsync(agentId, "login");
        await AcceptedAsync(agentId, "set_state", new { state = "available" });
    }

    public async Task<JsonObject> AgentAsync(string agentId) =>
        (await StateAsync())["agents"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == agentId)!.AsObject();

    public async Task<JsonObject> ContactAsync(string contactId) =>
        (await StateAsync())["contacts"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == contactId)!.AsObject();

    /// <summary>Asserts a problem+json answer with this status; its body.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(text)!.AsObject();
        problem["status"]!.GetValue<int>().ShouldBe((int)status);
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        return problem;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
