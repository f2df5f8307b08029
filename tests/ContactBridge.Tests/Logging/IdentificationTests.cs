extern alias libphonenumber;

using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Logging;

public sealed class IdentificationTests
{
    [Theory]
    [InlineData("+1 (415) 555-0100", "US", "14155550100")]
    [InlineData("415.555.0100", "US", "14155550100")]
    [InlineData("1-415-555-0100", "US", "14155550100")]
    [InlineData("011 44 20 7946 0000", "US", "442079460000")]
    [InlineData("0044 20 7946 0000", "US", "442079460000")]
    [InlineData("(415) 555-0100 ext. 42", "US", "14155550100")]
    [InlineData("415-555-0100 x7", "CA", "14155550100")]
    [InlineData("020 7946 0000", "GB", "442079460000")]
    [InlineData("+44 (0)20 7946 0000", "GB", "442079460000")]
    [InlineData("+44 (0)20 7946 0000", "US", "442079460000")]
    [InlineData("01 42 68 53 00", "FR", "33142685300")]
    [InlineData("06 12 34 56 78", "FR", "33612345678")]
    [InlineData("030 1234567", "DE", "49301234567")]
    [InlineData("06 1234 5678", "NL", "31612345678")]
    [InlineData("02 1234 5678", "IT", "390212345678")]
    [InlineData("0412 345 678", "AU", "61412345678")]
    [InlineData("00 33 1 42 68 53 00", "GB", "33142685300")]
    [InlineData("00 33 1 42 68 53 00", "US", "33142685300")]
    [InlineData("+44 20 7946 0018 ext. 12", "US", "442079460018")]
    [InlineData("020 7946 0018", "gb", "442079460018")]
    [InlineData("+54 9 11 2345-6789", "US", "5491123456789")]
    [InlineData("011 15-2345-6789", "AR", "5491123456789")]
    [InlineData("11 15 2345 6789", "AR", "5491123456789")]
    [InlineData("0351 15-412-3456", "AR", "5493514123456")]
    [InlineData("011 2345-6789", "AR", "541123456789")]
    [InlineData("55 1234 5678", "MX", "525512345678")]
    [InlineData("+52 55 1234 5678", "GB", "525512345678")]
    [InlineData("0812-3456-7890", "ID", "6281234567890")]
    [InlineData("021 1234 5678", "ID", "622112345678")]
    [InlineData("0803 123 4567", "NG", "2348031234567")]
    [InlineData("+234 803 123 4567", "US", "2348031234567")]
    [InlineData("(555) 555-1234", "US", "15555551234")]
    [InlineData("07700 900123", "GB", "447700900123")]
    public void Phone_numbers_come_to_one_form_in_the_tenant_country(string raw, string country, string e164) =>
        PhoneNumbers.Normalize(raw, country).ShouldBe(e164);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("call me")]
    [InlineData("12345")]
    [InlineData("555 0100")]
    [InlineData("+1234567890123456")]
    [InlineData("12345678901234567890")]
    public void Text_that_is_not_a_phone_number_normalises_to_nothing(string? raw) => PhoneNumbers.Normalize(raw).ShouldBeNull();

    [Fact]
    public void Every_region_the_phone_library_knows_is_a_default_country_and_nothing_else()
    {
        var regions = libphonenumber::PhoneNumbers.PhoneNumberUtil.GetInstance().GetSupportedRegions();
        regions.Count.ShouldBeGreaterThan(240);
        regions.ShouldAllBe(r => PhoneNumbers.IsKnownCountry(r) && PhoneNumbers.IsKnownCountry(r.ToLowerInvariant()));
        foreach (var code in new[] { "UK", "XX", "EU", "001", "USA", "", " " }) PhoneNumbers.IsKnownCountry(code).ShouldBeFalse(code);
        PhoneNumbers.IsKnownCountry(null).ShouldBeFalse();
    }

    [Theory]
    [InlineData("14155550100", new[] { "4155550100" })]
    [InlineData("442079460018", new[] { "2079460018" })]
    [InlineData("390212345678", new[] { "0212345678" })]
    [InlineData("5491123456789", new[] { "91123456789", "111523456789" })]
    [InlineData("541123456789", new[] { "1123456789" })]
    [InlineData("6834002", new[] { "6834002", "4002" })]
    public void A_phone_search_looks_for_the_digits_every_stored_form_contains(string e164, string[] terms) =>
        PhoneNumbers.SearchDigits(e164).ShouldBe(terms);

    [Theory]
    [InlineData("+1234567890123456", 16)]
    [InlineData("(415) 555-0100 ext. 123456", 10)]
    [InlineData("1 415 555 0100", 11)]
    [InlineData("011 44 20 7946 0000", 12)]
    [InlineData("12345678901234567890", 20)]
    [InlineData("call me", 0)]
    [InlineData("call me on 555", 3)]
    public void A_phone_number_counts_the_digits_it_dials_internationally(string raw, int digits) =>
        PhoneNumbers.DigitCount(raw).ShouldBe(digits);

    private static string Create(TestHub hub, string sobject, JsonObject fields)
    {
        var org = hub.Emulator.State.DefaultOrg;
        lock (org.Sync)
            return new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock).Create(org.Records.OfType("User")[0].Id, org.Schema.Require(sobject), fields, system: true).Id;
    }

    private static async Task<IdentificationResult> IdentifiedAsync(TestHub hub, string tenantId, string interactionId) =>
        (await hub.Services.GetRequiredService<InteractionStore>().GetAsync(tenantId, interactionId, TestContext.Current.CancellationToken))!.ParsedIdentification!;

    [Theory]
    [InlineData("GB", "020 7946 0018", "+44 20 7946 0018")]
    [InlineData("GB", "+44 20 7946 0018", "020 7946 0018 ext. 12")]
    [InlineData("GB", "00 33 1 42 68 53 00", "+33 1 42 68 53 00")]
    [InlineData("US", "(415) 555-0100", "+1 415 555 0100 ext. 12")]
    [InlineData("US", "+33 1 42 68 53 00", "011 33 1 42 68 53 00")]
    [InlineData("AR", "011 15-2345-6789", "+54 9 11 2345-6789")]
    [InlineData("AR", "+54 9 11 2345-6789", "011 15 2345 6789")]
    [InlineData("AR", "0351 15-412-3456", "+5493514123456")]
    [InlineData("US", "+54 9 11 2345-6789", "011 54 9 11 2345 6789")]
    [InlineData("MX", "55 1234 5678", "+52 55 1234 5678")]
    [InlineData("MX", "+52 (55) 1234-5678", "55 1234 5678")]
    [InlineData("ID", "0812-3456-7890", "+62 812 3456 7890")]
    [InlineData("NG", "0803 123 4567", "+234 803 123 4567")]
    [InlineData("NG", "+234 (0)803 123 4567", "08031234567")]
    public async Task A_caller_is_found_whatever_form_the_record_holds_the_number_in(string country, string stored, string calling)
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(tenant.Id,
            new LoggingSettings { Identification = new IdentificationRules { DefaultCountry = country } }, TestContext.Current.CancellationToken);
        var contact = Create(hub, "Contact", new JsonObject { ["LastName"] = "Stored", ["MobilePhone"] = stored });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-forms", phone: calling));
        await hub.RunPipelineAsync();
        var result = await IdentifiedAsync(hub, tenant.Id, "call-forms");
        result.Outcome.ShouldBe("one");
        result.Matches.Single().Id.ShouldBe(contact);
        hub.Records("Lead").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_phone_the_library_cannot_read_is_accepted_and_the_caller_logged_unidentified()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-junk", phone: "ask for Grace, ext 5"));
        await hub.RunPipelineAsync();
        (await IdentifiedAsync(hub, tenant.Id, "call-junk")).Outcome.ShouldBe("none");
        hub.Records("Lead").ShouldHaveSingleItem().GetString("Phone").ShouldBe("ask for Grace, ext 5");
        hub.Records("Task").ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Several_matches_pick_the_most_recently_changed_when_the_tenant_says_so()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        Create(hub, "Contact", new JsonObject { ["LastName"] = "Older", ["Phone"] = "+1 415 555 0123" });
        hub.Emulator.State.Clock.Advance(TimeSpan.FromMinutes(5));
        var newer = Create(hub, "Contact", new JsonObject { ["LastName"] = "Newer", ["MobilePhone"] = "(415) 555-0123" });
        await hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(tenant.Id,
            new LoggingSettings { Identification = new IdentificationRules { WhenSeveral = "most_recent" } }, TestContext.Current.CancellationToken);
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-twins", phone: "+14155550123"));
        await hub.RunPipelineAsync();
        var result = await IdentifiedAsync(hub, tenant.Id, "call-twins");
        result.Outcome.ShouldBe("one");
        result.Matches.Single().Id.ShouldBe(newer);
        hub.Records("Task").ShouldHaveSingleItem().GetString("WhoId").ShouldBe(newer);
    }

    [Fact]
    public async Task Person_accounts_are_searched_where_the_org_has_them()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].PersonAccounts = true;
        await using var hub = await TestHub.StartAsync(seed: seed);
        var tenant = await hub.LinkedTenantAsync();
        var person = Create(hub, "Account", new JsonObject
        {
            ["Name"] = "Rosalind Franklin", ["FirstName"] = "Rosalind", ["LastName"] = "Franklin", ["PersonMobilePhone"] = "+1 415 555 0177", ["IsPersonAccount"] = true,
        });
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-person", phone: "415 555 0177"));
        await hub.RunPipelineAsync();
        var result = await IdentifiedAsync(hub, tenant.Id, "call-person");
        result.Matches.Single().ShouldBe(new CallerMatch("Account", person, "Rosalind Franklin"));
        result.ScreenPop.ShouldBe($"{hub.Emulator.InstanceUrl}/lightning/r/Account/{person}/view");
        hub.Records("Lead").ShouldBeEmpty();

        // The same default rules in an org without Person Accounts: the Person fields are simply not asked for.
        await using var plain = await TestHub.StartAsync();
        var other = await plain.LinkedTenantAsync();
        using var plainSender = await EventSender.ForAsync(plain, other.Id);
        await plainSender.AcceptAsync(plainSender.Interaction("call-plain", phone: "415 555 0177"));
        await plain.RunPipelineAsync();
        (await IdentifiedAsync(plain, other.Id, "call-plain")).Outcome.ShouldBe("none");
        plain.Emulator.State.Log.Entries().Where(e => e.Kind == "search").ShouldAllBe(e => e.Status == 200);
    }

    [Fact]
    public async Task A_request_that_times_out_is_retried_and_logged_once()
    {
        await using var hub = await TestHub.StartAsync(settings: new() { ["Salesforce:RequestTimeout"] = "00:00:01" });
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Hang, Remaining = 1, PathContains = "/composite/graph" });
        await sender.AcceptAsync(sender.Interaction("call-timeout"));
        await hub.RunPipelineAsync();
        var outbox = hub.Services.GetRequiredService<OutboxStore>();
        var row = (await outbox.ForInteractionAsync(tenant.Id, "call-timeout", TestContext.Current.CancellationToken)).Single();
        row.State.ShouldBe(OutboxState.Pending);
        row.LastErrorCode.ShouldBe("TIMEOUT");
        hub.Emulator.State.Faults.Clear();
        hub.Clock.Advance(TimeSpan.FromMinutes(1));
        await hub.RunPipelineAsync();
        (await outbox.ForInteractionAsync(tenant.Id, "call-timeout", TestContext.Current.CancellationToken)).Single().State.ShouldBe(OutboxState.Done);
        hub.Records("Task").Count.ShouldBe(1);
        hub.Records("Lead").Count.ShouldBe(1);
    }
}
