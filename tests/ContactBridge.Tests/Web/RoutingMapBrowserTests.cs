using System.Text;
using ContactBridge.Tests.RoutingMaps;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>The user-mapping page in headless Chromium: upload, dry run, import, progress, outcomes and downloads.</summary>
public sealed class RoutingMapBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();
    private IBrowser Browser => _chromium.Browser;

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    private static FilePayload UsersFile(string csv) => new() { Name = "telephony-users.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) };

    [Fact]
    public async Task An_admin_goes_from_a_csv_of_telephony_users_to_a_routing_map_in_one_page()
    {
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(3));
        var tenant = await hub.LinkedTenantAsync();
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);
        var csv = "ExternalId,Email,QuickConnect\ntel-1,agent1@acme.example,qc-1\ntel-2,AGENT2@acme.example,\ntel-x,nobody@acme.example,\n";

        // A dry run first: what would be written, nothing written.
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/routing-map").ToString());
        (await page.InputValueAsync("#callCenterId")).ShouldBe(RoutingMapImportTests.CallCenterId(hub));
        await page.SetInputFilesAsync("#users-file", UsersFile(csv));
        await page.CheckAsync("#dryRun");
        await page.ClickAsync("#start-import");
        await page.Locator("#import-state", new() { HasText = "dry run" }).WaitForAsync();
        (await page.TextContentAsync("#summary"))!.ShouldStartWith("2 would be created, 1 unmatched");
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();

        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/routing-map").ToString());
        await page.SetInputFilesAsync("#users-file", UsersFile(csv));
        await page.ClickAsync("#start-import");
        // The page shows progress and reloads itself until the import has finished.
        await page.Locator("#import-state", new() { HasText = "done" }).WaitForAsync();
        (await page.TextContentAsync("#summary"))!.ShouldContain("2 created, 1 unmatched");
        (await page.TextContentAsync("#summary"))!.ShouldContain("Written by sObject collections");
        (await page.Locator("#rows tr", new() { HasText = "tel-x" }).TextContentAsync())!.ShouldContain("No Salesforce user has the email 'nobody@acme.example'");
        (await page.TextContentAsync("#unmapped"))!.ShouldContain("agent3@acme.example");
        var maps = hub.Records("CallCenterRoutingMap");
        maps.Select(m => m.GetString("ExternalId")).ShouldBe(["tel-1", "tel-2"], ignoreOrder: true);
        maps.Single(m => m.GetString("ExternalId") == "tel-1").GetString("QuickConnect").ShouldBe("qc-1");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "routing-map-import.png"), FullPage = true });

        var results = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-results"));
        var resultsText = await File.ReadAllTextAsync((await results.PathAsync())!, TestContext.Current.CancellationToken);
        resultsText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(4);
        resultsText.ShouldContain($"1,tel-1,agent1@acme.example,agent1@acme.example,{RoutingMapImportTests.UserId(hub, "agent1@acme.example")},");
        var export = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-map"));
        var exportLines = (await File.ReadAllTextAsync((await export.PathAsync())!, TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        exportLines[0].ShouldBe("ExternalId,ReferenceRecordId,CallCenterId,DeveloperName,QuickConnect,MasterLabel");
        exportLines.Length.ShouldBe(3);

        // Keep it mapped: switched on in the same page.
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/routing-map").ToString());
        await page.CheckAsync("#keepMapped");
        await page.ClickAsync("#save-keep");
        (await page.TextContentAsync("#notice"))!.ShouldBe("New contact-center users will be mapped automatically.");
        (await page.IsCheckedAsync("#keepMapped")).ShouldBeTrue();
        (await page.TextContentAsync("#imports"))!.ShouldContain("2 created, 1 unmatched");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } shots)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "routing-map.png"), FullPage = true });
    }

    [Fact]
    public async Task A_users_file_in_latin1_or_with_ragged_rows_is_refused_on_the_page_with_its_line()
    {
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(2));
        var tenant = await hub.LinkedTenantAsync();
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await HeadlessChromium.SignInAsync(page, hub);

        foreach (var (bytes, problem) in new[]
        {
            (Encoding.Latin1.GetBytes("ExternalId,Email\ntel-1,agent1@acme.example\njosé,agent2@acme.example\n"), "Line 3: byte 0xE9 is not UTF-8"),
            (Encoding.UTF8.GetBytes("ExternalId,Email\ntel-1,agent1@acme.example\ntel-2,Doe, Jane,agent2@acme.example\n"), "Line 3: 4 values, but the header has 2 column(s)"),
        })
        {
            await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/routing-map").ToString());
            await page.SetInputFilesAsync("#users-file", new FilePayload { Name = "telephony-users.csv", MimeType = "text/csv", Buffer = bytes });
            await page.ClickAsync("#start-import");
            await page.Locator("#notice.error").WaitForAsync();
            (await page.TextContentAsync("#notice"))!.ShouldContain(problem);
        }
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();
    }
}
