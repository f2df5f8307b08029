using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.ContactCenter;

/// <summary>
/// The hub against both emulators: commands go to the contact-center emulator, its events come back signed, and
/// the hub's live picture and the call logged in the Salesforce emulator follow each step.
/// </summary>
public sealed class ContactCenterEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> CommandAsync(PortalClient portal, string tenantId, string agentId, string type, JsonObject? data = null,
        string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(portal.Hub, $"/api/v1/tenants/{tenantId}/agents/{agentId}/commands"))
        {
            Content = JsonContent.Create(new JsonObject { ["type"] = type, ["data"] = data ?? new JsonObject() }),
        };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        var (status, body) = await portal.SendAsync(request);
        return (status, body);
    }

    private static async Task AcceptedAsync(PortalClient portal, string tenantId, string agentId, string type, JsonObject? data = null)
    {
        var (status, body) = await CommandAsync(portal, tenantId, agentId, type, data);
        status.ShouldBe(HttpStatusCode.OK, $"{type}: {body?.ToJsonString()}");
        body!["status"]!.GetValue<string>().ShouldBe("accepted");
    }


    private static async Task<JsonObject> AgentAsync(PortalClient portal, string tenantId, string agentId) =>
        (JsonObject)(await portal.GetArrayAsync($"/api/v1/tenants/{tenantId}/agents")).Single(a => a!["agentId"]!.GetValue<string>() == agentId)!;

    /// <summary>The emulator's events reach the hub, and the interactions among them are folded.</summary>
    private static async Task SettleAsync(TestHub hub, TestContactCenter cc, string tenantId)
    {
        await cc.FlushAsync(tenantId);
        await hub.RunPipelineAsync();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task An_agent_logs_in_and_a_call_is_queued_offered_connected_held_transferred_and_ended_with_the_picture_matching_at_each_step(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString, settings: TestContactCenter.HubSettings);
        var tenant = await hub.LinkedTenantAsync();
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant);
        using var portal = await hub.SignInAsync();

        await AcceptedAsync(portal, tenant.Id, "ag-1", "login", new() { ["station"] = "4021" });
        await AcceptedAsync(portal, tenant.Id, "ag-2", "login");
        await SettleAsync(hub, cc, tenant.Id);
        var ada = await AgentAsync(portal, tenant.Id, "ag-1");
        (ada["loggedIn"]!.GetValue<bool>(), ada["state"]!.GetValue<string>(), ada["leg"]!.GetValue<string>(), ada["email"]!.GetValue<string>())
            .ShouldBe((true, "unavailable", "connected", "ag-1@acme.example"));
        ada["skills"]!["support"]!.GetValue<string>().ShouldBe("5");

        // Ada goes available first, then Bob: Ada has waited longest, so the call is offered to her.
        await AcceptedAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" });
        hub.Clock.Advance(TimeSpan.FromSeconds(5));
        await AcceptedAsync(portal, tenant.Id, "ag-2", "set_state", new() { ["state"] = "available" });
        hub.Clock.Advance(TimeSpan.FromSeconds(5));
        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0100");
        cc.Server.Center.Tick();
        await SettleAsync(hub, cc, tenant.Id);
        ada = await AgentAsync(portal, tenant.Id, "ag-1");
        var contact = ada["contacts"]!.AsArray().ShouldHaveSingleItem()!;
        (contact["interactionId"]!.GetValue<string>(), contact["phase"]!.GetValue<string>(), contact["caller"]!.GetValue<string>()).ShouldBe((call, "offered", "Grace Caller"));
        var queue = (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/queues")).ShouldHaveSingleItem()!;
        (queue["waiting"]!.GetValue<long>(), queue["staffed"]!.GetValue<long>()).ShouldBe((0L, 2L));

        await AcceptedAsync(portal, tenant.Id, "ag-1", "accept", new() { ["interactionId"] = call });
        await SettleAsync(hub, cc, tenant.Id);
        ada = await AgentAsync(portal, tenant.Id, "ag-1");
        (ada["state"]!.GetValue<string>(), ada["contacts"]![0]!["phase"]!.GetValue<string>()).ShouldBe(("on_contact", "connected"));

        await AcceptedAsync(portal, tenant.Id, "ag-1", "hold", new() { ["interactionId"] = call });
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentAsync(portal, tenant.Id, "ag-1"))["contacts"]![0]!["phase"]!.GetValue<string>().ShouldBe("held");
        hub.Clock.Advance(TimeSpan.FromSeconds(20));
        await AcceptedAsync(portal, tenant.Id, "ag-1", "resume", new() { ["interactionId"] = call });

        // Blind transfer to Bob: Ada wraps up, the call rings at Bob, who takes it and ends it.
        await AcceptedAsync(portal, tenant.Id, "ag-1", "transfer", new() { ["interactionId"] = call, ["kind"] = "blind", ["to"] = new JsonObject { ["agentId"] = "ag-2" } });
        await SettleAsync(hub, cc, tenant.Id);
        ada = await AgentAsync(portal, tenant.Id, "ag-1");
        (ada["state"]!.GetValue<string>(), ada["contacts"]!.AsArray().Count).ShouldBe(("after_call_work", 0), "the contact moved to Bob");
        var bob = await AgentAsync(portal, tenant.Id, "ag-2");
        bob["contacts"]!.AsArray().ShouldHaveSingleItem()!["phase"]!.GetValue<string>().ShouldBe("offered");
        await AcceptedAsync(portal, tenant.Id, "ag-2", "accept", new() { ["interactionId"] = call });
        hub.Clock.Advance(TimeSpan.FromSeconds(40));
        await AcceptedAsync(portal, tenant.Id, "ag-2", "hangup", new() { ["interactionId"] = call });
        await SettleAsync(hub, cc, tenant.Id);
        bob = await AgentAsync(portal, tenant.Id, "ag-2");
        (bob["state"]!.GetValue<string>(), bob["contacts"]!.AsArray().Count).ShouldBe(("after_call_work", 0));
        var history = (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents/ag-2/contacts")).ShouldHaveSingleItem()!;
        (history["interactionId"]!.GetValue<string>(), history["outcome"]!.GetValue<string>(), history["holdSeconds"]!.GetValue<int>()).ShouldBe((call, "answered", 20));

        // Bob ends his wrap-up by going available again.
        await AcceptedAsync(portal, tenant.Id, "ag-2", "set_state", new() { ["state"] = "available" });
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentAsync(portal, tenant.Id, "ag-2"))["state"]!.GetValue<string>().ShouldBe("available");

        // And the call is logged in Salesforce once, as any other: the caller, the hold and the transfer.
        var task = hub.Records("Task").ShouldHaveSingleItem();
        var description = task.GetString("Description")!;
        description.ShouldContain("On hold: 20 s");
        description.ShouldContain("Transferred (blind)");
        var commands = await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/commands?agentId=ag-1");
        commands.Select(c => c!["type"]!.GetValue<string>()).ShouldBe(["transfer", "resume", "hold", "accept", "set_state", "login"]);
        commands.ShouldAllBe(c => c!["status"]!.GetValue<string>() == "accepted" && c["attempts"]!.GetValue<int>() == 1);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_refused_command_is_a_clear_error_and_a_lost_answer_is_sent_again_without_being_done_twice(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString, settings: TestContactCenter.HubSettings);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant);
        using var portal = await hub.SignInAsync();

        // Refused by the contact center: 409, with its reason and words.
        var (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" });
        status.ShouldBe(HttpStatusCode.Conflict);
        (problem!["reason"]!.GetValue<string>(), problem["title"]!.GetValue<string>()).ShouldBe(("not_logged_in", "Refused by the contact center"));
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "hold", new() { ["interactionId"] = "someone-elses-call" });
        (status, problem!["reason"]!.GetValue<string>()).ShouldBe((HttpStatusCode.Conflict, "no_such_contact"));

        // The answer to the login is lost once: the hub sends it again under the same key, and it is done once.
        await cc.FaultsAsync(new JsonObject { ["dropAnswers"] = 1 });
        (status, var accepted) = await CommandAsync(portal, tenant.Id, "ag-1", "login");
        status.ShouldBe(HttpStatusCode.OK, accepted?.ToJsonString());
        var commandId = accepted!["commandId"]!.GetValue<string>();
        var seen = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == commandId)!;
        (seen["timesReceived"]!.GetValue<int>(), seen["timesExecuted"]!.GetValue<int>()).ShouldBe((2, 1));
        var stored = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/commands/{commandId}", null);
        (stored.Body!["status"]!.GetValue<string>(), stored.Body["attempts"]!.GetValue<int>()).ShouldBe(("accepted", 2));
        await cc.FlushAsync(tenant.Id);
        (await cc.StateAsync(tenant.Id))["contacts"]!.AsArray().ShouldBeEmpty();

        // No answer at all within the attempts: 504, and the caller's repeat with its key sends the same command once more, done once.
        await cc.FaultsAsync(new JsonObject { ["failCommands"] = 3 });
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "ui-42");
        status.ShouldBe(HttpStatusCode.GatewayTimeout);
        problem!["detail"]!.GetValue<string>().ShouldContain("same Idempotency-Key");
        var unanswered = problem["commandId"]!.GetValue<string>();
        (status, accepted) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "ui-42");
        (status, accepted!["commandId"]!.GetValue<string>()).ShouldBe((HttpStatusCode.OK, unanswered));
        // Once answered, the same key answers from the hub's record: the contact center does not hear of it again.
        (status, _) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "ui-42");
        status.ShouldBe(HttpStatusCode.OK);
        seen = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == unanswered)!;
        (seen["timesReceived"]!.GetValue<int>(), seen["timesExecuted"]!.GetValue<int>()).ShouldBe((1, 1), "the three failed attempts were refused before being done");
        // The same key for a different command is a mistake, said so.
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "logout", key: "ui-42");
        (status, problem!["title"]!.GetValue<string>()).ShouldBe((HttpStatusCode.UnprocessableEntity, "Idempotency-Key already used"));

        // An answer not signed with the command secret is not believed; the command may have been done, so the same key asks again.
        await cc.FaultsAsync(new JsonObject { ["answerSignature"] = "wrong" });
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "unavailable", ["reason"] = "Break" }, key: "ui-43");
        status.ShouldBe(HttpStatusCode.BadGateway);
        problem!["detail"]!.GetValue<string>().ShouldContain("failed the signature check");
        problem["detail"]!.GetValue<string>().ShouldContain("may have been carried out");
        var unbelieved = problem["commandId"]!.GetValue<string>();
        await cc.FaultsAsync(new JsonObject { ["answerSignature"] = "missing" });
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "unavailable", ["reason"] = "Lunch" });
        status.ShouldBe(HttpStatusCode.BadGateway);
        problem!["detail"]!.GetValue<string>().ShouldStartWith(
            "The contact center's answer failed the signature check, so it was not believed: The request is not signed: send the ContactBridge-Signature header (t=…,v1=…).");
        await cc.ControlAsync(HttpMethod.Delete, "_emulator/faults");
        (status, accepted) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "unavailable", ["reason"] = "Break" }, key: "ui-43");
        (status, accepted!["commandId"]!.GetValue<string>()).ShouldBe((HttpStatusCode.OK, unbelieved));
        seen = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == unbelieved)!;
        (seen["timesReceived"]!.GetValue<int>(), seen["timesExecuted"]!.GetValue<int>()).ShouldBe((2, 1));

        // Done, and every answer lost: 504, and the repeat by key gets the answer the contact center kept, without doing it again.
        await cc.FaultsAsync(new JsonObject { ["dropAnswers"] = 3 });
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "ui-44");
        status.ShouldBe(HttpStatusCode.GatewayTimeout);
        var lost = problem!["commandId"]!.GetValue<string>();
        (status, _) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "ui-44");
        status.ShouldBe(HttpStatusCode.OK);
        seen = (await cc.StateAsync(tenant.Id))["commands"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == lost)!;
        (seen["timesReceived"]!.GetValue<int>(), seen["timesExecuted"]!.GetValue<int>()).ShouldBe((4, 1));

        // Two requests with the same key at the same moment: one sends, the other is told it is being sent.
        await cc.FaultsAsync(new JsonObject { ["latencyMs"] = 1500 });
        var both = await Task.WhenAll(
            CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "unavailable", ["reason"] = "Meeting" }, key: "ui-45"),
            CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "unavailable", ["reason"] = "Meeting" }, key: "ui-45"));
        both.Select(b => b.Status).Order().ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict]);
        both.Single(b => b.Status == HttpStatusCode.Conflict).Body!["title"]!.GetValue<string>().ShouldBe("Still being sent");
        await cc.ControlAsync(HttpMethod.Delete, "_emulator/faults");

        // A refusal scripted in the contact center reaches the caller with its reason.
        await cc.FaultsAsync(new JsonObject { ["refuseCommands"] = new JsonObject { ["reason"] = "maintenance", ["message"] = "The switch is being upgraded." } });
        (status, problem) = await CommandAsync(portal, tenant.Id, "ag-1", "logout");
        (status, problem!["reason"]!.GetValue<string>(), problem["detail"]!.GetValue<string>()).ShouldBe((HttpStatusCode.Conflict, "maintenance", "The switch is being upgraded."));
    }

    [Fact]
    public async Task Tenants_never_reach_each_others_agents_or_commands()
    {
        await using var hub = await TestHub.StartAsync(settings: TestContactCenter.HubSettings);
        var acme = await hub.CreateTenantAsync("Acme Support");
        var other = await hub.CreateTenantAsync("Other Co");
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(acme);
        await cc.ConnectAsync(other, TestContactCenter.Agents("ag-9"));
        await hub.CreateTenantAdminAsync("other@hub.example", other);
        using var theirs = await hub.SignInAsync("other@hub.example");

        // Their admin cannot command, list or read Acme's agents and commands.
        (await CommandAsync(theirs, acme.Id, "ag-1", "login")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await theirs.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{acme.Id}/commands", null)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await theirs.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{acme.Id}/contact-center", null)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await theirs.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{acme.Id}/contact-center", """{"commandUrl": "http://127.0.0.1:9/steal"}""")).Status
            .ShouldBe(HttpStatusCode.NotFound);
        // Their own agent ids do not reach Acme's: ag-1 is not theirs in the contact center.
        var (status, problem) = await CommandAsync(theirs, other.Id, "ag-1", "login");
        (status, problem!["reason"]!.GetValue<string>()).ShouldBe((HttpStatusCode.Conflict, "unknown_agent"));

        // Commands for Acme sent to the other tenant's endpoint carry Acme's secret: the contact center refuses them, and the caller is told why.
        using var admin = await hub.SignInAsync();
        (await admin.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{acme.Id}/contact-center",
            new JsonObject { ["commandUrl"] = cc.Server.CommandUrlOf(other.Id).ToString() }.ToJsonString())).Status.ShouldBe(HttpStatusCode.OK);
        (status, problem) = await CommandAsync(admin, acme.Id, "ag-9", "login");
        status.ShouldBe(HttpStatusCode.BadGateway);
        problem!["detail"]!.GetValue<string>().ShouldStartWith("The contact center refused the hub's request with HTTP 401");
        (await cc.StateAsync(other.Id))["agents"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "ag-9")!["loggedIn"]!.GetValue<bool>().ShouldBeFalse();
        (await theirs.GetArrayAsync($"/api/v1/tenants/{other.Id}/agents")).ShouldAllBe(a => a!["loggedIn"]!.GetValue<bool>() == false);
    }

    [Fact]
    public async Task The_contact_center_down_for_a_minute_loses_no_event_and_the_picture_recovers()
    {
        await using var hub = await TestHub.StartAsync(settings: TestContactCenter.HubSettings);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant);
        using var portal = await hub.SignInAsync();
        await AcceptedAsync(portal, tenant.Id, "ag-1", "login");
        await SettleAsync(hub, cc, tenant.Id);

        // Down: nothing it does reaches the hub, and it answers no command.
        await cc.FaultsAsync(new JsonObject { ["eventDelivery"] = "paused", ["failCommands"] = 100 });
        var (status, _) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "during-outage");
        status.ShouldBe(HttpStatusCode.GatewayTimeout);
        var call = await cc.CallAsync(tenant.Id, "+1 415 555 0199");
        cc.Server.Center.Tick();
        hub.Clock.Advance(TimeSpan.FromSeconds(30));
        await cc.ControlAsync(HttpMethod.Post, $"_emulator/tenants/{tenant.Id}/contacts/{call}/hangup");
        hub.Clock.Advance(TimeSpan.FromSeconds(30));
        cc.Server.Center.Tick();
        (await cc.StateAsync(tenant.Id))["delivery"]!["pending"]!.GetValue<long>().ShouldBeGreaterThan(0);
        await hub.RunPipelineAsync();
        (await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/interactions/{call}", null)).Status.ShouldBe(HttpStatusCode.NotFound,
            "the hub has not heard of the call yet");

        // Back: every event held meanwhile arrives, and the repeat of the command is done once.
        await cc.ControlAsync(HttpMethod.Delete, "_emulator/faults");
        await SettleAsync(hub, cc, tenant.Id);
        var interaction = (await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().GetAsync(tenant.Id, call, Ct))!.Parsed;
        (interaction.Ended, interaction.Outcome, interaction.Caller.Phone).ShouldBe((true, "abandoned", "+1 415 555 0199"));
        (status, _) = await CommandAsync(portal, tenant.Id, "ag-1", "set_state", new() { ["state"] = "available" }, key: "during-outage");
        status.ShouldBe(HttpStatusCode.OK);
        await SettleAsync(hub, cc, tenant.Id);
        (await AgentAsync(portal, tenant.Id, "ag-1"))["state"]!.GetValue<string>().ShouldBe("available");
        var events = await cc.StateAsync(tenant.Id);
        (events["delivery"]!["pending"]!.GetValue<long>(), events["delivery"]!["rejected"]!.GetValue<long>()).ShouldBe((0L, 0L));
    }
}
