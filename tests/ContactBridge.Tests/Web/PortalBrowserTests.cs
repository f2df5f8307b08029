using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>The portal's link and unlink flows in real headless Chromium (Debian's), driven by Playwright.</summary>
public sealed class PortalBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();
    private IBrowser Browser => _chromium.Browser;

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Theory]
    [InlineData("production", WellKnown.IntegrationUsername, "/login/")]
    [InlineData("sandbox", WellKnown.IntegrationUsername + ".uat", "/test/")]
    public async Task Link_through_salesforce_allow_then_unlink(string environment, string username, string loginHostPath)
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Browser Co");
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);

        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/salesforce").ToString());
        (await page.TextContentAsync("#link-status")).ShouldBe("Unlinked");
        await page.SelectOptionAsync("#environment", environment);
        await page.ClickAsync("#link");

        // The emulator's login page, on the production or sandbox login host as chosen.
        await page.WaitForSelectorAsync("#login_form");
        page.Url.ShouldStartWith(hub.Emulator.InstanceUrl + loginHostPath);
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", WellKnown.IntegrationPassword);
        await page.ClickAsync("#Login");
        await page.WaitForSelectorAsync("text=Allow Access?");
        await page.ClickAsync("#oaapprove");

        // Back on the portal: the address is polled, no load state awaited (a loaded machine was seen not to report one, even with
        // WaitForURL's "commit", which waits for a load state when the address already matches).
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/tenants/{tenant.Id}/salesforce\\?done=linked$"));
        await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("Linked to Salesforce.");
        (await page.TextContentAsync("#link-status")).ShouldBe("Linked");
        (await page.TextContentAsync("#linked-username")).ShouldBe(username);
        (await page.TextContentAsync("#linked-environment")).ShouldBe(environment);
        (await page.TextContentAsync("#notice")).ShouldBe("Linked to Salesforce.");

        string? confirmation = null;
        page.Dialog += async (_, dialog) =>
        {
            confirmation = dialog.Message;
            await dialog.AcceptAsync();
        };
        await page.ClickAsync("#unlink");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/tenants/{tenant.Id}/salesforce\\?done=unlinked$"));
        await Assertions.Expect(page.Locator("#link-status")).ToHaveTextAsync("Unlinked");
        confirmation.ShouldNotBeNull().ShouldContain("no longer looks callers up");
        (await page.TextContentAsync("#link-status")).ShouldBe("Unlinked");
        (await page.TextContentAsync("#notice"))!.ShouldContain("tokens were revoked at Salesforce");
        hub.Approvals(username).ShouldBeEmpty();
    }

    [Fact]
    public async Task Choosing_deny_in_salesforce_leaves_the_tenant_unlinked_and_says_why()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Browser Co");
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/salesforce").ToString());
        await page.ClickAsync("#link");
        await page.FillAsync("#username", WellKnown.IntegrationUsername);
        await page.FillAsync("#password", WellKnown.IntegrationPassword);
        await page.ClickAsync("#Login");
        await page.ClickAsync("#oaapprove_deny");
        await page.WaitForSelectorAsync("#notice");
        (await page.TextContentAsync("#notice"))!.ShouldContain("Access was denied in Salesforce");
        (await page.TextContentAsync("#link-status")).ShouldBe("Unlinked");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "denied.png"), FullPage = true });
    }
}
