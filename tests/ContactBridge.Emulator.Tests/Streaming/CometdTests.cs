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
}
