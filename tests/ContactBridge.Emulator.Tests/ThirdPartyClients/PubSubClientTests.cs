using System.Text.Json.Nodes;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.ThirdPartyClients;

/// <summary>The npm Pub/Sub API client (salesforce-pubsub-api-client 5.5.2, pinned in package-lock.json) against the emulator's gRPC endpoint.</summary>
public sealed class PubSubClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> RunAsync(EmulatorServer emulator, string token, Dictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["NODE_PATH"] = NodeTool.NodeModules, ["ACCESS_TOKEN"] = token, ["ORG_ID"] = emulator.State.DefaultOrg.Id,
            // The client dials TLS only and wants an https instance URL; the emulator serves the Pub/Sub API on its https port.
            ["INSTANCE_URL"] = $"https://127.0.0.1:{emulator.HttpsPort}", ["PUBSUB_ENDPOINT"] = $"127.0.0.1:{emulator.HttpsPort}",
        };
        var run = await NodeTool.RunAsync("node", [Path.Combine(NodeTool.RepositoryRoot, "tests/ContactBridge.Emulator.Tests/ThirdPartyClients/pubsub-client.mjs")],
            environment, TimeSpan.FromMinutes(1));
        run.ExitCode.ShouldBe(0, run.ToString());
        return JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1])!.AsObject();
    }

    [Fact]
    public async Task It_subscribes_to_contact_change_events_and_a_platform_event_decodes_them_and_resumes_after_a_replay_id()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = TestEmulator.WithAgentStateEvent(), HttpsPort = 0 }, Ct);
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var ada = (await rest.PostAsync("/sobjects/Contact", new { FirstName = "Ada", LastName = "Lovelace" })).Object["id"]!.GetValue<string>();
        (await rest.PostAsync("/sobjects/Contact", new { FirstName = "Alan", LastName = "Turing" })).Code.ShouldBe(201);
        (await rest.PatchAsync($"/sobjects/Contact/{ada}", new { Phone = "+44 20 7946 0001" })).Code.ShouldBe(204);

        var all = await RunAsync(emulator, rest.AccessToken!, new() { ["TOPIC"] = "/data/ContactChangeEvent", ["MODE"] = "earliest", ["COUNT"] = "3" });
        var events = all["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
        events.Select(e => e["payload"]!["ChangeEventHeader"]!["changeType"]!.GetValue<string>()).ShouldBe(["CREATE", "CREATE", "UPDATE"]);
        events[0]["payload"]!["Name"]!["LastName"]!.GetValue<string>().ShouldBe("Lovelace", "the compound name, decoded and unwrapped by the client");
        var update = events[2]["payload"]!.AsObject();
        update["ChangeEventHeader"]!["changedFields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("Phone", "the client turns the bitmap back into names");
        update["ChangeEventHeader"]!["recordIds"]!.AsArray().Single()!.GetValue<string>().ShouldBe(ada);

        // After the first event's replay id: the other two.
        var resumed = await RunAsync(emulator, rest.AccessToken!, new()
        {
            ["TOPIC"] = "/data/ContactChangeEvent", ["MODE"] = "replay", ["REPLAY_ID"] = events[0]["replayId"]!.GetValue<string>(), ["COUNT"] = "2",
        });
        resumed["events"]!.AsArray().Select(e => e!["replayId"]!.GetValue<string>()).ShouldBe(events.Skip(1).Select(e => e["replayId"]!.GetValue<string>()));

        // A platform event published through REST, and one published by the client itself: both come back, decoded.
        (await rest.PostAsync("/sobjects/Agent_State__e", new { State__c = "Available" })).Code.ShouldBe(201);
        var states = await RunAsync(emulator, rest.AccessToken!, new()
        {
            ["TOPIC"] = "/event/Agent_State__e", ["MODE"] = "earliest", ["COUNT"] = "2",
            ["PUBLISH"] = new JsonObject
            {
                ["CreatedDate"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["CreatedById"] = "005000000000000AAA", ["State__c"] = new JsonObject { ["string"] = "Break" },
            }.ToJsonString(),
        });
        states["published"]!["correlationKey"]!.GetValue<string>().ShouldBe("published-by-the-client");
        states["events"]!.AsArray().Select(e => e!["payload"]!["State__c"]!.GetValue<string>()).ShouldBe(["Available", "Break"]);
    }
}
