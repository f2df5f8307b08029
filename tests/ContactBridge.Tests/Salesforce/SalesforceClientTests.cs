using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Salesforce;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Salesforce;

/// <summary>The typed Salesforce client against the emulator: errors keep their codes, usage is tracked, only safe requests are retried.</summary>
public sealed class SalesforceClientTests
{
    private static async Task<(EmulatorServer Emulator, SalesforceRestClient Client, HttpClient Http)> StartAsync()
    {
        var emulator = await EmulatorServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var http = new HttpClient();
        var token = await new SalesforceOAuthClient(http).PasswordAsync(new Uri(emulator.ProductionLoginUrl), WellKnown.ClientId, WellKnown.ClientSecret,
            WellKnown.IntegrationUsername, WellKnown.IntegrationPassword, TestContext.Current.CancellationToken);
        var session = new SalesforceSession(new Uri(token.InstanceUrl), "62.0", token.AccessToken, _ => throw new InvalidOperationException("no refresh in this test"));
        return (emulator, new SalesforceRestClient(http, session, TimeProvider.System), http);
    }

    [Fact]
    public async Task A_read_is_retried_after_a_transient_5xx_but_a_create_is_not()
    {
        var (emulator, client, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, Remaining = 2, PathContains = "/query" });
        (await client.QueryAsync("SELECT Id FROM User", TestContext.Current.CancellationToken))["totalSize"]!.GetValue<int>().ShouldBe(2);
        emulator.State.Log.Entries().Count(e => e.Kind == "fault.status").ShouldBe(2);

        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, Remaining = 1, PathContains = "/sobjects/Lead" });
        var e = await Should.ThrowAsync<SalesforceApiException>(() => client.SendAsync(HttpMethod.Post, $"{client.DataPath}/sobjects/Lead",
            new JsonObject { ["LastName"] = "Once", ["Company"] = "Co" }, TestContext.Current.CancellationToken));
        e.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        e.IsTransient.ShouldBeTrue();
        emulator.State.Log.Entries().Count(x => x.Path.Contains("/sobjects/Lead", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task Salesforce_error_codes_and_the_api_usage_figure_come_through()
    {
        var (emulator, client, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var e = await Should.ThrowAsync<SalesforceApiException>(() => client.SendAsync(HttpMethod.Post, $"{client.DataPath}/sobjects/Lead",
            new JsonObject { ["Company"] = "No last name" }, TestContext.Current.CancellationToken));
        e.ErrorCode.ShouldBe("REQUIRED_FIELD_MISSING");
        e.Fields.ShouldBe(["LastName"]);
        e.IsTransient.ShouldBeFalse();
        client.Session.LastApiUsage!.Used.ShouldBe(1);
        client.Session.LastApiUsage.Max.ShouldBe(100_000);

        emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.RequestLimitExceeded, Remaining = 1 });
        var limit = await Should.ThrowAsync<SalesforceApiException>(() => client.GetAsync($"{client.DataPath}/limits", TestContext.Current.CancellationToken));
        limit.ErrorCode.ShouldBe("REQUEST_LIMIT_EXCEEDED");
        limit.IsTransient.ShouldBeTrue();
        (await SalesforceRestClient.VersionsAsync(http, new Uri(emulator.InstanceUrl), TestContext.Current.CancellationToken)).ShouldContain(v => v.Version == "62.0");
    }

    [Fact]
    public async Task A_bulk_ingest_of_2000_rows_takes_a_handful_of_calls_and_reports_each_failed_row()
    {
        var (emulator, client, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var csv = new System.Text.StringBuilder("FirstName,LastName,Email\n");
        for (var i = 0; i < 2000; i++) csv.Append($"Bulk{i},{(i % 700 == 699 ? "" : $"\"Row, {i}\"")},{(i == 5 ? "not-an-email" : $"row{i}@example.com")}\n");
        var reports = new List<BulkProgress>();
        var bulk = new SalesforceBulkClient(client, TimeProvider.System) { PollInterval = TimeSpan.FromMilliseconds(50) };
        var before = emulator.State.Log.LastSequence;

        var result = await bulk.IngestAsync("Contact", "insert", csv.ToString(), null, new InlineProgress<BulkProgress>(reports.Add), TestContext.Current.CancellationToken);

        result.State.ShouldBe("JobComplete");
        result.Rows.Count.ShouldBe(2000);
        var failed = result.Rows.Where(r => !r.Success).ToList();
        failed.Select(r => r.Row["FirstName"]).ShouldBe(["Bulk5", "Bulk699", "Bulk1399"], ignoreOrder: true);
        failed.Single(r => r.Row["FirstName"] == "Bulk5").Error!.ShouldStartWith("INVALID_EMAIL_ADDRESS");
        failed.Single(r => r.Row["FirstName"] == "Bulk699").Error!.ShouldStartWith("REQUIRED_FIELD_MISSING");
        result.Rows.Where(r => r.Success).ShouldAllBe(r => r.Created && r.Id!.StartsWith("003", StringComparison.Ordinal));
        result.Rows.Single(r => r.Row["FirstName"] == "Bulk0").Row["LastName"].ShouldBe("Row, 0");
        reports[^1].ShouldSatisfyAllConditions(p => p.State.ShouldBe("JobComplete"), p => p.Total.ShouldBe(2000), p => p.Failed.ShouldBe(3));

        // The client's own count matches the org's: create, upload, close, the polls and two result reads.
        var calls = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before).Count(e => e.CountedAsApiCall);
        calls.ShouldBe(result.ApiCalls);
        calls.ShouldBe(5 + reports.Count);
    }
}
