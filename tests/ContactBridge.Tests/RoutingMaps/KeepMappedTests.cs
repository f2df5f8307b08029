using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.RoutingMaps;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.RoutingMaps;

/// <summary>"Keep it mapped": contact-center users first seen in events are mapped to the Salesforce user who matches.</summary>
public sealed class KeepMappedTests
{
    private static JsonObject[] CallAnsweredBy(EventSender sender, string interactionId, string agentId, string agentEmail) =>
    [
        sender.Event(interactionId, "started", new JsonObject { ["channel"] = "voice", ["direction"] = "inbound", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0199" } }),
        sender.Event(interactionId, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["id"] = agentId, ["email"] = agentEmail, ["name"] = agentId } }),
        sender.Event(interactionId, "ended", new JsonObject { ["durationSeconds"] = 30, ["outcome"] = "answered" }),
    ];

    [Fact]
    public async Task An_agent_who_logs_in_at_the_contact_center_is_mapped_to_its_salesforce_user_by_email()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(2), settings: TestContactCenter.HubSettings);
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        (await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/routing-map/settings",
            new JsonObject { ["keepMapped"] = true, ["callCenterId"] = RoutingMapImportTests.CallCenterId(hub), ["matchBy"] = "email" }.ToJsonString())).Status.ShouldBe(HttpStatusCode.OK);
        await using var cc = await TestContactCenter.StartAsync(hub);
        await cc.ConnectAsync(tenant, [new ContactBridge.ContactCenterEmulator.Tenants.AgentSeed { Id = "cc-42", Name = "Agent Two", Email = "agent2@acme.example", LoggedIn = true,
            Skills = new Dictionary<string, int> { ["support"] = 1 } }]);

        // Logged in before taking any call: the user mapping pairs it with its Salesforce user already.
        (await hub.Services.GetRequiredService<RoutingMapKeeper>().KeepMappedAsync(ct)).ShouldHaveSingleItem().Summary!.Created.ShouldBe(1);
        var map = hub.Records("CallCenterRoutingMap").ShouldHaveSingleItem();
        (map.GetString("ExternalId"), map.GetString("ReferenceRecordId")).ShouldBe(("cc-42", RoutingMapImportTests.UserId(hub, "agent2@acme.example")));
        var agents = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/agents", null);
        agents.Status.ShouldBe(HttpStatusCode.OK);
        var agent = (await hub.Services.GetRequiredService<ContactBridge.ContactCenter.LivePictureStore>().AgentsAsync(tenant.Id, ct)).ShouldHaveSingleItem();
        (agent.AgentId, agent.State, agent.SalesforceMapping).ShouldBe(("cc-42", "available", Outcomes.Created));
    }

    [Fact]
    public async Task New_agents_seen_in_events_are_mapped_automatically_and_the_activity_view_says_so()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(3,
            users => users.Add(new ContactBridge.Emulator.Org.SeedUser { Username = "outsider@acme.example", LastName = "Outsider" })));
        var tenant = await hub.LinkedTenantAsync();
        using var portal = await hub.SignInAsync();
        var keeper = hub.Services.GetRequiredService<RoutingMapKeeper>();

        // Off by default: agents are remembered but nothing is written.
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(CallAnsweredBy(sender, "call-1", "tel-agent1", "agent1@acme.example"));
        await hub.RunPipelineAsync();
        (await keeper.KeepMappedAsync(ct)).ShouldBeEmpty();
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();

        var (status, problem) = await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/routing-map/settings", """{"keepMapped": true, "matchBy": "email"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        problem!["detail"]!.GetValue<string>().ShouldBe("Choose the call center new users are mapped in.");
        (status, _) = await portal.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Id}/routing-map/settings",
            new JsonObject { ["keepMapped"] = true, ["callCenterId"] = RoutingMapImportTests.CallCenterId(hub)[..15], ["matchBy"] = "email" }.ToJsonString());
        status.ShouldBe(HttpStatusCode.OK);

        await sender.AcceptAsync(CallAnsweredBy(sender, "call-2", "tel-ghost", "ghost@acme.example"));
        await sender.AcceptAsync(CallAnsweredBy(sender, "call-2b", "tel-outsider", "outsider@acme.example"));
        await hub.RunPipelineAsync();
        var imports = await keeper.KeepMappedAsync(ct);

        // One user mapped; one no one matches; one whose Salesforce user is not in the call center (reported, not blocking the others).
        var import = imports.ShouldHaveSingleItem();
        import.Source.ShouldBe(ImportSources.KeepMapped);
        import.Summary!.ShouldSatisfyAllConditions(s => s.Created.ShouldBe(1), s => s.Unmatched.ShouldBe(1), s => s.Problems.ShouldBe(1));
        var map = hub.Records("CallCenterRoutingMap").ShouldHaveSingleItem();
        map.GetString("ExternalId").ShouldBe("tel-agent1");
        map.GetString("ReferenceRecordId").ShouldBe(RoutingMapImportTests.UserId(hub, "agent1@acme.example"));
        var activity = await portal.GetAsync($"/tenants/{tenant.Id}/activity");
        activity.Html.ShouldContain("contact-center user <strong>tel-agent1</strong> mapped automatically to agent1@acme.example");
        activity.Html.ShouldContain("kept mapped automatically");

        // Nothing new: no import, no API call. Agents left unmapped are tried again an hour later.
        var before = hub.Emulator.State.Log.LastSequence;
        (await keeper.KeepMappedAsync(ct)).ShouldBeEmpty();
        hub.Emulator.State.Log.Entries(ContactBridge.Emulator.Org.WellKnown.DefaultOrgKey, before).ShouldBeEmpty();
        hub.Clock.Advance(TimeSpan.FromMinutes(61));
        var retry = (await keeper.KeepMappedAsync(ct)).ShouldHaveSingleItem();
        retry.Summary!.ShouldSatisfyAllConditions(s => s.Rows.ShouldBe(2), s => s.Unmatched.ShouldBe(1), s => s.Problems.ShouldBe(1));

        // A third agent appears later and is mapped on the next round; the first is not touched again.
        await sender.AcceptAsync(CallAnsweredBy(sender, "call-3", "tel-agent3", "agent3@acme.example"));
        await hub.RunPipelineAsync();
        (await keeper.KeepMappedAsync(ct)).ShouldHaveSingleItem().Summary!.ShouldSatisfyAllConditions(s => s.Rows.ShouldBe(1), s => s.Created.ShouldBe(1));
        hub.Records("CallCenterRoutingMap").Select(m => m.GetString("ExternalId")).ShouldBe(["tel-agent1", "tel-agent3"], ignoreOrder: true);
        var seen = await hub.Services.GetRequiredService<RoutingMapStore>().SeenUsersAsync(tenant.Id, ct);
        seen.Select(s => (s.ExternalId, s.MappingOutcome))
            .ShouldBe([("tel-agent1", Outcomes.Created), ("tel-agent3", Outcomes.Created), ("tel-ghost", Outcomes.Unmatched), ("tel-outsider", Outcomes.Problem)]);


        // Unlinked: new agents wait for the link; no failed import is recorded each round.
        await hub.Services.GetRequiredService<ContactBridge.Linking.SalesforceLinkService>().UnlinkAsync(tenant.Id, "test", ct);
        await sender.AcceptAsync(CallAnsweredBy(sender, "call-4", "tel-agent2", "agent2@acme.example"));
        await hub.RunPipelineAsync();
        var importsBefore = (await hub.Services.GetRequiredService<RoutingMapStore>().ListAsync(tenant.Id, 50, ct)).Count;
        (await keeper.KeepMappedAsync(ct)).ShouldBeEmpty();
        (await hub.Services.GetRequiredService<RoutingMapStore>().ListAsync(tenant.Id, 50, ct)).Count.ShouldBe(importsBefore);
        await hub.LinkThroughPortalAsync(portal, tenant);
        (await keeper.KeepMappedAsync(ct)).ShouldHaveSingleItem().Summary!.Created.ShouldBe(1);

        // The seen users can also be imported by hand, like a file: here a dry run, where the mapped ones are unchanged.
        (status, var started) = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant.Id}/routing-map/imports",
            new JsonObject { ["callCenterId"] = RoutingMapImportTests.CallCenterId(hub), ["source"] = "seen_users", ["dryRun"] = true }.ToJsonString());
        status.ShouldBe(HttpStatusCode.Accepted);
        await hub.Services.GetRequiredService<RoutingMapImporter>().WhenFinishedAsync(started!["id"]!.GetValue<string>());
        var manual = (await hub.Services.GetRequiredService<RoutingMapStore>().GetAsync(tenant.Id, started["id"]!.GetValue<string>(), ct))!;
        manual.ShouldSatisfyAllConditions(m => m.State.ShouldBe(ImportStates.Invalid), m => m.Summary!.Unchanged.ShouldBe(3), m => m.Summary!.Problems.ShouldBe(1));
    }
}
