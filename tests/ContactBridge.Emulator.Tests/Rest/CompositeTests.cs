using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

public sealed class CompositeTests
{
    private const string V = "/services/data/v62.0";

    private static JsonObject Sub(string method, string url, string referenceId, JsonNode? body = null)
    {
        var o = new JsonObject { ["method"] = method, ["url"] = V + url, ["referenceId"] = referenceId };
        if (body is not null) o["body"] = body;
        return o;
    }

    private static int CountOf(EmulatorServer emulator, string sobject)
    {
        lock (emulator.State.DefaultOrg.Sync) return emulator.State.DefaultOrg.Records.OfType(sobject).Count(r => !r.IsDeleted);
    }

    [Fact]
    public async Task Composite_runs_subrequests_in_order_with_references_for_one_api_call()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var before = emulator.State.DefaultOrg.Api.Snapshot(DateTimeOffset.UtcNow).Used;
        var r = await client.PostAsync("/composite", new JsonObject
        {
            ["compositeRequest"] = new JsonArray(
                Sub("POST", "/sobjects/Account", "acct", new JsonObject { ["Name"] = "Acme" }),
                Sub("POST", "/sobjects/Contact", "ct", new JsonObject { ["LastName"] = "Doe", ["AccountId"] = "@{acct.id}" }),
                Sub("GET", "/query?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+Id='@{ct.id}'", "q"),
                Sub("PATCH", "/sobjects/Account/@{acct.id}", "upd", new JsonObject { ["Description"] = "Contact: @{q.records[0].Id}" })),
        });
        r.Code.ShouldBe(200);
        (emulator.State.DefaultOrg.Api.Snapshot(DateTimeOffset.UtcNow).Used - before).ShouldBe(1);
        var responses = r.Object["compositeResponse"]!.AsArray();
        responses.Select(x => x!["httpStatusCode"]!.GetValue<int>()).ShouldBe([201, 201, 200, 204]);
        responses[0]!["httpHeaders"]!["Location"]!.GetValue<string>().ShouldStartWith(V + "/sobjects/Account/001");
        responses[2]!["body"]!["records"]![0]!["Account"]!["Name"]!.GetValue<string>().ShouldBe("Acme");
        var account = responses[0]!["body"]!["id"]!.GetValue<string>();
        var contact = responses[1]!["body"]!["id"]!.GetValue<string>();
        (await client.GetAsync($"/sobjects/Account/{account}")).Object["Description"]!.GetValue<string>().ShouldBe("Contact: " + contact);
    }

    [Fact]
    public async Task All_or_none_rolls_back_every_subrequest_when_one_fails()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        JsonObject Body(bool allOrNone) => new()
        {
            ["allOrNone"] = allOrNone,
            ["compositeRequest"] = new JsonArray(
                Sub("POST", "/sobjects/Account", "a1", new JsonObject { ["Name"] = "Kept?" }),
                Sub("POST", "/sobjects/Contact", "c1", new JsonObject { ["FirstName"] = "NoLastName", ["AccountId"] = "@{a1.id}" }),
                Sub("POST", "/sobjects/Lead", "l1", new JsonObject { ["LastName"] = "L", ["Company"] = "C" })),
        };
        var strict = (await client.PostAsync("/composite", Body(true))).Object["compositeResponse"]!.AsArray();
        strict[1]!["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("REQUIRED_FIELD_MISSING");
        strict[0]!["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");
        strict[2]!["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");
        CountOf(emulator, "Account").ShouldBe(0);
        CountOf(emulator, "Lead").ShouldBe(0);

        var lenient = (await client.PostAsync("/composite", Body(false))).Object["compositeResponse"]!.AsArray();
        lenient.Select(x => x!["httpStatusCode"]!.GetValue<int>()).ShouldBe([201, 400, 201]);
        CountOf(emulator, "Account").ShouldBe(1);
        CountOf(emulator, "Lead").ShouldBe(1);
    }

    [Fact]
    public async Task Composite_limits_and_bad_references_are_refused()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var tooMany = new JsonArray(Enumerable.Range(0, 26).Select(i => (JsonNode)Sub("POST", "/sobjects/Lead", $"r{i}", new JsonObject { ["LastName"] = "x", ["Company"] = "y" })).ToArray());
        var r = await client.PostAsync("/composite", new JsonObject { ["compositeRequest"] = tooMany });
        r.Code.ShouldBe(400);
        r.ErrorMessage!.ShouldContain("25");
        CountOf(emulator, "Lead").ShouldBe(0);

        var queries = new JsonArray(Enumerable.Range(0, 6).Select(i => (JsonNode)Sub("GET", "/query?q=SELECT+Id+FROM+Lead", $"q{i}")).ToArray());
        (await client.PostAsync("/composite", new JsonObject { ["compositeRequest"] = queries })).ErrorMessage!.ShouldContain("5 query");

        var badRef = (await client.PostAsync("/composite", new JsonObject
        {
            ["compositeRequest"] = new JsonArray(Sub("POST", "/sobjects/Contact", "c", new JsonObject { ["LastName"] = "x", ["AccountId"] = "@{nope.id}" })),
        })).Object["compositeResponse"]![0]!;
        badRef["httpStatusCode"]!.GetValue<int>().ShouldBe(400);
        badRef["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");

        var dupRef = await client.PostAsync("/composite", new JsonObject
        {
            ["compositeRequest"] = new JsonArray(Sub("GET", "/limits", "same"), Sub("GET", "/limits", "same")),
        });
        dupRef.Code.ShouldBe(400);
        (await client.PostRawAsync("/composite", "{\"compositeRequest\": [")).ErrorCode.ShouldBe("JSON_PARSER_ERROR");
    }

    private static JsonObject Graph(string id, params JsonObject[] nodes) => new() { ["graphId"] = id, ["compositeRequest"] = new JsonArray(nodes) };

    private static JsonObject CreateLead(string refId, string? lastName = "Lead") =>
        Sub("POST", "/sobjects/Lead", refId, lastName is null ? new JsonObject { ["Company"] = "C" } : new JsonObject { ["LastName"] = lastName, ["Company"] = "C" });

    [Fact]
    public async Task Each_graph_is_all_or_nothing_and_others_still_commit()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var r = await client.PostAsync("/composite/graph", new JsonObject
        {
            ["graphs"] = new JsonArray(
                Graph("good",
                    Sub("POST", "/sobjects/Contact", "ct", new JsonObject { ["LastName"] = "Caller" }),
                    Sub("POST", "/sobjects/Task", "task", new JsonObject { ["Subject"] = "Call", ["WhoId"] = "@{ct.id}", ["TaskSubtype"] = "Call" })),
                Graph("bad",
                    Sub("POST", "/sobjects/Contact", "ct2", new JsonObject { ["LastName"] = "Rolled back" }),
                    Sub("POST", "/sobjects/Task", "task2", new JsonObject { ["Subject"] = "Call", ["WhoId"] = "@{ct2.id}", ["CallType"] = "Bogus" }))),
        });
        r.Code.ShouldBe(200);
        var graphs = r.Object["graphs"]!.AsArray();
        graphs[0]!["isSuccessful"]!.GetValue<bool>().ShouldBeTrue();
        graphs[1]!["isSuccessful"]!.GetValue<bool>().ShouldBeFalse();
        var bad = graphs[1]!["graphResponse"]!["compositeResponse"]!.AsArray();
        bad[0]!["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");
        bad[1]!["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        (await client.QueryAsync("SELECT LastName FROM Contact")).Records.Select(x => x!["LastName"]!.GetValue<string>()).ShouldBe(["Caller"]);
        (await client.QueryAsync("SELECT Who.Name FROM Task")).Records.Single()!["Who"]!["Name"]!.GetValue<string>().ShouldBe("Caller");
    }

    [Fact]
    public async Task After_fourteen_failed_graphs_the_rest_are_halted()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var graphs = new JsonArray();
        for (var i = 0; i < 14; i++) graphs.Add(Graph($"fail{i}", CreateLead("l", lastName: null)));
        graphs.Add(Graph("wouldWork", CreateLead("l")));
        var r = (await client.PostAsync("/composite/graph", new JsonObject { ["graphs"] = graphs })).Object["graphs"]!.AsArray();
        r.Take(14).ShouldAllBe(g => !g!["isSuccessful"]!.GetValue<bool>());
        r[14]!["isSuccessful"]!.GetValue<bool>().ShouldBeFalse();
        r[14]!["graphResponse"]!["compositeResponse"]![0]!["body"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");
        CountOf(emulator, "Lead").ShouldBe(0);

        graphs = new JsonArray();
        for (var i = 0; i < 13; i++) graphs.Add(Graph($"fail{i}", CreateLead("l", lastName: null)));
        graphs.Add(Graph("works", CreateLead("l")));
        (await client.PostAsync("/composite/graph", new JsonObject { ["graphs"] = graphs })).Object["graphs"]![13]!["isSuccessful"]!.GetValue<bool>().ShouldBeTrue();
    }

    public static TheoryData<string, string> GraphLimitCases() => new()
    {
        { "76 graphs", "75 graphs" },
        { "501 nodes in one graph", "at most 500" },
        { "501 nodes over two graphs", "at most 500 nodes" },
        { "depth 16", "maximum depth is 15" },
        { "16 node kinds", "15 different kinds" },
        { "a query node", "not allowed in a graph" },
        { "duplicate graph ids", "Duplicate graphId" },
    };

    [Theory]
    [MemberData(nameof(GraphLimitCases))]
    public async Task Graph_limits_are_enforced_before_anything_is_written(string violation, string message)
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var graphs = new JsonArray();
        switch (violation)
        {
            case "76 graphs":
                for (var i = 0; i < 76; i++) graphs.Add(Graph($"g{i}", CreateLead("l")));
                break;
            case "501 nodes in one graph":
                graphs.Add(Graph("g", Enumerable.Range(0, 501).Select(i => CreateLead($"l{i}")).ToArray()));
                break;
            case "501 nodes over two graphs":
                graphs.Add(Graph("g1", Enumerable.Range(0, 300).Select(i => CreateLead($"l{i}")).ToArray()));
                graphs.Add(Graph("g2", Enumerable.Range(0, 201).Select(i => CreateLead($"l{i}")).ToArray()));
                break;
            case "depth 16":
                var chain = new List<JsonObject> { Sub("POST", "/sobjects/Account", "a0", new JsonObject { ["Name"] = "root" }) };
                for (var i = 1; i < 16; i++) chain.Add(Sub("POST", "/sobjects/Account", $"a{i}", new JsonObject { ["Name"] = $"n{i}", ["ParentId"] = $"@{{a{i - 1}.id}}" }));
                graphs.Add(Graph("deep", [.. chain]));
                break;
            case "16 node kinds":
                var kinds = new List<JsonObject>();
                foreach (var version in new[] { "55.0", "56.0", "57.0", "58.0" })
                foreach (var sobject in new[] { "Lead", "Account", "Contact", "Case" })
                    kinds.Add(new JsonObject { ["method"] = "POST", ["url"] = $"/services/data/v{version}/sobjects/{sobject}", ["referenceId"] = $"r{kinds.Count}", ["body"] = new JsonObject() });
                graphs.Add(Graph("kinds", [.. kinds]));
                break;
            case "a query node":
                graphs.Add(Graph("q", Sub("GET", "/query?q=SELECT+Id+FROM+Lead", "q")));
                break;
            default:
                graphs.Add(Graph("same", CreateLead("l")));
                graphs.Add(Graph("same", CreateLead("l")));
                break;
        }
        var r = await client.PostAsync("/composite/graph", new JsonObject { ["graphs"] = graphs });
        r.Code.ShouldBe(400, r.Body?.ToJsonString());
        r.ErrorMessage!.ShouldContain(message);
        CountOf(emulator, "Lead").ShouldBe(0);
        CountOf(emulator, "Account").ShouldBe(0);
    }

    [Fact]
    public async Task A_graph_of_500_nodes_counts_as_one_api_call()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var graphs = new JsonArray(Enumerable.Range(0, 50).Select(g => (JsonNode)Graph($"g{g}", Enumerable.Range(0, 10).Select(i => CreateLead($"l{i}")).ToArray())).ToArray());
        var seq = emulator.State.Log.LastSequence;
        var r = await client.PostAsync("/composite/graph", new JsonObject { ["graphs"] = graphs });
        r.Object["graphs"]!.AsArray().ShouldAllBe(g => g!["isSuccessful"]!.GetValue<bool>());
        CountOf(emulator, "Lead").ShouldBe(500);
        emulator.State.Log.ApiCalls(WellKnown.DefaultOrgKey, seq).ShouldBe(1);
    }

    [Fact]
    public async Task Collections_create_update_upsert_retrieve_and_delete_in_request_order()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        using var client = await EmulatorClient.SignedInAsync(emulator);
        var created = (JsonArray)(await client.PostAsync("/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["LastName"] = "One" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["FirstName"] = "Missing" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Lead" }, ["LastName"] = "Two", ["Company"] = "Co" }),
        })).Body!;
        created.Select(x => x!["success"]!.GetValue<bool>()).ShouldBe([true, false, true]);
        created[1]!["errors"]![0]!["statusCode"]!.GetValue<string>().ShouldBe("REQUIRED_FIELD_MISSING");
        var contactId = created[0]!["id"]!.GetValue<string>();
        var leadId = created[2]!["id"]!.GetValue<string>();

        var strict = (JsonArray)(await client.PostAsync("/composite/sobjects", new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["LastName"] = "Rolled" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["Email"] = "bad" }),
        })).Body!;
        strict[0]!["errors"]![0]!["statusCode"]!.GetValue<string>().ShouldBe("ALL_OR_NONE_OPERATION_ROLLED_BACK");
        CountOf(emulator, "Contact").ShouldBe(1);

        var updated = (JsonArray)(await client.PatchAsync("/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["Id"] = contactId, ["Title"] = "T" }),
        })).Body!;
        updated[0]!["success"]!.GetValue<bool>().ShouldBeTrue();

        var upserted = (JsonArray)(await client.PatchAsync("/composite/sobjects/Contact/External_Key__c", new JsonObject
        {
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["External_Key__c"] = "E1", ["LastName"] = "New" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["External_Key__c"] = "E1", ["LastName"] = "Again" }),
        })).Body!;
        upserted.Select(x => x!["created"]!.GetValue<bool>()).ShouldBe([true, false]);

        // All or none: an upsert result says whether the record would have been created, failed or rolled back.
        var upsertedStrictly = (JsonArray)(await client.PatchAsync("/composite/sobjects/Contact/External_Key__c", new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["External_Key__c"] = "E1", ["LastName"] = "Changed" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["External_Key__c"] = "E2", ["LastName"] = "Rolled back" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["External_Key__c"] = "E3", ["LastName"] = "Bad owner", ["OwnerId"] = "INVALID_OWNER" }),
        })).Body!;
        upsertedStrictly.ShouldAllBe(x => !x!["success"]!.GetValue<bool>());
        upsertedStrictly.Select(x => x!["created"]!.GetValue<bool>()).ShouldBe([false, true, true]);
        upsertedStrictly.Select(x => x!["errors"]![0]!["statusCode"]!.GetValue<string>()).ShouldBe(["ALL_OR_NONE_OPERATION_ROLLED_BACK", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "MALFORMED_ID"]);
        (await client.QueryAsync("SELECT LastName FROM Contact WHERE External_Key__c != null")).Object["records"]!.AsArray()
            .Select(r => r!["LastName"]!.GetValue<string>()).ShouldBe(["Again"]);

        var retrieved = (JsonArray)(await client.GetAsync($"/composite/sobjects/Contact?ids={contactId},{leadId}&fields=LastName,Title")).Body!;
        retrieved[0]!["Title"]!.GetValue<string>().ShouldBe("T");
        retrieved[1].ShouldBeNull();

        var deleted = (JsonArray)(await client.DeleteAsync($"/composite/sobjects?ids={contactId},{leadId}")).Body!;
        deleted.ShouldAllBe(x => x!["success"]!.GetValue<bool>());

        var tooMany = new JsonArray(Enumerable.Range(0, 201).Select(i => (JsonNode)new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Lead" }, ["LastName"] = "x", ["Company"] = "y" }).ToArray());
        (await client.PostAsync("/composite/sobjects", new JsonObject { ["records"] = tooMany })).ErrorCode.ShouldBe("EXCEEDED_ID_LIMIT");
    }
}
