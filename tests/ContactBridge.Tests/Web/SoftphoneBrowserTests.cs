using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentSeed = ContactBridge.ContactCenterEmulator.Tenants.AgentSeed;
using ContactBridge.Emulator.Org;
using ContactBridge.Identification;
using ContactBridge.Logging;
using ContactBridge.Tests.Support;
using Microsoft.Playwright;

namespace ContactBridge.Tests.Web;

/// <summary>
/// The softphone at work, end to end in Chromium: the Salesforce emulator's console frames the hub's softphone, the
/// agent signs in by single sign-on, and the contact-center emulator routes real calls to it.
/// </summary>
public sealed class SoftphoneBrowserTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HeadlessChromium _chromium = new();

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    public const string BobEmail = "bob@acme.example";

    /// <summary>Bob's password in the contact center (his agent's, not his Salesforce user's).</summary>
    public const string BobAgentPassword = "Bob-Agent-Pass-2";

    /// <summary>The test org with a second agent user (Bob) besides Ada.</summary>
    private static SeedFile Seed()
    {
        var seed = TestHub.Seed();
        seed.Orgs[0].Users.Add(new SeedUser { Username = BobEmail, Email = BobEmail, FirstName = "Bob", LastName = "Agent", Password = "Agent-Password-2" });
        return seed;
    }

    /// <summary>
    /// The hub, linked; the contact-center emulator connected with Ada (ag-1) and Bob (ag-2); the tenant's call center
    /// imported in Salesforce from the portal's definition, both users in it, and the routing map pairing them with
    /// their agents (as the portal's routing map import writes it).
    /// </summary>
    private static async Task<(TestHub Hub, TestContactCenter Cc, ContactBridge.Tenants.Tenant Tenant, Dictionary<string, string> Users)> StartAsync()
    {
        var hub = await TestHub.StartAsync(seed: Seed(), settings: TestContactCenter.HubSettings);
        var tenant = await hub.LinkedTenantAsync();
        var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant, [
            new AgentSeed { Id = "ag-1", Name = "Ada Agent", Email = TestHub.AgentEmail, Station = "4021", Skills = new() { ["support"] = 5 } },
            new AgentSeed { Id = "ag-2", Name = "Bob Agent", Email = BobEmail, Station = "4022", Password = BobAgentPassword, Skills = new() { ["support"] = 5 } },
        ]);
        using var portal = await hub.SignInAsync();
        var (_, xml) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition");
        using var emulator = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        using var imported = await emulator.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(xml, Encoding.UTF8, "application/xml"), Ct);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created);
        var callCenterId = JsonNode.Parse(await imported.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();
        var org = hub.Emulator.State.DefaultOrg;
        var users = new Dictionary<string, string>();
        lock (org.Sync)
        {
            var writer = new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock);
            foreach (var (username, agentId) in new[] { (TestHub.AgentEmail, "ag-1"), (BobEmail, "ag-2") })
            {
                var user = org.UserByUsername(username)!;
                users[agentId] = user.Id;
                writer.Update(user.Id, user, new JsonObject { ["CallCenterId"] = callCenterId }, system: true);
            }
        }
        foreach (var (agentId, userId) in users)
        {
            hub.CreateRecord("CallCenterRoutingMap", new JsonObject
            {
                ["ExternalId"] = agentId, ["ReferenceRecordId"] = userId, ["CallCenterId"] = callCenterId, ["DeveloperName"] = "map_" + agentId.Replace('-', '_'),
                ["MasterLabel"] = agentId,
            });
        }
        return (hub, cc, tenant, users);
    }

    /// <summary>Signs in to the Salesforce console as the user, and the softphone by single sign-on (allowing the hub the first time).</summary>
    private static async Task<(IPage Salesforce, IFrameLocator Softphone)> SignInAsync(IBrowserContext context, string instanceUrl, string username, string password,
        string? agentId = null, string? agentPassword = null)
    {
        var salesforce = await context.NewPageAsync();
        await salesforce.GotoAsync($"{instanceUrl}/?startURL=%2Flightning%2Fpage%2Fhome");
        await salesforce.FillAsync("#username", username);
        await salesforce.FillAsync("#password", password);
        await salesforce.ClickAsync("#Login");
        await salesforce.ClickAsync("#softphone-item");
        var softphone = salesforce.FrameLocator("#softphone-frame");
        await Assertions.Expect(softphone.Locator("#sign-in-button")).ToBeVisibleAsync();
        await ScreenshotAsync(salesforce, "softphone-sign-in.png");
        if (agentPassword is not null)
        {
            // The agent's own name and password instead, checked by the contact center: a wrong one says so, then the right one.
            await softphone.Locator("#agent-name").FillAsync(agentId!);
            await softphone.Locator("#agent-password").FillAsync("not-" + agentPassword);
            await softphone.Locator("#password-sign-in").ClickAsync();
            await Assertions.Expect(softphone.Locator("#sign-in-error")).ToHaveTextAsync("The contact center did not accept this agent name and password.");
            await softphone.Locator("#agent-password").FillAsync(agentPassword);
            await softphone.Locator("#password-sign-in").ClickAsync();
            await Assertions.Expect(softphone.Locator("#cc-login")).ToBeVisibleAsync();
            return (salesforce, softphone);
        }
        // The sign-in window opens on the hub, goes to Salesforce (signed in already: only the one-time consent), and back.
        var window = await context.RunAndWaitForPageAsync(() => softphone.Locator("#sign-in-button").ClickAsync());
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        window.Close += (_, _) => closed.TrySetResult();
        await window.ClickAsync("#oaapprove");
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await Assertions.Expect(softphone.Locator("#cc-login")).ToBeVisibleAsync();
        return (salesforce, softphone);
    }

    /// <summary>Clicks a softphone control that sends a command, and waits for the hub's answer to it.</summary>
    private static async Task<IResponse> CommandAsync(IPage salesforce, ILocator control)
    {
        var response = await salesforce.RunAndWaitForResponseAsync(() => control.ClickAsync(),
            r => r.Url.EndsWith("/api/commands", StringComparison.Ordinal) && r.Request.Method == "POST");
        return response;
    }

    private static async Task AcceptedAsync(IPage salesforce, ILocator control)
    {
        var response = await CommandAsync(salesforce, control);
        response.Status.ShouldBe(200, await response.TextAsync());
    }

    /// <summary>The contact center's events reach the hub, and the contacts among them are folded and their callers looked up.</summary>
    private static async Task SettleAsync(TestHub hub, TestContactCenter cc, string tenantId)
    {
        await cc.FlushAsync(tenantId);
        await hub.RunPipelineAsync();
    }

    [Fact]
    public async Task An_agent_signs_in_by_single_sign_on_and_works_calls_with_screen_pops_wrap_up_and_one_task_each()
    {
        var (hub, cc, tenant, _) = await StartAsync();
        await using var _hub = hub;
        await using var _cc = cc;
        var grace = hub.CreateRecord("Contact", new JsonObject { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["Phone"] = "+1 415 555 0100" });
        var globex = hub.CreateRecord("Account", new JsonObject { ["Name"] = "Globex", ["AccountNumber"] = "00042" });
        await hub.Services.GetRequiredService<LoggingSettingsStore>().SaveAsync(tenant.Id, new LoggingSettings
        {
            Identification = new IdentificationRules { IvrRules = [new IvrRule("account_number", "Account", "AccountNumber")] },
        }, Ct);

        await using var context = await _chromium.Browser.NewContextAsync();
        var (salesforce, softphone) = await SignInAsync(context, hub.Emulator.InstanceUrl, TestHub.AgentEmail, "Agent-Password-1");
        await Assertions.Expect(softphone.Locator("#cc-login-name")).ToHaveTextAsync("Ada Agent");

        // Logged in to the contact center at a station: the main view, unavailable, line connected.
        await softphone.Locator("#station").FillAsync("4021");
        await softphone.Locator("label[for='auto-login']").ClickAsync();
        await Assertions.Expect(softphone.Locator("#auto-login")).ToBeCheckedAsync();
        await AcceptedAsync(salesforce, softphone.Locator("#cc-login-button"));
        await cc.FlushAsync(tenant.Id);
        await Assertions.Expect(softphone.Locator("#main")).ToBeVisibleAsync();
        await Assertions.Expect(softphone.Locator("#leg")).ToHaveTextAsync("Line connected");
        await Assertions.Expect(softphone.Locator("#state")).ToHaveValueAsync("unavailable:Logged in");
        await Assertions.Expect(softphone.Locator("#me-agent-id")).ToHaveTextAsync("ag-1");

        // A command the contact center refuses shows its reason and words.
        await cc.FaultsAsync(new JsonObject { ["refuseCommands"] = new JsonObject { ["reason"] = "maintenance", ["message"] = "The switch is being upgraded." } });
        await softphone.Locator("#dial-number").FillAsync("+1 415 555 0142");
        (await CommandAsync(salesforce, softphone.Locator("#dial-button"))).Status.ShouldBe(409);
        await Assertions.Expect(softphone.Locator("#notice-text")).ToHaveTextAsync("The switch is being upgraded. (maintenance)");
        await cc.ControlAsync(HttpMethod.Delete, "_emulator/faults");

        await AvailableAsync(salesforce, softphone);
        await cc.FlushAsync(tenant.Id);
        await Assertions.Expect(softphone.Locator("#state")).ToHaveValueAsync("available");

        // A known caller: the call rings with the caller's number, name and queue, and the Contact pops before Ada accepts.
        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0100");
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        var ringing = softphone.Locator($"#contacts li[data-interaction='{call}']");
        await Assertions.Expect(ringing.Locator(".cb-caller-number")).ToHaveTextAsync("+1 415 555 0100");
        await Assertions.Expect(ringing.Locator(".cb-caller-name")).ToHaveTextAsync("Grace Caller");
        await Assertions.Expect(ringing).ToContainTextAsync("Support");
        await Assertions.Expect(ringing.Locator(".cb-phase")).ToContainTextAsync("Ringing");
        await Assertions.Expect(salesforce).ToHaveURLAsync(new Regex($"/lightning/r/Contact/{grace}/view$"));
        await ScreenshotAsync(salesforce, "softphone-ringing.png");

        await AcceptedAsync(salesforce, ringing.GetByRole(AriaRole.Button, new() { Name = "Accept" }));
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(ringing.Locator(".cb-phase")).ToContainTextAsync("Connected");
        await AcceptedAsync(salesforce, ringing.GetByRole(AriaRole.Button, new() { Name = "Hold" }));
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(ringing.Locator(".cb-phase")).ToContainTextAsync("On hold");
        hub.Clock.Advance(TimeSpan.FromSeconds(15));
        await AcceptedAsync(salesforce, ringing.GetByRole(AriaRole.Button, new() { Name = "Resume" }));
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(ringing.Locator(".cb-phase")).ToContainTextAsync("Connected");
        await AcceptedAsync(salesforce, ringing.GetByRole(AriaRole.Button, new() { Name = "Hang up" }));
        await SettleAsync(hub, cc, tenant.Id);

        // Wrap-up: a disposition and notes, then Available again. They end up on the call's one Task, on Grace.
        await Assertions.Expect(softphone.Locator("#wrap-up")).ToBeVisibleAsync();
        await softphone.Locator("#disposition").SelectOptionAsync("Resolved");
        await softphone.Locator("#wrap-up-notes").FillAsync("Refund issued");
        await softphone.Locator("#next-state").SelectOptionAsync("available");
        var wrapUp = salesforce.WaitForResponseAsync(r => r.Url.EndsWith("/wrap-up", StringComparison.Ordinal));
        await AcceptedAsync(salesforce, softphone.Locator("#wrap-up-done"));
        (await wrapUp).Status.ShouldBe(202);
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(softphone.Locator("#state")).ToHaveValueAsync("available");
        var task = hub.Records("Task").ShouldHaveSingleItem();
        task.GetString("WhoId").ShouldBe(grace);
        task.GetString("Description")!.ShouldContain("Wrap-up: Resolved — Refund issued");
        task.GetString("Description")!.ShouldContain("On hold: 15 s");

        // An unknown number: the new-Lead form, filled in with the number.
        var unknown = await cc.CallAsync(tenant.Id, "+1 415 555 0199");
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(salesforce.Locator("#new-record-modal")).ToBeVisibleAsync();
        await Assertions.Expect(salesforce.Locator("#new-record-modal")).ToContainTextAsync("Lead");
        await Assertions.Expect(salesforce.Locator("#new-record-modal input[name='Phone']")).ToHaveValueAsync("+1 415 555 0199");
        await salesforce.Locator("#cancel-record").ClickAsync();
        await AcceptedAsync(salesforce, softphone.Locator($"#contacts li[data-interaction='{unknown}']").GetByRole(AriaRole.Button, new() { Name = "Decline" }));
        await SettleAsync(hub, cc, tenant.Id);

        // The account number keyed in the IVR pops that Account, whatever the number.
        await AvailableAsync(salesforce, softphone);
        await SettleAsync(hub, cc, tenant.Id);
        await cc.CallAsync(tenant.Id, "+1 415 555 0177", new JsonObject { ["account_number"] = "00042" });
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(salesforce).ToHaveURLAsync(new Regex($"/lightning/r/Account/{globex}/view$"));
    }

    [Fact]
    public async Task Two_agents_see_each_other_live_and_a_click_to_dial_call_survives_a_reload_is_transferred_and_logged_once_on_the_record_it_was_dialled_from()
    {
        var (hub, cc, tenant, _) = await StartAsync();
        await using var _hub = hub;
        await using var _cc = cc;
        var grace = hub.CreateRecord("Contact", new JsonObject { ["FirstName"] = "Grace", ["LastName"] = "Hopper", ["Phone"] = "+1 415 555 0100" });

        await using var adaContext = await _chromium.Browser.NewContextAsync(new() { TimezoneId = "UTC" });
        await using var bobContext = await _chromium.Browser.NewContextAsync(new() { TimezoneId = "UTC" });
        var (ada, adaPhone) = await SignInAsync(adaContext, hub.Emulator.InstanceUrl, TestHub.AgentEmail, "Agent-Password-1");
        var (bob, bobPhone) = await SignInAsync(bobContext, hub.Emulator.InstanceUrl, BobEmail, "Agent-Password-2", "ag-2", BobAgentPassword);
        await AcceptedAsync(ada, adaPhone.Locator("#cc-login-button"));
        await AcceptedAsync(bob, bobPhone.Locator("#cc-login-button"));
        await cc.FlushAsync(tenant.Id);
        await Assertions.Expect(bobPhone.Locator("#main")).ToBeVisibleAsync();

        // Ada goes available: Bob's list of agents says so, live.
        var adaInBobsList = bobPhone.Locator("#agents li[data-agent='ag-1']");
        await Assertions.Expect(adaInBobsList.Locator(".cb-agent-state")).ToHaveTextAsync(" Unavailable (Logged in)");
        await AvailableAsync(ada, adaPhone);
        await cc.FlushAsync(tenant.Id);
        await Assertions.Expect(adaInBobsList.Locator(".cb-agent-state")).ToHaveTextAsync(" Available");
        await bobPhone.Locator("#agent-search").FillAsync("nobody like that");
        await Assertions.Expect(adaInBobsList).ToHaveCountAsync(0);
        await bobPhone.Locator("#agent-search").FillAsync("ada");
        await Assertions.Expect(adaInBobsList).ToHaveCountAsync(1);
        await AvailableAsync(bob, bobPhone);
        await cc.FlushAsync(tenant.Id);

        // Click-to-dial from Grace's page: the contact center is asked to dial, and the call is related to Grace.
        await ada.GotoAsync($"{hub.Emulator.InstanceUrl}/lightning/r/Contact/{grace}/view");
        await ada.ClickAsync("#softphone-item");
        await Assertions.Expect(adaPhone.Locator("#main")).ToBeVisibleAsync();
        // The panel floats over the record's fields, as Salesforce's does: minimized to reach the number.
        await ada.ClickAsync("#softphone-minimize");
        var related = ada.WaitForResponseAsync(r => r.Url.EndsWith("/related-record", StringComparison.Ordinal));
        await AcceptedAsync(ada, ada.Locator("a.cb-phone_enabled[data-number='+1 415 555 0100']"));
        (await related).Status.ShouldBe(202);
        var dialled = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Last()!;
        (dialled["type"]!.GetValue<string>(), dialled["agentId"]!.GetValue<string>(), dialled["outcome"]!.GetValue<string>()).ShouldBe(("dial", "ag-1", "accepted"));
        await SettleAsync(hub, cc, tenant.Id);
        await ada.ClickAsync("#softphone-item");
        var call = adaPhone.Locator("#contacts li");
        await Assertions.Expect(call.Locator(".cb-phase")).ToContainTextAsync("Connected");
        var callId = await call.GetAttributeAsync("data-interaction");

        // The tab reloads in the middle of the call: the softphone comes back signed in, with the call on it.
        await ada.ReloadAsync();
        await ada.ClickAsync("#softphone-item");
        await Assertions.Expect(adaPhone.Locator($"#contacts li[data-interaction='{callId}'] .cb-phase")).ToContainTextAsync("Connected");
        await Assertions.Expect(adaPhone.Locator("#sign-in")).ToBeHiddenAsync();

        // Ada transfers the call to Bob from her list of agents; Bob takes it, ends it and wraps up.
        await AcceptedAsync(ada, adaPhone.Locator("#agents li[data-agent='ag-2']").GetByRole(AriaRole.Button, new() { Name = "Transfer" }));
        await SettleAsync(hub, cc, tenant.Id);
        var atBob = bobPhone.Locator($"#contacts li[data-interaction='{callId}']");
        await Assertions.Expect(atBob.Locator(".cb-phase")).ToContainTextAsync("Ringing");
        await AcceptedAsync(bob, atBob.GetByRole(AriaRole.Button, new() { Name = "Accept" }));
        await SettleAsync(hub, cc, tenant.Id);
        await AcceptedAsync(bob, atBob.GetByRole(AriaRole.Button, new() { Name = "Hang up" }));
        await SettleAsync(hub, cc, tenant.Id);
        await bobPhone.Locator("#disposition").SelectOptionAsync("Escalated");
        await bobPhone.Locator("#next-state").SelectOptionAsync("unavailable:Break");
        await AcceptedAsync(bob, bobPhone.Locator("#wrap-up-done"));
        await Assertions.Expect(adaPhone.Locator("#wrap-up")).ToBeVisibleAsync();
        await adaPhone.Locator("#next-state").SelectOptionAsync("available");
        await AcceptedAsync(ada, adaPhone.Locator("#wrap-up-done"));
        await SettleAsync(hub, cc, tenant.Id);
        var task = hub.Records("Task").ShouldHaveSingleItem();
        task.GetString("WhoId").ShouldBe(grace);
        task.GetString("Description")!.ShouldContain("Wrap-up: Escalated");
        task.GetString("Description")!.ShouldContain("Transferred (blind)");

        // A callback Ada schedules for the support skill comes due and is offered to her (Bob is on a break).
        await adaPhone.Locator("a[data-tab='callbacks']").ClickAsync();
        await adaPhone.Locator("#callbacks-filter").SelectOptionAsync("skills");
        await adaPhone.Locator("#callback-number").FillAsync("+1 415 555 0123");
        await adaPhone.Locator("#callback-due").FillAsync(hub.Clock.GetUtcNow().AddMinutes(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await adaPhone.Locator("#callback-for").SelectOptionAsync("support");
        await AcceptedAsync(ada, adaPhone.Locator("#callback-form button[type='submit']"));
        await cc.FlushAsync(tenant.Id);
        await Assertions.Expect(adaPhone.Locator("#callbacks li")).ToContainTextAsync("+1 415 555 0123");
        hub.Clock.Advance(TimeSpan.FromMinutes(2));
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(adaPhone.Locator("#contacts li .cb-caller-number")).ToHaveTextAsync("+1 415 555 0123");
        await Assertions.Expect(adaPhone.Locator("#contacts li .cb-phase")).ToContainTextAsync("Ringing");
        // The callback stays Ada's to complete once it is done.
        // The number is no one's in Salesforce: the new-Lead form opened over the console, which Ada closes.
        await ada.Locator("#cancel-record").ClickAsync();
        await AcceptedAsync(ada, adaPhone.Locator("#callbacks li").GetByRole(AriaRole.Button, new() { Name = "Done" }));
        await cc.FlushAsync(tenant.Id);
        await Assertions.Expect(adaPhone.Locator("#callbacks li")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task In_the_demo_as_a_newcomer_tries_it_the_softphone_rings_and_pops_live_with_the_hubs_own_background_work()
    {
        // The demo as `contactbridge demo` runs it: real clocks, the hub's background pipeline, the contact center's own timers.
        await using var demo = await ContactBridge.Cli.DemoCommand.StartAsync(FreePort(), FreePort(), Ct, traffic: false,
            new ContactBridge.ContactCenterEmulator.ContactCenterEmulatorOptions { Port = FreePort() });
        demo.Banner().ShouldContain(ContactBridge.Cli.DemoCommand.SoftphoneUsername);
        await using var context = await _chromium.Browser.NewContextAsync();
        var (salesforce, softphone) = await SignInAsync(context, demo.Emulator.InstanceUrl, ContactBridge.Cli.DemoCommand.SoftphoneUsername, ContactBridge.Cli.DemoCommand.SoftphonePassword);
        await softphone.Locator("#station").FillAsync("4030");
        await softphone.Locator("#cc-login-button").ClickAsync();
        await Assertions.Expect(softphone.Locator("#main")).ToBeVisibleAsync();
        await softphone.Locator("#state").SelectOptionAsync("available");
        await Assertions.Expect(softphone.Locator("#state")).ToHaveValueAsync("available");
        // The other demo agents are busy or away: the call is Alex's. Marie Curie is in the org: her Contact pops.
        using (var admin = new PortalClient(demo.Hub.BaseUri, demo.Emulator.BaseUri))
        {
            (await admin.SignInAsync(ContactBridge.Cli.DemoCommand.AdminEmail, ContactBridge.Cli.DemoCommand.Password)).ShouldBe(HttpStatusCode.Redirect);
            foreach (var agent in ContactBridge.Cli.DemoCommand.DemoAgents)
            {
                using var away = new HttpRequestMessage(HttpMethod.Post, new Uri(demo.Hub.BaseUri, $"/api/v1/tenants/{demo.Tenant.Id}/agents/{agent.Id}/commands"))
                {
                    Content = JsonContent.Create(new JsonObject { ["type"] = "set_state", ["data"] = new JsonObject { ["state"] = "unavailable", ["reason"] = "Break" } }),
                };
                (await admin.SendAsync(away)).Status.ShouldBe(HttpStatusCode.OK);
            }
        }
        var center = demo.ContactCenter.Center.Tenant(demo.Tenant.Id);
        var started = System.Diagnostics.Stopwatch.StartNew();
        center.AddContact(new ContactBridge.ContactCenterEmulator.Contacts.NewContact { Channel = "voice", Skill = "sales-phone", From = "+14155550101", Name = "Marie Curie" })
            .Problems.ShouldBeEmpty();
        await Assertions.Expect(softphone.Locator("#contacts li .cb-phase")).ToContainTextAsync("Ringing");
        var rang = started.Elapsed;
        await Assertions.Expect(salesforce).ToHaveURLAsync(new Regex("/lightning/r/Contact/003[A-Za-z0-9]+/view$"));
        TestContext.Current.TestOutputHelper?.WriteLine($"Rang in the softphone {rang.TotalMilliseconds:0} ms after the call arrived; popped {started.Elapsed.TotalMilliseconds:0} ms after.");
        await ScreenshotAsync(salesforce, "softphone-demo-ringing.png");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task AvailableAsync(IPage salesforce, IFrameLocator softphone)
    {
        var response = salesforce.WaitForResponseAsync(r => r.Url.EndsWith("/api/commands", StringComparison.Ordinal) && r.Request.Method == "POST");
        await softphone.Locator("#state").SelectOptionAsync("available");
        (await response).Status.ShouldBe(200);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name) });
    }
}
