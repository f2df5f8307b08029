using System.CommandLine;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Linking;
using ContactBridge.Tenants;
using Microsoft.AspNetCore.WebUtilities;

namespace ContactBridge.Cli;

/// <summary>
/// <c>contactbridge demo</c>: the hub on a fresh SQLite database with an embedded Salesforce
/// emulator (a production org and a sandbox org), a demo tenant already linked, and sign-ins
/// printed. Everything lives in a temporary directory removed on exit.
/// </summary>
public static class DemoCommand
{
    public const string AdminEmail = "admin@demo.contactbridge.example";
    public const string TenantAdminEmail = "supervisor@demo.contactbridge.example";
    public const string Password = "contactbridge-demo";

    public static Command Build()
    {
        var port = new Option<int>("--port") { Description = "The hub's port.", DefaultValueFactory = _ => 5180 };
        var emulatorPort = new Option<int>("--emulator-port") { Description = "The embedded Salesforce emulator's port.", DefaultValueFactory = _ => 8844 };
        var command = new Command("demo", "Runs the hub with an embedded Salesforce emulator and a linked demo tenant.") { port, emulatorPort };
        command.SetAction(async (p, ct) =>
        {
            await using var demo = await StartAsync(p.GetValue(port), p.GetValue(emulatorPort), ct);
            Console.WriteLine(demo.Banner());
            await demo.Hub.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    public sealed class Demo(EmulatorServer emulator, HubServer hub, string directory, Tenant tenant) : IAsyncDisposable
    {
        public EmulatorServer Emulator { get; } = emulator;
        public HubServer Hub { get; } = hub;
        public Tenant Tenant { get; } = tenant;

        public string Banner() => $"""

            ContactBridge demo is running.

              Portal            {Hub.BaseUri}
              Sign in           {AdminEmail} / {Password}   (system administrator)
                                {TenantAdminEmail} / {Password}   (administrator of "{Tenant.Name}" only)
              Demo tenant       {Tenant.Name}: Linked to the emulator org as {WellKnown.IntegrationUsername}

              Salesforce emulator
                Instance URL    {Emulator.InstanceUrl}
                Production      {Emulator.ProductionLoginUrl}   sign in as {WellKnown.IntegrationUsername} / {WellKnown.IntegrationPassword}
                Sandbox         {Emulator.SandboxLoginUrl}   sign in as {WellKnown.IntegrationUsername}.sandbox / {WellKnown.IntegrationPassword}

              Try: open the portal, sign in, unlink the demo tenant, then link it again through the emulator's pages.
              Everything is temporary ({directory}) and removed when you press Ctrl+C.
            """;

        public async ValueTask DisposeAsync()
        {
            await Hub.DisposeAsync();
            await Emulator.DisposeAsync();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left behind in the temp directory; nothing secret beyond demo data.
            }
        }
    }

    public static async Task<Demo> StartAsync(int port, int emulatorPort, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("contactbridge-demo-").FullName;
        var emulator = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Port = emulatorPort,
            Seed = new SeedFile { Orgs = [new SeedOrg { Key = WellKnown.DefaultOrgKey }, new SeedOrg { Key = "sandbox", Sandbox = true, Name = "ContactBridge Emulator (sandbox)" }] },
        }, ct);
        var hub = await HubServer.StartAsync(new HubServerOptions
        {
            Urls = $"http://127.0.0.1:{port}",
            Settings = new()
            {
                [$"{HubOptions.Section}:DataDirectory"] = directory,
                [$"{HubOptions.Section}:PublicUrl"] = $"http://127.0.0.1:{port}",
                [$"{SalesforceOptions.Section}:ProductionLoginUrl"] = emulator.ProductionLoginUrl,
                [$"{SalesforceOptions.Section}:SandboxLoginUrl"] = emulator.SandboxLoginUrl,
            },
        }, ct);
        var callback = new Uri(hub.BaseUri, "/linking/callback").ToString();
        var app = emulator.State.FindApp(WellKnown.ClientId)!;
        if (!app.CallbackUrls.Contains(callback)) app.CallbackUrls.Add(callback);

        var sp = hub.Services;
        var linking = sp.GetRequiredService<SalesforceLinkService>();
        await linking.SetSystemAppAsync(WellKnown.ClientId, WellKnown.ClientSecret, ct);
        var users = sp.GetRequiredService<UserStore>();
        await users.CreateAsync(AdminEmail, Password, Roles.SystemAdmin, null, ct);
        var tenant = await sp.GetRequiredService<TenantStore>().CreateAsync("Demo Contact Center", ct);
        await users.CreateAsync(TenantAdminEmail, Password, Roles.TenantAdmin, tenant.Id, ct);

        // Link the demo tenant through the real code exchange. The emulator issues the code that its
        // login and consent pages would issue once the integration user chose Allow.
        const string session = "demo-setup";
        var authorize = await linking.StartWebLinkAsync(tenant.Id, session, SalesforceEnvironment.Production, null, AppConfiguration.System, null, ct);
        var query = QueryHelpers.ParseQuery(authorize.Query);
        var org = emulator.State.DefaultOrg;
        var integration = emulator.State.FindUser(WellKnown.IntegrationUsername)!.Value.User;
        var code = emulator.State.OAuth.IssueCode(org.Key, integration.Id, WellKnown.ClientId, query["redirect_uri"]!, emulator.ProductionLoginUrl,
            query["code_challenge"], query["scope"]!);
        await linking.CompleteWebLinkAsync(session, query["state"], code.Code, null, null, ct);
        return new Demo(emulator, hub, directory, tenant);
    }
}
