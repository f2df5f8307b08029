using ContactBridge.Identification;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Identification;

/// <summary>The caller index switched on from the Identification page in real headless Chromium, and its state as the page shows it.</summary>
public sealed class CallerIndexBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task An_admin_ticks_the_caller_index_saves_and_the_page_shows_it_ready_with_what_it_holds()
    {
        await using var hub = await TestHub.StartAsync(pubSub: true);
        var tenant = await hub.LinkedTenantAsync();
        hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        await using var context = await _chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/identification").ToString());
        await Assertions.Expect(page.Locator("#caller-index-state")).ToHaveCountAsync(0);
        await page.CheckAsync("#callerIndex");
        await page.ClickAsync("#save-rules");
        await Assertions.Expect(page.Locator(".notice.ok").First).ToContainTextAsync("Identification rules saved.");
        await Assertions.Expect(page.Locator("#callerIndex")).ToBeCheckedAsync();

        // The hub's worker builds it (here: asked once, as its check every few seconds would).
        await hub.Services.GetRequiredService<CallerIndexFeed>().CheckAsync(TestContext.Current.CancellationToken);
        var indexes = hub.Services.GetRequiredService<CallerIndexes>();
        // The page is rendered by the server: it is reloaded once the index is ready.
        await ReloadUntilAsync(page, () => indexes.StatusOf(tenant.Id)?.State == CallerIndexStatus.Ready);
        await Assertions.Expect(page.Locator("#caller-index-state")).ToContainTextAsync("Ready: screen pops are answered from 1 record (about");
        await Assertions.Expect(page.Locator("#caller-index-state")).ToContainTextAsync("over the Pub/Sub API");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "caller-index.png"), FullPage = true });
    }

    /// <summary>Waits (bounded) for the hub to get somewhere, then reloads the page to show it.</summary>
    private static async Task ReloadUntilAsync(IPage page, Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("The caller index was not ready after 20 s.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        await page.ReloadAsync();
    }
}
