using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>The identification rules and field mapping editors in headless Chromium: keyboard alone, the page's script, round trips.</summary>
public sealed class EditorsBrowserTests : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SeedFile Seed()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].CustomFields["Task"].Add(new SeedField { Name = "Short__c", Type = "string", Length = 20, Label = "Short" });
        return seed;
    }

    /// <summary>Presses Tab until the element is focused, as a keyboard user gets there (or fails: it cannot be reached).</summary>
    private static async Task TabToAsync(IPage page, string selector, int most = 400)
    {
        for (var i = 0; i < most; i++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector)) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new ShouldAssertException($"{selector} cannot be reached with Tab");
    }

    /// <summary>Moves through a focused select's options with the arrow keys until it shows the value.</summary>
    private static async Task ArrowToAsync(IPage page, string selector, string value, int most = 400)
    {
        await TabToAsync(page, selector);
        for (var i = 0; i < most && await page.InputValueAsync(selector) != value; i++) await page.Keyboard.PressAsync("ArrowDown");
        (await page.InputValueAsync(selector)).ShouldBe(value, $"{selector} cannot be set to {value} with the arrow keys");
    }

    /// <summary>A signed-in page at the path, and the console errors it reports from then on.</summary>
    private static async Task<(IPage Page, List<string> Errors)> OpenAsync(IBrowserContext context, TestHub hub, string path)
    {
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        // A refused save answers 400 on purpose (the page with its inline errors), which Chromium notes in the console; anything else is an error.
        page.Console += (_, m) => { if (m.Type == "error" && !m.Text.Contains("status of 400", StringComparison.Ordinal)) errors.Add(m.Text); };
        await HeadlessChromium.SignInAsync(page, hub);
        await page.GotoAsync(new Uri(hub.BaseUri, path).ToString());
        return (page, errors);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name), FullPage = true });
    }

    [Fact]
    public async Task The_rules_editor_works_with_the_keyboard_alone_round_trips_and_shows_a_bad_key_inline()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        await using var context = await _chromium.Browser.NewContextAsync();
        var (page, errors) = await OpenAsync(context, hub, $"/tenants/{tenant.Id}/identification");
        // The page's script names the countries.
        (await page.Locator("#defaultCountry option[value=NG]").TextContentAsync()).ShouldBe("Nigeria (NG)");

        // Lead before Contact, an IVR rule, another country: Tab, Enter, arrow keys and typing only.
        await TabToAsync(page, "button[value='down:0']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#notice.warn");
        (await page.Locator("#objects legend").AllTextContentsAsync()).ShouldBe(["Lead", "Contact", "Account"]);
        await TabToAsync(page, "#add-ivr");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#v0-key");
        await TabToAsync(page, "#v0-key");
        await page.Keyboard.TypeAsync("account number");
        await ArrowToAsync(page, "#v0-target", "Account.AccountNumber");
        await ArrowToAsync(page, "#whenSeveral", "most_recent");
        await TabToAsync(page, "#save-rules");
        await page.Keyboard.PressAsync("Enter");

        // The key with a space is refused next to it, and nothing is saved; the rest of what was typed is still there.
        await page.WaitForSelectorAsync("#v0-key-error");
        (await page.TextContentAsync("#v0-key-error")).ShouldBe("\"account number\" cannot be an IVR key: use letters, digits, _ . or - (no spaces), at most 64.");
        (await page.GetAttributeAsync("#v0-key", "aria-describedby")).ShouldBe("v0-key-error");
        (await page.InputValueAsync("#v0-target")).ShouldBe("Account.AccountNumber");
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        (await store.GetAsync(tenant.Id, Ct)).Identification.ShouldBe(new IdentificationRules(), new IdentificationRulesComparer());
        await ScreenshotAsync(page, "rules-editor-error.png");

        await TabToAsync(page, "#v0-key");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("account_number");
        await page.Keyboard.PressAsync("Enter"); // Enter in a field saves, as in any form
        await page.WaitForSelectorAsync("#notice.ok");
        (await page.TextContentAsync("#notice")).ShouldBe("Identification rules saved.");

        // Loaded afresh (a GET, not the answer to the post), the page shows what was saved.
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/identification").ToString());
        (await page.Locator("#objects legend").AllTextContentsAsync()).ShouldBe(["Lead", "Contact", "Account"]);
        (await page.InputValueAsync("#v0-key")).ShouldBe("account_number");
        (await page.InputValueAsync("#v0-target")).ShouldBe("Account.AccountNumber");
        (await page.InputValueAsync("#whenSeveral")).ShouldBe("most_recent");
        var saved = (await store.GetAsync(tenant.Id, Ct)).Identification;
        saved.Objects.Select(o => o.Object).ShouldBe(["Lead", "Contact", "Account"]);
        saved.IvrRules.ShouldBe([new IvrRule("account_number", "Account", "AccountNumber")]);
        await ScreenshotAsync(page, "rules-editor.png");
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_mapping_editor_inserts_placeholders_previews_live_shows_the_cut_and_round_trips()
    {
        await using var hub = await TestHub.StartAsync(seed: Seed());
        var tenant = await hub.LinkedTenantAsync();
        await using var context = await _chromium.Browser.NewContextAsync();
        var (page, errors) = await OpenAsync(context, hub, $"/tenants/{tenant.Id}/field-mapping");
        await TabToAsync(page, "#add-Task");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#notice.warn");
        var row = int.Parse((await page.GetAttributeAsync("input[name=rowCount]", "value"))!, System.Globalization.CultureInfo.InvariantCulture) - 1;
        await ArrowToAsync(page, $"#r{row}-field", "Short__c");
        await TabToAsync(page, $"#r{row}-template");
        await page.Keyboard.TypeAsync("Hi ");
        await ArrowToAsync(page, $"#r{row}-placeholder", "caller.name");
        await TabToAsync(page, $"button[value='insert:{row}']");
        var url = page.Url;
        await page.Keyboard.PressAsync("Enter");
        // The script inserts at the cursor without leaving the page, and the preview follows what is typed.
        (await page.InputValueAsync($"#r{row}-template")).ShouldBe("Hi {caller.name}");
        page.Url.ShouldBe(url);
        var preview = page.Locator("#preview tr[data-field='Task.Short__c'] pre");
        await Assertions.Expect(preview).ToHaveTextAsync("Hi Grace Sample");
        await page.Keyboard.TypeAsync(" from {tenant.name}");
        await Assertions.Expect(preview).ToHaveTextAsync("Hi Grace Sample from Acme Support");
        await Assertions.Expect(page.Locator("#preview tr[data-field='Task.Short__c']")).ToHaveClassAsync("cut");
        (await page.Locator("#preview tr[data-field='Task.Short__c'] del").TextContentAsync()).ShouldBe("m Acme Support");
        await ScreenshotAsync(page, "mapping-editor.png");

        // An unknown placeholder is refused next to the template.
        await page.Keyboard.TypeAsync(" {nonsense}");
        await TabToAsync(page, "#save-mapping");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync($"#r{row}-template-error");
        (await page.TextContentAsync($"#r{row}-template-error")).ShouldBe("Unknown placeholder {nonsense}: pick placeholders from the list.");
        var store = hub.Services.GetRequiredService<LoggingSettingsStore>();
        (await store.GetAsync(tenant.Id, Ct)).FieldMapping["Task"].ShouldNotContainKey("Short__c");

        await page.FillAsync($"#r{row}-template", "Hi {caller.name}");
        await page.ClickAsync("#save-mapping");
        await page.WaitForSelectorAsync("#notice.ok");
        await page.GotoAsync(new Uri(hub.BaseUri, $"/tenants/{tenant.Id}/field-mapping").ToString());
        var saved = page.Locator("textarea", new() { HasText = "Hi {caller.name}" });
        (await saved.CountAsync()).ShouldBe(1);
        (await store.GetAsync(tenant.Id, Ct)).FieldMapping["Task"]["Short__c"].ShouldBe("Hi {caller.name}");
        errors.ShouldBeEmpty();
    }

    /// <summary>Rules compared by what they say, not by list identity.</summary>
    private sealed class IdentificationRulesComparer : IEqualityComparer<IdentificationRules>
    {
        private static string Text(IdentificationRules r) => System.Text.Json.JsonSerializer.Serialize(r, LoggingSettings.Json);

        public bool Equals(IdentificationRules? x, IdentificationRules? y) => x is not null && y is not null && Text(x) == Text(y);

        public int GetHashCode(IdentificationRules obj) => Text(obj).GetHashCode(StringComparison.Ordinal);
    }
}
