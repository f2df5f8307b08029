using System.Text.Json.Nodes;
using ContactBridge.Emulator.Events;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Records;

/// <summary>A lead converted as Salesforce converts one: an account and a contact made from it (or given), the lead kept, read-only, pointing at them.</summary>
public sealed class LeadConversionTests
{
    private static LeadConverted Convert(EmulatorServer emulator, string leadId, LeadConversion? conversion = null)
    {
        var org = emulator.State.DefaultOrg;
        lock (org.Sync)
            return new RecordWriter(org, emulator.State.Clock).ConvertLead(org.Records.OfType("User")[0].Id, org.Records.Get(leadId)!, conversion ?? new LeadConversion());
    }

    private static IReadOnlyList<BusEvent> Events(EmulatorServer emulator, string channel)
    {
        var org = emulator.State.DefaultOrg;
        lock (org.Sync) return org.Events.After(channel, -2);
    }

    [Fact]
    public async Task A_converted_lead_becomes_an_account_and_a_contact_with_its_details_and_says_so_in_its_change_event()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var lead = await client.CreateAsync("Lead", new
        {
            FirstName = "Rosalind", LastName = "Franklin", Company = "King's College", Title = "Researcher", Email = "rosalind@kings.example",
            Phone = "+44 20 7946 0100", MobilePhone = "+44 7700 900100", City = "London", LeadSource = "Web",
        });

        var converted = Convert(emulator, lead);

        var contact = (await client.GetAsync($"/sobjects/Contact/{converted.ContactId}")).Object;
        (contact["Name"]!.GetValue<string>(), contact["Email"]!.GetValue<string>(), contact["Phone"]!.GetValue<string>(), contact["MobilePhone"]!.GetValue<string>(),
            contact["MailingCity"]!.GetValue<string>(), contact["Title"]!.GetValue<string>(), contact["LeadSource"]!.GetValue<string>(), contact["AccountId"]!.GetValue<string>())
            .ShouldBe(("Rosalind Franklin", "rosalind@kings.example", "+44 20 7946 0100", "+44 7700 900100", "London", "Researcher", "Web", converted.AccountId));
        (await client.GetAsync($"/sobjects/Account/{converted.AccountId}")).Object["Name"]!.GetValue<string>().ShouldBe("King's College");
        contact["OwnerId"]!.GetValue<string>().ShouldBe((await client.GetAsync($"/sobjects/Lead/{lead}")).Object["OwnerId"]!.GetValue<string>(), "new records belong to the lead's owner");
        var after = (await client.QueryAsync($"SELECT IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedDate, Status FROM Lead WHERE Id = '{lead}'")).Object["records"]![0]!;
        (after["IsConverted"]!.GetValue<bool>(), after["ConvertedContactId"]!.GetValue<string>(), after["ConvertedAccountId"]!.GetValue<string>(), after["Status"]!.GetValue<string>())
            .ShouldBe((true, converted.ContactId, converted.AccountId, "Closed - Converted"));
        after["ConvertedDate"]!.GetValue<string>().ShouldMatch(@"^\d{4}-\d{2}-\d{2}$");

        // Change Data Capture: the account and the contact created, the lead updated with what the conversion set.
        var leadEvent = Events(emulator, "/data/LeadChangeEvent")[^1].Payload;
        var header = leadEvent["ChangeEventHeader"]!.AsObject();
        header["changeType"]!.GetValue<string>().ShouldBe("UPDATE");
        header["changedFields"]!.AsArray().Select(f => f!.GetValue<string>()).Where(f => f is not ("LastModifiedDate" or "LastModifiedById" or "SystemModstamp"))
            .ShouldBe(["IsConverted", "ConvertedDate", "ConvertedAccountId", "ConvertedContactId", "Status"], ignoreOrder: true);
        leadEvent["IsConverted"]!.GetValue<bool>().ShouldBeTrue();
        Events(emulator, "/data/ContactChangeEvent")[^1].Payload["ChangeEventHeader"]!["changeType"]!.GetValue<string>().ShouldBe("CREATE");

        // Converted once only, and read-only from then on.
        Should.Throw<SalesforceException>(() => Convert(emulator, lead)).ErrorCode.ShouldBe("CANNOT_UPDATE_CONVERTED_LEAD");
        (await client.PatchAsync($"/sobjects/Lead/{lead}", new { Title = "Professor" })).ErrorCode.ShouldBe("CANNOT_UPDATE_CONVERTED_LEAD");
    }

    [Fact]
    public async Task A_conversion_into_an_account_and_its_contact_uses_them_and_one_that_is_refused_leaves_nothing_behind()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var account = await client.CreateAsync("Account", new { Name = "Acme" });
        var contact = await client.CreateAsync("Contact", new { LastName = "Existing", AccountId = account });
        var lead = await client.CreateAsync("Lead", new { LastName = "Prospect", Company = "Acme" });
        int Count(string sobject)
        {
            var org = emulator.State.DefaultOrg;
            lock (org.Sync) return org.Records.OfType(sobject).Count(r => !r.IsDeleted);
        }

        var accountEvents = Events(emulator, "/data/AccountChangeEvent").Count;
        // A contact of no account, or of another one; a status that is not a converted one: refused.
        Should.Throw<SalesforceException>(() => Convert(emulator, lead, new LeadConversion(ContactId: contact))).ErrorCode.ShouldBe("REQUIRED_FIELD_MISSING");
        Should.Throw<SalesforceException>(() => Convert(emulator, lead, new LeadConversion(ConvertedStatus: "Qualified"))).ErrorCode.ShouldBe("INVALID_STATUS");
        Should.Throw<SalesforceException>(() => Convert(emulator, lead, new LeadConversion(ConvertedStatus: "Open - Not Contacted"))).ErrorCode.ShouldBe("INVALID_STATUS");
        var other = await client.CreateAsync("Account", new { Name = "Other" });
        accountEvents++;
        Should.Throw<SalesforceException>(() => Convert(emulator, lead, new LeadConversion(AccountId: other, ContactId: contact))).ErrorCode.ShouldBe("INVALID_CROSS_REFERENCE_KEY");
        // An unknown contact: refused, and nothing is made (no record, no change event).
        Should.Throw<SalesforceException>(() => Convert(emulator, lead, new LeadConversion(AccountId: account, ContactId: "003000000000000AAA"))).ErrorCode
            .ShouldBe("INVALID_CROSS_REFERENCE_KEY");
        (Count("Account"), Count("Contact")).ShouldBe((2, 1));
        Events(emulator, "/data/AccountChangeEvent").Count.ShouldBe(accountEvents, "no event of a record rolled back");
        (await client.GetAsync($"/sobjects/Lead/{lead}")).Object["IsConverted"]!.GetValue<bool>().ShouldBeFalse();

        var converted = Convert(emulator, lead, new LeadConversion(AccountId: account, ContactId: contact));
        (converted.AccountId, converted.ContactId).ShouldBe((account, contact));
        (Count("Account"), Count("Contact")).ShouldBe((2, 1), "no new records");
    }
}
