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
    public void Phone_numbers_come_to_one_form_in_the_tenant_country(string raw, string country, string e164) =>
        PhoneNumbers.Normalize(raw, country).ShouldBe(e164);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("call me")]
    [InlineData("12345")]
    public void Text_that_is_not_a_phone_number_normalises_to_nothing(string? raw) => PhoneNumbers.Normalize(raw).ShouldBeNull();

    private static string Create(TestHub hub, string sobject, JsonObject fields)
    {
        var org = hub.Emulator.State.DefaultOrg;
        lock (org.Sync)
            return new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock).Create(org.Records.OfType("User")[0].Id, org.Schema.Require(sobject), fields, system: true).Id;
    }

    private static async Task<IdentificationResult> IdentifiedAsync(TestHub hub, string tenantId, string interactionId) =>
        (await hub.Services.GetRequiredService<InteractionStore>().GetAsync(tenantId, interactionId, TestContext.Current.CancellationToken))!.ParsedIdentification!;

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
