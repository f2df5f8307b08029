using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

public sealed class AccountingAndFaultTests
{
    [Fact]
    public async Task Every_rest_call_is_counted_and_reported_until_the_daily_limit_answers_403()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        (await admin.PutAsJsonAsync("/_emulator/orgs/default/api-usage", new { used = 0, max = 3 }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var first = await client.GetAsync("/limits");
        first.Header("Sforce-Limit-Info").ShouldBe("api-usage=1/3");
        first.Object["DailyApiRequests"]!["Remaining"]!.GetValue<long>().ShouldBe(2);
        (await client.QueryAsync("SELECT Id FROM User")).Header("Sforce-Limit-Info").ShouldBe("api-usage=2/3");
        (await client.GetAsync("/sobjects")).Header("Sforce-Limit-Info").ShouldBe("api-usage=3/3");
        var refused = await client.GetAsync("/limits");
        refused.Code.ShouldBe(403);
        refused.ErrorCode.ShouldBe("REQUEST_LIMIT_EXCEEDED");
        // OAuth is not an API call: a client can still get tokens.
        (await EmulatorClient.SignedInAsync(emulator)).Dispose();

        var usage = await admin.GetFromJsonAsync<JsonObject>("/_emulator/orgs/default/api-usage", TestContext.Current.CancellationToken);
        usage!["used"]!.GetValue<long>().ShouldBe(3);
        var log = emulator.State.Log.Entries(WellKnown.DefaultOrgKey);
        log.Count(e => e.CountedAsApiCall).ShouldBe(3);
        log.Where(e => e.Kind.StartsWith("oauth", StringComparison.Ordinal)).ShouldAllBe(e => !e.CountedAsApiCall);
    }

    [Fact]
    public async Task The_request_log_says_what_each_call_was_and_which_client_made_it()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        await client.CreateAsync("Lead", new { LastName = "L", Company = "C" });
        await client.QueryAsync("SELECT Id FROM Lead");
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        var entries = await admin.GetFromJsonAsync<JsonArray>("/_emulator/requests?org=default", TestContext.Current.CancellationToken);
        var kinds = entries!.Select(e => e!["kind"]!.GetValue<string>()).ToList();
        kinds.ShouldBe(["oauth.token.password", "sobject.create", "query"]);
        entries![1]!["clientId"]!.GetValue<string>().ShouldBe(WellKnown.ClientId);
        entries![1]!["countedAsApiCall"]!.GetValue<bool>().ShouldBeTrue();
        entries![1]!["status"]!.GetValue<int>().ShouldBe(201);
        var after = entries![1]!["sequence"]!.GetValue<long>();
        (await admin.GetFromJsonAsync<JsonArray>($"/_emulator/requests?after={after}", TestContext.Current.CancellationToken))!.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Status_faults_answer_in_salesforce_shape_for_their_count_then_stop()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        (await admin.PostAsJsonAsync("/_emulator/faults", new { kind = "status", status = 503, count = 2, pathContains = "/limits" }, TestContext.Current.CancellationToken))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.GetAsync("/sobjects")).Code.ShouldBe(200);
        var first = await client.GetAsync("/limits");
        first.Code.ShouldBe(503);
        first.ErrorCode.ShouldBe("SERVER_UNAVAILABLE");
        (await client.GetAsync("/limits")).Code.ShouldBe(503);
        (await client.GetAsync("/limits")).Code.ShouldBe(200);

        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 500, Remaining = 1 });
        (await client.GetAsync("/limits")).ErrorCode.ShouldBe("UNKNOWN_EXCEPTION");
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.RequestLimitExceeded, Remaining = 1 });
        (await client.GetAsync("/limits")).ErrorCode.ShouldBe("REQUEST_LIMIT_EXCEEDED");
        (await client.GetAsync("/limits")).Code.ShouldBe(200);
    }

    [Fact]
    public async Task A_hang_holds_the_request_until_the_faults_are_cleared()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.State.Faults.RequestHeld += () => held.TrySetResult();
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Hang, PathContains = "/query" });

        var pending = client.QueryAsync("SELECT Id FROM User");
        await held.Task.WaitAsync(TestContext.Current.CancellationToken);
        emulator.State.Faults.Held.ShouldBe(1);
        pending.IsCompleted.ShouldBeFalse();
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        (await admin.DeleteAsync("/_emulator/faults", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await pending).Code.ShouldBe(200);
        emulator.State.Faults.Held.ShouldBe(0);
    }

    [Fact]
    public async Task Latency_faults_delay_answers_by_at_least_the_latency()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = TimeSpan.FromMilliseconds(150), Remaining = 1 });
        await client.GetAsync("/limits");
        await client.GetAsync("/limits");
        var limits = emulator.State.Log.Entries().Where(e => e.Kind == "limits").ToList();
        limits[0].DurationMs.ShouldBeGreaterThanOrEqualTo(150);
        emulator.State.Faults.Rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task Expiring_every_access_token_forces_clients_to_refresh()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        (await client.GetAsync("/limits")).Code.ShouldBe(200);
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        var expired = await (await admin.PostAsync("/_emulator/tokens/expire-access", null, TestContext.Current.CancellationToken)).Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        expired!["expired"]!.GetValue<int>().ShouldBe(1);
        var r = await client.GetAsync("/limits");
        r.Code.ShouldBe(401);
        r.ErrorCode.ShouldBe("INVALID_SESSION_ID");
        r.Header("WWW-Authenticate").ShouldBe("Token");
    }

    [Fact]
    public async Task Control_api_refuses_bad_input_with_problem_details()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        var bad = await admin.PostAsJsonAsync("/_emulator/faults", new { kind = "explode" }, TestContext.Current.CancellationToken);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await bad.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["detail"]!.GetValue<string>().ShouldContain("request_limit_exceeded, drop_response or malformed_event");
        (await admin.PostAsJsonAsync("/_emulator/faults", new { kind = "status", status = 404 }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostAsJsonAsync("/_emulator/clock/advance", new { seconds = -5 }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.GetAsync("/_emulator/orgs/nope/api-usage", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var openapi = await admin.GetFromJsonAsync<JsonObject>("/_emulator/openapi/emulator.json", TestContext.Current.CancellationToken);
        openapi!["paths"]!.AsObject().Select(p => p.Key).ShouldContain("/_emulator/faults");
    }

    [Fact]
    public async Task Concurrent_clients_never_lose_or_share_a_record()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => EmulatorClient.SignedInAsync(emulator)));
        var ids = await Task.WhenAll(clients.SelectMany((c, n) => Enumerable.Range(0, 50).Select(i => c.CreateAsync("Lead", new { LastName = $"C{n}-{i}", Company = "Co" }))));
        ids.Distinct().Count().ShouldBe(400);
        (await clients[0].QueryAsync("SELECT COUNT() FROM Lead")).Object["totalSize"]!.GetValue<int>().ShouldBe(400);
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task A_dropped_response_means_the_write_happened_but_the_client_never_heard()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.DropResponse, Remaining = 1, PathContains = "/sobjects/Lead" });
        await Should.ThrowAsync<HttpRequestException>(() => client.PostAsync("/sobjects/Lead", new { LastName = "Ghost", Company = "Co" }));
        (await client.QueryAsync("SELECT COUNT() FROM Lead WHERE LastName = 'Ghost'")).Object["totalSize"]!.GetValue<int>().ShouldBe(1);
    }
}
