using ContactBridge.Identification;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Identification;

/// <summary>The caller index switched on from the Identification page in real headless Chromium, its state as the page shows it, and loaded again from it.</summary>
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

    [Fact]
    public async Task A_set_aside_index_says_why_and_load_it_again_now_brings_it_back()
    {
        // Tried again by itself only after a long while here: the button is what brings it back.
        await using var hub = await TestHub.StartAsync(pubSub: true, settings: new() { ["CallerIndex:RetryDelay"] = "00:10:00" });
        var tenant = await hub.LinkedTenantAsync();
        var ada = hub.CreateRecord("Contact", new() { ["FirstName"] = "Ada", ["LastName"] = "Lovelace", ["Phone"] = "+1 (415) 555-0100" });
        var store = hub.Services.GetRequiredService<ContactBridge.Logging.LoggingSettingsStore>();
        var settings = await store.GetAsync(tenant.Id, TestContext.Current.CancellationToken);
        await store.SaveAsync(tenant.Id, settings with { Identification = settings.Identification with { CallerIndex = true } }, TestContext.Current.CancellationToken);
        await hub.Services.GetRequiredService<CallerIndexFeed>().CheckAsync(TestContext.Current.CancellationToken);
        var indexes = hub.Services.GetRequiredService<CallerIndexes>();
        await CallerIndexFeedTests.UntilAsync(() => indexes.StatusOf(tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded");
        // A change event that cannot be read sets it aside.
        hub.Emulator.State.Faults.Add(new ContactBridge.Emulator.Org.FaultRule { Kind = ContactBridge.Emulator.Org.FaultKind.MalformedEvent, PathContains = "ContactChangeEvent", Remaining = 1 });
        hub.UpdateRecord(ada, new() { ["Phone"] = "+1 415 555 0142" });
        await CallerIndexFeedTests.UntilAsync(() => indexes.StatusOf(tenant.Id)?.State == CallerIndexStatus.Unavailable, "the index is set aside");

        await using var context = await _chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/identification").ToString());
        await Assertions.Expect(page.Locator("#caller-index-state")).ToContainTextAsync("Unavailable, screen pops use the search: A change event could not be read");
        await Assertions.Expect(page.Locator("#caller-index-reload")).ToContainTextAsync("It is tried again by itself every 10 minutes.");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "caller-index-set-aside.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Load it again now" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice.ok").First).ToContainTextAsync("The caller index is being loaded again.");
        // The answer to a form post: the page is opened again (not reloaded, which would post again) once the index is ready.
        await CallerIndexFeedTests.UntilAsync(() => indexes.StatusOf(tenant.Id)?.State == CallerIndexStatus.Ready, "the index is loaded again");
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/identification").ToString());
        await Assertions.Expect(page.Locator("#caller-index-state")).ToContainTextAsync("Ready: screen pops are answered from 1 record");
        await Assertions.Expect(page.Locator("#caller-index-reload")).ToHaveCountAsync(0);
    }

    /// <summary>Waits (bounded) for the hub to get somewhere, then reloads the page to show it.</summary>
    private static async Task ReloadUntilAsync(IPage page, Func<bool> condition)
    {
        await CallerIndexFeedTests.UntilAsync(condition, "the caller index is ready");
        await page.ReloadAsync();
    }
}
