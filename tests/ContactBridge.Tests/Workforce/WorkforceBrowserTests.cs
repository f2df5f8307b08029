using System.Text.Json.Nodes;
using ContactBridge.Tests.Support;
using ContactBridge.Workforce;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Workforce;

/// <summary>The workforce page in Chromium: the integrations and the last day's chart, drawn without a console error.</summary>
public sealed class WorkforceBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    /// <summary>The tenant's Workforce page, signed in, with the console's errors collected.</summary>
    private static async Task<(IPage Page, List<string> Errors)> OpenAsync(IBrowserContext context, TestHub hub, string tenantId)
    {
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenantId}/workforce").ToString());
        return (page, errors);
    }

    [Fact]
    public async Task The_page_charts_offered_abandoned_and_service_level_per_interval()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var portal = await hub.SignInAsync();
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default", """{"enabled": true, "timeZone": "Europe/Berlin"}""")).Status
            .ShouldBe(System.Net.HttpStatusCode.OK);
        using (var sender = await EventSender.ForAsync(hub, tenant.Id))
        {
            // Six hours of calls: more each hour, one in five abandoned, answers slower as the day gets busy.
            var clock = new IntervalClock(TimeSpan.FromMinutes(15), TimeZoneInfo.Utc);
            var t0 = clock.StartOf(hub.Clock.GetUtcNow()).AddHours(-6);
            var events = new List<JsonObject>();
            for (var n = 0; n < 24; n++)
                for (var k = 0; k <= n / 3; k++)
                {
                    var id = $"c{n}-{k}";
                    var at = t0.AddMinutes(15 * n + k);
                    events.Add(sender.Event(id, "started", new() { ["channel"] = "voice", ["direction"] = "inbound", ["queue"] = k % 2 == 0 ? "support" : "billing" }, at));
                    var abandoned = k == 4;
                    if (!abandoned) events.Add(sender.Event(id, "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, at.AddSeconds(5 + 3 * n)));
                    events.Add(sender.Event(id, "ended", new() { ["outcome"] = abandoned ? "abandoned" : "answered" }, at.AddSeconds(120)));
                }
            foreach (var chunk in events.Chunk(300)) await sender.AcceptAsync(chunk);
        }
        await hub.RunPipelineAsync();
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(ct);

        await using var context = await _chromium.Browser.NewContextAsync();
        var (page, errors) = await OpenAsync(context, hub, tenant.Id);
        (await page.Locator("svg.wfm-chart g.interval").CountAsync()).ShouldBe(24);
        (await page.Locator("svg.wfm-chart circle.service-level").CountAsync()).ShouldBe(24);
        (await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('svg.wfm-chart rect.abandoned')).fill")).ShouldBe("rgb(192, 57, 43)", "the style sheet colours the chart");
        var last = page.Locator("svg.wfm-chart g.interval").Last;
        (await last.GetAttributeAsync("data-offered")).ShouldBe("8");
        (await last.GetAttributeAsync("data-abandoned")).ShouldBe("1");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "workforce-page.png"), FullPage = true });
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task With_omni_channel_as_the_source_the_page_charts_the_orgs_history_and_says_the_activities_are_presence_statuses()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await TestHub.StartAsync(settings: new() { ["Workforce:BulkPollInterval"] = "00:00:00.020" });
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        ContactBridge.Emulator.OmniChannel.OmniChannelActivity.Generate(hub.Emulator.State.DefaultOrg, hub.Emulator.State.Clock,
            new(Hours: 6, Agents: 6, Queues: 2, WorkPerHour: 12, Seed: 5));
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/workforce/historical/default",
                """{"enabled": true, "source": "salesforce", "readyActivities": "Available", "notReadyActivities": "Break; Lunch", "adminActivities": "Training", "idleActivities": ""}"""))
            .Status.ShouldBe(System.Net.HttpStatusCode.OK);
        await hub.Services.GetRequiredService<WorkforceFeed>().RunUntilIdleAsync(ct);

        await using var context = await _chromium.Browser.NewContextAsync();
        var (page, errors) = await OpenAsync(context, hub, tenant.Id);
        (await page.Locator("svg.wfm-chart g.interval").CountAsync()).ShouldBeGreaterThanOrEqualTo(20, "six hours of Omni-Channel history, in 15-minute intervals");
        (await page.Locator("#known-activities").InnerTextAsync()).ShouldContain("presence statuses");
        (await page.Locator("#historical-source").InputValueAsync()).ShouldBe("salesforce");
        (await page.Locator("#realtime-source").InputValueAsync()).ShouldBe("contact_center");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "workforce-omni-channel.png"), FullPage = true });
        errors.ShouldBeEmpty();
    }
}
