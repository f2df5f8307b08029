using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Cli;

public sealed partial class CliTests
{
    [GeneratedRegex(@"id ([0-9a-f]{32})")]
    private static partial Regex TenantId();

    [Fact]
    public async Task An_admin_sets_up_and_links_tenants_from_the_command_line()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = TestHub.Seed() }, TestContext.Current.CancellationToken);
        var dir = Directory.CreateTempSubdirectory("cb-cli-").FullName;
        var env = new Dictionary<string, string>
        {
            ["CONTACTBRIDGE_Salesforce__ProductionLoginUrl"] = emulator.ProductionLoginUrl,
            ["CONTACTBRIDGE_Salesforce__SandboxLoginUrl"] = emulator.SandboxLoginUrl,
        };
        try
        {
            var admin = await CliProcess.RunAsync(dir, env, "a long admin password", "admin", "create", "--email", "root@cli.example", "--password", "-");
            admin.ExitCode.ShouldBe(0, admin.ToString());
            admin.Stdout.ShouldContain("System administrator root@cli.example created");

            var created = await CliProcess.RunAsync(dir, env, null, "tenant", "create", "--name", "Cli Co");
            created.ExitCode.ShouldBe(0, created.ToString());
            TenantId().IsMatch(created.Stdout).ShouldBeTrue(created.Stdout);

            (await CliProcess.RunAsync(dir, env, WellKnown.ClientSecret, "system-app", "set", "--client-id", WellKnown.ClientId, "--client-secret", "-")).ExitCode.ShouldBe(0);

            var cc = await CliProcess.RunAsync(dir, env, null, "link", "client-credentials", "--tenant", "cli-co",
                "--token-url", emulator.InstanceUrl + "/services/oauth2/token", "--client-id", WellKnown.ClientId, "--client-secret", WellKnown.ClientSecret);
            cc.ExitCode.ShouldBe(0, cc.ToString());
            cc.Stdout.ShouldContain("Cli Co: linked.");
            cc.Stdout.ShouldContain($"{WellKnown.IntegrationUsername} in org {emulator.State.DefaultOrg.Id}");

            // The web-server flow: the admin opens the printed URL, allows access, and pastes where the browser landed.
            using (var web = CliProcess.Start(dir, env, "link", "web", "--tenant", "cli-co", "--environment", "sandbox"))
            {
                var urlLine = await web.LineContainingAsync("/services/oauth2/authorize");
                var authorize = new Uri(urlLine.Trim());
                authorize.AbsolutePath.ShouldStartWith("/test/");
                using var browser = new PortalClient(new Uri("http://127.0.0.1:5180"), emulator.BaseUri);
                var callback = await browser.EmulatorAuthorizeAsync(authorize, WellKnown.IntegrationUsername + ".uat", WellKnown.IntegrationPassword, "allow");
                callback.AbsolutePath.ShouldBe("/linking/callback");
                await web.WriteLineAsync(callback.ToString());
                var done = await web.ExitAsync();
                done.ExitCode.ShouldBe(0, done.ToString());
                done.Stdout.ShouldContain("Cli Co: relinked.");
                done.Stdout.ShouldContain($"{WellKnown.IntegrationUsername}.uat in org {emulator.State.FindOrg("uat")!.Id} (sandbox, web_server)");
            }

            var status = await CliProcess.RunAsync(dir, env, null, "link", "status", "--tenant", "cli-co");
            status.Stdout.ShouldStartWith("Cli Co: Linked");
            (await CliProcess.RunAsync(dir, env, null, "link", "check", "--tenant", "cli-co")).ExitCode.ShouldBe(0);

            var unlink = await CliProcess.RunAsync(dir, env, null, "link", "unlink", "--tenant", "cli-co");
            unlink.ExitCode.ShouldBe(0, unlink.ToString());
            unlink.Stdout.ShouldContain("unlinked");
            var sandboxUser = emulator.State.FindUser(WellKnown.IntegrationUsername + ".uat")!.Value.User;
            emulator.State.OAuth.Approvals(sandboxUser.Id, WellKnown.ClientId).ShouldBeEmpty();

            var list = await CliProcess.RunAsync(dir, env, null, "tenant", "list");
            list.Stdout.ShouldContain("cli-co");
            list.Stdout.ShouldContain("Unlinked");
            // For scripts: the same data as JSON.
            var json = JsonNode.Parse((await CliProcess.RunAsync(dir, env, null, "tenant", "list", "--json")).Stdout)!.AsArray();
            json.ShouldHaveSingleItem()!["slug"]!.GetValue<string>().ShouldBe("cli-co");
            json[0]!["linkStatus"]!.GetValue<string>().ShouldBe("unlinked");
            var statusJson = JsonNode.Parse((await CliProcess.RunAsync(dir, env, null, "link", "status", "--tenant", "cli-co", "--json")).Stdout)!;
            statusJson["status"]!.GetValue<string>().ShouldBe("unlinked");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Mistakes_get_one_clear_line_and_a_nonzero_exit()
    {
        var dir = Directory.CreateTempSubdirectory("cb-cli-").FullName;
        try
        {
            var noTenant = await CliProcess.RunAsync(dir, null, null, "link", "status", "--tenant", "nope");
            noTenant.ExitCode.ShouldBe(1);
            noTenant.Stderr.Trim().ShouldBe("error: No tenant 'nope'. List them with: contactbridge tenant list");
            var weak = await CliProcess.RunAsync(dir, null, "short", "admin", "create", "--email", "a@b.example", "--password", "-");
            weak.ExitCode.ShouldBe(1);
            weak.Stderr.ShouldContain("at least 12 characters");
            var missing = await CliProcess.RunAsync(dir, null, null, "tenant", "create");
            missing.ExitCode.ShouldNotBe(0);
            missing.Stderr.ShouldContain("--name");
            var badEnvironment = await CliProcess.RunAsync(dir, null, null, "link", "web", "--tenant", "x", "--environment", "moon");
            badEnvironment.ExitCode.ShouldNotBe(0);
            badEnvironment.Stderr.ShouldContain("moon");
            var badUrl = await CliProcess.RunAsync(dir, new Dictionary<string, string> { ["CONTACTBRIDGE_Hub__PublicUrl"] = "not a url" }, null, "tenant", "list");
            badUrl.ExitCode.ShouldNotBe(0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_the_hub_api()
    {
        await using var hub = await TestHub.StartAsync();
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        var doc = await http.GetFromJsonAsync<JsonObject>("/openapi/v1.json", TestContext.Current.CancellationToken);
        doc!["info"]!["title"]!.GetValue<string>().ShouldBe("ContactBridge hub API");
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldContain("/api/v1/tenants");
        paths.ShouldContain("/api/v1/tenants/{tenantId}/salesforce-link");
        paths.ShouldContain("/api/v1/tenants/{tenantId}/salesforce-link/check");
        paths.ShouldNotContain("/login");
        var events = doc["paths"]!["/api/v1/tenants/{tenantId}/events"]!["post"]!;
        events["requestBody"]!["content"]!["application/cloudevents-batch+json"]!["example"]![0]!["type"]!.GetValue<string>()
            .ShouldBe("com.contactbridge.interaction.started");
        // Each event type's data, as the intake checks it.
        var note = events["x-event-data"]!["com.contactbridge.interaction.note_added"]!;
        note["properties"]!["note"]!["type"]!.GetValue<string>().ShouldBe("object");
        events["x-event-data"]!["com.contactbridge.interaction.started"]!["properties"]!["caller"]!["properties"]!["email"]!["maxLength"]!.GetValue<int>().ShouldBe(80);
    }
}
