using System.Text;
using ContactBridge.Tests.RoutingMaps;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Cli;

/// <summary>The routing-map verbs of the real executable, on the same data directory as a running hub.</summary>
public sealed class RoutingMapCliTests
{
    [Fact]
    public async Task An_admin_goes_from_a_csv_of_telephony_users_to_a_routing_map_in_one_command()
    {
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(4), settings: new() { ["RoutingMaps:CollectionsUpTo"] = "0" });
        var tenant = await hub.LinkedTenantAsync();
        var center = RoutingMapImportTests.CallCenterId(hub);
        var env = new Dictionary<string, string> { ["CONTACTBRIDGE_RoutingMaps__BulkPollInterval"] = "00:00:00.050", ["CONTACTBRIDGE_RoutingMaps__CollectionsUpTo"] = "0" };
        await File.WriteAllTextAsync(Path.Combine(hub.Directory, "users.csv"),
            "ExternalId,Email\ntel-1,agent1@acme.example\ntel-2,agent2@acme.example\ntel-3,agent3@acme.example\ntel-x,nobody@acme.example\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(hub.Directory, "bad.csv"), "ExternalId,Email\ntel-1,agent1@acme.example\ntel-1,agent2@acme.example\n", TestContext.Current.CancellationToken);
        string[] Args(string verb, string file) => ["routing-map", verb, "--tenant", tenant.Slug, "--users", file, "--call-center", center[..15]];

        var centers = await CliProcess.RunAsync(hub.Directory, env, null, "routing-map", "call-centers", "--tenant", tenant.Slug);
        centers.Stdout.ShouldContain($"{center}  ContactBridge Voice", customMessage: centers.ToString());

        var invalid = await CliProcess.RunAsync(hub.Directory, env, null, Args("validate", "bad.csv"));
        invalid.ExitCode.ShouldBe(2, invalid.ToString());
        invalid.Stdout.ShouldContain("Nothing was written");
        invalid.Stdout.ShouldContain("ExternalId 'tel-1' is also on row 1");

        var export = await CliProcess.RunAsync(hub.Directory, env, null, Args("export", "users.csv"));
        export.ExitCode.ShouldBe(0, export.ToString());
        var lines = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("ExternalId,ReferenceRecordId,CallCenterId,DeveloperName,QuickConnect,MasterLabel");
        var agent1 = RoutingMapImportTests.UserId(hub, "agent1@acme.example");
        lines[1].ShouldBe($"tel-1,{agent1},{center},User_{agent1}_{center},,{agent1}");
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();

        var import = await CliProcess.RunAsync(hub.Directory, env, null, Args("import", "users.csv"));
        import.ExitCode.ShouldBe(0, import.ToString());
        import.Stdout.ShouldContain("4 row(s): 3 created, 1 unmatched.");
        import.Stdout.ShouldContain("Written by Bulk API 2.0 in");
        import.Stdout.ShouldContain("1 active user(s) of the call center have no routing map and no row: agent4@acme.example");
        import.Stdout.ShouldContain("No Salesforce user has the email 'nobody@acme.example'");
        import.Stderr.ShouldContain("writing: 3 row(s)");
        hub.Records("CallCenterRoutingMap").Count.ShouldBe(3);
        var results = await File.ReadAllLinesAsync(Path.Combine(hub.Directory, "routing-map-results.csv"), TestContext.Current.CancellationToken);
        results.Length.ShouldBe(5);
        results[3].ShouldContain(",tel-3,agent3@acme.example,agent3@acme.example,");
        results[3].ShouldContain(",created,0hn");

        var again = await CliProcess.RunAsync(hub.Directory, env, null, Args("import", "users.csv"));
        again.ExitCode.ShouldBe(0, again.ToString());
        again.Stdout.ShouldContain("4 row(s): 3 unchanged, 1 unmatched.");
        hub.Records("CallCenterRoutingMap").Count.ShouldBe(3);

        // For scripts: the same import as JSON, and no progress lines.
        var json = await CliProcess.RunAsync(hub.Directory, env, null, [.. Args("build", "users.csv"), "--json"]);
        json.ExitCode.ShouldBe(0, json.ToString());
        var report = System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)!;
        report["import"]!["state"]!.GetValue<string>().ShouldBe("dry_run");
        report["rows"]!.AsArray().Count.ShouldBe(4);
        report["rows"]!.AsArray().Count(r => r!["outcome"]!.GetValue<string>() == "unmatched").ShouldBe(1);
        json.Stderr.ShouldBeEmpty();

        var missing = await CliProcess.RunAsync(hub.Directory, env, null, Args("import", "nope.csv"));
        missing.ExitCode.ShouldBe(1);
        missing.Stderr.ShouldContain("error: No file");
    }

    [Fact]
    public async Task A_users_file_that_is_not_utf8_or_not_valid_csv_stops_the_command_with_its_line()
    {
        await using var hub = await TestHub.StartAsync(seed: RoutingMapImportTests.SeedWithAgents(2));
        var tenant = await hub.LinkedTenantAsync();
        var center = RoutingMapImportTests.CallCenterId(hub);
        var ct = TestContext.Current.CancellationToken;
        await File.WriteAllBytesAsync(Path.Combine(hub.Directory, "latin1.csv"), Encoding.Latin1.GetBytes("ExternalId,Email\ntel-1,agent1@acme.example\njosé,agent2@acme.example\n"), ct);
        await File.WriteAllTextAsync(Path.Combine(hub.Directory, "utf16.csv"), "ExternalId,Email\ntel-1,agent1@acme.example\n", Encoding.Unicode, ct);
        await File.WriteAllTextAsync(Path.Combine(hub.Directory, "unclosed.csv"), "ExternalId,Email\r\n\"tel-1,agent1@acme.example\r\ntel-2,agent2@acme.example\r\n", ct);

        foreach (var (file, problem) in new[]
        {
            ("latin1.csv", "error: Line 3: byte 0xE9 is not UTF-8"),
            ("utf16.csv", "error: Line 1: the file is UTF-16"),
            ("unclosed.csv", "error: Line 2: a quoted value is never closed"),
        })
        {
            var run = await CliProcess.RunAsync(hub.Directory, null, null, "routing-map", "validate", "--tenant", tenant.Slug, "--users", file, "--call-center", center);
            run.ExitCode.ShouldBe(1, run.ToString());
            run.Stderr.ShouldContain(problem, customMessage: run.ToString());
            run.Stderr.ShouldNotContain("Exception");
        }
        hub.Records("CallCenterRoutingMap").ShouldBeEmpty();
    }
}
