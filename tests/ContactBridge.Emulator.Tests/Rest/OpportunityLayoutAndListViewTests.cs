using System.Text.Json.Nodes;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

/// <summary>Opportunities and what a UI client asks describe for: page, named, compact and approval layouts, and list views with their results.</summary>
public sealed class OpportunityLayoutAndListViewTests
{
    [Fact]
    public async Task An_opportunitys_stage_sets_probability_forecast_and_closed_flags_and_accounts_list_their_opportunities()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var account = await client.CreateAsync("Account", new { Name = "Edge Communications" });

        var missing = await client.PostAsync("/sobjects/Opportunity", new { Name = "No stage", CloseDate = "2026-12-31" });
        missing.Code.ShouldBe(400);
        missing.ErrorCode.ShouldBe("REQUIRED_FIELD_MISSING");
        missing.ErrorMessage.ShouldNotBeNull().ShouldContain("StageName");

        var id = await client.CreateAsync("Opportunity", new { Name = "Edge Emergency Generator", AccountId = account, StageName = "Proposal/Price Quote", CloseDate = "2026-11-15", Amount = 80000 });
        id.ShouldStartWith("006");
        var open = (await client.GetAsync($"/sobjects/Opportunity/{id}")).Object;
        open["Probability"]!.GetValue<decimal>().ShouldBe(75);
        open["ExpectedRevenue"]!.GetValue<decimal>().ShouldBe(60000);
        open["IsClosed"]!.GetValue<bool>().ShouldBeFalse();
        open["ForecastCategoryName"]!.GetValue<string>().ShouldBe("Pipeline");
        open["FiscalQuarter"]!.GetValue<int>().ShouldBe(4);

        (await client.PatchAsync($"/sobjects/Opportunity/{id}", new { StageName = "Closed Won" })).Code.ShouldBe(204);
        var won = (await client.GetAsync($"/sobjects/Opportunity/{id}")).Object;
        won["IsWon"]!.GetValue<bool>().ShouldBeTrue();
        won["IsClosed"]!.GetValue<bool>().ShouldBeTrue();
        won["Probability"]!.GetValue<decimal>().ShouldBe(100);
        won["ForecastCategoryName"]!.GetValue<string>().ShouldBe("Closed");

        var rows = (await client.QueryAsync("SELECT Name, (SELECT Name, StageName FROM Opportunities) FROM Account WHERE Name = 'Edge Communications'")).Object["records"]!.AsArray();
        rows.ShouldHaveSingleItem()!["Opportunities"]!["records"]![0]!["StageName"]!.GetValue<string>().ShouldBe("Closed Won");
        var huge = await client.PatchAsync($"/sobjects/Opportunity/{id}", new { Amount = 1e17 });
        huge.Code.ShouldBe(400);
        huge.ErrorCode.ShouldBe("NUMBER_OUTSIDE_VALID_RANGE");
        var bad = await client.PatchAsync($"/sobjects/Opportunity/{id}", new { StageName = "Maybe" });
        bad.Code.ShouldBe(400);
        bad.ErrorCode.ShouldBe("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    }

    [Fact]
    public async Task Layouts_follow_the_schema_and_unknown_record_types_and_named_layouts_are_not_found()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);

