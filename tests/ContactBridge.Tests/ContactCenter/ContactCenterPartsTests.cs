using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.ContactCenter;

/// <summary>Agents' lines, callbacks, address books and supervisors' messages: kept from their events like the rest of the live picture, on both databases.</summary>
public sealed class ContactCenterPartsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Legs_callbacks_address_books_and_messages_are_kept_from_their_events_in_any_order(string database)
    {
        await using var db = await TestDatabase.CreateAsync(database);
        await using var hub = await TestHub.StartAsync(db.ConnectionString);
        var tenant = await hub.CreateTenantAsync("Acme Support");
        var other = await hub.CreateTenantAsync("Other Co");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var t0 = hub.Clock.GetUtcNow().AddMinutes(-10);
        var due = t0.AddHours(3);

        // The drop arrives before the connect it follows, in an earlier request: the connect, older, changes nothing.
        await sender.AcceptAsync(sender.Live("ag-7", ContactCenterEvents.LegChanged, new() { ["leg"] = "disconnected" }, t0.AddSeconds(30)));
        await sender.AcceptAsync(sender.Live("ag-7", ContactCenterEvents.LegChanged, new() { ["leg"] = "connected" }, t0.AddSeconds(2)));
        // A callback done before it was created (as the hub hears it): the late "created" still gives what it was.
        await sender.AcceptAsync(sender.Live("cb-3", ContactCenterEvents.CommitmentDone, new() { ["outcome"] = "completed" }, t0.AddMinutes(4)));
        await sender.AcceptAsync(
            sender.Live("cb-3", ContactCenterEvents.CommitmentCreated, new() { ["number"] = "+1 415 555 0122", ["due"] = due.ToString("O"), ["skill"] = "billing" }, t0),
            sender.Live("cb-1", ContactCenterEvents.CommitmentCreated,
                new() { ["number"] = "+1 415 555 0100", ["due"] = due.ToString("O"), ["skill"] = "support", ["notes"] = "Wants the refund confirmed" }, t0),
            sender.Live("cb-2", ContactCenterEvents.CommitmentCreated, new() { ["number"] = "+1 415 555 0111", ["due"] = due.AddHours(1).ToString("O"), ["agentId"] = "ag-7" }, t0),
            sender.Live("main", ContactCenterEvents.AddressBookUpdated, new()
            {
                ["name"] = "Main",
                ["entries"] = new JsonArray(new JsonObject { ["name"] = "Billing", ["number"] = "+1 415 555 0123" }, new JsonObject { ["name"] = "Ada", ["agentId"] = "ag-7" }),
            }, t0),
            sender.Live("ag-7", ContactCenterEvents.AgentMessage, new() { ["from"] = "Sam Supervisor", ["text"] = "Queue is long: please skip the break" }, t0.AddMinutes(1), "msg-1"));
        // Later: cb-1 moved, cb-2 done; an older version of the book arriving late changes nothing.
        await sender.AcceptAsync(
            sender.Live("cb-1", ContactCenterEvents.CommitmentUpdated,
                new() { ["number"] = "+1 415 555 0100", ["due"] = due.AddDays(1).ToString("O"), ["skill"] = "support", ["notes"] = "Moved to tomorrow" }, t0.AddMinutes(2)),
            sender.Live("cb-2", ContactCenterEvents.CommitmentDone, new() { ["outcome"] = "completed" }, t0.AddMinutes(3)),
            sender.Live("main", ContactCenterEvents.AddressBookUpdated, new() { ["name"] = "Old", ["entries"] = new JsonArray() }, t0.AddMinutes(-5)));

        using var portal = await hub.SignInAsync();
        var (status, _) = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/agents", null);
        status.ShouldBe(HttpStatusCode.OK);
        var store = hub.Services.GetRequiredService<LivePictureStore>();
        (await store.AgentsAsync(tenant.Id, Ct)).ShouldHaveSingleItem().Leg.ShouldBe("disconnected");

        var pending = await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/commitments");
        var callback = pending.ShouldHaveSingleItem()!;
        callback["commitmentId"]!.GetValue<string>().ShouldBe("cb-1");
        callback["notes"]!.GetValue<string>().ShouldBe("Moved to tomorrow");
        DateTimeOffset.Parse(callback["due"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(due.AddDays(1), TimeSpan.FromMilliseconds(1));
        var all = await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/commitments?all=true");
        var doneOne = all.Single(x => x!["commitmentId"]!.GetValue<string>() == "cb-2")!;
        (doneOne["status"]!.GetValue<string>(), doneOne["agentId"]!.GetValue<string>(), doneOne["number"]!.GetValue<string>())
            .ShouldBe(("completed", "ag-7", "+1 415 555 0111"), "done keeps what the callback was");
        var doneFirst = all.Single(x => x!["commitmentId"]!.GetValue<string>() == "cb-3")!;
        (doneFirst["status"]!.GetValue<string>(), doneFirst["skillId"]!.GetValue<string>(), doneFirst["number"]!.GetValue<string>())
            .ShouldBe(("completed", "billing", "+1 415 555 0122"), "the created that came after its done fills in what the callback was");

        var book = (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/address-books")).ShouldHaveSingleItem()!;
        book["name"]!.GetValue<string>().ShouldBe("Main", "the older book, sent later, does not replace the newer");
        book["entries"]!.AsArray().Select(e => (e!["name"]!.GetValue<string>(), e["number"]?.GetValue<string>(), e["agentId"]?.GetValue<string>()))
            .ShouldBe([("Billing", "+1 415 555 0123", null), ("Ada", null, "ag-7")]);

        var message = (await portal.GetArrayAsync($"/api/v1/tenants/{tenant.Id}/agents/ag-7/messages")).ShouldHaveSingleItem()!;
        (message["from"]!.GetValue<string>(), message["text"]!.GetValue<string>()).ShouldBe(("Sam Supervisor", "Queue is long: please skip the break"));

        // Another tenant sees none of it.
        await hub.CreateTenantAdminAsync("other@hub.example", other);
        using var theirPortal = await hub.SignInAsync("other@hub.example");
        foreach (var path in new[] { "commitments", "address-books", "agents/ag-7/messages" })
        {
            (await theirPortal.GetArrayAsync($"/api/v1/tenants/{other.Id}/{path}")).ShouldBeEmpty();
            (await theirPortal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/{path}", null)).Status.ShouldBe(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task A_subscriber_gets_callbacks_and_books_in_its_snapshot_then_each_message_as_it_comes()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var now = hub.Clock.GetUtcNow();
        await sender.AcceptAsync(sender.Live("cb-1", ContactCenterEvents.CommitmentCreated, new() { ["number"] = "+14155550100", ["due"] = now.AddHours(1).ToString("O") }, now));
        using var portal = await hub.SignInAsync();
        using var stream = await LiveStream.OpenAsync(portal.Http, new Uri(hub.BaseUri, $"/api/v1/tenants/{tenant.Id}/live"));
        var (name, snapshot) = await stream.NextAsync();
        name.ShouldBe("snapshot");
        snapshot["commitments"]!.AsArray().ShouldHaveSingleItem()!["number"]!.GetValue<string>().ShouldBe("+14155550100");
        snapshot["addressBooks"]!.AsArray().ShouldBeEmpty();

        await sender.AcceptAsync(sender.Live("ag-1", ContactCenterEvents.AgentMessage, new() { ["from"] = "Sam", ["text"] = "<b>Huddle</b> at 3" }, now, "msg-9"));
        var (kind, message) = await stream.NextAsync();
        kind.ShouldBe("message");
        (message["messageId"]!.GetValue<string>(), message["agentId"]!.GetValue<string>(), message["text"]!.GetValue<string>()).ShouldBe(("msg-9", "ag-1", "<b>Huddle</b> at 3"));
        await sender.AcceptAsync(sender.Live("cb-1", ContactCenterEvents.CommitmentDone, new() { ["outcome"] = "cancelled" }, now.AddSeconds(1)));
        (kind, var callback) = await stream.NextAsync();
        (kind, callback["status"]!.GetValue<string>()).ShouldBe(("commitment", "cancelled"));
    }

    [Fact]
    public async Task Malformed_parts_are_refused_whole_with_each_problem_named()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.CreateTenantAsync("Acme Support");
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var now = hub.Clock.GetUtcNow();
        var batch = new JsonArray(
            sender.Live("ag-1", ContactCenterEvents.LegChanged, new() { ["leg"] = "sideways" }, now),
            sender.Live("cb-1", ContactCenterEvents.CommitmentCreated, new() { ["number"] = "+14155550100" }, now),
            sender.Live("book", ContactCenterEvents.AddressBookUpdated, new() { ["entries"] = new JsonArray("Billing", new JsonObject { ["number"] = new JsonArray() }) }, now),
            sender.Live("ag-1", ContactCenterEvents.AgentMessage, new() { ["from"] = "Sam" }, now),
            sender.Live("book2", ContactCenterEvents.AddressBookUpdated, new() { ["entries"] = new JsonObject() }, now));
        var (status, body) = await sender.SendAsync(batch.ToJsonString());
        status.ShouldBe(HttpStatusCode.BadRequest);
        var problems = body!["errors"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        problems.ShouldContain("[0].data.leg must be one of connecting, connected, disconnected, not \"sideways\".");
        problems.ShouldContain("[1].data.due is required for com.contactbridge.commitment.created.");
        problems.ShouldContain("[2].data.entries[0] must be an object, not a string.");
        problems.ShouldContain("[2].data.entries[1].number must be a string, not an array.");
        problems.ShouldContain("[3].data.text is required for com.contactbridge.agent.message.");
        problems.ShouldContain(p => p.StartsWith("[4].data.entries must be an array of objects", StringComparison.Ordinal));
        (await hub.Services.GetRequiredService<LivePictureStore>().CommitmentsAsync(tenant.Id, Ct)).ShouldBeEmpty();
    }

}
