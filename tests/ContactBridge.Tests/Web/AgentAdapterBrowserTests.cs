using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>The hub's softphone installed in Salesforce (the emulator's Lightning console) from the definition the portal offers.</summary>
public sealed class AgentAdapterBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task The_portals_call_center_definition_installs_the_softphone_which_salesforce_loads_and_only_salesforce_may_frame()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var page = await portal.GetAsync($"/tenants/{tenant.Id}/contact-center");
        page.Html.ShouldContain($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition");
        var (status, xml) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition");
        status.ShouldBe(HttpStatusCode.OK);
        xml.ShouldContain($"<item sortOrder=\"2\" name=\"reqAdapterUrl\" label=\"CTI Adapter URL\">{hub.BaseUri}agent/{tenant.Id}</item>");
        using (var anonymous = new HttpClient { BaseAddress = hub.BaseUri })
        {
            var refused = await anonymous.GetAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition", TestContext.Current.CancellationToken);
            ((int)refused.StatusCode).ShouldBeOneOf(401, 302);
        }

        // Imported as Salesforce would: the emulator checks the file against Salesforce's rules.
        using var emulator = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        var imported = await emulator.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(xml, Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken);
        var body = JsonNode.Parse(await imported.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        body["warnings"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldContain("not https");
        var org = hub.Emulator.State.DefaultOrg;
        lock (org.Sync)
        {
            var admin = org.UserByUsername(WellKnown.AdminUsername)!;
            new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock).Update(admin.Id, admin, new JsonObject { ["CallCenterId"] = body["id"]!.GetValue<string>() }, system: true);
        }

        await using var context = await _chromium.Browser.NewContextAsync();
        var salesforce = await context.NewPageAsync();
        var adapter = salesforce.WaitForResponseAsync(r => r.Url.StartsWith($"{hub.BaseUri}agent/{tenant.Id}", StringComparison.Ordinal));
        await salesforce.GotoAsync($"{hub.Emulator.InstanceUrl}/?startURL=%2Flightning%2Fpage%2Fhome");
        await salesforce.FillAsync("#username", WellKnown.AdminUsername);
        await salesforce.FillAsync("#password", WellKnown.AdminPassword);
        await salesforce.ClickAsync("#Login");
        var response = await adapter;
        var headers = await response.AllHeadersAsync();
        headers["content-security-policy"].ShouldContain($"frame-ancestors {hub.Emulator.InstanceUrl}");
        headers.ShouldNotContainKey("x-frame-options");

        var softphone = salesforce.FrameLocator("#softphone-frame");
        await Assertions.Expect(softphone.Locator("#tenant-name")).ToHaveTextAsync(tenant.Name);
        await Assertions.Expect(softphone.Locator("#status")).ToHaveTextAsync("Connected to Salesforce.");
        await Assertions.Expect(salesforce.Locator("#softphone-item-label")).ToHaveTextAsync("ContactBridge");
        var log = JsonNode.Parse(await emulator.GetStringAsync("/_emulator/orgs/default/open-cti", TestContext.Current.CancellationToken))!.AsArray();
        log.ShouldContain(e => e!["method"]!.GetValue<string>() == "notifyInitializationComplete" && e["success"]!.GetValue<bool>());

        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
        {
            await salesforce.ClickAsync("#softphone-item");
            await Assertions.Expect(salesforce.Locator("#softphone-panel")).ToBeVisibleAsync();
            await salesforce.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "agent-adapter-in-salesforce.png") });
        }
        (await portal.GetTextAsync("/agent/no-such-tenant")).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
