using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Emulator.Tests.Lightning;

/// <summary>
/// The Lightning console in real Chromium with the test softphone (written from Salesforce's Open
/// CTI documentation only) in its utility bar, served from another origin, as a vendor's would be.
/// </summary>
public sealed class OpenCtiBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const string Agent = "agent@contactbridge.example";
    private const string AgentPassword = "Agent-Pass-1";

    private sealed class Console(EmulatorServer salesforce, SoftphoneHost softphone, IBrowserContext context, IPage page, List<string> errors) : IAsyncDisposable
    {
        public EmulatorServer Server { get; } = salesforce;
        public SoftphoneHost Softphone { get; } = softphone;
        public IBrowserContext Context { get; } = context;
        public IPage Page { get; } = page;
        public List<string> PageErrors { get; } = errors;
        public IFrame Frame { get; set; } = null!;

        public string IdOf(string objectName, Func<ContactBridge.Emulator.Records.SRecord, bool>? match = null)
        {
            var org = Server.State.DefaultOrg;
            lock (org.Sync) return org.Records.OfType(objectName).Where(r => !r.IsDeleted).First(match ?? (_ => true)).Id;
        }

        /// <summary>softphone.call(method, params) in the softphone's frame: the response its callback got.</summary>
        public async Task<JsonElement> CallAsync(string method, object? parameters = null) =>
            await Frame.EvaluateAsync<JsonElement>("async ([m, p]) => { await softphone.ready; return await softphone.call(m, p ?? undefined); }", new object?[] { method, parameters });

        /// <summary>
        /// Waits for a condition in the softphone's frame, checking on a timer: the frame may be in a
        /// hidden panel, where animation frames (Playwright's default polling) never come.
        /// </summary>
        public Task WaitInFrameAsync(string condition) => Frame.WaitForFunctionAsync(condition, null, new() { PollingInterval = 50 });

        /// <summary>The softphone's frame once the console's script has made it and the softphone has loaded Open CTI.</summary>
        public async Task AttachSoftphoneAsync()
        {
            var element = await Page.WaitForSelectorAsync("#softphone-frame", new() { State = WaitForSelectorState.Attached });
            Frame = (await element!.ContentFrameAsync())!;
            await WaitInFrameAsync("() => window.softphone && document.getElementById('status').textContent === 'Ready'");
        }

        /// <summary>softphone.call with parameters given as JSON text, e.g. the SCREEN_POP_DATA a deferred search returned.</summary>
        public async Task<JsonElement> CallWithJsonAsync(string method, string json) =>
            await Frame.EvaluateAsync<JsonElement>("async ([m, j]) => { await softphone.ready; return await softphone.call(m, JSON.parse(j)); }", new object?[] { method, json });

        /// <summary>Waits until the Open CTI record satisfies <paramref name="condition"/> (it is written as the console's requests arrive).</summary>
        public async Task<JsonArray> OpenCtiLogWhenAsync(Func<JsonArray, bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                var log = await OpenCtiLogAsync();
                if (condition(log)) return log;
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The Open CTI record never showed it:\n" + log.ToJsonString());
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        public async Task<JsonElement> CallRawAsync(string method, string argumentExpression) =>
            await Frame.EvaluateAsync<JsonElement>($"async () => {{ await softphone.ready; return await softphone.callRaw({JsonSerializer.Serialize(method)}, {argumentExpression}); }}");

        public async Task<JsonArray> OpenCtiLogAsync()
        {
            using var http = new HttpClient { BaseAddress = Server.BaseUri };
            return (await http.GetFromJsonAsync<JsonArray>("/_emulator/orgs/default/open-cti", TestContext.Current.CancellationToken))!;
        }

        public async ValueTask DisposeAsync()
        {
            await Context.DisposeAsync();
            await Softphone.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    private static SeedFile Seed() => new()
    {
        Orgs =
        [
            new SeedOrg
            {
                Users = [new SeedUser { Username = Agent, Password = AgentPassword, FirstName = "Ada", LastName = "Agent" }],
                Records = new()
                {
                    ["Account"] = [new JsonObject { ["@ref"] = "acme", ["Name"] = "Acme Corp", ["Phone"] = "+1 415 555 0100" }],
                    ["Contact"] =
                    [
                        new JsonObject { ["@ref"] = "grace", ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["AccountId"] = "@acme", ["Phone"] = "+1 415 555 0101" },
                        new JsonObject { ["FirstName"] = "Alan", ["LastName"] = "Turing", ["Phone"] = "+44 20 7946 0999" },
                        new JsonObject { ["FirstName"] = "Alan", ["LastName"] = "Kay", ["Phone"] = "+1 650 555 0123" },
                    ],
                },
            },
        ],
    };

    /// <summary>An org with the test softphone as the agent's call center, and the agent signed in on <paramref name="startUrl"/>.</summary>
    private async Task<Console> OpenAsync(string? startUrl = null, string extraGeneral = "", string adapterPage = "index.html", string username = Agent, string password = AgentPassword, bool attach = true)
    {
        var server = await TestEmulator.StartAsync(Seed());
        var softphone = await SoftphoneHost.StartAsync();
        using (var http = new HttpClient { BaseAddress = server.BaseUri })
        {
            var xml = CallCenterImportTests.Definition(softphone.AdapterUrl(server, adapterPage), extraGeneral: extraGeneral);
            var imported = await http.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(xml, Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken);
            imported.EnsureSuccessStatusCode();
            var center = (await imported.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["id"]!.GetValue<string>();
            using var api = await EmulatorClient.SignedInAsync(server);
            var agent = (await api.QueryAsync($"SELECT Id FROM User WHERE Username = '{Agent}'")).Object["records"]![0]!["Id"]!.GetValue<string>();
            (await api.PatchAsync($"/sobjects/User/{agent}", new { CallCenterId = center })).Code.ShouldBe(204);
        }
        var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        var console = new Console(server, softphone, context, page, errors);
        await page.GotoAsync($"{server.InstanceUrl}/?startURL={Uri.EscapeDataString(startUrl ?? "/lightning/page/home")}");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#Login");
        // The console, parsed (asked of the page itself: Playwright's load-state wait once missed a DOMContentLoaded that had fired).
        await page.WaitForFunctionAsync("() => document.readyState !== 'loading' && !!document.getElementById('main')");
        if (attach && await page.QuerySelectorAsync("#softphone-panel") is not null) await console.AttachSoftphoneAsync();
        return console;
    }

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private static void ShouldFailWith(JsonElement response, string code, string? contains = null)
    {
        response.GetProperty("success").GetBoolean().ShouldBeFalse(response.ToString());
        var error = response.GetProperty("errors")[0];
        Str(error, "code").ShouldBe(code);
        if (contains is not null) Str(error, "description").ShouldContain(contains);
    }

    private static void ShouldSucceed(JsonElement response)
    {
        response.GetProperty("success").GetBoolean().ShouldBeTrue(response.ToString());
        response.GetProperty("errors").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task The_softphone_reads_its_settings_and_layout_and_drives_the_panel()
    {
        await using var c = await OpenAsync();
        var constants = await c.Frame.EvaluateAsync<JsonElement>("() => softphone.constants");
        constants.GetProperty("SCREENPOP_TYPE").EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith('$')).ShouldBe(["SOBJECT", "URL", "OBJECTHOME", "LIST", "SEARCH", "NEW_RECORD_MODAL", "FLOW"], ignoreOrder: true);
        constants.GetProperty("CALL_TYPE").EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith('$')).ShouldBe(["INBOUND", "OUTBOUND", "INTERNAL"], ignoreOrder: true);

        var settings = await c.CallAsync("getCallCenterSettings");
        ShouldSucceed(settings);
        Str(settings.GetProperty("returnValue"), "/reqGeneralInfo/reqInternalName").ShouldBe("TestSoftphone");
        Str(settings.GetProperty("returnValue"), "/reqDialingOptions/reqOutsidePrefix").ShouldBe("9");
        var layout = await c.CallAsync("getSoftphoneLayout");
        ShouldSucceed(layout);
        Str(layout.GetProperty("returnValue").GetProperty("Inbound").GetProperty("screenPopSettings").GetProperty("MultipleMatches"), "screenPopType").ShouldBe("PopToSearch");

        (await c.CallAsync("isSoftphonePanelVisible")).GetProperty("returnValue").GetProperty("visible").GetBoolean().ShouldBeFalse();
        await Assertions.Expect(c.Page.Locator("#softphone-panel")).Not.ToBeVisibleAsync();
        ShouldSucceed(await c.CallAsync("setSoftphonePanelVisibility", new { visible = true }));
        await Assertions.Expect(c.Page.Locator("#softphone-panel")).ToBeVisibleAsync();
        (await c.CallAsync("isSoftphonePanelVisible")).GetProperty("returnValue").GetProperty("visible").GetBoolean().ShouldBeTrue();
        ShouldSucceed(await c.CallAsync("setSoftphonePanelHeight", new { heightPX = 500 }));
        ShouldSucceed(await c.CallAsync("setSoftphonePanelWidth", new { widthPX = 420 }));
        (await c.Page.Locator("#softphone-body").BoundingBoxAsync())!.Height.ShouldBe(500, 1);
        (await c.Page.Locator("#softphone-panel").BoundingBoxAsync())!.Width.ShouldBe(420, 1);
        ShouldSucceed(await c.CallAsync("setSoftphonePanelLabel", new { label = "Line 1 <busy>" }));
        ShouldSucceed(await c.CallAsync("setSoftphoneItemLabel", new { label = "On call" }));
        ShouldSucceed(await c.CallAsync("setSoftphonePanelIcon", new { key = "end_call" }));
        ShouldSucceed(await c.CallAsync("setSoftphoneItemIcon", new { key = "call" }));
        await Assertions.Expect(c.Page.Locator("#softphone-panel-label")).ToHaveTextAsync("Line 1 <busy>");
        await Assertions.Expect(c.Page.Locator("#softphone-item-label")).ToHaveTextAsync("On call");
        (await c.Page.Locator("#softphone-panel-icon use").GetAttributeAsync("href"))!.ShouldEndWith("#end_call");
        (await c.CallAsync("notifyInitializationComplete")).GetProperty("called").GetBoolean().ShouldBeTrue();
        await c.WaitInFrameAsync("() => softphone.initResponse !== null");
        ShouldSucceed(await c.Frame.EvaluateAsync<JsonElement>("() => softphone.initResponse"));
        ShouldSucceed(await c.CallAsync("refreshView"));
        ShouldFailWith(await c.CallAsync("runApex", new { apexClass = "AccountRetrieval", methodName = "getAccount", methodParams = "name=acme" }), "GENERIC_ERROR", "Could not load Apex class: AccountRetrieval");

        // A person can open and close it too.
        await c.Page.ClickAsync("#softphone-minimize");
        await Assertions.Expect(c.Page.Locator("#softphone-panel")).Not.ToBeVisibleAsync();
        await c.Page.ClickAsync("#softphone-item");
        await Assertions.Expect(c.Page.Locator("#softphone-panel")).ToBeVisibleAsync();
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Screen_pops_move_the_console_and_are_recorded()
    {
        await using var c = await OpenAsync();
        var contact = c.IdOf("Contact", r => r.GetString("LastName") == "Hopper");
        ShouldSucceed(await c.CallAsync("screenPop", new { type = "sobject", @params = new { recordId = contact } }));
        await Assertions.Expect(c.Page.Locator("#record-name")).ToHaveTextAsync("Grace Hopper");
        await Assertions.Expect(c.Page).ToHaveURLAsync($"{c.Server.InstanceUrl}/lightning/r/Contact/{contact}/view");

        var info = await c.CallAsync("getAppViewInfo");
        Str(info.GetProperty("returnValue"), "recordId").ShouldBe(contact);
        Str(info.GetProperty("returnValue"), "recordName").ShouldBe("Grace Hopper");
        Str(info.GetProperty("returnValue"), "objectType").ShouldBe("Contact");
        Str(info.GetProperty("returnValue"), "url").ShouldBe($"{c.Server.InstanceUrl}/lightning/r/Contact/{contact}/view");

        ShouldSucceed(await c.CallAsync("screenPop", new { type = "objecthome", @params = new { scope = "Account" } }));
        await Assertions.Expect(c.Page.Locator("#page-title")).ToHaveTextAsync("Recently Viewed Accounts");
        ShouldSucceed(await c.CallAsync("screenPop", new { type = "url", @params = new { url = "/lightning/o/Contact/home" } }));
        await Assertions.Expect(c.Page.Locator("#page-title")).ToHaveTextAsync("Recently Viewed Contacts");
        ShouldSucceed(await c.CallAsync("screenPop", new { type = "list", @params = new { listViewId = "Recent", scope = "Account" } }));
        await Assertions.Expect(c.Page).ToHaveURLAsync($"{c.Server.InstanceUrl}/lightning/o/Account/list?filterName=Recent");
        ShouldSucceed(await c.CallAsync("screenPop", new { type = "search", @params = new { searchString = "Alan" } }));
        await Assertions.Expect(c.Page.Locator("#search-count")).ToHaveTextAsync("2 results");

        ShouldSucceed(await c.CallAsync("screenPop", new { type = "newRecord", @params = new { entityName = "Lead" }, defaultFieldValues = new { FirstName = "Ana", Company = "Engines Ltd" } }));
        var modal = c.Page.Locator("#new-record-modal");
        await Assertions.Expect(modal).ToBeVisibleAsync();
        await Assertions.Expect(modal.Locator("#field-FirstName")).ToHaveValueAsync("Ana");
        await Assertions.Expect(modal.Locator("#field-Company")).ToHaveValueAsync("Engines Ltd");
        await modal.Locator("#field-LastName").FillAsync("Lovelace");
        await modal.Locator("#save-record").ClickAsync();
        await Assertions.Expect(c.Page.Locator("#record-name")).ToHaveTextAsync("Ana Lovelace");
        await Assertions.Expect(modal).ToHaveCountAsync(0);

        ShouldFailWith(await c.CallAsync("screenPop", new { type = "flow", @params = new { flowDevName = "Caller_Survey" } }), "GENERIC_ERROR", "no flows");
        ShouldFailWith(await c.CallAsync("screenPop", new { type = "url", @params = new { url = "https://evil.example/" } }), "INVALID_PARAM", "params.url");

        var log = await c.OpenCtiLogAsync();
        var pops = log.Where(e => e!["kind"]!.GetValue<string>() == "call" && e["method"]!.GetValue<string>() == "screenPop").ToList();
        pops.Count.ShouldBe(8);
        pops[0]!["effects"]!["navigate"]!.GetValue<string>().ShouldBe($"/lightning/r/Contact/{contact}/view");
        log.ShouldContain(e => e!["kind"]!.GetValue<string>() == "navigation" && e["payload"]!["recordId"]!.GetValue<string>() == contact);
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Search_and_screen_pop_follows_the_softphone_layout_for_one_several_and_no_matches()
    {
        await using var c = await OpenAsync();
        var grace = c.IdOf("Contact", r => r.GetString("LastName") == "Hopper");

        var deferred = await c.CallAsync("searchAndScreenPop", new { searchParams = "+1 (415) 555-0101", callType = "inbound", deferred = true });
        ShouldSucceed(deferred);
        var found = deferred.GetProperty("returnValue");
        Str(found.GetProperty(grace), "Name").ShouldBe("Grace Hopper");
        Str(found.GetProperty(grace), "RecordType").ShouldBe("Contact");
        var popData = found.GetProperty("SCREEN_POP_DATA");
        Str(popData, "type").ShouldBe("sobject");
        Str(popData.GetProperty("params"), "recordId").ShouldBe(grace);
        await Assertions.Expect(c.Page.Locator("#page-title")).ToContainTextAsync("Welcome");
        ShouldSucceed(await c.CallWithJsonAsync("screenPop", popData.GetRawText()));
        await Assertions.Expect(c.Page.Locator("#record-name")).ToHaveTextAsync("Grace Hopper");

        var several = await c.CallAsync("searchAndScreenPop", new { searchParams = "Alan", callType = "inbound" });
        ShouldSucceed(several);
        several.GetProperty("returnValue").EnumerateObject().Count(p => !p.Name.StartsWith('$')).ShouldBe(2, several.ToString());
        await Assertions.Expect(c.Page.Locator("#search-count")).ToHaveTextAsync("2 results");

        var none = await c.CallAsync("searchAndScreenPop", new { searchParams = "+1 212 555 0199", callType = "inbound", defaultFieldValues = new { Phone = "+1 212 555 0199" } });
        ShouldSucceed(none);
        none.GetProperty("returnValue").EnumerateObject().Where(p => !p.Name.StartsWith('$')).ShouldBeEmpty();
        await Assertions.Expect(c.Page.Locator("#new-record-modal #field-Phone")).ToHaveValueAsync("+1 212 555 0199");
        await c.Page.Keyboard.PressAsync("Escape");

        // Outbound calls with no match pop nothing (this org's layout); a bad call type is refused.
        ShouldSucceed(await c.CallAsync("searchAndScreenPop", new { searchParams = "nobody-like-this", callType = "outbound" }));
        ShouldFailWith(await c.CallAsync("searchAndScreenPop", new { searchParams = "Alan", callType = "sideways" }), "INVALID_PARAM", "callType");
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Navigation_fires_onNavigationChange_and_the_softphone_keeps_running_across_it()
    {
        await using var c = await OpenAsync();
        (await c.Frame.EvaluateAsync<JsonElement>("() => softphone.listen('onNavigationChange')")).GetProperty("registered").GetBoolean().ShouldBeTrue();
        await c.Frame.EvaluateAsync("() => { window.keptAcrossNavigation = 'still here'; }");

        await c.Page.ClickAsync(".slds-context-bar a[title='Accounts']");
        await Assertions.Expect(c.Page.Locator("#page-title")).ToHaveTextAsync("Recently Viewed Accounts");
        await c.Page.ClickAsync("#object-home-list a[data-record-link]");
        await Assertions.Expect(c.Page.Locator("#record-name")).ToHaveTextAsync("Acme Corp");
        var account = c.IdOf("Account");
        await c.WaitInFrameAsync("() => softphone.events.onNavigationChange.length >= 2");
        var events = await c.Frame.EvaluateAsync<JsonElement>("() => softphone.events.onNavigationChange");
        Str(events[0], "url").ShouldBe($"{c.Server.InstanceUrl}/lightning/o/Account/home");
        Str(events[0], "recordId").ShouldBe("");
        Str(events[1], "recordId").ShouldBe(account);
        Str(events[1], "recordName").ShouldBe("Acme Corp");
        Str(events[1], "objectType").ShouldBe("Account");

        await c.Page.GoBackAsync();
        await Assertions.Expect(c.Page.Locator("#page-title")).ToHaveTextAsync("Recently Viewed Accounts");
        await c.WaitInFrameAsync("() => softphone.events.onNavigationChange.length >= 3");
        (await c.Frame.EvaluateAsync<string>("() => window.keptAcrossNavigation")).ShouldBe("still here");
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_click_on_a_phone_number_reaches_the_softphone_only_after_enableClickToDial()
    {
        var contactPage = "/lightning/o/Contact/home";
        await using var c = await OpenAsync(contactPage);
        var grace = c.IdOf("Contact", r => r.GetString("LastName") == "Hopper");
        await c.Page.GotoAsync($"{c.Server.InstanceUrl}/lightning/r/Contact/{grace}/view");
        await c.AttachSoftphoneAsync();
        await c.Frame.EvaluateAsync("() => softphone.listen('onClickToDial')");

        var phone = c.Page.Locator("[data-field='Phone'] a.cb-phone");
        await phone.ClickAsync();
        await Assertions.Expect(phone).Not.ToHaveAttributeAsync("role", "button");
        ShouldSucceed(await c.CallAsync("enableClickToDial"));
        await Assertions.Expect(phone).ToHaveAttributeAsync("role", "button");
        await phone.ClickAsync();
        await c.WaitInFrameAsync("() => softphone.events.onClickToDial.length === 1");
        var dialed = (await c.Frame.EvaluateAsync<JsonElement>("() => softphone.events.onClickToDial"))[0];
        Str(dialed, "number").ShouldBe("+1 415 555 0101");
        Str(dialed, "recordId").ShouldBe(grace);
        Str(dialed, "recordName").ShouldBe("Grace Hopper");
        Str(dialed, "objectType").ShouldBe("Contact");
        await Assertions.Expect(c.Page.Locator("#softphone-panel")).ToBeVisibleAsync();
        (await c.OpenCtiLogAsync()).Count(e => e!["kind"]!.GetValue<string>() == "clickToDial").ShouldBe(1);

        ShouldSucceed(await c.CallAsync("disableClickToDial"));
        await Assertions.Expect(phone).Not.ToHaveAttributeAsync("role", "button");
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveLog_writes_a_real_task_through_the_orgs_validation()
    {
        await using var c = await OpenAsync();
        var grace = c.IdOf("Contact", r => r.GetString("LastName") == "Hopper");
        ShouldSucceed(await c.CallAsync("screenPop", new { type = "sobject", @params = new { recordId = grace } }));
        await Assertions.Expect(c.Page.Locator("#record-name")).ToHaveTextAsync("Grace Hopper");

        var saved = await c.CallAsync("saveLog", new { value = new { entityApiName = "Task", Subject = "Inbound call", WhoId = grace, CallType = "Inbound", Status = "Completed", CallDurationInSeconds = 95 } });
        ShouldSucceed(saved);
        var task = Str(saved.GetProperty("returnValue"), "recordId");
        ShouldSucceed(await c.CallAsync("refreshView"));
        await Assertions.Expect(c.Page.Locator("[data-related='Tasks']")).ToContainTextAsync("Inbound call");
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
        {
            ShouldSucceed(await c.CallAsync("setSoftphonePanelVisibility", new { visible = true }));
            await Assertions.Expect(c.Page.Locator("#softphone-panel")).ToBeVisibleAsync();
            Directory.CreateDirectory(dir);
            await c.Page.SetViewportSizeAsync(1400, 900);
            await c.Page.ScreenshotAsync(new() { Path = Path.Combine(dir, "lightning-record-with-softphone.png"), FullPage = true });
        }

        ShouldSucceed(await c.CallAsync("saveLog", new { value = new { Id = task, Description = "Customer asked about the invoice." } }));
        using var api = await EmulatorClient.SignedInAsync(c.Server);
        var row = (await api.QueryAsync($"SELECT Subject, WhoId, CallType, CallDurationInSeconds, Description, CreatedBy.Username FROM Task WHERE Id = '{task}'")).Object["records"]![0]!;
        row["WhoId"]!.GetValue<string>().ShouldBe(grace);
        row["CallType"]!.GetValue<string>().ShouldBe("Inbound");
        row["Description"]!.GetValue<string>().ShouldBe("Customer asked about the invoice.");
        row["CreatedBy"]!["Username"]!.GetValue<string>().ShouldBe(Agent);

        var invalid = await c.CallAsync("saveLog", new { value = new { entityApiName = "Task", Subject = "Bad", CallType = "Sideways" } });
        ShouldFailWith(invalid, "GENERIC_ERROR", "Review the Details");
        Str(invalid.GetProperty("errors")[0].GetProperty("details")[0], "errorCode").ShouldBe("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        ShouldFailWith(await c.CallAsync("saveLog", new { value = new { entityApiName = "Lead", LastName = "NoCompany" } }), "GENERIC_ERROR");
        ShouldFailWith(await c.CallAsync("saveLog", new { value = new { Subject = "No object" } }), "INVALID_PARAM", "value.entityApiName");
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Bad_arguments_answer_errors_in_salesforces_shape_and_never_break_the_console()
    {
        await using var c = await OpenAsync();
        ShouldFailWith(await c.CallAsync("screenPop", new { type = "SIDEWAYS", @params = new { } }), "INVALID_PARAM", "parameter type");
        ShouldFailWith(await c.CallAsync("screenPop", new { type = "sobject" }), "INVALID_PARAM", "parameter params");
        ShouldFailWith(await c.CallAsync("screenPop", new { type = "sobject", @params = new { recordId = 42 } }), "INVALID_PARAM", "number 42");
        ShouldFailWith(await c.CallAsync("screenPop", new { type = "search", @params = new { searchString = "ab" } }), "INVALID_PARAM", "at least 3 characters");
        ShouldFailWith(await c.CallAsync("screenPop", new { type = "newRecord", @params = new { entityName = "Lead" }, defaultFieldValues = new { NoSuchField__c = "x" } }), "INVALID_PARAM", "NoSuchField__c");
        ShouldFailWith(await c.CallAsync("setSoftphonePanelHeight", new { heightPX = "tall" }), "INVALID_PARAM", "the string \"tall\"");
        ShouldFailWith(await c.CallAsync("setSoftphonePanelHeight", new { heightPX = 100 }), "INVALID_PARAM", "240 to 2560");
        ShouldFailWith(await c.CallAsync("setSoftphonePanelWidth", new { widthPX = 5000 }), "INVALID_PARAM", "200 to 1920");
        ShouldFailWith(await c.CallAsync("setSoftphonePanelVisibility", new { visible = "yes" }), "INVALID_PARAM", "boolean");
        ShouldFailWith(await c.CallAsync("setSoftphoneItemIcon", new { key = "<script>" }), "INVALID_PARAM", "icon");
        ShouldFailWith(await c.CallAsync("saveLog", new { value = "Task" }), "INVALID_PARAM", "parameter value");
        ShouldFailWith(await c.CallRawAsync("onClickToDial", "{ listener: 'not a function' }"), "INVALID_PARAM", "listener");

        (await c.CallRawAsync("screenPop", "'not an object'")).GetProperty("noCallback").GetBoolean().ShouldBeTrue();
        await c.OpenCtiLogWhenAsync(log => log.Any(e => e!["method"]?.GetValue<string>() == "screenPop" && e["success"]!.GetValue<bool>() == false
            && e["errors"]![0]!["description"]!.GetValue<string>().Contains("parameter the argument", StringComparison.Ordinal)));
        await Assertions.Expect(c.Page.Locator("#page-title")).ToContainTextAsync("Welcome");
        c.PageErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_softphone_outside_the_console_or_told_another_console_origin_gets_no_answers_from_salesforce()
    {
        await using var c = await OpenAsync();
        var alone = await c.Context.NewPageAsync();
        await alone.GotoAsync(c.Softphone.AdapterUrl(c.Server) + "&sfdcIframeOrigin=" + Uri.EscapeDataString("http://evil.example"));
        await alone.WaitForFunctionAsync("() => document.getElementById('status')?.textContent === 'Ready'");
        var answer = await alone.EvaluateAsync<JsonElement>("() => softphone.call('getAppViewInfo')");
        ShouldFailWith(answer, "SOFTPHONE_CONTAINER_ERROR");
        (await c.OpenCtiLogAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_user_without_a_call_center_sees_no_softphone()
    {
        await using var c = await OpenAsync(username: WellKnown.AdminUsername, password: WellKnown.AdminPassword);
        await Assertions.Expect(c.Page.Locator("#page-title")).ToContainTextAsync("Welcome");
        await Assertions.Expect(c.Page.Locator("#softphone-item")).ToHaveCountAsync(0);
        await Assertions.Expect(c.Page.Locator("iframe")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_standby_softphone_loads_when_the_adapter_does_not_initialize_in_time()
    {
        await using var c = await OpenAsync(extraGeneral: """
            <item sortOrder="7" name="reqStandbyUrl" label="Standby URL">STANDBY</item>
            <item sortOrder="8" name="reqTimeout" label="Timeout">1500</item>
            """.Replace("STANDBY", "https://standby.invalid/softphone", StringComparison.Ordinal), adapterPage: "index.html?role=primary", attach: false);
        // Not attached: on a busy machine the 1.5 s may pass before the primary page is ready, and it
        // never will be once the standby has replaced it.
        // Until the console has made the frame there is none: the condition must say "not yet", not fail.
        await c.Page.WaitForFunctionAsync("() => document.getElementById('softphone-frame')?.src?.startsWith('https://standby.invalid/softphone?') === true");
    }
}
