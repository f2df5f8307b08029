using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.ThirdPartyClients;

/// <summary>The Salesforce CLI 2.146.3 (sf), pinned in package-lock.json, against a live emulator.</summary>
public sealed class SalesforceCliTests
{
    private static async Task<JsonObject> SfAsync(string home, string accessToken, params string[] args)
    {
        var run = await NodeTool.RunAsync(Path.Combine(NodeTool.NodeModules, ".bin", "sf"), [.. args, "--json"], new Dictionary<string, string>
        {
            // A private HOME keeps the CLI's auth files away from the user's own and from other tests.
            ["HOME"] = home, ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"), ["XDG_DATA_HOME"] = Path.Combine(home, ".local/share"),
            ["SF_ACCESS_TOKEN"] = accessToken, ["SF_DISABLE_TELEMETRY"] = "true", ["SF_AUTOUPDATE_DISABLE"] = "true",
            ["SF_SKIP_NEW_VERSION_CHECK"] = "true", ["SFDX_DISABLE_DNS_CHECK"] = "true", ["SF_USE_GENERIC_UNIX_KEYCHAIN"] = "true",
            ["SF_HIDE_RELEASE_NOTES"] = "true", ["NO_COLOR"] = "1",
        }, TimeSpan.FromMinutes(2));
        var json = run.Stdout[run.Stdout.IndexOf('{', StringComparison.Ordinal)..];
        var result = JsonNode.Parse(json)!.AsObject();
        result["status"]!.GetValue<int>().ShouldBe(0, run.ToString());
        return result["result"]!.AsObject();
    }

    /// <summary>Runs a test body with a private CLI home, removed afterwards; the body logs in as it needs to.</summary>
    private static async Task InCliHomeAsync(Func<string, Task> body)
    {
        var home = Directory.CreateTempSubdirectory("cb-sf-").FullName;
        try
        {
            await body(home);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static Task<JsonObject> LoginAsync(string home, EmulatorServer emulator, string accessToken) =>
        SfAsync(home, accessToken, "org", "login", "access-token", "--instance-url", emulator.InstanceUrl, "--no-prompt", "--alias", "emu");

    [Fact]
    public async Task Login_with_access_token_then_query_create_and_get_record()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        await InCliHomeAsync(async home =>
        {
            var login = await LoginAsync(home, emulator, client.AccessToken!);
            login["username"]!.GetValue<string>().ShouldBe(WellKnown.AdminUsername);
            login["orgId"]!.GetValue<string>().ShouldBe(emulator.State.DefaultOrg.Id);
            login["isDevHub"]!.GetValue<bool>().ShouldBeFalse();
            login["isSandbox"]!.GetValue<bool>().ShouldBeFalse();

            var created = await SfAsync(home, client.AccessToken!, "data", "create", "record", "--sobject", "Contact",
                "--values", "FirstName=Grace LastName=Hopper Email=grace@example.com", "--target-org", "emu");
            var id = created["id"]!.GetValue<string>();
            created["success"]!.GetValue<bool>().ShouldBeTrue();

            var query = await SfAsync(home, client.AccessToken!, "data", "query", "--query", "SELECT Id, Name, Email FROM Contact WHERE LastName = 'Hopper'", "--target-org", "emu");
            query["totalSize"]!.GetValue<int>().ShouldBe(1);
            query["records"]![0]!["Name"]!.GetValue<string>().ShouldBe("Grace Hopper");
            query["records"]![0]!["Id"]!.GetValue<string>().ShouldBe(id);

            // The CLI is given the 15-character form; the emulator accepts it and answers with the 18-character id.
            var got = await SfAsync(home, client.AccessToken!, "data", "get", "record", "--sobject", "Contact", "--record-id", id[..15], "--target-org", "emu");
            got["Id"]!.GetValue<string>().ShouldBe(id);
            got["Email"]!.GetValue<string>().ShouldBe("grace@example.com");

            var log = emulator.State.Log.Entries();
            log.ShouldContain(e => e.Kind == "oauth.userinfo" && e.Status == 200);
            log.ShouldContain(e => e.Kind == "sobject.create" && e.Status == 201);
            // Everything the CLI asks for is emulated: nothing it sent was unknown or broke the emulator.
            log.ShouldNotContain(e => e.Status == 404 || e.Status >= 500, string.Join("\n", log.Select(e => $"{e.Status} {e.Method} {e.Path}")));
        });
    }

    [Fact]
    public async Task Bulk_import_of_a_csv_file_then_bulk_export_of_the_same_rows()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = await EmulatorClient.SignedInAsync(emulator);
        await InCliHomeAsync(async home =>
        {
            await LoginAsync(home, emulator, client.AccessToken!);
            var input = Path.Combine(home, "contacts.csv");
            var lines = new List<string> { "FirstName,LastName,Email" };
            lines.AddRange(Enumerable.Range(0, 1500).Select(i => $"Cli{i},\"Import, {i:0000}\",cli{i}@example.com"));
            await File.WriteAllLinesAsync(input, lines, TestContext.Current.CancellationToken);

            var imported = await SfAsync(home, client.AccessToken!, "data", "import", "bulk", "--sobject", "Contact", "--file", input, "--wait", "5", "--target-org", "emu");
            imported["processedRecords"]!.GetValue<int>().ShouldBe(1500);
            imported["successfulRecords"]!.GetValue<int>().ShouldBe(1500);
            imported["failedRecords"]!.GetValue<int>().ShouldBe(0);

            var output = Path.Combine(home, "export.csv");
            var exported = await SfAsync(home, client.AccessToken!, "data", "export", "bulk", "--query", "SELECT Id, LastName, Email FROM Contact WHERE FirstName LIKE 'Cli%' ORDER BY LastName",
                "--output-file", output, "--wait", "5", "--result-format", "csv", "--target-org", "emu");
            exported["totalSize"]!.GetValue<int>().ShouldBe(1500);
            var rows = await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken);
            rows.Length.ShouldBe(1501);
            rows[0].ShouldContain("LastName");
            rows[1].ShouldContain("Import, 0000");

            var log = emulator.State.Log.Entries();
            log.ShouldContain(e => e.Kind == "bulk.upload" && e.Status == 201);
            log.ShouldNotContain(e => e.Status == 404 || e.Status >= 500, string.Join("\n", log.Select(e => $"{e.Status} {e.Method} {e.Path}")));
        });
    }
}
