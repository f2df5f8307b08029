using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.RoutingMaps;
using ContactBridge.Tenants;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.RoutingMaps;

/// <summary>Routing-map imports against the emulator org: matching, validation, writing, per-row outcomes and re-runs.</summary>
public sealed class RoutingMapImportTests
{
    public const string CallCenterName = "ContactBridgeVoice";

    /// <summary>The README's org, plus agents added to the call center (agentN@acme.example, alias agN, federation id fed-N).</summary>
    public static SeedFile SeedWithAgents(int count, Action<List<SeedUser>>? more = null)
    {
        var seed = TestHub.Seed();
        var users = seed.Orgs[0].Users;
        for (var i = 1; i <= count; i++)
        {
            users.Add(new SeedUser
            {
                Username = $"agent{i}@acme.example", Email = $"agent{i}@acme.example", LastName = $"Agent {i}", Alias = $"ag{i}", FederationId = $"fed-{i}",
                CallCenter = CallCenterName,
            });
        }
        more?.Invoke(users);
        return seed;
    }

    public static string CallCenterId(TestHub hub) => hub.Records("CallCenter").Single().Id;

    public static string UserId(TestHub hub, string username) => hub.Records("User").Single(u => u.GetString("Username") == username).Id;

    private static RoutingMapImporter Importer(TestHub hub) => hub.Services.GetRequiredService<RoutingMapImporter>();

    private static RoutingMapStore Store(TestHub hub) => hub.Services.GetRequiredService<RoutingMapStore>();

    private static IReadOnlyList<TelephonyUser> Csv(string text, MatchBy by = MatchBy.Email)
    {
        var (users, problems) = TelephonyUserCsv.Parse(text, by);
        problems.ShouldBeEmpty();
        return users;
    }

    private static async Task<(RoutingMapImport Import, ImportReport Report)> ImportAsync(TestHub hub, Tenant tenant, IReadOnlyList<TelephonyUser> users, string? callCenter = null,
        MatchBy by = MatchBy.Email, ExistingMapPolicy existing = ExistingMapPolicy.Skip, bool dryRun = false, IProgress<ImportProgress>? progress = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var import = await Importer(hub).ImportAsync(tenant.Id, ImportSources.Csv, new RoutingMapRequest(callCenter ?? CallCenterId(hub), by, existing, dryRun), users, "test", progress, ct);
        return (import, (await Store(hub).ReportAsync(tenant.Id, import.Id, ct))!);
    }

