using Microsoft.Playwright;

namespace ContactBridge.Tests.Support;

/// <summary>Debian's Chromium, headless, driven by Playwright: one per browser test class.</summary>
public sealed class HeadlessChromium(params string[] extraArgs) : IAsyncLifetime
{
    /// <summary>The emulator's Lightning hosts (https://{org}.lightning.force.com) are on this machine.</summary>
    public const string LightningHostsHere = "--host-resolver-rules=MAP *.lightning.force.com 127.0.0.1";

    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_CHROMIUM") is { Length: > 0 } path ? path
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new InvalidOperationException("Chromium is not installed: run the tests with ./scripts/test.sh, which installs Debian's chromium.");

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        // Expectations wait for their condition up to 20 s, not Playwright's 5: on two busy cores a page that loads
        // another origin's frame (the voice connector, Open CTI) was seen to take longer than 5 s to get there.
        Assertions.SetDefaultExpectTimeout(20_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Flags that keep Chromium from reaching for the network this machine does not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", .. extraArgs],
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>Signs in to the portal in a fresh page.</summary>
    public static async Task SignInAsync(IPage page, TestHub hub)
    {
        await page.GotoAsync(new Uri(hub.BaseUri, "/login").ToString());
        await page.FillAsync("#email", TestHub.AdminEmail);
        await page.FillAsync("#password", TestHub.Password);
        await page.ClickAsync("#sign-in");
        // Signed in: the page has the sign-out button. (Waiting for the URL also waits for a "load" event, which a loaded machine was once seen not to report.)
        await page.WaitForSelectorAsync("#sign-out", new() { Timeout = 60_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/tenants$"));
    }
}
