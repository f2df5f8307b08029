using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.ThirdPartyClients;

/// <summary>jsforce 3.10.16, pinned in package-lock.json, against a live emulator.</summary>
public sealed class JsforceTests
{
    private static async Task<JsonObject> RunScenarioAsync(EmulatorServer emulator, string scenario)
    {
        var run = await NodeTool.RunAsync("node", [Path.Combine(NodeTool.RepositoryRoot, "tests/ContactBridge.Emulator.Tests/ThirdPartyClients/jsforce-scenarios.mjs"), scenario],
            new Dictionary<string, string>
            {
                ["NODE_PATH"] = NodeTool.NodeModules, ["EMULATOR_URL"] = emulator.InstanceUrl, ["CLIENT_ID"] = WellKnown.ClientId,
                ["CLIENT_SECRET"] = WellKnown.ClientSecret, ["REDIRECT_URI"] = "http://127.0.0.1:5180/linking/callback",
                ["USERNAME"] = WellKnown.AdminUsername, ["PASSWORD"] = WellKnown.AdminPassword,
            },
            TimeSpan.FromMinutes(3));
        run.ExitCode.ShouldBe(0, run.ToString());
        return JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1])!.AsObject();
    }

    [Fact]
    public async Task Web_server_flow_with_pkce_through_login_and_consent_pages_then_refresh_after_expiry()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        var seen = await RunScenarioAsync(emulator, "oauth-pkce");

        seen["pkceInUrl"]!.GetValue<bool>().ShouldBeTrue();
        seen["loginPageTitle"]!.GetValue<string>().ShouldBe("Log in to Salesforce (production)");
        seen["consentPageTitle"]!.GetValue<string>().ShouldBe("Allow Access?");
        seen["stateEchoed"]!.GetValue<bool>().ShouldBeTrue();
        seen["callbackOrigin"]!.GetValue<string>().ShouldBe("http://127.0.0.1:5180/linking/callback");
        seen["orgId"]!.GetValue<string>().ShouldBe(emulator.State.DefaultOrg.Id);
        seen["instanceUrl"]!.GetValue<string>().ShouldBe(emulator.InstanceUrl);
        seen["hasRefreshToken"]!.GetValue<bool>().ShouldBeTrue();
        seen["expiredTokens"]!.GetValue<int>().ShouldBeGreaterThan(0);
        seen["refreshEvents"]!.GetValue<int>().ShouldBe(1);
        seen["tokenChanged"]!.GetValue<bool>().ShouldBeTrue();
        seen["usernames"]!.AsArray().Select(u => u!.GetValue<string>()).ShouldContain(WellKnown.AdminUsername);
        seen["identityUsername"]!.GetValue<string>().ShouldBe(WellKnown.AdminUsername);

        var log = emulator.State.Log.Entries();
        log.ShouldContain(e => e.Kind == "oauth.token.authorization_code" && e.Status == 200);
        log.ShouldContain(e => e.Kind == "oauth.token.refresh_token" && e.Status == 200);
        log.ShouldContain(e => e.Kind == "query" && e.Status == 401);
    }

    [Fact]
    public async Task Query_and_queryMore_over_5000_records_crud_upsert_collections_and_sosl()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        var before = emulator.State.Log.LastSequence;
        var seen = await RunScenarioAsync(emulator, "data");

        seen["created"]!.GetValue<int>().ShouldBe(5000);
        seen["totalSize"]!.GetValue<int>().ShouldBe(5000);
        seen["firstPageSize"]!.GetValue<int>().ShouldBe(2000);
        seen["pages"]!.GetValue<int>().ShouldBe(3);
        seen["fetched"]!.GetValue<int>().ShouldBe(5000);
        seen["distinctIds"]!.GetValue<int>().ShouldBe(5000);
        seen["sortedFirst"]!.GetValue<string>().ShouldBe("Loaded00000");
        seen["sortedLast"]!.GetValue<string>().ShouldBe("Loaded04999");
        seen["retrievedName"]!.GetValue<string>().ShouldBe("Alan Turing");
        seen["updatedTitle"]!.GetValue<string>().ShouldBe("Mathematician");
        seen["deletedRetrieve"]!.GetValue<string>().ShouldBe("ENTITY_IS_DELETED");
        seen["invalidCreate"]!.GetValue<string>().ShouldBe("REQUIRED_FIELD_MISSING");
        seen["upsertCreated"]!.GetValue<bool>().ShouldBeTrue();
        seen["upsertSecondCreated"]!.GetValue<bool>().ShouldBeFalse();
        seen["upsertSameId"]!.GetValue<bool>().ShouldBeTrue();
        seen["collectionUpdated"]!.GetValue<int>().ShouldBe(10);
        seen["collectionDeleted"]!.GetValue<int>().ShouldBe(5);
        seen["remainingInDepartment"]!.GetValue<int>().ShouldBe(5);
        seen["searchNames"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["Caller"]);

        // 5,000 records went in as 25 collection calls of 200, not 5,000 single creates.
        var log = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before);
        log.Count(e => e.Kind == "composite.collections" && e.Method == "POST").ShouldBe(25);
        log.Count(e => e.Kind == "query.more").ShouldBe(2);
        lock (emulator.State.DefaultOrg.Sync)
        {
            emulator.State.DefaultOrg.Records.OfType("Contact").Count(r => !r.IsDeleted && r.GetString("FirstName")?.StartsWith("Bulk", StringComparison.Ordinal) == true)
                .ShouldBe(4995);
        }
    }

    [Fact]
    public async Task Bulk2_ingest_of_10000_rows_reports_each_failed_row_and_bulk2_query_pages_them_back()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var before = emulator.State.Log.LastSequence;
        var seen = await RunScenarioAsync(emulator, "bulk");

        seen["successful"]!.GetValue<int>().ShouldBe(9990);
        seen["failed"]!.GetValue<int>().ShouldBe(10);
        seen["unprocessed"]!.GetValue<int>().ShouldBe(0);
        seen["failedErrors"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["REQUIRED_FIELD_MISSING"]);
        seen["failedFirstNames"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["Bulk2 999", "Bulk2 1999", "Bulk2 2999"]);
        seen["createdFlags"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["true"]);
        seen["distinctIds"]!.GetValue<int>().ShouldBe(9990);
        seen["queried"]!.GetValue<int>().ShouldBe(9990);
        seen["queriedFirstLastName"]!.GetValue<string>().ShouldBe("Row, \"00000\"");
        seen["queriedFirstDescription"]!.GetValue<string>().ShouldBe("line one\nline two of 0");

        // The whole load is a handful of calls (create, upload, close, polls, three result reads), not 10,000.
        var log = emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before);
        log.Count(e => e.Kind == "bulk.upload").ShouldBe(1);
        // Every Bulk API 2.0 request counts as one API call, as each request to /services/data does.
        log.Where(e => e.Kind.StartsWith("bulk", StringComparison.Ordinal)).ShouldAllBe(e => e.CountedAsApiCall);
        log.Count(e => e.Kind.StartsWith("sobject", StringComparison.Ordinal) || e.Kind.StartsWith("composite", StringComparison.Ordinal)).ShouldBe(0);
        log.ShouldNotContain(e => e.Status >= 400);
        lock (emulator.State.DefaultOrg.Sync)
        {
            emulator.State.DefaultOrg.Records.OfType("Contact").Count(r => r.GetString("FirstName")?.StartsWith("Bulk2 ", StringComparison.Ordinal) == true).ShouldBe(9990);
        }
    }

    [Fact]
    public async Task Streaming_delivers_platform_and_change_events_replays_after_reconnect_and_survives_expiry_and_drops()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithAgentStateEvent());
        var seen = await RunScenarioAsync(emulator, "streaming");

        static string[] Strings(JsonNode? n) => n!.AsArray().Select(x => x!.GetValue<string>()).ToArray();
        Strings(seen["states"]).ShouldBe(["Ready", "Busy", "Wrap"]);
        seen["replayIdsRise"]!.GetValue<bool>().ShouldBeTrue();
        Strings(seen["changeTypes"]).ShouldBe(["CREATE", "UPDATE", "CREATE", "CREATE"]);
        Strings(seen["changeOrigins"]).ShouldBe(["rest", "rest", "bulkapi", "bulkapi"]);
        Strings(seen["updatedFields"]).ShouldBe(["Title", "LastModifiedDate"], ignoreOrder: true);
        Strings(seen["replayed"]).ShouldBe(["Away", "Lunch"]);
        Strings(seen["allRetained"]).ShouldBe(["Ready", "Busy", "Wrap", "Away", "Lunch"]);
        seen["rehandshook"]!.GetValue<bool>().ShouldBeTrue();
        Strings(seen["afterFaults"]).ShouldBe(["AfterExpiry", "AfterDrop"]);
        seen["badAuth"]!["reconnect"]!.GetValue<string>().ShouldBe("none");
        seen["badAuth"]!["reason"]!.GetValue<string>().ShouldBe("401::Authentication invalid");

        // Streaming is not counted against the daily API allowance.
        emulator.State.Log.Entries(WellKnown.DefaultOrgKey).Where(e => e.Kind.StartsWith("cometd", StringComparison.Ordinal)).ShouldAllBe(e => !e.CountedAsApiCall);
    }

    [Fact]
    public async Task Soap_login_partner_calls_merge_convert_lead_undelete_and_logout()
    {
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.WithContactExternalId());
        var seen = await RunScenarioAsync(emulator, "soap");

        seen["badLogin"]!.GetValue<string>().ShouldContain("INVALID_LOGIN");
        seen["organizationId"]!.GetValue<string>().ShouldBe(emulator.State.DefaultOrg.Id);
        seen["instanceUrl"]!.GetValue<string>().ShouldBe(emulator.InstanceUrl);
        seen["restQueryWithSoapSession"]!.GetValue<int>().ShouldBeGreaterThan(0);
        seen["userName"]!.GetValue<string>().ShouldBe(WellKnown.AdminUsername);
        seen["createSuccess"]!.AsArray().Select(b => b!.GetValue<bool>()).ShouldBe([true, true, false]);
        seen["createError"]!.GetValue<string>().ShouldBe("REQUIRED_FIELD_MISSING");
        seen["updateSuccess"]!.GetValue<bool>().ShouldBeTrue();
        seen["upsertCreated"]!.GetValue<bool>().ShouldBeTrue();
        seen["mergeSuccess"]!.GetValue<bool>().ShouldBeTrue();
        seen["mergedRecordIds"]!.AsArray().Count.ShouldBe(1);
        seen["contactAccountAfterMerge"]!.GetValue<string>().ShouldBe(seen["masterId"]!.GetValue<string>(), "a merged account's contacts move to the master");
        seen["convertSuccess"]!.GetValue<bool>().ShouldBeTrue();
        seen["opportunityName"]!.GetValue<string>().ShouldBe("SOAP Lead Co-");
        seen["deleteSuccess"]!.GetValue<bool>().ShouldBeTrue();
        seen["undeleteSuccess"]!.GetValue<bool>().ShouldBeTrue();
        seen["undeletedName"]!.GetValue<string>().ShouldBe("Upserted");
        seen["afterLogout"]!.GetValue<string>().ShouldBe("INVALID_SESSION_ID");
        emulator.State.Log.Entries().ShouldContain(e => e.Kind == "soap.login" && e.Status == 200);
        emulator.State.Log.Entries().ShouldNotContain(e => e.Status >= 500 && e.Kind != "soap.login");
    }
}
