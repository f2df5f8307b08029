using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.ContactCenter;

/// <summary>The contact center's agent and queue events, through the signed intake, make the hub's live picture: in any order, repeated or not, per tenant.</summary>
public sealed class LivePictureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;


    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Agents_and_queues_are_kept_from_their_events_in_any_order_once_each_and_per_tenant(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        var other = await hub.CreateTenantAsync("Other Co");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var t0 = hub.Clock.GetUtcNow().AddMinutes(-10);

        // Ada logs in, gets skills, goes on break, then available; the break arrives last (late), and changes nothing.
        var breakEvent = sender.Live("ag-7", ContactCenterEvents.StateChanged, new() { ["state"] = "unavailable", ["reason"] = "Break" }, t0.AddMinutes(2), "evt-break");
        await sender.AcceptAsync(
            sender.Live("ag-7", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["email"] = "Ada@Acme.example", ["name"] = "Ada Agent" }, ["station"] = "4021" }, t0),
            sender.Live("ag-7", ContactCenterEvents.SkillsAssigned, new() { ["skills"] = new JsonObject { ["support"] = 5, ["billing"] = 2 } }, t0.AddSeconds(1)),
            sender.Live("ag-7", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, t0.AddMinutes(5)),
            sender.Live("support", ContactCenterEvents.QueueSnapshot,
                new() { ["name"] = "Support", ["channel"] = "phone", ["waiting"] = 3, ["longestWaitSeconds"] = 95, ["staffed"] = 4, ["available"] = 1 }, t0.AddMinutes(6)));
        // An older snapshot, sent after the newer one: it changes nothing.
        await sender.AcceptAsync(sender.Live("support", ContactCenterEvents.QueueSnapshot,
            new() { ["waiting"] = 9, ["longestWaitSeconds"] = 400, ["staffed"] = 4, ["available"] = 0 }, t0.AddMinutes(1)));
        var (status, body) = await sender.SendAsync(new JsonArray(breakEvent.DeepClone()).ToJsonString());
        status.ShouldBe(HttpStatusCode.Accepted);
        body!["accepted"]!.GetValue<int>().ShouldBe(1);
        (status, body) = await sender.SendAsync(new JsonArray(breakEvent.DeepClone()).ToJsonString());
        (status, body!["accepted"]!.GetValue<int>(), body["duplicates"]!.GetValue<int>()).ShouldBe((HttpStatusCode.Accepted, 0, 1), "a repeat is stored once");

        // Two changes at the same moment end the same whichever comes first: the greater event id wins.
        var tie = t0.AddMinutes(7);
        foreach (var (agentId, order) in new[] { ("ag-t1", new[] { "a", "b" }), ("ag-t2", new[] { "b", "a" }) })
            foreach (var which in order)
                await sender.AcceptAsync(sender.Live(agentId, ContactCenterEvents.StateChanged,
                    new() { ["state"] = which == "a" ? "available" : "unavailable" }, tie, $"evt-{agentId}-tie-{which}"));
        var store = hub.Services.GetRequiredService<LivePictureStore>();
        (await store.AgentsAsync(tenant.Id, Ct)).Where(a => a.AgentId.Contains("-t", StringComparison.Ordinal)).Select(a => (a.AgentId, a.State))
            .ShouldBe([("ag-t1", "unavailable"), ("ag-t2", "unavailable")]);

        using var portal = await hub.SignInAsync();
        var agent = (JsonObject)(await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents")).Where(a => a!["agentId"]!.GetValue<string>() == "ag-7").ShouldHaveSingleItem()!;
        agent["agentId"]!.GetValue<string>().ShouldBe("ag-7");
        agent["email"]!.GetValue<string>().ShouldBe("ada@acme.example");
        agent["station"]!.GetValue<string>().ShouldBe("4021");
        agent["loggedIn"]!.GetValue<bool>().ShouldBeTrue();
        agent["state"]!.GetValue<string>().ShouldBe("available", "the late break is older than the state it would replace");
        agent["reason"].ShouldBeNull();
        agent["secondsInState"]!.GetValue<long>().ShouldBe(300);
        agent["skills"]!["support"]!.GetValue<string>().ShouldBe("5");
        var queue = (JsonObject)(await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/queues")).ShouldHaveSingleItem()!;
        (queue["skillId"]!.GetValue<string>(), queue["name"]!.GetValue<string>(), queue["channel"]!.GetValue<string>()).ShouldBe(("support", "Support", "phone"));
        (queue["waiting"]!.GetValue<long>(), queue["longestWaitSeconds"]!.GetValue<long>(), queue["available"]!.GetValue<long>())
            .ShouldBe((3L, 95L, 1L), "the older snapshot, sent later, does not overwrite the newer");

        // Logging out ends the state too; the picture survives a restart of the store (it is the database's).
        await sender.AcceptAsync(sender.Live("ag-7", ContactCenterEvents.LoggedOut, null, t0.AddMinutes(8)));
        var fresh = new LivePictureStore(hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>(), hub.Clock);
        var after = (await fresh.AgentsAsync(tenant.Id, Ct, "ag-7")).ShouldHaveSingleItem();
        (after.LoggedIn, after.State).ShouldBe((false, "offline"));

        // Another tenant sees none of it, and a tenant admin cannot ask for another tenant's picture.
        (await portal.GetArrayAsync($"/api/v1/tenants/{other.Id}/agents")).ShouldBeEmpty();
        await hub.CreateTenantAdminAsync("other@hub.example", other);
        using var outsider = await hub.SignInAsync("other@hub.example");
        (await outsider.Http.GetAsync(new Uri(outsider.Hub, $"/api/v1/tenants/{tenant.Id}/agents"), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Http.GetAsync(new Uri(outsider.Hub, $"/api/v1/tenants/{tenant.Id}/queues"), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_malformed_agent_event_is_refused_with_what_is_wrong_and_nothing_of_its_batch_is_stored()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var now = hub.Clock.GetUtcNow();
        var batch = new JsonArray(
            sender.Live("ag-1", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["name"] = "Fine Agent" } }, now),
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "asleep" }, now),
            sender.Live("q-1", ContactCenterEvents.QueueSnapshot, new() { ["waiting"] = -1 }, now),
            sender.Live("ag-1", "com.contactbridge.agent.teleported", null, now),
            sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, now.AddHours(1)),
            sender.Live("ag-1", ContactCenterEvents.SkillsAssigned, new(), now));
        batch[5]!.AsObject().Remove("time");
        var (status, body) = await sender.SendAsync(batch.ToJsonString());
        status.ShouldBe(HttpStatusCode.BadRequest);
        var problems = body!["errors"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        problems.ShouldContain("[1].data.state must be one of available, unavailable, after_call_work, on_contact, offline, not \"asleep\".");
        problems.ShouldContain("[2].data.waiting must be between 0 and 1000000; it is -1.");
        problems.ShouldContain(p => p.StartsWith("[3].type \"com.contactbridge.agent.teleported\" is not one of:", StringComparison.Ordinal) && p.Contains(ContactCenterEvents.QueueSnapshot, StringComparison.Ordinal));
        problems.ShouldContain("[4].time is more than 5 minutes ahead of the hub's clock; check the contact center's clock.");
        problems.ShouldContain("[5].time is required for the contact center's agent and queue events (they are ordered by it).");
        problems.ShouldContain("[5].data.skills is required for com.contactbridge.agent.skills_assigned.");
        problems.ShouldContain("[2].data.staffed is required for com.contactbridge.queue.snapshot.");
        (await hub.Services.GetRequiredService<LivePictureStore>().AgentsAsync(tenant.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_subscriber_gets_a_snapshot_then_each_change_of_its_tenant_only()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        var other = await hub.CreateTenantAsync("Other Co");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        using var theirs = await EventSender.ForAsync(hub, other.Id);
        var now = hub.Clock.GetUtcNow();
        await sender.AcceptAsync(sender.Live("ag-1", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["name"] = "Ada Agent" } }, now));
        using var portal = await hub.SignInAsync();
        using var stream = await LiveStream.OpenAsync(portal.Http, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/live"));
        var (name, snapshot) = await stream.NextAsync();
        name.ShouldBe("snapshot");
        snapshot["agents"]!.AsArray().ShouldHaveSingleItem()!["name"]!.GetValue<string>().ShouldBe("Ada Agent");

        // Another tenant's change is not sent; this tenant's next change is, and it is the first thing that comes.
        await theirs.AcceptAsync(theirs.Live("ag-9", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, now));
        await sender.AcceptAsync(sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "unavailable", ["reason"] = "Lunch" }, now.AddSeconds(1)));
        var (kind, agent) = await stream.NextAsync();
        kind.ShouldBe("agent");
        (agent["agentId"]!.GetValue<string>(), agent["state"]!.GetValue<string>(), agent["reason"]!.GetValue<string>()).ShouldBe(("ag-1", "unavailable", "Lunch"));
        await sender.AcceptAsync(sender.Live("sales", ContactCenterEvents.QueueSnapshot, new() { ["waiting"] = 2, ["longestWaitSeconds"] = 30, ["staffed"] = 3, ["available"] = 1 }, now));
        var (queueKind, queue) = await stream.NextAsync();
        (queueKind, queue["skillId"]!.GetValue<string>(), queue["waiting"]!.GetValue<long>()).ShouldBe(("queue", "sales", 2L));

        // A contact given to the agent reaches the subscriber once it is folded: the agent comes again, with the contact.
        await sender.AcceptAsync(sender.Event("call-1", "started", new() { ["channel"] = "voice" }, now),
            sender.Event("call-1", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, now.AddSeconds(2)));
        await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().FoldAsync(100, Ct);
        var (withContact, busy) = await stream.NextAsync();
        withContact.ShouldBe("agent");
        busy["contacts"]!.AsArray().ShouldHaveSingleItem()!["phase"]!.GetValue<string>().ShouldBe("connected");

        // The contact moves to another agent: the former one's subscribers see it go.
        await sender.AcceptAsync(sender.Live("ag-2", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["name"] = "Bo Agent" } }, now));
        (await stream.NextAsync()).Data["agentId"]!.GetValue<string>().ShouldBe("ag-2");
        await sender.AcceptAsync(sender.Event("call-1", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-2" } }, now.AddSeconds(30)));
        await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().FoldAsync(100, Ct);
        var moved = new Dictionary<string, int>();
        for (var i = 0; i < 2; i++)
        {
            var (_, a) = await stream.NextAsync();
            moved[a["agentId"]!.GetValue<string>()] = a["contacts"]!.AsArray().Count;
        }
        (moved.Count, moved["ag-1"], moved["ag-2"]).ShouldBe((2, 0, 1), "the former agent has no contact now, the new one has it");

        // A tenant admin cannot subscribe to another tenant.
        await hub.CreateTenantAdminAsync("other@hub.example", other);
        using var outsider = await hub.SignInAsync("other@hub.example");
        (await outsider.Http.GetAsync(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/live"), HttpCompletionOption.ResponseHeadersRead, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task With_several_instances_a_change_taken_by_one_reaches_a_subscriber_of_another()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var db = await TestDatabase.CreateAsync("postgresql");
        await using var first = await TestHub.StartAsync(db.ConnectionString, settings: new() { ["Hub:Key"] = key });
        await using var second = await first.AnotherInstanceAsync(db.ConnectionString!, key);
        var tenant = await first.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(first, tenant.Id);
        using var portal = await first.SignInAsync();
        using var stream = await LiveStream.OpenAsync(portal.Http, new Uri(second.BaseUri, $"/api/v1/tenants/{tenant.Id}/live"));
        (await stream.NextAsync()).Name.ShouldBe("snapshot");
        // Once the second instance listens it says "read it all again" (whatever happened before it listened); changes then come one by one.
        (await stream.NextAsync()).Name.ShouldBe("snapshot");
        await sender.AcceptAsync(sender.Live("ag-1", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, first.Clock.GetUtcNow()));
        var (name, agent) = await stream.NextAsync();
        name.ShouldBe("agent", "the change came through PostgreSQL from the instance that took it");
        (agent["agentId"]!.GetValue<string>(), agent["state"]!.GetValue<string>()).ShouldBe(("ag-1", "available"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_call_offered_connected_held_transferred_and_ended_shows_as_the_agents_contact_and_then_in_its_history(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        using var portal = await hub.SignInAsync();
        // Far enough into the (UTC) day for the whole call to fall in it.
        if (hub.Clock.GetUtcNow().TimeOfDay < TimeSpan.FromMinutes(30)) hub.Clock.Advance(TimeSpan.FromMinutes(30));
        var t0 = hub.Clock.GetUtcNow().AddMinutes(-10);
        JsonObject At(string type, int seconds, JsonObject? data = null) => sender.Event("call-77", type, data, t0.AddSeconds(seconds));
        await sender.AcceptAsync(
            sender.Live("ag-7", ContactCenterEvents.LoggedIn, new() { ["agent"] = new JsonObject { ["name"] = "Ada Agent", ["email"] = "ada@acme.example" } }, t0),
            At("started", 0, new() { ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0177", ["name"] = "Held Caller" }, ["queue"] = "Support" }),
            At("offered", 20, new() { ["agent"] = new JsonObject { ["id"] = "ag-7", ["name"] = "Ada Agent" } }),
            At("connected", 25, new() { ["agent"] = new JsonObject { ["id"] = "ag-7" } }),
            // The resume arrives before the hold it ends (events may come in any order); the fold sorts them by time.
            At("resumed", 105),
            At("held", 60),
            At("muted", 110, new() { ["state"] = "muted" }));
        await hub.RunPipelineAsync();

        var agents = await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents");
        var contact = agents.ShouldHaveSingleItem()!["contacts"]!.AsArray().ShouldHaveSingleItem()!.AsObject();
        (contact["interactionId"]!.GetValue<string>(), contact["phase"]!.GetValue<string>(), contact["caller"]!.GetValue<string>(), contact["holdSeconds"]!.GetValue<int>())
            .ShouldBe(("call-77", "connected", "Held Caller", 45));

        await sender.AcceptAsync(
            At("transferred", 130, new() { ["to"] = new JsonObject { ["skill"] = "Billing" }, ["kind"] = "blind" }),
            At("ended", 140, new() { ["durationSeconds"] = 140, ["outcome"] = "answered" }),
            At("wrap_up_started", 140),
            At("wrap_up_ended", 170));
        await hub.RunPipelineAsync();
        (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents")).ShouldHaveSingleItem()!["contacts"]!.AsArray().ShouldBeEmpty("an ended contact is no longer current");
        var history = (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents/ag-7/contacts")).ShouldHaveSingleItem()!.AsObject();
        (history["phase"]!.GetValue<string>(), history["durationSeconds"]!.GetValue<int>(), history["holdSeconds"]!.GetValue<int>(), history["outcome"]!.GetValue<string>())
            .ShouldBe(("done", 140, 45, "answered"));
        (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents/someone-else/contacts")).ShouldBeEmpty();
        var today = await (await portal.Http.GetAsync(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/agents/ag-7/today"), Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct);
        (today!["contactsHandled"]!.GetValue<int>(), today["averageHandleSeconds"]!.GetValue<int>())
            .ShouldBe((1, 145), "connected at 25 s, ended at 140 s, then 30 s of wrap-up: the queue and the ringing are not handle time");
        today["secondsInState"]!["unavailable"]!.GetValue<long>().ShouldBe(600, "logged in ten minutes ago, no state since");

        // The call is logged as before, with its hold and transfer in the description.
        var task = hub.Records("Task").ShouldHaveSingleItem();
        var description = task.GetString("Description")!;
        description.ShouldContain("On hold: 45 s");
        description.ShouldContain("Transferred (blind) to Billing");
        description.ShouldContain("Agent: Ada Agent");
    }

    [Fact]
    public async Task An_agents_day_adds_up_time_in_each_state_from_the_day_start_and_averages_the_contacts_it_handled()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var dayStart = new DateTimeOffset(hub.Clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        // Far enough into the day for the events below to fall in it.
        if (hub.Clock.GetUtcNow() - dayStart < TimeSpan.FromMinutes(30)) hub.Clock.Advance(TimeSpan.FromMinutes(30));
        var now = hub.Clock.GetUtcNow();
        await sender.AcceptAsync(
            // Available since yesterday: the day counts it from midnight.
            sender.Live("ag-7", ContactCenterEvents.StateChanged, new() { ["state"] = "available" }, dayStart.AddMinutes(-1)),
            sender.Live("ag-7", ContactCenterEvents.StateChanged, new() { ["state"] = "on_contact" }, now.AddMinutes(-10)),
            sender.Live("ag-7", ContactCenterEvents.StateChanged, new() { ["state"] = "after_call_work" }, now.AddMinutes(-8)),
            sender.Live("ag-7", ContactCenterEvents.StateChanged, new() { ["state"] = "unavailable", ["reason"] = "Break" }, now.AddMinutes(-3)),
            sender.Event("call-a", "connected", new() { ["agent"] = new JsonObject { ["id"] = "ag-7" } }, now.AddMinutes(-10)),
            sender.Event("call-a", "ended", new() { ["durationSeconds"] = 120, ["outcome"] = "answered" }, now.AddMinutes(-8)),
            sender.Event("call-a", "wrap_up_started", null, now.AddMinutes(-8)),
            sender.Event("call-a", "wrap_up_ended", null, now.AddMinutes(-8).AddSeconds(30)),
            sender.Event("call-b", "offered", new() { ["agent"] = new JsonObject { ["id"] = "ag-7" } }, now.AddMinutes(-4)),
            sender.Event("call-b", "ended", new() { ["outcome"] = "abandoned" }, now.AddMinutes(-4)));
        await hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>().FoldAsync(100, Ct);
        using var portal = await hub.SignInAsync();
        var response = await portal.Http.GetAsync(new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/agents/ag-7/today"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var day = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        day["contactsHandled"]!.GetValue<int>().ShouldBe(1, "the abandoned offer is not a contact handled");
        day["averageHandleSeconds"]!.GetValue<int>().ShouldBe(150, "120 s of talk and 30 s of wrap-up");
        var seconds = day["secondsInState"]!.AsObject();
        seconds["available"]!.GetValue<long>().ShouldBe((long)(now.AddMinutes(-10) - dayStart).TotalSeconds);
        seconds["on_contact"]!.GetValue<long>().ShouldBe(120);
        seconds["after_call_work"]!.GetValue<long>().ShouldBe(300);
        seconds["unavailable"]!.GetValue<long>().ShouldBe(180);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_caller_identified_after_the_contact_was_offered_reaches_the_agent_it_was_offered_to(string database)
    {
        // The lookup reads its interactions, then (a few hundred ms later, with Salesforce) stores what it found; the contact
        // is often offered to an agent in between. That agent, not the one the lookup read (none), hears of the answer.
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var store = hub.Services.GetRequiredService<ContactBridge.Interactions.InteractionStore>();
        var t0 = hub.Clock.GetUtcNow().AddMinutes(-1);
        await sender.AcceptAsync(sender.Event("call-9", "started", new() { ["channel"] = "voice", ["caller"] = new JsonObject { ["phone"] = "+1 415 555 0199" } }, t0));
        await store.FoldAsync(100, Ct);
        var read = (await store.NeedingIdentificationAsync(tenant.Id, 10, Ct)).ShouldHaveSingleItem();
        read.AgentId.ShouldBeNull();

        await sender.AcceptAsync(sender.Event("call-9", "offered", new() { ["agent"] = new JsonObject { ["id"] = "ag-1" } }, t0.AddSeconds(1)));
        await store.FoldAsync(100, Ct);
        using var subscription = hub.Services.GetRequiredService<LivePictureFeed>().Subscribe(tenant.Id);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        // On PostgreSQL the instance listens from its first subscriber on, and says so with a resync.
        if (database == "postgresql") (await subscription.ReadAvailableAsync(bound.Token)).ShouldBe([new PictureChange(tenant.Id, PictureChange.Resync, "")]);
        await store.SetIdentificationsAsync([(read, new ContactBridge.Identification.IdentificationResult(ContactBridge.Identification.IdentificationResult.None, [], null, null, hub.Clock.GetUtcNow()))], Ct);
        (await subscription.ReadAvailableAsync(bound.Token)).ShouldContain(new PictureChange(tenant.Id, PictureChange.Agent, "ag-1"));
    }
}