        var layouts = (await client.GetAsync("/sobjects/Account/describe/layouts")).Object;
        var layout = layouts["layouts"]!.AsArray().ShouldHaveSingleItem()!.AsObject();
        layout["id"]!.GetValue<string>().ShouldStartWith("00h");
        var detail = layout["detailLayoutSections"]!.AsArray();
        detail.Select(s => s!["heading"]!.GetValue<string>()).ShouldBe(["Account Information", "System Information"]);
        var first = detail[0]!["layoutRows"]![0]!["layoutItems"]![0]!;
        first["label"]!.GetValue<string>().ShouldBe("Account Name");
        first["required"]!.GetValue<bool>().ShouldBeTrue();
        first["layoutComponents"]![0]!["details"]!["name"]!.GetValue<string>().ShouldBe("Name");
        var editable = layout["editLayoutSections"]!.AsArray()[0]!["layoutRows"]!.AsArray().SelectMany(r => r!["layoutItems"]!.AsArray()).ToList();
        editable.ShouldNotContain(i => i!["layoutComponents"]![0]!["value"]!.GetValue<string>() == "LastActivityDate", "a read-only field is not on the edit layout");
        layout["relatedLists"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ShouldContain("Opportunities");
        layout["buttonLayoutSection"]!["detailButtons"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()).ShouldContain("Edit");
        var mapping = layouts["recordTypeMappings"]!.AsArray().ShouldHaveSingleItem()!;
        mapping["layoutId"]!.GetValue<string>().ShouldBe(layout["id"]!.GetValue<string>());
        mapping["picklistsForRecordType"]!.AsArray().Select(p => p!["picklistName"]!.GetValue<string>()).ShouldContain("Industry");

        var byRecordType = await client.GetAsync($"/sobjects/Account/describe/layouts/{mapping["recordTypeId"]!.GetValue<string>()}");
        byRecordType.Object["id"]!.GetValue<string>().ShouldBe(layout["id"]!.GetValue<string>());
        (await client.GetAsync("/sobjects/Account/describe/layouts/012000000000001AAA")).Code.ShouldBe(404);

        var named = (await client.GetAsync("/sobjects/User/describe/namedLayouts/UserAlt")).Object;
        named["layouts"]!.AsArray().ShouldHaveSingleItem();
        var noNamed = await client.GetAsync("/sobjects/Account/describe/namedLayouts/UserAlt");
        noNamed.Code.ShouldBe(404);
        noNamed.ErrorMessage.ShouldNotBeNull().ShouldContain("UserAlt");

        var compact = (await client.GetAsync("/sobjects/Contact/describe/compactLayouts")).Object;
        var system = compact["compactLayouts"]!.AsArray().ShouldHaveSingleItem()!;
        system["name"]!.GetValue<string>().ShouldBe("SYSTEM");
        system["objectType"]!.GetValue<string>().ShouldBe("Contact");
        system["fieldItems"]![0]!["layoutComponents"]![0]!["value"]!.GetValue<string>().ShouldBe("Name");
        (await client.GetAsync("/sobjects/Contact/describe/approvalLayouts")).Object["approvalLayouts"]!.AsArray().ShouldBeEmpty();
        (await client.PostAsync("/sobjects/Contact/describe/layouts", new { })).Code.ShouldBe(405);
    }

    [Fact]
    public async Task List_views_describe_their_query_and_page_their_results_as_the_caller_sees_them()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        for (var i = 1; i <= 3; i++) await client.CreateAsync("Account", new { Name = $"List View Account {i}", Phone = $"+1 415 555 010{i}" });

        var list = (await client.GetAsync("/sobjects/Account/listviews")).Object;
        var views = list["listviews"]!.AsArray();
        views.Select(v => v!["label"]!.GetValue<string>()).ShouldBe(["All Accounts", "My Accounts", "New This Week"]);
        var all = views[0]!;
        all["id"]!.GetValue<string>().ShouldStartWith("00B");
        all["soqlCompatible"]!.GetValue<bool>().ShouldBeTrue();
        (await client.GetAsync("/sobjects/Task/listviews")).Object["listviews"]!.AsArray().ShouldBeEmpty("objects without a tab have no list views");

        var describe = (await client.GetAsync(all["describeUrl"]!.GetValue<string>())).Object;
        describe["query"]!.GetValue<string>().ShouldBe("SELECT Name, Phone, Type, BillingCity, Id FROM Account ORDER BY Name ASC NULLS FIRST, Id ASC NULLS FIRST");
        describe["columns"]!.AsArray().Last()!["hidden"]!.GetValue<bool>().ShouldBeTrue();
        var mine = (await client.GetAsync(views[1]!["describeUrl"]!.GetValue<string>())).Object;
        mine["scope"]!.GetValue<string>().ShouldBe("mine");

        var page = (await client.GetAsync(all["resultsUrl"]!.GetValue<string>() + "?limit=2&offset=1")).Object;
        page["size"]!.GetValue<int>().ShouldBe(3);
        page["done"]!.GetValue<bool>().ShouldBeTrue();
        var records = page["records"]!.AsArray();
        records.Count.ShouldBe(2);
        records[0]!["columns"]![0]!["value"]!.GetValue<string>().ShouldBe("List View Account 2");
        records[0]!["columns"]![1]!["value"]!.GetValue<string>().ShouldBe("+1 415 555 0102");
        (await client.GetAsync(all["resultsUrl"]!.GetValue<string>() + "?limit=lots")).Code.ShouldBe(400);

        var plan = (await client.GetAsync($"/query?explain={all["id"]!.GetValue<string>()}")).Object["plans"]!.AsArray();
        plan[0]!["sobjectType"]!.GetValue<string>().ShouldBe("Account");
        plan[0]!["cardinality"]!.GetValue<int>().ShouldBe(3);
        (await client.GetAsync("/sobjects/Account/listviews/00B000000000000AAA/results")).Code.ShouldBe(404);
    }
}
