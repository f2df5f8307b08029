using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

/// <summary>The REST resources beside records and queries: recently viewed items, data replication, tabs and theme, query plans, identity.</summary>
public sealed class RecentReplicationAndUiTests
{
    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-dd'T'HH:mm:ss+00:00", CultureInfo.InvariantCulture));

    [Fact]
    public async Task Records_a_query_marks_for_view_are_the_users_recent_items_newest_first_and_deleted_ones_drop_out()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        (await client.GetAsync("/recent")).Body!.AsArray().ShouldBeEmpty("nothing viewed yet");
        var acme = (await client.PostAsync("/sobjects/Account", new { Name = "Acme" })).Object["id"]!.GetValue<string>();
        var globex = (await client.PostAsync("/sobjects/Account", new { Name = "Globex" })).Object["id"]!.GetValue<string>();
        var ada = (await client.PostAsync("/sobjects/Contact", new { LastName = "Lovelace" })).Object["id"]!.GetValue<string>();
        (await client.QueryAsync("SELECT Id, Name FROM Account ORDER BY Name LIMIT 10")).Code.ShouldBe(200);
        (await client.GetAsync("/recent")).Body!.AsArray().ShouldBeEmpty("a query without FOR VIEW marks nothing");

        (await client.QueryAsync("SELECT Id, Name FROM Account ORDER BY Name FOR VIEW")).Code.ShouldBe(200);
        (await client.QueryAsync("SELECT Id FROM Contact FOR REFERENCE")).Code.ShouldBe(200);
        var recent = (await client.GetAsync("/recent")).Body!.AsArray();
        recent.Select(r => r!["Id"]!.GetValue<string>()).ShouldBe([ada, acme, globex], "the last marked first; of one query, its first row first");
        recent[0]!["Name"]!.GetValue<string>().ShouldBe("Lovelace");
        recent[1]!["attributes"]!["type"]!.GetValue<string>().ShouldBe("Account");
        recent[1]!["attributes"]!["url"]!.GetValue<string>().ShouldBe($"/services/data/v62.0/sobjects/Account/{acme}");
        (await client.GetAsync("/recent?limit=1")).Body!.AsArray().ShouldHaveSingleItem()!["Id"]!.GetValue<string>().ShouldBe(ada);