    private static int ApiCallsSince(TestHub hub, long sequence) =>
        hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, sequence).Count(e => e.CountedAsApiCall);

    private static IEnumerable<string> WritesSince(TestHub hub, long sequence) =>
        hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, sequence).Where(e => e.Method is "POST" or "PATCH" or "PUT" or "DELETE").Select(e => $"{e.Method} {e.Path}");

    [Fact]
    public async Task Five_thousand_users_are_mapped_in_one_import_with_a_handful_of_api_calls_and_a_rerun_changes_nothing()
    {
        await using var hub = await TestHub.StartAsync(seed: SeedWithAgents(5000), settings: new() { ["RoutingMaps:BulkPollInterval"] = "00:00:00.050" });
        var tenant = await hub.LinkedTenantAsync();
        var csv = new StringBuilder("ExternalId,Email,QuickConnect\n");
        for (var i = 1; i <= 5000; i++) csv.Append($"arn:aws:connect:us-west-2:123456789012:instance/abc/agent/{i},AGENT{i}@acme.example,{(i % 1000 == 0 ? $"qc-{i}" : "")}\n");
        var reports = new List<ImportProgress>();
        var before = hub.Emulator.State.Log.LastSequence;

        var (import, report) = await ImportAsync(hub, tenant, Csv(csv.ToString()), progress: new InlineProgress<ImportProgress>(reports.Add));

        import.State.ShouldBe(ImportStates.Done, import.Error);
        import.Method.ShouldBe("Bulk API 2.0");
        import.Summary!.Created.ShouldBe(5000);
        report.Rows.ShouldAllBe(r => r.Outcome == Outcomes.Created && r.RecordId!.StartsWith("0hn", StringComparison.Ordinal));
        report.UnmappedSalesforceUsers.ShouldBeEmpty();
        reports[^1].ShouldBe(new ImportProgress("writing", 5000, 5000));

        var center = CallCenterId(hub);
        var maps = hub.Records("CallCenterRoutingMap");
        maps.Count.ShouldBe(5000);
        var seventh = maps.Single(m => m.GetString("ExternalId") == "arn:aws:connect:us-west-2:123456789012:instance/abc/agent/7");
        var user7 = UserId(hub, "agent7@acme.example");
        seventh.GetString("ReferenceRecordId").ShouldBe(user7);
        seventh.GetString("CallCenterId").ShouldBe(center);
        seventh.GetString("DeveloperName").ShouldBe($"User_{user7}_{center}");
        seventh.GetString("MasterLabel").ShouldBe(user7);
        maps.Single(m => m.GetString("ExternalId")!.EndsWith("/agent/3000", StringComparison.Ordinal)).GetString("QuickConnect").ShouldBe("qc-3000");

        // Counted by the org, not by the hub: reading (call center, users in pages of 2,000, existing maps) and one bulk job.
        var calls = ApiCallsSince(hub, before);
        calls.ShouldBe(import.ApiCalls);
        // How often the job's state is asked depends on how fast the org works through it (slower on a busy machine); the rest is fixed.
        var polls = hub.Emulator.State.Log.Entries(WellKnown.DefaultOrgKey, before)
            .Count(e => e.CountedAsApiCall && e.Method == "GET" && System.Text.RegularExpressions.Regex.IsMatch(e.Path, "/jobs/ingest/[^/?]+$"));
        polls.ShouldBeGreaterThanOrEqualTo(1);
        (calls - polls).ShouldBeLessThanOrEqualTo(14);
        WritesSince(hub, before).Count().ShouldBe(3, "create the job, upload the CSV once, close it");

        var afterFirst = hub.Emulator.State.Log.LastSequence;
        var (again, againReport) = await ImportAsync(hub, tenant, Csv(csv.ToString()));
        again.State.ShouldBe(ImportStates.Done);
        again.Method.ShouldBeNull();
        again.Summary!.Unchanged.ShouldBe(5000);
        againReport.Rows.ShouldAllBe(r => r.Outcome == Outcomes.Unchanged);
        WritesSince(hub, afterFirst).ShouldBeEmpty();
        ApiCallsSince(hub, afterFirst).ShouldBe(again.ApiCalls);
        again.ApiCalls.ShouldBe(7, "one call center query, then three pages of users and three of maps (2,000 a page)");
        hub.Records("CallCenterRoutingMap").Count.ShouldBe(5000);
    }

    [Fact]
    public async Task Every_problem_is_reported_with_its_row_and_what_to_do_and_nothing_is_written()
    {
        var seed = SeedWithAgents(6, users =>
        {
            users.Add(new SeedUser { Username = "gone@acme.example", LastName = "Gone", Active = false, CallCenter = CallCenterName });
            users.Add(new SeedUser { Username = "outside@acme.example", LastName = "Outside" });
            users.Add(new SeedUser { Username = "twin1@acme.example", Email = "twin@acme.example", LastName = "Twin", CallCenter = CallCenterName });
            users.Add(new SeedUser { Username = "twin2@acme.example", Email = "twin@acme.example", LastName = "Twin", CallCenter = CallCenterName });
        });
        await using var hub = await TestHub.StartAsync(seed: seed);
        var tenant = await hub.LinkedTenantAsync();
        var agent2 = UserId(hub, "agent2@acme.example");
        var csv = $"""
            ExternalId,Email,ReferenceRecordId
            ok.1,agent1@acme.example,
            ok.1,agent3@acme.example,
            ,agent4@acme.example,
            {new string('x', 256)},agent5@acme.example,
            gone.1,gone@acme.example,
            outside.1,outside@acme.example,
            twin.1,twin@acme.example,
            again.1,agent1@acme.example,
            by-id.1,,{agent2[..15]}
            bad-id.1,,005-not-an-id
            unknown-id.1,,005E0000000zzzz
            stranger.1,stranger@elsewhere.example,
            blank.1,,
            """;
        var before = hub.Emulator.State.Log.LastSequence;

        var (import, report) = await ImportAsync(hub, tenant, Csv(csv));

        import.State.ShouldBe(ImportStates.Invalid);
        WritesSince(hub, before).ShouldBeEmpty();
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();
        string Message(int row) => report.Rows.Single(r => r.Row == row).Message!;
        report.Rows.Where(r => r.Outcome == Outcomes.Problem).Select(r => r.Row).ShouldBe([2, 3, 4, 5, 6, 7, 8, 10, 11, 13]);
        Message(2).ShouldContain("ExternalId 'ok.1' is also on row 1");
        Message(3).ShouldContain("ExternalId is empty");
        Message(4).ShouldContain("Salesforce allows 255");
        Message(5).ShouldContain("gone@acme.example is inactive in Salesforce: activate the user first");
        Message(6).ShouldContain("not a user of this contact center: add the user in Setup → Contact Centers");
        Message(7).ShouldContain("2 Salesforce users have the email 'twin@acme.example'");
        Message(8).ShouldContain($"also matched on row 1, which would repeat the DeveloperName User_{UserId(hub, "agent1@acme.example")}_{CallCenterId(hub)}");
        Message(10).ShouldContain("'005-not-an-id' is not a Salesforce user id");
        Message(11).ShouldContain("No Salesforce user has the id 005E0000000zzzz");
        Message(13).ShouldContain("The email to match is empty");
        // A 15-character id in the file is converted and used; a match no one has is listed, not an error.
        report.Rows.Single(r => r.Row == 9).ShouldSatisfyAllConditions(r => r.Outcome.ShouldBe(Outcomes.Created), r => r.ReferenceRecordId.ShouldBe(agent2));
        report.Rows.Single(r => r.Row == 12).Outcome.ShouldBe(Outcomes.Unmatched);
        report.UnmappedSalesforceUsers.ShouldContain("agent6@acme.example");
        report.UnmappedSalesforceUsers.ShouldNotContain("outside@acme.example");

        // The call center itself: malformed, or not in this org.
        var (badCenter, _) = await ImportAsync(hub, tenant, Csv("ExternalId,Email\nok.1,agent1@acme.example\n"), callCenter: "001A0000006Vm9r");
        badCenter.State.ShouldBe(ImportStates.Invalid);
        badCenter.Error!.ShouldContain("'001A0000006Vm9r' is not a call center id");
        var (unknownCenter, _) = await ImportAsync(hub, tenant, Csv("ExternalId,Email\nok.1,agent1@acme.example\n"), callCenter: "04vE0000000zzzz");
        unknownCenter.Error!.ShouldContain("The linked org has no call center 04vE0000000zzzzIAA");
        unknownCenter.Error!.ShouldContain("routing-map call-centers");

        // The results file is safe to open in a spreadsheet: a value that would run as a formula is shown as text.
        var (formula, formulaReport) = await ImportAsync(hub, tenant, Csv("ExternalId,Email\n\"=HYPERLINK(\"\"http://x.example\"\")\",agent6@acme.example\n"), dryRun: true);
        formula.State.ShouldBe(ImportStates.DryRun);
        RoutingMapEndpoints.ResultsCsv(formulaReport).Split('\n')[1].ShouldStartWith("1,\"'=HYPERLINK(\"\"http://x.example\"\")\",agent6@acme.example");

        // The file: the columns it needs.
        TelephonyUserCsv.Parse("Name,Email\nAda,ada@acme.example\n", MatchBy.Email).Problems.Single().Message.ShouldContain("No ExternalId column");
        TelephonyUserCsv.Parse("ExternalId,Email\nada,ada@acme.example\n", MatchBy.FederationId).Problems.Single().Message.ShouldContain("No federationid column");
        TelephonyUserCsv.Parse("\n\n", MatchBy.Email).Problems.Single().Message.ShouldContain("The file is empty");
        WritesSince(hub, before).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(200, "sObject collections")]
    [InlineData(0, "Bulk API 2.0")]
    public async Task Salesforce_refusing_some_rows_fails_only_those_rows_each_with_salesforces_message(int collectionsUpTo, string method)
    {
        await using var hub = await TestHub.StartAsync(seed: SeedWithAgents(12), settings: new()
        {
            ["RoutingMaps:CollectionsUpTo"] = collectionsUpTo.ToString(System.Globalization.CultureInfo.InvariantCulture), ["RoutingMaps:BulkPollInterval"] = "00:00:00.050",
        });
        var tenant = await hub.LinkedTenantAsync();
        var csv = new StringBuilder("ExternalId,Username\n");
        for (var i = 1; i <= 12; i++) csv.Append($"tel-{i},agent{i}@acme.example\n");
        var center = CallCenterId(hub);
        // Between the hub's reading of the existing maps and its write, another admin maps agents 4 and 9 by hand.
        var raced = false;
        void Race(ImportProgress p)
        {
            if (p.Stage != "writing" || raced) return;
            raced = true;
            var org = hub.Emulator.State.DefaultOrg;
            lock (org.Sync)
            {
                var writer = new RecordWriter(org, TimeProvider.System);
                foreach (var n in new[] { 4, 9 })
                {
                    var user = UserId(hub, $"agent{n}@acme.example");
                    writer.Create(user, org.Schema.Require("CallCenterRoutingMap"), new JsonObject
                    {
                        ["ExternalId"] = $"by-hand-{n}", ["ReferenceRecordId"] = user, ["CallCenterId"] = center, ["DeveloperName"] = $"User_{user}_{center}", ["MasterLabel"] = user,
                    });
                }
            }
        }

        var (import, report) = await ImportAsync(hub, tenant, Csv(csv.ToString(), MatchBy.Username), by: MatchBy.Username, progress: new InlineProgress<ImportProgress>(Race));

        import.State.ShouldBe(ImportStates.DoneWithFailures);
        import.Method.ShouldBe(method);
        import.Summary!.ShouldSatisfyAllConditions(s => s.Created.ShouldBe(10), s => s.Failed.ShouldBe(2));
        var failed = report.Rows.Where(r => r.Outcome == Outcomes.Failed).ToList();
        failed.Select(r => r.ExternalId).ShouldBe(["tel-4", "tel-9"]);
        failed.ShouldAllBe(r => r.Message!.StartsWith("DUPLICATE_VALUE", StringComparison.Ordinal));
        hub.Records("CallCenterRoutingMap").Count.ShouldBe(12);

        // The results download says the same, row by row.
        using var portal = await hub.SignInAsync();
        var (status, text) = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/routing-map/imports/{import.Id}/results.csv");
        status.ShouldBe(HttpStatusCode.OK);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("Row,ExternalId,MatchValue,SalesforceUser,ReferenceRecordId,DeveloperName,Outcome,RecordId,Message");
        lines.Length.ShouldBe(13);
        lines[4].ShouldStartWith($"4,tel-4,agent4@acme.example,agent4@acme.example,{UserId(hub, "agent4@acme.example")},User_");
        lines[4].ShouldContain(",failed,");
        lines[4].ShouldContain("DUPLICATE_VALUE");
    }

    [Fact]
    public async Task Users_already_mapped_are_skipped_or_updated_as_the_admin_chooses_and_a_dry_run_writes_nothing()
    {
        await using var hub = await TestHub.StartAsync(seed: SeedWithAgents(3));
        var tenant = await hub.LinkedTenantAsync();
        (await ImportAsync(hub, tenant, Csv("ExternalId,Alias,QuickConnect\ntel-1,ag1,qc-old\ntel-2,ag2,\n", MatchBy.Alias), by: MatchBy.Alias)).Import.Summary!.Created.ShouldBe(2);
        var changed = Csv("ExternalId,Alias,QuickConnect\ntel-1-new,ag1,\ntel-2,ag2,\ntel-3,ag3,\n", MatchBy.Alias);
        var before = hub.Emulator.State.Log.LastSequence;

        var (dry, dryReport) = await ImportAsync(hub, tenant, changed, by: MatchBy.Alias, existing: ExistingMapPolicy.Update, dryRun: true);
        dry.State.ShouldBe(ImportStates.DryRun);
        dryReport.Rows.Select(r => r.Outcome).ShouldBe([Outcomes.WouldUpdate, Outcomes.Unchanged, Outcomes.WouldCreate]);
        WritesSince(hub, before).ShouldBeEmpty();

        var (skip, skipReport) = await ImportAsync(hub, tenant, changed, by: MatchBy.Alias, existing: ExistingMapPolicy.Skip);
        skipReport.Rows.Select(r => r.Outcome).ShouldBe([Outcomes.Skipped, Outcomes.Unchanged, Outcomes.Created]);
        skipReport.Rows[0].Message!.ShouldContain("choose 'update'");
        skip.Method.ShouldBe("sObject collections");
        hub.Records("CallCenterRoutingMap").Single(m => m.GetString("ReferenceRecordId") == UserId(hub, "agent1@acme.example")).GetString("ExternalId").ShouldBe("tel-1");

        var (update, updateReport) = await ImportAsync(hub, tenant, changed, by: MatchBy.Alias, existing: ExistingMapPolicy.Update);
        update.State.ShouldBe(ImportStates.Done);
        updateReport.Rows.Select(r => r.Outcome).ShouldBe([Outcomes.Updated, Outcomes.Unchanged, Outcomes.Unchanged]);
        var first = hub.Records("CallCenterRoutingMap").Single(m => m.GetString("ReferenceRecordId") == UserId(hub, "agent1@acme.example"));
        first.GetString("ExternalId").ShouldBe("tel-1-new");
        first.GetString("QuickConnect").ShouldBeNull();
        hub.Records("CallCenterRoutingMap").Count.ShouldBe(3);
    }

    [Fact]
    public async Task The_api_answers_bad_requests_with_problems_and_keeps_tenants_apart()
    {
        await using var hub = await TestHub.StartAsync(seed: SeedWithAgents(2));
        var tenant = await hub.LinkedTenantAsync();
        var other = await hub.CreateTenantAsync("Other Co");
        await hub.CreateTenantAdminAsync("admin@other.example", other);
        using var portal = await hub.SignInAsync();
        var path = $"/api/v1/tenants/{tenant.Id}/routing-map/imports";

        var (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, path, "{not json");
        status.ShouldBe(HttpStatusCode.BadRequest);
        problem!["title"]!.GetValue<string>().ShouldBe("Malformed JSON");
        (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, path, """{"matchBy": "shoe size", "existing": "merge", "csv": "Name\nx\n"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        var errors = problem!["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        errors.ShouldContain(e => e.StartsWith("callCenterId is required", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("matchBy 'shoe size' is not one of", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("existing 'merge' is not one of", StringComparison.Ordinal));

        (status, var accepted) = await portal.SendJsonAsync(HttpMethod.Post, path,
            new JsonObject { ["callCenterId"] = CallCenterId(hub), ["matchBy"] = "email", ["csv"] = "ExternalId,Email\ntel-1,agent1@acme.example\n" }.ToJsonString());
        status.ShouldBe(HttpStatusCode.Accepted);
        var importId = accepted!["id"]!.GetValue<string>();
        await Importer(hub).WhenFinishedAsync(importId);
        (status, var view) = await portal.SendJsonAsync(HttpMethod.Get, $"{path}/{importId}", null);
        status.ShouldBe(HttpStatusCode.OK);
        view!["import"]!["state"]!.GetValue<string>().ShouldBe(ImportStates.Done);
        view["report"]!["rows"]![0]!["outcome"]!.GetValue<string>().ShouldBe(Outcomes.Created);

        var centers = await portal.GetTextAsync($"/api/v1/tenants/{tenant.Id}/routing-map/call-centers");
        centers.Text.ShouldBe($"[{{\"id\":\"{CallCenterId(hub)}\",\"name\":\"ContactBridge Voice\"}}]");
        // Salesforce failing (three 503s: the client's retries of a read) is a 502 that says so, not a 500.
        hub.Emulator.State.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 503, Remaining = 3, PathContains = "/query" });
        (status, var failing) = await portal.SendJsonAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant.Id}/routing-map/call-centers", null);
        status.ShouldBe(HttpStatusCode.BadGateway);
        failing!["title"]!.GetValue<string>().ShouldBe("Salesforce refused the request");

        // Another tenant's admin sees none of it.
        using var outsider = await hub.SignInAsync("admin@other.example");
        (await outsider.SendJsonAsync(HttpMethod.Get, $"{path}/{importId}", null)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.GetTextAsync($"{path}/{importId}/results.csv")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.SendJsonAsync(HttpMethod.Post, path, """{"callCenterId": "04v", "csv": "ExternalId,Email\nx,y\n"}""")).Status.ShouldBe(HttpStatusCode.NotFound);

        // Not linked: a conflict that says what to do.
        var unlinked = await hub.CreateTenantAsync("Unlinked Co");
        (status, problem) = await portal.SendJsonAsync(HttpMethod.Post, $"/api/v1/tenants/{unlinked.Id}/routing-map/imports",
            """{"callCenterId": "04vE0000000zzzz", "csv": "ExternalId,Email\nx,y@z.example\n"}""");
        status.ShouldBe(HttpStatusCode.Conflict);
        problem!["detail"]!.GetValue<string>().ShouldContain("Link the tenant");
    }
}
