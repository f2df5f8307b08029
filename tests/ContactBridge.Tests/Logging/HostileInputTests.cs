using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace ContactBridge.Tests.Logging;

/// <summary>Input any contact center, or anyone on the network, can send: each answer is a 4xx problem, and nothing accepted is lost.</summary>
public sealed class HostileInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Broken_json_lone_surrogates_duplicate_names_and_invalid_utf8_are_400_problems()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var good = sender.Event("call-1", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = "PLACEHOLDER" } }).ToJsonString();
        var bodies = new Dictionary<string, byte[]>
        {
            ["lone high surrogate"] = Utf8(good.Replace("PLACEHOLDER", "\\ud800", StringComparison.Ordinal)),
            ["lone low surrogate"] = Utf8(good.Replace("PLACEHOLDER", "\\udc00x", StringComparison.Ordinal)),
            ["reversed surrogates"] = Utf8(good.Replace("PLACEHOLDER", "\\udc00\\ud800", StringComparison.Ordinal)),
            ["surrogate in a name"] = Utf8(good.Replace("\"text\"", "\"\\ud800\"", StringComparison.Ordinal)),
            ["duplicate names"] = Utf8(good.Replace("{\"specversion\"", "{\"id\":\"other\",\"specversion\"", StringComparison.Ordinal)),
            ["duplicate names in data"] = Utf8(good.Replace("\"text\":\"PLACEHOLDER\"", "\"text\":\"a\",\"text\":\"b\"", StringComparison.Ordinal)),
            ["invalid UTF-8 in an attribute"] = [.. Utf8(good[..good.IndexOf("call-1", StringComparison.Ordinal)]), 0xC3, 0x28, 0xFF, .. Utf8(good[(good.IndexOf("call-1", StringComparison.Ordinal) + 6)..])],
            ["a NUL in the subject"] = Utf8(good.Replace("call-1", "call\\u0000-1", StringComparison.Ordinal)),
            ["nested too deep"] = Utf8(good.Replace("\"PLACEHOLDER\"", new string('[', 200) + new string(']', 200), StringComparison.Ordinal)),
            ["truncated"] = Utf8(good[..(good.Length / 2)]),
        };
        foreach (var (name, body) in bodies)
        {
            var (status, problem) = await sender.SendBytesAsync(body, "application/cloudevents+json");
            status.ShouldBe(HttpStatusCode.BadRequest, name);
            problem!["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace(name);
        }
        (await hub.Services.GetRequiredService<InboxStore>().CountAsync(tenant.Id, Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task A_body_that_stops_short_of_its_content_length_is_a_408_problem()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var client = new TcpClient();
        await client.ConnectAsync(hub.BaseUri.Host, hub.BaseUri.Port, Ct);
        var stream = client.GetStream();
        var request = $"POST /api/v1/tenants/{tenant.Id}/events HTTP/1.1\r\nHost: {hub.BaseUri.Authority}\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 1000\r\n\r\n{{\"id\":\"short\"";
        await stream.WriteAsync(Utf8(request), Ct);
        // The rest never comes: Kestrel's minimum body rate (after its grace period) ends the wait.
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        answer.ShouldStartWith("HTTP/1.1 408");
        answer.ShouldContain("application/problem+json");
        answer.ShouldContain("did not arrive whole");
    }

    [Theory]
    [InlineData("/api/v1/tenants/%00/events")]
    [InlineData("/api/v1/tenants/a%00b/events")]
    [InlineData("/api/v1/tenants/%ff%fe/events")]
    public async Task Hostile_tenant_ids_in_the_path_are_problems_not_bare_errors(string path)
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var (status, body) = await sender.SendAsync(new JsonArray(sender.Event("c", "started")).ToJsonString(), path: path);
        ((int)status).ShouldBeInRange(400, 499);
        body!["title"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Hostile_requests_sent_alongside_valid_ones_never_fail_them()
    {
        await using var hub = await TestHub.StartAsync();
        var victim = await hub.CreateTenantAsync("Victim");
        var attacker = await hub.CreateTenantAsync("Attacker");
        using var good = await EventSender.ForAsync(hub, victim.Id);
        using var bad = await EventSender.ForAsync(hub, attacker.Id);
        var hostile = bad.Event("x", "note_added", new JsonObject { ["note"] = new JsonObject { ["text"] = "PLACEHOLDER" } }).ToJsonString().Replace("PLACEHOLDER", "\\ud800", StringComparison.Ordinal);
        var sends = Enumerable.Range(0, 60).Select(async i => i % 2 == 0
            ? (Good: true, (await good.SendAsync(new JsonArray(good.Event($"call-{i}", "started")).ToJsonString())).Status)
            : (Good: false, (await bad.SendAsync(hostile, "application/cloudevents+json")).Status));
        var results = await Task.WhenAll(sends);
        results.Where(r => r.Good).ShouldAllBe(r => r.Status == HttpStatusCode.Accepted);
        results.Where(r => !r.Good).ShouldAllBe(r => r.Status == HttpStatusCode.BadRequest);
        (await hub.Services.GetRequiredService<InboxStore>().CountAsync(victim.Id, Ct)).ShouldBe(30);
        (await hub.Services.GetRequiredService<InboxStore>().CountAsync(attacker.Id, Ct)).ShouldBe(0);
    }

    /// <summary>What one hostile request is: a name for the failure message, its bytes, and its media type.</summary>
    private sealed record Hostile(string Name, byte[] Body, string ContentType, bool Signed = true);

    private static readonly string[] WrongValues =
    [
        "\"text\"", "42", "-7", "1e308", "true", "false", "null", "[]", "[1,\"2\",{}]", "{}", "{\"nested\":{\"deeper\":[1]}}", "\"\"", "\"   \"",
        "\"" + new string('x', 20_000) + "\"", "\"+" + new string('9', 300) + "\"", "\"" + new string('a', 100) + "@example.com\"", "\"2026-13-45T99:99:99Z\"",
        "\"\\u0000\\u0001\\u001f\"", "\"<script>alert(1)</script>\"", "\"'; DROP TABLE interactions; --\"", "\"{!x} \\\\ %_ *?\"", "\"\\ud83d\\ude00\"",
    ];

    /// <summary>Every field of every event type's data, as paths (caller.phone, wrapUp.notes, …).</summary>
    private static IEnumerable<(string Type, string[] Path)> DataFields() =>
        EventDataSchema.Types.SelectMany(t => Paths(t.Value, []).Select(p => (t.Key, p)));

    private static IEnumerable<string[]> Paths(IReadOnlyList<EventDataSchema.Field> fields, string[] prefix)
    {
        foreach (var f in fields)
        {
            string[] path = [.. prefix, f.Name];
            yield return path;
            if (f is EventDataSchema.Obj o) foreach (var p in Paths(o.Fields, path)) yield return p;
        }
    }

    private static Gen<Hostile> HostileRequests(EventSender sender)
    {
        var fields = DataFields().ToArray();
        var envelope = new[] { "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data" };
        JsonObject Valid(string type) => sender.Event("hostile-call", type, new JsonObject());

        var wrongField =
            from field in Gen.Elements(fields)
            from value in Gen.Elements(WrongValues)
            select Field(field.Type, field.Path, value);
        Hostile Field(string type, string[] path, string value)
        {
            var e = Valid(type);
            var node = e["data"]!.AsObject();
            foreach (var step in path[..^1]) node = (JsonObject)(node[step] = new JsonObject());
            node[path[^1]] = JsonNode.Parse(value);
            return new($"{type} data.{string.Join('.', path)} = {Trim(value)}", Utf8(new JsonArray(e).ToJsonString()), "application/cloudevents-batch+json");
        }
        var wrongEnvelope =
            from attribute in Gen.Elements(envelope)
            from value in Gen.Elements(WrongValues)
            from type in Gen.Elements(EventDataSchema.Types.Keys.ToArray())
            select Envelope(type, attribute, value);
        Hostile Envelope(string type, string attribute, string value)
        {
            var e = Valid(type);
            e[attribute] = JsonNode.Parse(value);
            return new($"{type} {attribute} = {Trim(value)}", Utf8(e.ToJsonString()), "application/cloudevents+json");
        }
        var brokenBytes =
            from type in Gen.Elements(EventDataSchema.Types.Keys.ToArray())
            from breakage in Gen.Elements("truncate", "invalid-utf8", "lone-surrogate", "duplicate-name", "deep", "not-an-array", "huge-batch", "empty", "bom")
            from at in Gen.Choose(1, 1000)
            select Broken(type, breakage, at);
        Hostile Broken(string type, string breakage, int at)
        {
            var text = new JsonArray(Valid(type)).ToJsonString();
            var cut = at % text.Length;
            byte[] body = breakage switch
            {
                "truncate" => Utf8(text[..cut]),
                "invalid-utf8" => [.. Utf8(text[..cut]), 0xF8, 0x80, 0xC0, .. Utf8(text[cut..])],
                "lone-surrogate" => Utf8(text.Replace("hostile-call", "hostile\\udfff", StringComparison.Ordinal)),
                "duplicate-name" => Utf8(text.Replace("\"subject\"", "\"subject\":\"other\",\"subject\"", StringComparison.Ordinal)),
                "deep" => Utf8(new string('[', 40 + cut % 500) + text + new string(']', 40 + cut % 500)),
                "not-an-array" => Utf8("{\"events\":" + text + "}"),
                "huge-batch" => Utf8(new JsonArray(Enumerable.Range(0, IntakeEndpoints.MaxBatch + 1).Select(_ => (JsonNode)Valid(type)).ToArray()).ToJsonString()),
                "empty" => [],
                _ => [0xEF, 0xBB, 0xBF, .. Utf8(text)],
            };
            return new($"{type} {breakage} at {cut}", body, "application/cloudevents-batch+json");
        }
        var wrongHeaders =
            from type in Gen.Elements(EventDataSchema.Types.Keys.ToArray())
            from contentType in Gen.Elements("text/plain", "application/xml", "multipart/form-data", "application/cloudevents-batch+json; charset=utf-16")
            from signed in Gen.Elements(true, false)
            select new Hostile($"{type} as {contentType}, signed {signed}", Utf8(new JsonArray(Valid(type)).ToJsonString()), contentType, signed);
        return Gen.Frequency((5, wrongField), (2, wrongEnvelope), (3, brokenBytes), (1, wrongHeaders));
    }

    private static string Trim(string value) => value.Length > 40 ? value[..40] + "…" : value;

    [Fact]
    public async Task A_thousand_generated_hostile_requests_get_4xx_problems_store_nothing_refused_and_valid_events_in_between_are_logged_once()
    {
        await using var hub = await TestHub.StartAsync();
        var target = await hub.CreateTenantAsync("Target");
        var valid = await hub.LinkedTenantAsync("Bystander");
        using var hostileSender = await EventSender.ForAsync(hub, target.Id);
        using var validSender = await EventSender.ForAsync(hub, valid.Id);
        var inbox = hub.Services.GetRequiredService<InboxStore>();
        var requests = HostileRequests(hostileSender).Sample(1200);
        requests.Length.ShouldBeGreaterThanOrEqualTo(1000);
        long accepted = 0;
        var validCalls = 0;
        for (var i = 0; i < requests.Length; i++)
        {
            var h = requests[i];
            var (status, body) = await hostileSender.SendBytesAsync(h.Body, h.ContentType, signWith: h.Signed ? null : "cbs_wrong");
            ((int)status).ShouldBeLessThan(500, $"{h.Name}: {body}");
            if (status == HttpStatusCode.Accepted) accepted += body!["accepted"]!.GetValue<long>();
            else ((int)status).ShouldBeInRange(400, 499, h.Name);
            if (i % 20 == 0)
            {
                await validSender.AcceptAsync(validSender.Interaction($"valid-{validCalls}", phone: $"+1 415 555 {1000 + validCalls}"));
                validCalls++;
            }
        }
        (await inbox.CountAsync(target.Id, Ct)).ShouldBe(accepted, "exactly what was accepted is stored; nothing refused");

        await hub.RunPipelineAsync();
        var tasks = hub.Records("Task").Select(t => t.GetString("CallObject")).ToList();
        tasks.Count.ShouldBe(validCalls);
        tasks.Distinct().Count().ShouldBe(validCalls);
        // Whatever the intake accepted, the pipeline can fold: nothing had to be set aside.
        (await inbox.QuarantinedAsync(target.Id, 10, Ct)).ShouldBeEmpty();
        (await inbox.QuarantinedAsync(valid.Id, 10, Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("/%5Cevil.example")]
    [InlineData("/%09/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/%0d%0a/evil.example")]
    [InlineData("/%C3%A9t%C3%A9")]
    public async Task After_sign_in_only_local_paths_are_followed(string returnUrl)
    {
        await using var hub = await TestHub.StartAsync();
        using var portal = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        var page = await portal.GetAsync($"/login?ReturnUrl={returnUrl}");
        var token = System.Text.RegularExpressions.Regex.Match(page.Html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await portal.PostAsync($"/login?ReturnUrl={returnUrl}",
            new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["email"] = TestHub.AdminEmail, ["password"] = TestHub.Password });
        signedIn.Status.ShouldBe(HttpStatusCode.Redirect);
        signedIn.Location!.Host.ShouldBe(hub.BaseUri.Host);
        signedIn.Location.AbsolutePath.ShouldBe("/");
    }

    [Fact]
    public async Task After_sign_in_the_page_the_visitor_asked_for_is_shown()
    {
        await using var hub = await TestHub.StartAsync();
        using var portal = new PortalClient(hub.BaseUri, hub.Emulator.BaseUri);
        var page = await portal.GetAsync("/login?ReturnUrl=%2Ftenants");
        var signedIn = await portal.SubmitAsync(page, "login-form", new Dictionary<string, string> { ["email"] = TestHub.AdminEmail, ["password"] = TestHub.Password });
        signedIn.Location!.AbsolutePath.ShouldBe("/tenants");
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Body, TimeSpan Took)> LookupAsync(TestHub hub, EventSender sender, string tenantId, string query)
    {
        var pathAndQuery = $"/api/v1/tenants/{tenantId}/lookup?{query}";
        var t = hub.Clock.GetUtcNow().ToUnixTimeSeconds();
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(sender.Secret, t, Utf8(pathAndQuery))}");
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await http.SendAsync(request, Ct);
        var took = started.Elapsed;
        var text = await response.Content.ReadAsStringAsync(Ct);
        if ((int)response.StatusCode >= 400) response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return (response.StatusCode, JsonNode.Parse(text) as JsonObject, took);
    }

    [Fact]
    public async Task The_lookup_api_answers_a_problem_when_salesforce_fails_and_within_its_bound_when_salesforce_hangs()
    {
        await using var hub = await TestHub.StartAsync(settings: new() { ["Logging:LookupTimeout"] = "00:00:01" });
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        (await LookupAsync(hub, sender, tenant.Id, "phone=%2B14155550100")).Status.ShouldBe(HttpStatusCode.OK);

        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 400, PathContains = "/search", Remaining = 1 });
        var refused = await LookupAsync(hub, sender, tenant.Id, "phone=%2B14155550100");
        refused.Status.ShouldBe(HttpStatusCode.BadGateway);
        refused.Body!["title"]!.GetValue<string>().ShouldBe("Salesforce refused the lookup");

        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Hang, PathContains = "/search" });
        var slow = await LookupAsync(hub, sender, tenant.Id, "phone=%2B14155550100");
        slow.Status.ShouldBe(HttpStatusCode.GatewayTimeout);
        slow.Took.ShouldBeLessThan(TimeSpan.FromSeconds(15), "the bound is 1 s; Salesforce's own timeout would be 30 s");
        slow.Body!["detail"]!.GetValue<string>().ShouldContain("did not answer within 1 s");
        hub.Emulator.State.Faults.Clear();

        var tooLong = await LookupAsync(hub, sender, tenant.Id, $"email={new string('a', 100)}%40example.com");
        tooLong.Status.ShouldBe(HttpStatusCode.BadRequest);
        tooLong.Body!["detail"]!.GetValue<string>().ShouldContain("email is 112 characters");
    }
}
