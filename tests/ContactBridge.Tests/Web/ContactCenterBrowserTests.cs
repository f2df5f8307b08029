using System.Text.Json.Nodes;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>The Contact center page in Chromium: the live agents and queues from the contact-center emulator, and the command URL set with a mistake shown where it is.</summary>
public sealed class ContactCenterBrowserTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task The_page_shows_agents_queues_and_commands_and_sets_the_command_url_with_errors_inline_and_the_secret_once()
    {
        await using var hub = await TestHub.StartAsync(settings: TestContactCenter.HubSettings);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant);
        using (var portal = await hub.SignInAsync())
        {
            foreach (var (agent, type, data) in new (string, string, JsonObject?)[]
                     {
                         ("ag-1", "login", null), ("ag-1", "set_state", new() { ["state"] = "available" }),
                         ("ag-2", "login", null), ("ag-2", "set_state", new() { ["state"] = "unavailable", ["reason"] = "Lunch" }),
                     })
            {
                var (status, body) = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/agents/{agent}/commands",
                    new JsonObject { ["type"] = type, ["data"] = data ?? new JsonObject() }.ToJsonString());
                status.ShouldBe(System.Net.HttpStatusCode.OK, body?.ToJsonString());
            }
        }
        await cc.CallAsync(tenant.Id, "+1 415 555 0100");
        cc.Server.Center.Tick();
        await cc.FlushAsync(tenant.Id);
        await hub.RunPipelineAsync();

        await using var context = await _chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        // The refused save answers 400 on purpose (the page with its error), which the console reports; anything else is a fault.
        page.Console += (_, m) => { if (m.Type == "error" && !m.Text.Contains("status of 400", StringComparison.Ordinal)) errors.Add(m.Text); };
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/contact-center").ToString());

        var ada = page.Locator("#agents tbody tr", new() { HasText = "Ada Agent" });
        (await ada.InnerTextAsync()).ShouldContain("available");
        (await ada.InnerTextAsync()).ShouldContain("voice offered Grace Caller");
        (await page.Locator("#agents tbody tr", new() { HasText = "Bob Agent" }).InnerTextAsync()).ShouldContain("unavailable (Lunch)");
        (await page.Locator("#queues tbody tr").InnerTextAsync()).ShouldContain("Support");
        (await page.Locator("#commands tbody tr").CountAsync()).ShouldBe(4);
        (await page.InputValueAsync("#commandUrl")).ShouldBe(cc.Server.CommandUrlOf(tenant.Id).ToString());

        // A command URL the hub will not use: said under the field, which keeps what was typed; nothing saved.
        await page.FillAsync("#commandUrl", "https://user:secret@cc.example/commands");
        await page.ClickAsync("#save-connection");
        (await page.InnerTextAsync("#commandUrl-error")).ShouldContain("must not carry a user name or password");
        (await page.GetAttributeAsync("#commandUrl", "aria-invalid")).ShouldBe("true");
        (await page.GetAttributeAsync("#commandUrl", "aria-describedby")).ShouldBe("commandUrl-error");
        (await page.InputValueAsync("#commandUrl")).ShouldBe("https://user:secret@cc.example/commands");
        (await page.InnerTextAsync("#notice")).ShouldContain("Nothing was saved");
        (await page.Locator("#command-secret").CountAsync()).ShouldBe(0);
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "contact-center-refused-url.png"), FullPage = true });

        // A good one, with a new secret: shown once, and the hub keeps it.
        await page.FillAsync("#commandUrl", "https://cc.example/contactbridge/commands");
        await page.CheckAsync("#newSecret");
        await page.ClickAsync("#save-connection");
        var secret = (await page.InnerTextAsync("#command-secret")).Trim();
        secret.ShouldStartWith("cbc_");
        (await hub.Services.GetRequiredService<ContactBridge.ContactCenter.ContactCenterConnections>().GetAsync(tenant.Id, Ct))!.Secret.ShouldBe(secret);
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir2)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir2, "contact-center-secret.png"), FullPage = true });
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/contact-center").ToString());
        (await page.Locator("#command-secret").CountAsync()).ShouldBe(0, "the secret is shown once");
        (await page.InnerTextAsync("#connection-state")).ShouldContain("https://cc.example/contactbridge/commands");
        errors.ShouldBeEmpty();
    }
}
