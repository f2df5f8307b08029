using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Streaming;

/// <summary>The Bayeux protocol at /cometd/{version}, message by message: refusals, replay checks, many clients.</summary>
public sealed class CometdTests
{
    private static async Task<JsonArray> SendAsync(EmulatorClient client, string? token, params JsonObject[] messages)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/cometd/{EmulatorClient.Version}")
        {
            Content = new StringContent(new JsonArray(messages).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("OAuth", token);
        using var response = await client.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsArray();
    }

    private static async Task<string> HandshakeAsync(EmulatorClient client)
    {
        var r = (await SendAsync(client, client.AccessToken, new JsonObject { ["channel"] = "/meta/handshake", ["version"] = "1.0", ["id"] = "1" }))[0]!;
        r["successful"]!.GetValue<bool>().ShouldBeTrue(r.ToJsonString());
        return r["clientId"]!.GetValue<string>();
    }

    private static JsonObject Subscribe(string clientId, string channel, long? replay = null)
    {
        var m = new JsonObject { ["channel"] = "/meta/subscribe", ["clientId"] = clientId, ["subscription"] = channel, ["id"] = "2" };
        if (replay is { } r) m["ext"] = new JsonObject { ["replay"] = new JsonObject { [channel] = r } };
        return m;
    }

    private static JsonObject Connect(string clientId) => new() { ["channel"] = "/meta/connect", ["clientId"] = clientId, ["connectionType"] = "long-polling", ["id"] = "3" };

    [Fact]
    public async Task Unknown_channels_stale_replay_ids_unknown_clients_and_publishing_are_refused_with_bayeux_errors()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithAgentStateEvent());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var id = await HandshakeAsync(client);

        var unknown = (await SendAsync(client, client.AccessToken, Subscribe(id, "/event/Nope__e")))[0]!;
        unknown["successful"]!.GetValue<bool>().ShouldBeFalse();
        unknown["error"]!.GetValue<string>().ShouldBe("400::The channel you requested to subscribe to does not exist {/event/Nope__e}");
        (await SendAsync(client, client.AccessToken, Subscribe(id, "/data/TaskChangeEvent")))[0]!["successful"]!.GetValue<bool>().ShouldBeFalse();
        (await SendAsync(client, client.AccessToken, Subscribe(id, "/data/ContactChangeEvent")))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();

        // Replay ids: one that was never issued is refused, as is one older than the 72 hours kept.
        (await SendAsync(client, client.AccessToken, Subscribe(id, "/event/Agent_State__e", 999)))[0]!["error"]!.GetValue<string>().ShouldStartWith("400::The replayId {999} you provided was invalid.");
        await client.PostAsync("/sobjects/Agent_State__e", new { State__c = "Ready" });
        await client.PostAsync("/sobjects/Agent_State__e", new { State__c = "Busy" });
        long first;
        lock (emulator.State.DefaultOrg.Sync) first = emulator.State.DefaultOrg.Events.After("/event/Agent_State__e", -2)[0].ReplayId;
        emulator.State.Clock.Advance(TimeSpan.FromHours(73));
        using var later = await EmulatorClient.SignedInAsync(emulator);
        var laterId = await HandshakeAsync(later);
        (await SendAsync(later, later.AccessToken, Subscribe(laterId, "/event/Agent_State__e", first)))[0]!["successful"]!.GetValue<bool>().ShouldBeFalse();

        // Publishing over CometD is not allowed; unknown clients are told to handshake; a bad token to give up.
        (await SendAsync(later, later.AccessToken, new JsonObject { ["channel"] = "/event/Agent_State__e", ["clientId"] = laterId, ["data"] = new JsonObject() }))[0]!["error"]!.GetValue<string>().ShouldBe("403::Publish not allowed");
        var stranger = (await SendAsync(later, later.AccessToken, Connect("no-such-client")))[0]!;
        stranger["error"]!.GetValue<string>().ShouldBe("403::Unknown client");
        stranger["advice"]!["reconnect"]!.GetValue<string>().ShouldBe("handshake");
        var denied = (await SendAsync(later, "bogus", new JsonObject { ["channel"] = "/meta/handshake", ["version"] = "1.0" }))[0]!;
        denied["advice"]!["reconnect"]!.GetValue<string>().ShouldBe("none");
        denied["ext"]!["sfdc"]!["failureReason"]!.GetValue<string>().ShouldBe("401::Authentication invalid");

