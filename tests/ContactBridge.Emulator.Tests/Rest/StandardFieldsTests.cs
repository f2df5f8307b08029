using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

/// <summary>Standard fields as a real org describes them: compound addresses and names, and the activity views of a record.</summary>
public sealed class StandardFieldsTests
{
    [Fact]
    public async Task A_compound_address_reads_whole_from_its_parts_and_can_be_neither_written_filtered_sorted_nor_bulk_queried()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var id = await client.CreateAsync("Contact", new { LastName = "Lovelace", MailingStreet = "12 St James's Square", MailingCity = "London", MailingPostalCode = "SW1Y 4JH", MailingCountry = "United Kingdom", MailingLatitude = 51.5074 });

        var record = (await client.GetAsync($"/sobjects/Contact/{id}")).Object;
        var mailing = record["MailingAddress"]!.AsObject();
        mailing.Select(kv => kv.Key).ShouldBe(["city", "country", "geocodeAccuracy", "latitude", "longitude", "postalCode", "state", "street"]);
        (mailing["street"]!.GetValue<string>(), mailing["city"]!.GetValue<string>(), mailing["postalCode"]!.GetValue<string>()).ShouldBe(("12 St James's Square", "London", "SW1Y 4JH"));
        mailing["latitude"]!.GetValue<decimal>().ShouldBe(51.5074m);
        mailing["state"].ShouldBeNull();
        record["OtherAddress"].ShouldBeNull("an address with no part is null");

        (await client.PatchAsync($"/sobjects/Contact/{id}", new { MailingCity = "Marylebone" })).Code.ShouldBe(204);
        var queried = (await client.QueryAsync($"SELECT Id, MailingAddress FROM Contact WHERE Id = '{id}'")).Records.ShouldHaveSingleItem()!;
        queried["MailingAddress"]!["city"]!.GetValue<string>().ShouldBe("Marylebone");

        var written = await client.PatchAsync($"/sobjects/Contact/{id}", new { MailingAddress = new { city = "Paris" } });
        (written.Code, written.ErrorCode).ShouldBe((400, "INVALID_FIELD_FOR_INSERT_UPDATE"));
        var filtered = await client.QueryAsync("SELECT Id FROM Contact WHERE MailingAddress = null");
        (filtered.Code, filtered.ErrorCode).ShouldBe((400, "INVALID_FIELD"));
        filtered.ErrorMessage.ShouldNotBeNull().ShouldContain("field 'MailingAddress' can not be filtered");
        var sorted = await client.QueryAsync("SELECT Id FROM Contact ORDER BY MailingAddress");
        sorted.ErrorMessage.ShouldNotBeNull().ShouldContain("field 'MailingAddress' can not be sorted");
        var grouped = await client.QueryAsync("SELECT MailingAddress, COUNT(Id) FROM Contact GROUP BY MailingAddress");
        grouped.ErrorMessage.ShouldNotBeNull().ShouldContain("field 'MailingAddress' can not be grouped");
        var aggregated = await client.QueryAsync("SELECT MAX(MailingAddress) FROM Contact");
        (aggregated.Code, aggregated.ErrorCode).ShouldBe((400, "INVALID_FIELD"));
        var bulk = await client.PostAsync("/jobs/query", new { operation = "query", query = "SELECT Id, MailingAddress FROM Contact" });
        (bulk.Code, bulk.ErrorCode).ShouldBe((400, "FUNCTIONALITY_NOT_ENABLED"));
        var topic = await client.PostAsync("/sobjects/PushTopic", new { Name = "Addresses", Query = "SELECT Id, MailingAddress FROM Contact", ApiVersion = 62.0 });
        (topic.Code, topic.ErrorCode).ShouldBe((400, "INVALID_FIELD"));

        // An emptied part reads as null, as Salesforce gives it.
        (await client.PatchAsync($"/sobjects/Contact/{id}", new { MailingStreet = "" })).Code.ShouldBe(204);
        (await client.GetAsync($"/sobjects/Contact/{id}")).Object["MailingAddress"]!["street"].ShouldBeNull();

