using Microsoft.Playwright;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>Debian's Chromium, headless, driven by Playwright (installed by scripts/test.sh): one per browser test class.</summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable("CONTACTBRIDGE_TEST_CHROMIUM") is { Length: > 0 } p ? p
            : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
            : throw new InvalidOperationException("Chromium is not installed: run the tests with ./scripts/test.sh, which installs Debian's chromium.");
        _playwright = await Playwright.CreateAsync();
        // Expectations wait for their condition up to 20 s, not Playwright's 5: on two busy cores a page that loads
        // another origin's frame (the voice connector, Open CTI) was seen to take longer than 5 s to get there.
        Assertions.SetDefaultExpectTimeout(20_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