        // Unsubscribe, then disconnect: the client is gone.
        (await SendAsync(later, later.AccessToken, new JsonObject { ["channel"] = "/meta/unsubscribe", ["clientId"] = laterId, ["subscription"] = "/event/Agent_State__e" }))[0]!["successful"]!.GetValue<bool>().ShouldBeFalse();
        (await SendAsync(later, later.AccessToken, Subscribe(laterId, "/event/Agent_State__e")))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();
        (await SendAsync(later, later.AccessToken, new JsonObject { ["channel"] = "/meta/unsubscribe", ["clientId"] = laterId, ["subscription"] = "/event/Agent_State__e" }))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();
        (await SendAsync(later, later.AccessToken, new JsonObject { ["channel"] = "/meta/disconnect", ["clientId"] = laterId }))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();
        (await SendAsync(later, later.AccessToken, Connect(laterId)))[0]!["error"]!.GetValue<string>().ShouldBe("403::Unknown client");
        emulator.State.Log.Entries(WellKnown.DefaultOrgKey).ShouldNotContain(e => e.Status >= 500);
    }

    [Fact]
    public async Task Twenty_clients_holding_long_polls_each_receive_an_event_published_once()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithAgentStateEvent());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var id = await HandshakeAsync(client);
            (await SendAsync(client, client.AccessToken, Subscribe(id, "/event/Agent_State__e")))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();
            // The first connect answers at once; the next one is held until something arrives.
            (await SendAsync(client, client.AccessToken, Connect(id))).Count.ShouldBe(1);
            ids.Add(id);
        }
        var polls = ids.Select(id => SendAsync(client, client.AccessToken, Connect(id))).ToList();
        await client.PostAsync("/sobjects/Agent_State__e", new { State__c = "Ready" });
        var answers = await Task.WhenAll(polls).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        answers.ShouldAllBe(a => a.Count == 2 && a[0]!["channel"]!.GetValue<string>() == "/event/Agent_State__e" && a[0]!["data"]!["payload"]!["State__c"]!.GetValue<string>() == "Ready"
                                 && a[1]!["channel"]!.GetValue<string>() == "/meta/connect" && a[1]!["successful"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_push_topic_streams_the_records_its_query_selects_for_the_operations_and_fields_it_watches()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var bad = await client.PostAsync("/sobjects/PushTopic", new { Name = "Broken", Query = "SELECT Id, Nope FROM Account", ApiVersion = 62.0 });
        bad.Code.ShouldBe(400);
        bad.ErrorCode.ShouldBe("INVALID_FIELD");
        var ordered = await client.PostAsync("/sobjects/PushTopic", new { Name = "Ordered", Query = "SELECT Id FROM Account ORDER BY Name", ApiVersion = 62.0 });
        ordered.ErrorMessage.ShouldNotBeNull().ShouldContain("ORDER BY");
        (await client.PostAsync("/sobjects/PushTopic", new
        {
            Name = "PushAccounts", Query = "SELECT Id, Name FROM Account WHERE Name LIKE 'Push%'", ApiVersion = 62.0,
            NotifyForFields = "Referenced", NotifyForOperationDelete = false,
        })).Code.ShouldBe(201);

        var id = await HandshakeAsync(client);
        (await SendAsync(client, client.AccessToken, Subscribe(id, "/topic/Nope")))[0]!["successful"]!.GetValue<bool>().ShouldBeFalse();
        (await SendAsync(client, client.AccessToken, Subscribe(id, "/topic/PushAccounts")))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();
        (await SendAsync(client, client.AccessToken, Connect(id))).Count.ShouldBe(1);

        var pushed = await client.CreateAsync("Account", new { Name = "Push One" });
        await client.CreateAsync("Account", new { Name = "Other" });
        (await client.PatchAsync($"/sobjects/Account/{pushed}", new { Phone = "+1 415 555 0100" })).Code.ShouldBe(204);
        (await client.PatchAsync($"/sobjects/Account/{pushed}", new { Name = "Push One, renamed" })).Code.ShouldBe(204);
        (await client.DeleteAsync($"/sobjects/Account/{pushed}")).Code.ShouldBe(204);

        // Topic events go out a moment after their write, in order; a later one proves none came between.
        await client.CreateAsync("Account", new { Name = "Push Two" });
        var messages = new List<JsonNode?>();
        async Task CollectAsync()
        {
            while (messages.Count < 3)
                messages.AddRange((await SendAsync(client, client.AccessToken, Connect(id))).Where(m => m!["channel"]!.GetValue<string>() == "/topic/PushAccounts"));
        }
        await CollectAsync().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        messages.Select(m => m!["data"]!["event"]!["type"]!.GetValue<string>()).ShouldBe(["created", "updated", "created"], "a phone change is no field the topic watches; deletes it does not want");
        messages.Select(m => m!["data"]!["sobject"]!["Name"]!.GetValue<string>()).ShouldBe(["Push One", "Push One, renamed", "Push Two"]);
        messages[0]!["data"]!["sobject"]!["Id"]!.GetValue<string>().ShouldBe(pushed);
        messages[0]!["data"]!["event"]!["replayId"]!.GetValue<long>().ShouldBeLessThan(messages[1]!["data"]!["event"]!["replayId"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_generic_channel_delivers_pushed_payloads_to_every_subscriber_or_only_the_users_named()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var admin = await EmulatorClient.SignedInAsync(emulator);
        using var integration = await EmulatorClient.SignedInAsync(emulator, WellKnown.IntegrationUsername, WellKnown.IntegrationPassword);
        (await admin.PostAsync("/sobjects/StreamingChannel", new { Name = "notices" })).ErrorCode.ShouldBe("INVALID_FIELD");
        var channel = await admin.CreateAsync("StreamingChannel", new { Name = "/u/notices" });
        var integrationUser = (await admin.QueryAsync($"SELECT Id FROM User WHERE Username = '{WellKnown.IntegrationUsername}'")).Object["records"]![0]!["Id"]!.GetValue<string>();

        var ids = new List<(EmulatorClient Client, string Id)>();
        foreach (var c in new[] { admin, integration })
        {
            var id = await HandshakeAsync(c);
            (await SendAsync(c, c.AccessToken, Subscribe(id, "/u/notices")))[0]!["successful"]!.GetValue<bool>().ShouldBeTrue();
            (await SendAsync(c, c.AccessToken, Connect(id))).Count.ShouldBe(1);
            ids.Add((c, id));
        }
        var online = (await admin.GetAsync($"/sobjects/StreamingChannel/{channel}/push")).Object;
        online["OnlineUserIds"]!.AsArray().Count.ShouldBe(2);

        var broadcast = (await admin.PostAsync($"/sobjects/StreamingChannel/{channel}/push", new { pushEvents = new[] { new { payload = "to all", userIds = Array.Empty<string>() } } })).Body!.AsArray();
        broadcast[0]!["fanoutCount"]!.GetValue<int>().ShouldBe(-1);
        var targeted = (await admin.PostAsync($"/sobjects/StreamingChannel/{channel}/push", new { pushEvents = new[] { new { payload = "to one", userIds = new[] { integrationUser } } } })).Body!.AsArray();
        targeted[0]!["fanoutCount"]!.GetValue<int>().ShouldBe(1);
        targeted[0]!["userOnlineStatus"]![integrationUser]!.GetValue<bool>().ShouldBeTrue();
        (await admin.PostAsync($"/sobjects/StreamingChannel/{channel}/push", new { pushEvents = new[] { new { payload = new string('x', 3001), userIds = Array.Empty<string>() } } })).Code.ShouldBe(400);
        (await admin.PostAsync($"/sobjects/StreamingChannel/{channel}/push", new { pushEvents = new[] { new { payload = "to nobody", userIds = new List<string> { "not-a-user" } } } })).ErrorMessage.ShouldNotBeNull().ShouldContain("not-a-user");
        var byShortId = (await admin.PostAsync($"/sobjects/StreamingChannel/{channel}/push", new { pushEvents = new[] { new { payload = "to one, by a 15-character id", userIds = new[] { integrationUser[..15], integrationUser } } } })).Body!.AsArray();
        byShortId[0]!["fanoutCount"]!.GetValue<int>().ShouldBe(1, "the same user named twice is one");

        async Task<string[]> PayloadsAsync(EmulatorClient c, string id) =>
            [.. (await SendAsync(c, c.AccessToken, Connect(id))).Where(m => m!["channel"]!.GetValue<string>() == "/u/notices").Select(m => m!["data"]!["payload"]!.GetValue<string>())];
        (await PayloadsAsync(ids[0].Client, ids[0].Id)).ShouldBe(["to all"]);
        (await PayloadsAsync(ids[1].Client, ids[1].Id)).ShouldBe(["to all", "to one", "to one, by a 15-character id"]);
    }
}