        var fields = (await client.GetAsync("/sobjects/Contact/describe")).Object["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!.AsObject());
        fields["MailingAddress"]["type"]!.GetValue<string>().ShouldBe("address");
        (fields["MailingAddress"]["createable"]!.GetValue<bool>(), fields["MailingAddress"]["filterable"]!.GetValue<bool>(), fields["MailingAddress"]["sortable"]!.GetValue<bool>()).ShouldBe((false, false, false));
        fields["MailingCity"]["compoundFieldName"]!.GetValue<string>().ShouldBe("MailingAddress");
        fields["FirstName"]["compoundFieldName"]!.GetValue<string>().ShouldBe("Name");
        fields["Email"]["compoundFieldName"].ShouldBeNull();
        fields.Keys.ShouldContain("MasterRecordId");
        fields.Keys.ShouldContain("HasOptedOutOfEmail");
        fields.Keys.ShouldContain("ReportsToId");
        var lead = (await client.GetAsync("/sobjects/Lead/describe")).Object["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        lead.ShouldContain("Address");
        lead.ShouldContain("AnnualRevenue");
        var account = (await client.GetAsync("/sobjects/Account/describe")).Object["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        account.ShouldContain("BillingAddress");
        account.ShouldContain("ShippingAddress");
    }

    [Fact]
    public async Task A_record_lists_its_closed_tasks_as_activity_history_and_its_open_ones_as_open_activities_which_cannot_be_queried_alone()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var account = await client.CreateAsync("Account", new { Name = "Analytical Engines", Type = "Customer - Direct" });
        var contact = await client.CreateAsync("Contact", new { LastName = "Babbage", AccountId = account });
        await client.CreateAsync("Task", new { Subject = "Older call", WhoId = contact, Status = "Completed", ActivityDate = "2026-10-01" });
        var done = await client.CreateAsync("Task", new { Subject = "Call Babbage", WhoId = contact, Status = "Completed", ActivityDate = "2026-11-02", Priority = "High", Type = "Call" });
        var open = await client.CreateAsync("Task", new { Subject = "Send quote", WhatId = account });
        (await client.GetAsync($"/sobjects/Task/{done}")).Object["AccountId"]!.GetValue<string>().ShouldBe(account, "a task's account is its contact's");

        var row = (await client.QueryAsync(
            "SELECT Name, (SELECT Id, Subject, ActivityDate, IsClosed, IsTask, IsHighPriority, ActivityType, Owner.Username, What.Name FROM ActivityHistories), " +
            "(SELECT Id, Subject FROM OpenActivities) FROM Account WHERE Type IN ('Customer - Direct', 'Partner')")).Records.ShouldHaveSingleItem()!;
        var history = row["ActivityHistories"]!["records"]!.AsArray();
        history.Select(h => h!["Subject"]!.GetValue<string>()).ShouldBe(["Call Babbage", "Older call"], "latest first");
        var first = history[0]!;
        first["attributes"]!["type"]!.GetValue<string>().ShouldBe("ActivityHistory");
        (first["Id"]!.GetValue<string>(), first["IsTask"]!.GetValue<bool>(), first["IsHighPriority"]!.GetValue<bool>(), first["ActivityType"]!.GetValue<string>()).ShouldBe((done, true, true, "Call"));
        first["Owner"]!["Username"]!.GetValue<string>().ShouldBe(WellKnown.AdminUsername);
        row["OpenActivities"]!["records"]!.AsArray().ShouldHaveSingleItem()!["Id"]!.GetValue<string>().ShouldBe(open);

        var byContact = (await client.QueryAsync($"SELECT (SELECT Subject FROM ActivityHistories WHERE ActivityDate > 2026-10-15), (SELECT Subject FROM OpenActivities) FROM Contact WHERE Id = '{contact}'")).Records.ShouldHaveSingleItem()!;
        byContact["ActivityHistories"]!["records"]!.AsArray().ShouldHaveSingleItem()!["Subject"]!.GetValue<string>().ShouldBe("Call Babbage");
        byContact["OpenActivities"].ShouldBeNull("the open task is the account's, not the contact's");

        // A contact that moves takes its tasks' history to its new account.
        var successor = await client.CreateAsync("Account", new { Name = "Difference Engines" });
        (await client.PatchAsync($"/sobjects/Contact/{contact}", new { AccountId = successor })).Code.ShouldBe(204);
        var moved = (await client.QueryAsync($"SELECT (SELECT Id, AccountId FROM ActivityHistories) FROM Account WHERE Id IN ('{account}', '{successor}') ORDER BY Name")).Records;
        moved[0]!["ActivityHistories"].ShouldBeNull("Analytical Engines keeps no history of a contact that left");
        moved[1]!["ActivityHistories"]!["records"]!.AsArray().Select(h => h!["AccountId"]!.GetValue<string>()).ShouldBe([successor, successor]);

        var alone = await client.QueryAsync("SELECT Id FROM ActivityHistory");
        (alone.Code, alone.ErrorCode).ShouldBe((400, "INVALID_TYPE_FOR_OPERATION"));
        var described = (await client.GetAsync("/sobjects/Account/describe")).Object["childRelationships"]!.AsArray().Select(c => c!["relationshipName"]?.ToString()).ToList();
        described.ShouldContain("ActivityHistories");
        described.ShouldContain("OpenActivities");
    }

    [Fact]
    public async Task A_case_closed_when_created_says_so()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var closed = await client.CreateAsync("Case", new { Subject = "Answered on the call", Status = "Closed" });
        var opened = await client.CreateAsync("Case", new { Subject = "Follow up" });
        (await client.PatchAsync($"/sobjects/Case/{opened}", new { Status = "Closed" })).Code.ShouldBe(204);
        var rows = (await client.QueryAsync($"SELECT Id, IsClosed, IsClosedOnCreate FROM Case WHERE Id IN ('{closed}', '{opened}') ORDER BY CaseNumber")).Records;
        rows.Select(r => (r!["IsClosed"]!.GetValue<bool>(), r["IsClosedOnCreate"]!.GetValue<bool>())).ShouldBe([(true, true), (true, false)]);
    }
}