        (await client.DeleteAsync($"/sobjects/Account/{acme}")).Code.ShouldBe(204);
        (await client.GetAsync("/recent")).Body!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ShouldBe([ada, globex]);
        var bad = await client.GetAsync("/recent?limit=none");
        bad.Code.ShouldBe(400);
        bad.ErrorMessage.ShouldNotBeNull().ShouldContain("limit");
    }

    [Fact]
    public async Task Updated_and_deleted_give_what_changed_in_a_window_and_refuse_a_window_that_cannot_be()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var start = emulator.State.Clock.GetUtcNow() - TimeSpan.FromMinutes(1);
        var kept = (await client.PostAsync("/sobjects/Account", new { Name = "Kept" })).Object["id"]!.GetValue<string>();
        var gone = (await client.PostAsync("/sobjects/Account", new { Name = "Gone" })).Object["id"]!.GetValue<string>();
        (await client.DeleteAsync($"/sobjects/Account/{gone}")).Code.ShouldBe(204);
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(2));
        var end = emulator.State.Clock.GetUtcNow();

        var updated = (await client.GetAsync($"/sobjects/Account/updated/?start={Iso(start)}&end={Iso(end)}")).Object;
        updated["ids"]!.AsArray().Select(i => i!.GetValue<string>()).ShouldBe([kept]);
        updated["latestDateCovered"]!.GetValue<string>().ShouldEndWith(":00.000+0000", Case.Sensitive, "seconds are ignored");
        var deleted = (await client.GetAsync($"/sobjects/Account/deleted/?start={Iso(start)}&end={Iso(end)}")).Object;
        deleted["deletedRecords"]!.AsArray().ShouldHaveSingleItem()!["id"]!.GetValue<string>().ShouldBe(gone);
        deleted["earliestDateAvailable"].ShouldNotBeNull();
        // A window before the change: nothing.
        (await client.GetAsync($"/sobjects/Account/updated/?start={Iso(start - TimeSpan.FromMinutes(10))}&end={Iso(start - TimeSpan.FromMinutes(5))}")).Object["ids"]!
            .AsArray().ShouldBeEmpty();

        foreach (var (query, why) in new[]
                 {
                     ("", "missing"), ($"?start={Iso(end)}&end={Iso(start)}", "before end"), ($"?start=yesterday&end={Iso(end)}", "ISO 8601"),
                     ($"?start={Iso(end - TimeSpan.FromDays(40))}&end={Iso(end)}", "30 days"),
                 })
        {
            var refused = await client.GetAsync($"/sobjects/Account/updated/{query}");
            refused.Code.ShouldBe(400, query);
            refused.ErrorCode.ShouldBe("INVALID_REPLICATION_DATE");
            refused.ErrorMessage.ShouldNotBeNull().ShouldContain(why);
        }
        (await client.GetAsync($"/sobjects/Account/deleted/?start={Iso(end - TimeSpan.FromDays(20))}&end={Iso(end)}")).ErrorMessage.ShouldNotBeNull().ShouldContain("15 days");
        var post = await client.PostAsync("/sobjects/Account/updated", new { });
        post.Code.ShouldBe(405);
        post.ErrorMessage.ShouldBe("HTTP Method 'POST' not allowed. Allowed are GET,HEAD", "the methods the resource does allow");
        var put = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/services/data/v62.0/sobjects/Account/{kept}") { Content = new StringContent("{}") });
        put.ErrorMessage.ShouldBe("HTTP Method 'PUT' not allowed. Allowed are GET,PATCH,DELETE,HEAD");
    }

    [Fact]
    public async Task Tabs_theme_identity_and_query_plans_answer_in_salesforces_shapes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var tabs = (await client.GetAsync("/tabs")).Body!.AsArray();
        var account = tabs.Single(t => t!["sobjectName"]!.GetValue<string>() == "Account")!;
        account["label"]!.GetValue<string>().ShouldBe("Accounts");
        account["url"]!.GetValue<string>().ShouldStartWith("http");
        var theme = (await client.GetAsync("/theme")).Object["themeItems"]!.AsArray();
        var item = theme.Single(t => t!["name"]!.GetValue<string>() == "Contact")!;
        item["colors"]!.AsArray()[0]!["context"]!.GetValue<string>().ShouldBe("primary");
        item["icons"]!.AsArray().ShouldAllBe(i => i!["url"]!.GetValue<string>().StartsWith("http", StringComparison.Ordinal));

        // The resource list names identity with an absolute URL that answers.
        var identity = (await client.GetAsync("/")).Object["identity"]!.GetValue<string>();
        identity.ShouldStartWith("http");
        var me = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, identity + "?format=json"));
        me.Code.ShouldBe(200);
        me.Object["user_id"].ShouldNotBeNull();

        // Every entry of the resource list leads to a resource: none answers 404 (a query without q is a 400, not a missing resource).
        foreach (var (name, url) in (await client.GetAsync("/")).Object.Where(kv => kv.Key != "identity"))
        {
            var answer = await client.GetAsync(url!.GetValue<string>());
            answer.Code.ShouldNotBe(404, $"{name} is listed but not there");
        }

        for (var i = 0; i < 3; i++) (await client.PostAsync("/sobjects/Account", new { Name = $"Plan {i}" })).Code.ShouldBe(201);
        var scan = (await client.GetAsync($"/query?explain={Uri.EscapeDataString("SELECT Id, Name FROM Account ORDER BY CreatedDate DESC LIMIT 10")}")).Object["plans"]!.AsArray();
        var only = scan.ShouldHaveSingleItem()!;
        (only["leadingOperationType"]!.GetValue<string>(), only["sobjectType"]!.GetValue<string>()).ShouldBe(("TableScan", "Account"));
        only["sobjectCardinality"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(3);
        var indexed = (await client.GetAsync($"/query?explain={Uri.EscapeDataString("SELECT Id FROM Account WHERE Name = 'Plan 1'")}")).Object["plans"]!.AsArray();
        indexed[0]!["leadingOperationType"]!.GetValue<string>().ShouldBe("Index");
        indexed[0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["Name"]);
        indexed[0]!["cardinality"]!.GetValue<int>().ShouldBe(1);
        var malformed = await client.GetAsync($"/query?explain={Uri.EscapeDataString("SELECT FROM")}");
        malformed.Code.ShouldBe(400);
        malformed.ErrorCode.ShouldBe("MALFORMED_QUERY");
    }
}
