using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;
using ContactBridge.VoiceCalls;
using Microsoft.Playwright;
using AgentSeed = ContactBridge.ContactCenterEmulator.Tenants.AgentSeed;

namespace ContactBridge.Tests.VoiceCalls;

/// <summary>
/// The hub's Service Cloud Voice connector at work in Chromium: the Salesforce emulator's console, on its Lightning host over https,
/// loads the connector in its voice widget and drives it through Salesforce's connector base, while the contact-center emulator
/// routes real calls and the hub keeps each call's VoiceCall.
/// </summary>
public sealed class VoiceConnectorBrowserTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HeadlessChromium _chromium = new(HeadlessChromium.LightningHostsHere);

    public ValueTask InitializeAsync() => _chromium.InitializeAsync();

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    private const string AdaAgentPassword = "Ada-Agent-Pass-1";

    /// <summary>
    /// The hub (with an https port) linked; the contact-center emulator with Ada (ag-1) and Bob (ag-2); Service Cloud Voice on; the
    /// tenant's contact center imported in Salesforce from the portal's definition with Ada in it; its vendor's connector URL set.
    /// </summary>
    private static async Task<(TestHub Hub, TestContactCenter Cc, ContactBridge.Tenants.Tenant Tenant)> StartAsync()
    {
        var hub = await TestHub.StartAsync(settings: TestContactCenter.HubSettings, lightning: true);
        var tenant = await hub.LinkedTenantAsync();
        var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant, [
            new AgentSeed { Id = "ag-1", Name = "Ada Agent", Email = TestHub.AgentEmail, Password = AdaAgentPassword, Skills = new() { ["support"] = 5 } },
            new AgentSeed { Id = "ag-2", Name = "Bob Agent", Email = "bob@acme.example", Station = "4022", Skills = new() { ["support"] = 5 } },
        ], recordingBaseUrl: "https://recordings.acme.example/calls", transcribe: true);
        using var portal = await hub.SignInAsync();
        using (var on = new HttpRequestMessage(HttpMethod.Put, new Uri(portal.Hub, $"/api/v1/tenants/{tenant.Id}/voice-calls/settings"))
               { Content = new StringContent("{\"enabled\": true}", Encoding.UTF8, "application/json") })
            (await portal.SendAsync(on)).Status.ShouldBe(HttpStatusCode.OK);
        hub.Clock.Advance(TimeSpan.FromSeconds(1));
        var (_, xml) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/agent-adapter/call-center-definition");
        using var emulator = new HttpClient { BaseAddress = hub.Emulator.BaseUri };
        using var imported = await emulator.PostAsync("/_emulator/orgs/default/call-centers", new StringContent(xml, Encoding.UTF8, "application/xml"), Ct);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync(Ct));
        var callCenterId = JsonNode.Parse(await imported.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();
        var vendor = Regex.Match(xml, "name=\"reqVendorInfoApiName\"[^>]*>([^<]+)<").Groups[1].Value;
        using var connector = await emulator.PutAsJsonAsync($"/_emulator/orgs/default/conversation-vendor-infos/{vendor}",
            new { masterLabel = "ContactBridge", connectorUrl = new Uri(hub.HttpsUri!, $"/agent/{tenant.Id}/voice-connector").ToString() }, Ct);
        connector.StatusCode.ShouldBe(HttpStatusCode.OK, await connector.Content.ReadAsStringAsync(Ct));
        // Omni-Channel's Break and Lunch are the contact center's unavailable states with those reasons, both ways.
        var statuses = (await emulator.GetFromJsonAsync<JsonArray>("/_emulator/orgs/default/presence-statuses", Ct))!;
        string StatusId(string name) => statuses.First(x => x!["developerName"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();
        var mapping = new JsonObject
        {
            ["statuses"] = new JsonArray(
                new JsonObject { ["statusApiName"] = "Break", ["statusId"] = StatusId("Break"), ["state"] = "unavailable", ["reason"] = "Break" },
                new JsonObject { ["statusApiName"] = "Lunch", ["statusId"] = StatusId("Lunch"), ["state"] = "unavailable", ["reason"] = "Lunch" }),
        };
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/voice-calls/presence-mapping", mapping.ToJsonString())).Status.ShouldBe(HttpStatusCode.OK);
        var org = hub.Emulator.State.DefaultOrg;
        lock (org.Sync)
        {
            var user = org.UserByUsername(TestHub.AgentEmail)!;
            new ContactBridge.Emulator.Records.RecordWriter(org, hub.Emulator.State.Clock).Update(user.Id, user, new JsonObject { ["CallCenterId"] = callCenterId }, system: true);
        }
        return (hub, cc, tenant);
    }

    /// <summary>Does something in the widget that makes the connector send the hub a command of this type, and waits for the hub's answer.</summary>
    private static async Task CommandAsync(IPage page, Func<Task> action, string type)
    {
        var response = await page.RunAndWaitForResponseAsync(action,
            r => r.Url.EndsWith("/api/commands", StringComparison.Ordinal) && r.Request.Method == "POST" && (r.Request.PostData ?? "").Contains($"\"type\":\"{type}\"", StringComparison.Ordinal));
        response.Status.ShouldBe(200, await response.TextAsync());
    }

    /// <summary>The contact center's events reach the hub, are folded, and the VoiceCalls they call for are sent.</summary>
    private static async Task SettleAsync(TestHub hub, TestContactCenter cc, string tenantId)
    {
        await cc.FlushAsync(tenantId);
        await hub.RunPipelineAsync();
        await hub.Services.GetRequiredService<VoiceCallSync>().RunUntilIdleAsync(Ct);
    }

    /// <summary>An agent's state in the contact center, and its reason.</summary>
    private static async Task<(string? State, string? Reason)> AgentStateAsync(TestContactCenter cc, string tenantId, string agentId)
    {
        var agent = (await cc.StateAsync(tenantId))["agents"]!.AsArray().First(a => a!["id"]!.GetValue<string>() == agentId)!;
        return (agent["state"]?.GetValue<string>(), agent["reason"]?.GetValue<string>());
    }

    /// <summary>Something done at the contact center itself (Bob at his desk, a supervisor): a command for an agent from the hub's API.</summary>
    private static async Task AgentCommandAsync(TestHub hub, PortalClient portal, string tenantId, TestContactCenter cc, string agentId, string type, object data)
    {
        using var command = new HttpRequestMessage(HttpMethod.Post, new Uri(portal.Hub, $"/api/v1/tenants/{tenantId}/agents/{agentId}/commands"))
        {
            Content = JsonContent.Create(new { type, data }),
        };
        command.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var (status, body) = await portal.SendAsync(command);
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        await SettleAsync(hub, cc, tenantId);
    }

    [Fact]
    public async Task An_agent_logs_in_through_the_connector_goes_online_and_works_a_call_whose_voice_call_is_made_at_its_start_and_updated_once_at_its_end()
    {
        var (hub, cc, tenant) = await StartAsync();
        await using var _hub = hub;
        await using var _cc = cc;
        var lightning = hub.Emulator.LightningUrlOf(WellKnown.DefaultOrgKey);
        await using var context = await _chromium.Browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{lightning}/?startURL=%2Flightning%2Fpage%2Fhome");
        await page.FillAsync("#username", TestHub.AgentEmail);
        await page.FillAsync("#password", "Agent-Password-1");
        await page.ClickAsync("#Login");

        // The widget loads the connector, which asks the agent to sign in (the widget shows its frame), and then is ready.
        var connector = page.FrameLocator("#voice-connector");
        await Assertions.Expect(page.Locator("#voice-panel")).ToBeVisibleAsync();
        await Assertions.Expect(connector.Locator("#password-form")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "voice-sign-in.png");
        await connector.Locator("#agent-name").FillAsync("ag-1");
        await connector.Locator("#agent-password").FillAsync(AdaAgentPassword);
        await connector.Locator("#password-sign-in").ClickAsync();
        await Assertions.Expect(page.Locator("#voice-status")).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("#voice-connector")).Not.ToHaveClassAsync(new Regex("cb-visible"));
        var capabilities = JsonNode.Parse((await page.Locator("#voice-panel").GetAttributeAsync("data-capabilities"))!)!;
        (capabilities["MUTE"]!.GetValue<bool>(), capabilities["BLIND_TRANSFER"]!.GetValue<bool>(), capabilities["MERGE"]!.GetValue<bool>(), capabilities["SWAP"]!.GetValue<bool>(),
                capabilities["RECORD"]!.GetValue<bool>(), capabilities["SUPERVISOR_BARGE_IN"]!.GetValue<bool>())
            .ShouldBe((true, true, true, true, false, false), "what the contact center can do, and no more");

        // Online: the contact center logs Ada in and makes her available.
        await CommandAsync(page, () => page.Locator("#voice-status").SelectOptionAsync(new SelectOptionValue { Label = "Available for Voice" }), "set_state");
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentStateAsync(cc, tenant.Id, "ag-1")).ShouldBe(("available", null));
        await Assertions.Expect(page.Locator("#voice-item-status")).ToHaveTextAsync("Available for Voice");

        // A call comes in: its VoiceCall is made at the start, the widget rings, and the console opens the VoiceCall.
        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0123");
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        var voiceCall = hub.Records("VoiceCall").ShouldHaveSingleItem();
        voiceCall.GetString("VendorCallKey").ShouldBe(call);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Incoming call");
        await Assertions.Expect(page.Locator("#voice-call-number")).ToHaveTextAsync("+1 415 555 0123");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/lightning/r/VoiceCall/{voiceCall.Id}/view$"));
        await ScreenshotAsync(page, "voice-ringing.png");

        // Accept, hold for 15 s, resume.
        await CommandAsync(page, () => page.Locator("#voice-accept").ClickAsync(), "accept");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Connected");
        await CommandAsync(page, () => page.Locator("#voice-hold").ClickAsync(), "hold");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("On hold");
        hub.Clock.Advance(TimeSpan.FromSeconds(15));
        await CommandAsync(page, () => page.Locator("#voice-hold").ClickAsync(), "resume");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Connected");
        await CommandAsync(page, () => page.Locator("#voice-mute").ClickAsync(), "mute");
        await Assertions.Expect(page.Locator("#voice-mute")).ToHaveTextAsync("Unmute");

        // Transfer: the phone contacts are the contact center's agents (Bob is at his station) and queues; a blind transfer to Bob ends Ada's part.
        using var portal = await hub.SignInAsync();
        foreach (var (type, data) in new[] { ("login", (object)new { station = "4022" }), ("set_state", new { state = "available" }) })
            await AgentCommandAsync(hub, portal, tenant.Id, cc, "ag-2", type, data);
        await page.Locator("#voice-transfer").ClickAsync();
        var bob = page.Locator("#voice-contacts li[data-contact-id='ag-2']");
        await Assertions.Expect(bob).ToContainTextAsync("Bob Agent");
        await Assertions.Expect(page.Locator("#voice-contacts li[data-contact-id='support']")).ToContainTextAsync("Queue");
        await ScreenshotAsync(page, "voice-transfer.png");
        await CommandAsync(page, () => bob.GetByRole(AriaRole.Button, new() { Name = "Transfer" }).ClickAsync(), "transfer");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#voice-acw")).ToBeVisibleAsync();
        hub.Emulator.State.Log.Entries(null, 0).Count(e => e.Kind == "telephony.voiceCalls.update").ShouldBe(0, "the call goes on at Bob's");

        // Bob takes it and hangs up: the VoiceCall is updated once, with the hold time and the transfer.
        foreach (var type in new[] { "accept", "hangup" }) await AgentCommandAsync(hub, portal, tenant.Id, cc, "ag-2", type, new { interactionId = call });
        voiceCall = hub.Records("VoiceCall").ShouldHaveSingleItem();
        (voiceCall.GetString("CallDisposition"), Convert.ToInt64(voiceCall["CustomerHoldDuration"], System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(("completed", 15L));
        voiceCall.GetString("Description")!.ShouldContain("ag-2");
        (voiceCall["IsRecorded"] as bool?).ShouldBe(true, "the contact center's recording is the VoiceCall's");
        var org = hub.Emulator.State.DefaultOrg;
        lock (org.Sync)
            org.Transcripts.Of(voiceCall.Id).Select(m => m.SenderType).ShouldBe(["HUMAN_AGENT", "END_USER"], "the contact center's transcript of the call, posted as it came");
        hub.Emulator.State.Log.Entries(null, 0).Count(e => e.Kind == "telephony.voiceCalls.update").ShouldBe(1, "one update for the ended call");

        // Close work: Ada is available again.
        await CommandAsync(page, () => page.Locator("#voice-close-work").ClickAsync(), "set_state");
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentStateAsync(cc, tenant.Id, "ag-1")).ShouldBe(("available", null));

        // The call is Bob's now: Ada's connector cannot look up its VoiceCall, nor reach another tenant's softphone API.
        var frame = page.Frames.Single(f => f.Url.EndsWith("/voice-connector", StringComparison.Ordinal));
        (await frame.EvaluateAsync<int>($"() => fetch('/agent/{tenant.Id}/api/contacts/{call}/voice-call').then(r => r.status)")).ShouldBe(404);
        var other = await hub.CreateTenantAsync("Other Co");
        (await frame.EvaluateAsync<int>($"() => fetch('/agent/{other.Id}/api/me').then(r => r.status)")).ShouldBe(401);

        // Ada calls out from the widget: it shows the call once, ringing then connected, and she hangs up.
        await page.Locator("#voice-number").FillAsync("+1 415 555 0142");
        await CommandAsync(page, () => page.Locator("#voice-dial").ClickAsync(), "dial");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Connected");
        await Assertions.Expect(page.Locator("#voice-call-number")).ToHaveTextAsync("+1 415 555 0142");
        await CommandAsync(page, () => page.Locator("#voice-end").ClickAsync(), "hangup");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call")).ToBeHiddenAsync();
        await CommandAsync(page, () => page.Locator("#voice-close-work").ClickAsync(), "set_state");
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentStateAsync(cc, tenant.Id, "ag-1")).ShouldBe(("available", null));

        // Break in Omni-Channel is unavailable (Break) in the contact center; Lunch set there shows as Lunch in Salesforce.
        await CommandAsync(page, () => page.Locator("#voice-status").SelectOptionAsync(new SelectOptionValue { Label = "Break" }), "set_state");
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentStateAsync(cc, tenant.Id, "ag-1")).ShouldBe(("unavailable", "Break"));
        await AgentCommandAsync(hub, portal, tenant.Id, cc, "ag-1", "set_state", new { state = "unavailable", reason = "Lunch" });
        await Assertions.Expect(page.Locator("#voice-item-status")).ToHaveTextAsync("Lunch");
        await Assertions.Expect(page.Locator("#voice-status option:checked")).ToHaveTextAsync("Lunch");

        // A consulted transfer: Ada talks to Bob with the caller held, swaps back to the caller, brings everyone together, and leaves
        // them to it (ending her part hands the call over).
        await CommandAsync(page, () => page.Locator("#voice-status").SelectOptionAsync(new SelectOptionValue { Label = "Available for Voice" }), "set_state");
        await AgentCommandAsync(hub, portal, tenant.Id, cc, "ag-2", "set_state", new { state = "available" });
        var second = await cc.CallAsync(tenant.Id, "+1 415 555 0177");
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Incoming call");
        await CommandAsync(page, () => page.Locator("#voice-accept").ClickAsync(), "accept");
        await SettleAsync(hub, cc, tenant.Id);
        await page.Locator("#voice-transfer").ClickAsync();
        await CommandAsync(page, () => page.Locator("#voice-contacts li[data-contact-id='ag-2']").GetByRole(AriaRole.Button, new() { Name = "Consult" }).ClickAsync(), "transfer");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Caller on hold");
        await CommandAsync(page, () => page.Locator("#voice-swap").ClickAsync(), "swap");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Caller on the line");
        await CommandAsync(page, () => page.Locator("#voice-merge").ClickAsync(), "conference");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call-state")).ToHaveTextAsync("Conference");
        await CommandAsync(page, () => page.Locator("#voice-end").ClickAsync(), "complete_transfer");
        await SettleAsync(hub, cc, tenant.Id);
        await Assertions.Expect(page.Locator("#voice-call")).ToBeHiddenAsync();
        await AgentCommandAsync(hub, portal, tenant.Id, cc, "ag-2", "hangup", new { interactionId = second });
        var conferenced = hub.Records("VoiceCall").Single(r => r.GetString("VendorCallKey") == second);
        conferenced.GetString("Description")!.ShouldContain("Transferred (consulted) to ag-2");
        conferenced.GetString("CallDisposition").ShouldBe("completed");

        // Every event the connector published passed the base package's checks; one built without its classes does not.
        await Assertions.Expect(page.Locator("#voice-errors li")).ToHaveCountAsync(0);
        await frame.EvaluateAsync("() => SCVConnectorBase.publishEvent({ eventType: 'CALL_STARTED', payload: { call: { callId: 'x', state: 'ringing' } } })");
        await Assertions.Expect(page.Locator("#voice-errors li")).ToHaveAttributeAsync("data-error-type", "CAN_NOT_START_THE_CALL");
        await frame.EvaluateAsync("() => SCVConnectorBase.publishEvent({ eventType: 'HOLD_TOGGLE', payload: new SCVConnectorBase.CallResult({}) })");
        await Assertions.Expect(page.Locator("#voice-errors li").Last).ToHaveAttributeAsync("data-error-type", "CAN_NOT_TOGGLE_HOLD");
    }

    [Fact]
    public async Task The_connector_takes_its_setup_only_from_the_console_that_frames_it()
    {
        var (hub, cc, tenant) = await StartAsync();
        await using var _hub = hub;
        await using var _cc = cc;
        await using var context = await _chromium.Browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        // A Salesforce page (an allowed origin) that opens the connector in a window of its own and tries to set it up: refused.
        var lightning = hub.Emulator.LightningUrlOf(WellKnown.DefaultOrgKey);
        await page.GotoAsync($"{lightning}/_emulator/openapi/emulator.json");
        var url = new Uri(hub.HttpsUri!, $"/agent/{tenant.Id}/voice-connector").ToString();
        var popup = await page.RunAndWaitForPopupAsync(() => page.EvaluateAsync($"() => {{ window.w = window.open('{url}'); }}"));
        await popup.WaitForFunctionAsync("() => !!window.SCVConnectorBase && document.readyState === 'complete'");
        await page.EvaluateAsync("() => { const c = new MessageChannel(); window.w.postMessage({ type: 'SETUP_CONNECTOR', connectorConfig: {} }, '*', [c.port2]); }");
        await Assertions.Expect(popup.Locator("#connector")).ToHaveAttributeAsync("data-setup-refused", new Uri(lightning).GetLeftPart(UriPartial.Authority));
        await Assertions.Expect(popup.Locator("#sign-in")).ToBeHiddenAsync();

        // The page names who may frame it, and runs its own scripts only.
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        using var response = await http.GetAsync($"/agent/{tenant.Id}/voice-connector", Ct);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldContain($"frame-ancestors {hub.Emulator.InstanceUrl} {lightning}");
        csp.ShouldContain("script-src 'self'");
        (await http.GetAsync("/agent/no-such-tenant/voice-connector", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CONTACTBRIDGE_SCREENSHOTS") is { Length: > 0 } dir)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name) });
    }
}
