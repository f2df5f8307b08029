using System.Net;
using System.Text;
using ContactBridge.ContactCenterEmulator.Tests.Support;

namespace ContactBridge.ContactCenterEmulator.Tests.Control;

public sealed class ControlApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Tenant_with_bad_settings_is_400_problem_naming_each_field()
    {
        await using var cc = await TestCenter.StartAsync();
        using var response = await cc.Http.PutAsync("_emulator/tenants/acme", Json("""
            { "commandSecret": "", "hubEventsUrl": "ftp://x",
              "skills": [ {"id": "sales", "name": "Sales", "channel": "fax"} ],
              "agents": [ {"id": "ag-1", "name": "Ada", "email": "not-an-email", "skills": {"nope": 1}} ],
              "ringSeconds": 0 }
            """), TestContext.Current.CancellationToken);
        var problems = (await TestCenter.ProblemAsync(response, HttpStatusCode.BadRequest))["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        problems.ShouldContain(p => p.StartsWith("hubEventsUrl", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("eventSecret", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("commandSecret", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("skills[0].channel", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("agents[0].email", StringComparison.Ordinal));
        problems.ShouldContain(p => p.Contains("'nope'", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("ringSeconds", StringComparison.Ordinal));
        using var missing = await cc.Http.GetAsync("_emulator/tenants/acme", TestContext.Current.CancellationToken);
        await TestCenter.ProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bodies_that_are_not_json_or_have_unknown_fields_are_400_problem()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var notJson = await cc.Http.PostAsync("_emulator/tenants/acme/contacts", Json("{oops"), TestContext.Current.CancellationToken);
        await TestCenter.ProblemAsync(notJson, HttpStatusCode.BadRequest);
        using var typo = await cc.Http.PutAsync("_emulator/faults", Json("""{"dropAnswer": 1}"""), TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(typo, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("dropAnswer");
        using var badFault = await cc.Http.PutAsync("_emulator/faults", Json("""{"answerSignature": "maybe", "eventDelivery": "off"}"""), TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(badFault, HttpStatusCode.BadRequest))["problems"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Contacts_load_patience_and_address_books_with_bad_input_are_400_problem()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        using var badContact = await cc.Http.PostAsJsonAsync("_emulator/tenants/acme/contacts",
            new { channel = "pigeon", skill = "nope", from = "+1 415 555 0100 0000 0000 0000" }, TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(badContact, HttpStatusCode.BadRequest))["problems"]!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(2);
        using var badPhone = await cc.Http.PostAsJsonAsync("_emulator/tenants/acme/contacts",
            new { channel = "voice", skill = "sales", from = "+1 415 555 0100 0000 0000 0000" }, TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(badPhone, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("from");
        using var badLoad = await cc.Http.PutAsJsonAsync("_emulator/tenants/acme/load", new { callsPerSecond = -1, skills = new List<string> { "nope" } }, TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(badLoad, HttpStatusCode.BadRequest))["problems"]!.AsArray().Count.ShouldBe(2);
        using var badPatience = await cc.Http.PutAsJsonAsync("_emulator/tenants/acme/patience", new { distribution = "exponential" }, TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(badPatience, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("meanSeconds");
        using var badBook = await cc.Http.PutAsJsonAsync("_emulator/tenants/acme/address-books/b1",
            new { name = "B", entries = new[] { new { name = "Ghost", agentId = "ag-99" } } }, TestContext.Current.CancellationToken);
        (await TestCenter.ProblemAsync(badBook, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>().ShouldContain("ag-99");
        using var noAgent = await cc.Http.PostAsync("_emulator/tenants/acme/agents/ag-99/drop-leg", null, TestContext.Current.CancellationToken);
        await TestCenter.ProblemAsync(noAgent, HttpStatusCode.NotFound);
        using var notLoggedIn = await cc.Http.PostAsync("_emulator/tenants/acme/agents/ag-1/drop-leg", null, TestContext.Current.CancellationToken);
        await TestCenter.ProblemAsync(notLoggedIn, HttpStatusCode.Conflict);
        using var noTenant = await cc.Http.PostAsync("_emulator/tenants/nobody/tick", null, TestContext.Current.CancellationToken);
        await TestCenter.ProblemAsync(noTenant, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Address_book_put_tells_the_hub_and_the_summary_and_openapi_are_served()
    {
        await using var cc = await TestCenter.StartAsync(TestCenter.Acme());
        var mark = await cc.LastSeqAsync();
        using (var put = await cc.Http.PutAsJsonAsync("_emulator/tenants/acme/address-books/team",
            new { name = "Team", entries = new object[] { new { name = "Ada", agentId = "ag-1" }, new { name = "Sales line", skill = "sales" } } }, TestContext.Current.CancellationToken))
            put.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var updated = (await cc.EventsAsync(mark)).Single();
        updated.Type.ShouldBe("com.contactbridge.address_book.updated");
        updated.Subject.ShouldBe("team");
        updated.Data.ToJsonString().ShouldBe("""{"name":"Team","entries":[{"name":"Ada","agentId":"ag-1"},{"name":"Sales line","skill":"sales"}]}""");

        var summary = await cc.GetJsonAsync("_emulator");
        summary["tenants"]!.AsArray().Single()!["id"]!.GetValue<string>().ShouldBe("acme");
        var openApi = await cc.GetJsonAsync("_emulator/openapi/contact-center.json");
        openApi["paths"]!.AsObject().ContainsKey("/tenants/{tenantId}/commands").ShouldBeTrue();
        cc.Server.CommandUrlOf("acme").ToString().ShouldBe($"{cc.Server.BaseUri}tenants/acme/commands");
    }
}
