using ContactBridge.Emulator.Org;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>The logging settings and activity pages in headless Chromium.</summary>
public sealed class LoggingBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();
    private IBrowser Browser => _chromium.Browser;

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task An_admin_switches_to_support_mode_sees_the_case_written_and_replays_a_dead_letter()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);

        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/logging").ToString());
        await page.SelectOptionAsync("#mode", "support");
        await page.ClickAsync("#save-logging");
        await page.WaitForSelectorAsync("#notice");
        (await page.TextContentAsync("#notice")).ShouldBe("Logging settings saved.");

        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("chat-ui", channel: "web_chat", messages: ["Where is my parcel?"], email: "grace@example.com"));
        await hub.RunPipelineAsync();
        hub.Records("Case").ShouldHaveSingleItem().GetString("SuppliedEmail").ShouldBe("grace@example.com");

        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/activity").ToString());
        var written = page.Locator("#interactions tr", new() { HasText = "Grace Caller" }).First;
        (await written.TextContentAsync())!.ShouldContain("written");
        var caseLink = (await written.Locator("a", new() { HasText = "Case" }).GetAttributeAsync("href"))!;
        caseLink.ShouldStartWith($"{hub.Emulator.InstanceUrl}/lightning/r/Case/500");

        // The link leads somewhere: the emulator's sign-in, then the case's Lightning record page.
        var salesforce = await context.NewPageAsync();
        await salesforce.GotoAsync(caseLink);
        await salesforce.FillAsync("#username", WellKnown.AdminUsername);
        await salesforce.FillAsync("#password", WellKnown.AdminPassword);
        await salesforce.ClickAsync("#Login");
        await Assertions.Expect(salesforce.Locator("#record-name")).ToHaveTextAsync(hub.Records("Case").Single().GetString("CaseNumber")!);
        await Assertions.Expect(salesforce.Locator("[data-field='SuppliedEmail']")).ToContainTextAsync("grace@example.com");
        await salesforce.CloseAsync();

        // A mapping Salesforce refuses (a restricted picklist given free text): the write lands in the dead letters.
        await hub.MapTasksSoSalesforceRefusesAsync(tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-refused", phone: "+1 415 555 8888", name: "Refused Caller"));
        await hub.RunPipelineAsync();
        await page.ReloadAsync();
        (await page.TextContentAsync("#dead-letters"))!.ShouldContain("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        (await page.Locator("#interactions tr", new() { HasText = "Refused Caller" }).First.TextContentAsync())!.ShouldContain("failed");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "activity.png"), FullPage = true });

        // The fix (the default mapping again), then Replay in the page.
        await hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(tenant.Id, new LoggingSettings(), TestContext.Current.CancellationToken);
        await page.ClickAsync("#dead-letters .replay");
        (await (await page.WaitForSelectorAsync("#notice"))!.TextContentAsync())!.ShouldContain("queued again");
        await hub.RunPipelineAsync();
        await page.ReloadAsync();
        (await page.TextContentAsync("#dead-letters"))!.ShouldNotContain("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        hub.Records("Task").ShouldHaveSingleItem().GetString("CallType").ShouldBe("Inbound");
    }

    [Fact]
    public async Task An_admin_sees_an_outage_and_a_set_aside_event_and_discards_it_in_the_page()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var inbox = hub.Services.GetRequiredService<ContactBridge.Intake.InboxStore>();
        await inbox.AppendAsync(tenant.Id, [new ContactBridge.Intake.InteractionEvent("evt-unreadable", "/test", ContactBridge.Intake.InteractionEvent.TypePrefix + "note_added",
            "call-odd", hub.Clock.GetUtcNow(), [])], TestContext.Current.CancellationToken);
        await using (var c = await hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>().OpenAsync(TestContext.Current.CancellationToken))
            await Dapper.SqlMapper.ExecuteAsync(c, "UPDATE inbox_events SET data = '{\"note\":\"<b>not an object</b>\"}' WHERE event_id = 'evt-unreadable'");
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503 });
        await sender.AcceptAsync(sender.Interaction("call-odd", phone: "+1 415 555 4242", name: "Odd Caller"));
        await hub.RunPipelineAsync();

        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/activity").ToString());
        (await page.TextContentAsync("#outage"))!.ShouldContain("Salesforce unreachable since");
        (await page.TextContentAsync("#outage"))!.ShouldContain("1 interaction waiting");
        var row = page.Locator("#set-aside-events tr", new() { HasText = "evt-unreadable" });
        (await row.TextContentAsync())!.ShouldContain("note_added could not be applied");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "activity-outage.png"), FullPage = true });

        await row.Locator(".discard").ClickAsync();
        (await (await page.WaitForSelectorAsync("#notice"))!.TextContentAsync())!.ShouldBe("The event was discarded.");
        (await page.Locator("#set-aside-events tr", new() { HasText = "evt-unreadable" }).CountAsync()).ShouldBe(0);
        (await inbox.QuarantinedAsync(tenant.Id, 10, TestContext.Current.CancellationToken)).ShouldBeEmpty();

        hub.Emulator.State.Faults.Clear();
        hub.Clock.Advance(TimeSpan.FromMinutes(6));
        await hub.RunPipelineAsync();
        await page.ReloadAsync();
        (await page.Locator("#outage").CountAsync()).ShouldBe(0);
        (await page.Locator("#interactions tr", new() { HasText = "Odd Caller" }).First.TextContentAsync())!.ShouldContain("written");
    }
}
