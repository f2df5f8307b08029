using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Intake;
using ContactBridge.Linking;
using ContactBridge.Logging;
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
        var noTraffic = new Option<bool>("--no-traffic") { Description = "Do not send sample interactions." };
        var command = new Command("demo", "Runs the hub with an embedded Salesforce emulator, linked demo tenants and a stream of sample interactions.")
            { port, emulatorPort, noTraffic };
        command.SetAction(async (p, ct) =>
        {
            await using var demo = await StartAsync(p.GetValue(port), p.GetValue(emulatorPort), ct, traffic: !p.GetValue(noTraffic));
            Console.WriteLine(demo.Banner());
            await demo.Hub.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    public sealed class Demo(EmulatorServer emulator, HubServer hub, string directory, Tenant tenant, Tenant supportTenant) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task? _traffic;

        public EmulatorServer Emulator { get; } = emulator;
        public HubServer Hub { get; } = hub;
        public Tenant Tenant { get; } = tenant;
        public Tenant SupportTenant { get; } = supportTenant;
        public int Sent => _sent;
        public string UsersCsv => Path.Combine(directory, "telephony-users.csv");
        public string CallCenterId { get; set; } = "";
        private int _sent;

        public string Banner() => $"""

            ContactBridge demo is running.

              Portal            {Hub.BaseUri}
              Sign in           {AdminEmail} / {Password}   (system administrator)
                                {TenantAdminEmail} / {Password}   (administrator of "{Tenant.Name}" only)
              Demo tenants      {Tenant.Name} (sales mode) and {SupportTenant.Name} (support mode),
                                both Linked to the emulator org as {WellKnown.IntegrationUsername}
              Sample traffic    {(_traffic is null ? "off" : "a call, chat or e-mail every few seconds: see each tenant's Activity page, or query the org")}

              Salesforce emulator
                Instance URL    {Emulator.InstanceUrl}
                Production      {Emulator.ProductionLoginUrl}   sign in as {WellKnown.IntegrationUsername} / {WellKnown.IntegrationPassword}
                Sandbox         {Emulator.SandboxLoginUrl}   sign in as {WellKnown.IntegrationUsername}.sandbox / {WellKnown.IntegrationPassword}

              User mapping      {Hub.BaseUri}tenants/{Tenant.Id}/routing-map : upload {UsersCsv}
                                (or: contactbridge --data-dir {directory} routing-map import --tenant {Tenant.Slug} --users {UsersCsv} --call-center {CallCenterId})

              Try: open the portal, sign in, unlink the demo tenant, then link it again through the emulator's pages.
              Everything is temporary ({directory}) and removed when you press Ctrl+C.
            """;

        private readonly Random _random = new(7);
        private string _salesSecret = "";
        private string _supportSecret = "";

        /// <summary>Sends sample interactions through the real signed events API until the demo stops.</summary>
        public void StartTraffic(string salesSecret, string supportSecret)
        {
            UseSecrets(salesSecret, supportSecret);
            _traffic = Task.Run(async () =>
            {
                using var http = new HttpClient { BaseAddress = Hub.BaseUri };
                try
                {
                    for (var i = 0; !_stop.IsCancellationRequested; i++)
                    {
                        await SendSampleAsync(http, i, TimeSpan.FromSeconds(2), _stop.Token);
                        await Task.Delay(TimeSpan.FromSeconds(3), _stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    // The demo is stopping.
                }
            });
        }

        public void UseSecrets(string salesSecret, string supportSecret) => (_salesSecret, _supportSecret) = (salesSecret, supportSecret);

        /// <summary>One sample call, chat, e-mail or SMS for one of the two tenants: started, agent, (a pause), messages, ended.</summary>
        public async Task SendSampleAsync(HttpClient http, int i, TimeSpan talk, CancellationToken ct)
        {
            string[] channels = ["voice", "voice", "web_chat", "email", "sms"];
            string[] known = ["+1 (415) 555-0101", "+1 (415) 555-0102", "+1 (415) 555-0103", "+1 (415) 555-0100"];
            string[] names = ["Marie Curie", "Alan Turing", "Katherine Johnson", "Tim Berners-Lee", "Hedy Lamarr"];
            var support = i % 2 == 1;
            var (tenant, secret) = support ? (SupportTenant, _supportSecret) : (Tenant, _salesSecret);
            var id = $"demo-{i:00000}";
            var channel = channels[_random.Next(channels.Length)];
            var phone = _random.Next(2) == 0 ? known[_random.Next(known.Length)] : $"+1 (628) 555-{_random.Next(1000, 9999)}";
            var caller = new JsonObject { ["phone"] = phone, ["name"] = names[_random.Next(names.Length)], ["company"] = "Example Co" };
            await SendAsync(http, tenant.Id, secret, ct,
                Event(id, "started", new JsonObject { ["channel"] = channel, ["direction"] = "inbound", ["caller"] = caller, ["queue"] = "General" }, 1),
                Event(id, "agent_assigned", new JsonObject { ["agent"] = new JsonObject { ["id"] = "sam.agent", ["email"] = AgentEmail, ["name"] = "Sam Agent" } }, 2));
            if (talk > TimeSpan.Zero) await Task.Delay(talk, ct);
            await SendAsync(http, tenant.Id, secret, ct,
                Event(id, "message_appended", new JsonObject { ["message"] = new JsonObject { ["from"] = "customer", ["text"] = "Hi, my order has not arrived." } }, 3),
                Event(id, "message_appended", new JsonObject { ["message"] = new JsonObject { ["from"] = "agent", ["text"] = "Sorry about that, I have sent a replacement." } }, 4),
                Event(id, "ended", new JsonObject { ["durationSeconds"] = _random.Next(30, 600), ["disposition"] = "Resolved", ["outcome"] = "answered" }, 5));
            Interlocked.Increment(ref _sent);
        }

        private static JsonObject Event(string interaction, string type, JsonObject data, int n) => new()
        {
            ["specversion"] = "1.0", ["id"] = $"{interaction}-{n}", ["source"] = "/demo", ["type"] = InteractionEvent.TypePrefix + type, ["subject"] = interaction,
            ["time"] = DateTimeOffset.UtcNow.ToString("O"), ["data"] = data,
        };

        private static async Task SendAsync(HttpClient http, string tenantId, string secret, CancellationToken ct, params JsonObject[] events)
        {
            var body = Encoding.UTF8.GetBytes(new JsonArray(events).ToJsonString());
            var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenantId}/events") { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/cloudevents-batch+json");
            request.Headers.TryAddWithoutValidation(EventSignature.Header, $"t={t},v1={IntakeSecrets.Sign(secret, t, body)}");
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_traffic is not null) await _traffic;
            _stop.Dispose();
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

    public const string AgentEmail = "agent@contactbridge.example";

    /// <summary>The emulator org as the README's set-up leaves it: ContactBridge_Key__c external ids, an agent, a few known callers.</summary>
    public static SeedFile Seed()
    {
        static SeedField Key() => new() { Name = "ContactBridge_Key__c", Type = "string", Length = 255, ExternalId = true, Unique = true };
        return new SeedFile
        {
            Orgs =
            [
                new SeedOrg
                {
                    Key = WellKnown.DefaultOrgKey,
                    CustomFields = new() { ["Lead"] = [Key()], ["Contact"] = [Key()], ["Case"] = [Key()], ["Task"] = [Key()], ["ContentVersion"] = [Key()] },
                    Users =
                    [
                        new SeedUser { Username = AgentEmail, Email = AgentEmail, FirstName = "Sam", LastName = "Agent", Password = "Emulator-Agent-1", CallCenter = "ContactBridgeVoice" },
                        new SeedUser { Username = "rosa@contactbridge.example", FirstName = "Rosa", LastName = "Parks", Alias = "rparks", CallCenter = "ContactBridgeVoice" },
                        new SeedUser { Username = "ada@contactbridge.example", FirstName = "Ada", LastName = "Lovelace", Alias = "alovelac", CallCenter = "ContactBridgeVoice" },
                        new SeedUser { Username = "grace@contactbridge.example", FirstName = "Grace", LastName = "Hopper", Alias = "ghopper", CallCenter = "ContactBridgeVoice" },
                    ],
                    Records = new()
                    {
                        ["Account"] = [new JsonObject { ["@ref"] = "curie", ["Name"] = "Curie Labs", ["Phone"] = "+1 (415) 555-0100" }],
                        ["Contact"] =
                        [
                            new JsonObject { ["FirstName"] = "Marie", ["LastName"] = "Curie", ["AccountId"] = "@curie", ["Phone"] = "+1 (415) 555-0101", ["Email"] = "marie@curie.example" },
                            new JsonObject { ["FirstName"] = "Alan", ["LastName"] = "Turing", ["MobilePhone"] = "415.555.0102" },
                        ],
                        ["Lead"] = [new JsonObject { ["FirstName"] = "Katherine", ["LastName"] = "Johnson", ["Company"] = "Langley", ["Phone"] = "(415) 555-0103" }],
                    },
                },
                new SeedOrg { Key = "sandbox", Sandbox = true, Name = "ContactBridge Emulator (sandbox)" },
            ],
        };
    }

    public static async Task<Demo> StartAsync(int port, int emulatorPort, CancellationToken ct, bool traffic = true)
    {
        var directory = Directory.CreateTempSubdirectory("contactbridge-demo-").FullName;
        var emulator = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Port = emulatorPort,
            Seed = Seed(),
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
        var tenants = sp.GetRequiredService<TenantStore>();
        var tenant = await tenants.CreateAsync("Demo Contact Center", ct);
        var supportTenant = await tenants.CreateAsync("Demo Support Desk", ct);
        await users.CreateAsync(TenantAdminEmail, Password, Roles.TenantAdmin, tenant.Id, ct);
        await sp.GetRequiredService<LoggingSettingsStore>().SaveAsync(supportTenant.Id, new LoggingSettings { Mode = LoggingSettings.Support }, ct);

        // Link the demo tenants through the real code exchange. The emulator issues the code that its
        // login and consent pages would issue once the integration user chose Allow.
        foreach (var t in new[] { tenant, supportTenant })
        {
            var session = "demo-setup-" + t.Slug;
            var authorize = await linking.StartWebLinkAsync(t.Id, session, SalesforceEnvironment.Production, null, AppConfiguration.System, null, ct);
            var query = QueryHelpers.ParseQuery(authorize.Query);
            var integration = emulator.State.FindUser(WellKnown.IntegrationUsername)!.Value.User;
            var code = emulator.State.OAuth.IssueCode(emulator.State.DefaultOrg.Key, integration.Id, WellKnown.ClientId, query["redirect_uri"]!, emulator.ProductionLoginUrl,
                query["code_challenge"], query["scope"]!);
            await linking.CompleteWebLinkAsync(session, query["state"], code.Code, null, null, ct);
        }
        var secrets = sp.GetRequiredService<IntakeSecrets>();
        var demo = new Demo(emulator, hub, directory, tenant, supportTenant);
        // A sample of the contact center's users, for the user-mapping page and command.
        lock (emulator.State.DefaultOrg.Sync) demo.CallCenterId = emulator.State.DefaultOrg.Records.OfType("CallCenter")[0].Id;
        await File.WriteAllTextAsync(demo.UsersCsv, "ExternalId,Email,QuickConnect\nsam.agent,agent@contactbridge.example,\nrosa.parks,rosa@contactbridge.example,\n" +
                                                    "ada.lovelace,ada@contactbridge.example,\nlinus.t,linus@contactbridge.example,\n", ct);
        var salesSecret = await secrets.RotateAsync(tenant.Id, ct);
        var supportSecret = await secrets.RotateAsync(supportTenant.Id, ct);
        if (traffic) demo.StartTraffic(salesSecret, supportSecret);
        else demo.UseSecrets(salesSecret, supportSecret);
        return demo;
    }
}
