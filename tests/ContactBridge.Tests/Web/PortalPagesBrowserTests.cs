using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>Every portal page in Chromium: it loads without a console error (a script or style the policy blocks shows there), and every field has a label.</summary>
public sealed class PortalPagesBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task Every_page_loads_without_console_errors_and_every_field_has_a_label()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using (var sender = await EventSender.ForAsync(hub, tenant.Id))
        {
            await sender.AcceptAsync(sender.Interaction("call-1"));
            await hub.RunPipelineAsync();
        }
        await using var context = await _chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) =>
        {
            // The one page meant to answer 404 says so in the console too.
            if (m.Type == "error" && !(page.Url.EndsWith("/no-such-tenant/activity", StringComparison.Ordinal) && m.Text.Contains("status of 404", StringComparison.Ordinal)))
                errors.Add($"{page.Url}: {m.Text}");
        };
        page.PageError += (_, e) => errors.Add($"{page.Url}: {e}");
        await HeadlessChromium.SignInAsync(page, hub);

        string[] paths =
        [
            "/tenants", "/system/salesforce-app", $"/tenants/{tenant.Id}", $"/tenants/{tenant.Id}/salesforce", $"/tenants/{tenant.Id}/logging",
            $"/tenants/{tenant.Id}/identification", $"/tenants/{tenant.Id}/field-mapping", $"/tenants/{tenant.Id}/field-mapping?channel=web_chat",
            $"/tenants/{tenant.Id}/routing-map", $"/tenants/{tenant.Id}/activity", $"/tenants/{tenant.Id}/activity?q=grace&state=written",
            $"/tenants/{tenant.Id}/interactions/call-1", $"/tenants/{tenant.Id}/contact-center", $"/tenants/{tenant.Id}/workforce",
            "/tenants/no-such-tenant/activity",
        ];
        foreach (var path in paths)
        {
            var response = await page.GotoAsync(new Uri(hub.BaseUri, path).ToString());
            response!.Status.ShouldBeOneOf([200, 404], path);
            (await page.Locator("link[rel=stylesheet]").CountAsync()).ShouldBe(1, path);
            (await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor")).ShouldBe("rgb(246, 247, 249)", $"{path}: the style sheet applies");
            var unlabelled = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea')]
                  .filter(f => f.labels.length === 0 && !f.getAttribute('aria-label'))
                  .map(f => f.outerHTML)
                """);
            unlabelled.ShouldBeEmpty($"{path}: fields without a label");
            if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir && response.Status == 200)
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, $"page{path.Replace(tenant.Id, "tenant").Replace('/', '-').Replace('?', '-').Replace('&', '-')}.png"), FullPage = true });
        }
        errors.ShouldBeEmpty();
    }
}
