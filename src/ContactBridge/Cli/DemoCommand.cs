using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator;
using ContactBridge.ContactCenterEmulator.Load;
using ContactBridge.ContactCenterEmulator.Routing;
using AddressBookEntry = ContactBridge.ContactCenterEmulator.Tenants.AddressBookEntry;
using AddressBookSeed = ContactBridge.ContactCenterEmulator.Tenants.AddressBookSeed;
using AgentSeed = ContactBridge.ContactCenterEmulator.Tenants.AgentSeed;
using SkillSeed = ContactBridge.ContactCenterEmulator.Tenants.SkillSeed;
using TalkSeconds = ContactBridge.ContactCenterEmulator.Tenants.TalkSeconds;
using TenantSeed = ContactBridge.ContactCenterEmulator.Tenants.TenantSeed;
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
/// emulator (a production org and a sandbox org) and contact-center emulator, two demo tenants
/// already linked and connected both ways, sample traffic from the contact center, and sign-ins
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
        var contactCenterPort = new Option<int>("--contact-center-port")
            { Description = "The embedded contact-center emulator's port.", DefaultValueFactory = _ => ContactCenterEmulatorOptions.DefaultPort };
        var noTraffic = new Option<bool>("--no-traffic") { Description = "Do not start the contact center's sample traffic." };
        var command = new Command("demo",
                "Runs the hub with an embedded Salesforce emulator and contact-center emulator, linked demo tenants, and sample traffic from the contact center.")
            { port, emulatorPort, contactCenterPort, noTraffic };
        command.SetAction(async (p, ct) =>
        {
            await using var demo = await StartAsync(p.GetValue(port), p.GetValue(emulatorPort), ct, traffic: !p.GetValue(noTraffic),
                new ContactCenterEmulatorOptions { Port = p.GetValue(contactCenterPort) });
            Console.WriteLine(demo.Banner());
            await demo.Hub.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    public sealed class Demo(EmulatorServer emulator, ContactCenterEmulatorServer contactCenter, HubServer hub, string directory, Tenant tenant, Tenant supportTenant)
        : IAsyncDisposable
    {
        public EmulatorServer Emulator { get; } = emulator;
        public ContactCenterEmulatorServer ContactCenter { get; } = contactCenter;
        public HubServer Hub { get; } = hub;
        public Tenant Tenant { get; } = tenant;
        public Tenant SupportTenant { get; } = supportTenant;
        public bool Traffic { get; set; }
        public string UsersCsv => Path.Combine(directory, "telephony-users.csv");
        public string CallCenterId { get; set; } = "";

        public string Banner() => $"""

            ContactBridge demo is running.

              Portal            {Hub.BaseUri}
              Sign in           {AdminEmail} / {Password}   (system administrator)
                                {TenantAdminEmail} / {Password}   (administrator of "{Tenant.Name}" only)
              Demo tenants      {Tenant.Name} (sales mode) and {SupportTenant.Name} (support mode),
                                both Linked to the emulator org as {WellKnown.IntegrationUsername}
              Sample traffic    {(Traffic ? $"a call, chat or e-mail every {1 / CallsPerSecond:0} s per tenant from the contact-center emulator, answered by its agents: see each tenant's Contact center and Activity pages" : "off")}

              Salesforce emulator
                Instance URL    {Emulator.InstanceUrl}
                Lightning       {Emulator.InstanceUrl}/lightning/page/home   sign in as {WellKnown.AdminUsername} / {WellKnown.AdminPassword}
                                (record links on the Activity pages open there)
                Production      {Emulator.ProductionLoginUrl}   sign in as {WellKnown.IntegrationUsername} / {WellKnown.IntegrationPassword}
                Sandbox         {Emulator.SandboxLoginUrl}   sign in as {WellKnown.IntegrationUsername}.sandbox / {WellKnown.IntegrationPassword}

              Contact-center emulator (not a real contact center)
                Control API     {ContactCenter.BaseUri}_emulator   (start a call: POST {ContactCenter.BaseUri}_emulator/tenants/{Tenant.Id}/contacts)
                Agents          {string.Join(", ", DemoAgents.Select(a => a.Id))}, the same people as the org's users (by e-mail)

              Softphone         {Emulator.InstanceUrl}/lightning/page/home   sign in as {SoftphoneUsername} / {SoftphonePassword},
                                open Phone in the utility bar and choose "Sign in with Salesforce": Alex is the agent {SoftphoneAgentId}
                                of "{Tenant.Name}" (start a call for Alex: go Available, then POST …/contacts as above)

              Workforce         {Hub.BaseUri}tenants/{Tenant.Id}/workforce : interval statistics from the contact center's traffic, charted as intervals close
                                {Hub.BaseUri}tenants/{SupportTenant.Id}/workforce : from eight hours of Omni-Channel history in the emulator org

              User mapping      {Hub.BaseUri}tenants/{Tenant.Id}/routing-map : upload {UsersCsv}
                                (or: contactbridge --data-dir {directory} routing-map import --tenant {Tenant.Slug} --users {UsersCsv} --call-center {CallCenterId})

              Try: open the portal, sign in, unlink the demo tenant, then link it again through the emulator's pages.
              Everything is temporary ({directory}) and removed when you press Ctrl+C.
            """;

        public async ValueTask DisposeAsync()
        {
            await ContactCenter.DisposeAsync();
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

    /// <summary>The sample traffic's rate per tenant: enough to watch, not enough to fill the org.</summary>
    public const double CallsPerSecond = 0.1;

    /// <summary>The contact center's agents: the org's users (same e-mail), logged in and answering by themselves.</summary>
    public static readonly IReadOnlyList<(string Id, string Name, string Email)> DemoAgents =
    [
        ("sam.agent", "Sam Agent", AgentEmail), ("rosa.parks", "Rosa Parks", "rosa@contactbridge.example"),
        ("ada.lovelace", "Ada Lovelace", "ada@contactbridge.example"), ("grace.hopper", "Grace Hopper", "grace@contactbridge.example"),
    ];

    /// <summary>One demo tenant in the contact-center emulator: a skill per channel, the demo agents, an address book, and the hub's secrets.</summary>
    private static TenantSeed ContactCenterTenant(Tenant tenant, Uri hub, string eventSecret, string commandSecret, string prefix) => new()
    {
        Id = tenant.Id, HubEventsUrl = new Uri(hub, $"/api/v1/tenants/{tenant.Id}/events").ToString(), EventSecret = eventSecret, CommandSecret = commandSecret,
        Skills =
        [
            new SkillSeed { Id = $"{prefix}-phone", Name = $"{char.ToUpperInvariant(prefix[0])}{prefix[1..]} line", Channel = "phone" },
            new SkillSeed { Id = $"{prefix}-chat", Name = "Web chat", Channel = "chat" },
            new SkillSeed { Id = $"{prefix}-email", Name = "E-mail", Channel = "email" },
        ],
        Agents = DemoAgents.Select(a => new AgentSeed
        {
            Id = a.Id, Name = a.Name, Email = a.Email, LoggedIn = true, AutoAnswer = true,
            Skills = new Dictionary<string, int> { [$"{prefix}-phone"] = 5, [$"{prefix}-chat"] = 3, [$"{prefix}-email"] = 2 },
        }).Append(new AgentSeed
        {
            Id = SoftphoneAgentId, Name = "Alex Agent", Email = SoftphoneUsername, Station = "4030",
            Skills = new Dictionary<string, int> { [$"{prefix}-phone"] = 5, [$"{prefix}-chat"] = 3, [$"{prefix}-email"] = 2 },
        }).ToList(),
        AddressBooks =
        [
            new AddressBookSeed
            {
                Id = "main", Name = "Main",
                Entries = [new AddressBookEntry { Name = "Billing desk", Number = "+14155550150" }, new AddressBookEntry { Name = "Rosa Parks", AgentId = "rosa.parks" }],
            },
        ],
        WrapUpSeconds = 10, TalkSeconds = new TalkSeconds { Min = 20, Max = 90 },
        Patience = new PatienceSetting { Distribution = "exponential", MeanSeconds = 90 },
    };

    /// <summary>Callers the org knows (a contact, a lead, an account) and some it does not, with account numbers for the IVR.</summary>
    private static LoadProfile Traffic() => new()
    {
        CallsPerSecond = CallsPerSecond, ShortAbandonShare = 0.05,
        Callers = ["+14155550101", "+14155550102", "+14155550103", "+14155550100", "+16285550142", "+16285550177", "+16285550190"],
        AccountNumbers = ["A-1001", "A-1002", "B-2001"],
    };

    public const string AgentEmail = "agent@contactbridge.example";

    /// <summary>The demo's agent who works from the softphone in Salesforce (not answering by itself): the org's user, and the contact center's agent.</summary>
    public const string SoftphoneUsername = "alex@contactbridge.example";
    public const string SoftphonePassword = "Emulator-Agent-2";
    public const string SoftphoneAgentId = "alex.agent";

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
                        new SeedUser { Username = SoftphoneUsername, Email = SoftphoneUsername, FirstName = "Alex", LastName = "Agent", Alias = "aagent", Password = SoftphonePassword },
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

    /// <summary>
    /// The softphone in the org, as the README tells an administrator to put it there: the tenant's call center definition
    /// imported, Alex in that call center, and Alex paired with the agent alex.agent in the routing map.
    /// </summary>
    private static void InstallSoftphone(EmulatorServer emulator, HubServer hub, Tenant tenant)
    {
        var org = emulator.State.DefaultOrg;
        var xml = ContactBridge.AgentAdapter.CallCenterDefinitionFile.For(tenant, hub.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions>>().Value.PublicUrl);
        var center = ContactBridge.Emulator.CallCenters.CallCenterImport.Import(org, emulator.State.Clock, xml).Center;
        lock (org.Sync)
        {
            var writer = new ContactBridge.Emulator.Records.RecordWriter(org, emulator.State.Clock);
            var alex = org.UserByUsername(SoftphoneUsername)!;
            writer.Update(alex.Id, alex, new JsonObject { ["CallCenterId"] = center.Id }, system: true);
            writer.Create(org.Records.OfType("User")[0].Id, org.Schema.Require("CallCenterRoutingMap"), new JsonObject
            {
                ["ExternalId"] = SoftphoneAgentId, ["ReferenceRecordId"] = alex.Id, ["CallCenterId"] = center.Id, ["DeveloperName"] = "alex_agent", ["MasterLabel"] = "Alex Agent",
            }, system: true);
        }
    }

    /// <summary>The group of the support desk's workforce integration that reads Omni-Channel in the org.</summary>
    public const string OmniChannelGroup = "omni-channel";

    /// <summary>
    /// Workforce management: the sales tenant's feed computed from the contact center's traffic as intervals close; the support
    /// desk's from Omni-Channel in the org, which is given eight hours of realistic history first.
    /// </summary>
    private static async Task StartWorkforceFeedsAsync(EmulatorServer emulator, IServiceProvider sp, Tenant tenant, Tenant supportTenant, CancellationToken ct)
    {
        var workforce = sp.GetRequiredService<ContactBridge.Workforce.WorkforceIntegrations>();
        ContactBridge.Emulator.OmniChannel.OmniChannelActivity.Generate(emulator.State.DefaultOrg, emulator.State.Clock,
            new ContactBridge.Emulator.OmniChannel.OmniChannelActivityRequest(Hours: 8, Agents: 8, Queues: 3, WorkPerHour: 15, Seed: 42));
        foreach (var (t, group, settings) in new[]
                 {
                     (tenant, ContactBridge.Workforce.WorkforceSettingsRules.DefaultGroup, new ContactBridge.Workforce.HistoricalSettings { Enabled = true }),
                     (supportTenant, OmniChannelGroup, new ContactBridge.Workforce.HistoricalSettings
                     {
                         Enabled = true, Source = ContactBridge.Workforce.WorkforceSources.Salesforce, ReadyActivities = "Available", NotReadyActivities = "Break; Lunch",
                         AdminActivities = "Training", IdleActivities = "",
                     }),
                 })
        {
            var outcome = await workforce.SaveHistoricalAsync(t.Id, group, settings, null, ct);
            if (outcome.Problems.Count > 0)
                throw new InvalidOperationException($"The demo's workforce integration was refused: {string.Join(" ", outcome.Problems.Select(p => $"{p.Setting}: {p.Message}"))}");
        }
    }

    public static async Task<Demo> StartAsync(int port, int emulatorPort, CancellationToken ct, bool traffic = true, ContactCenterEmulatorOptions? contactCenterOptions = null)
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
                // The demo's contact center is on this machine.
                [$"{ContactBridge.ContactCenter.ContactCenterOptions.Section}:AllowPrivateNetwork"] = "true",
                [$"{ContactBridge.VoiceCalls.VoiceCallOptions.Section}:TelephonyBaseUrl"] = new Uri(emulator.BaseUri, "/telephony/v1/").ToString(),
            },
        }, ct);
        var app = emulator.State.FindApp(WellKnown.ClientId)!;
        foreach (var callback in new[] { new Uri(hub.BaseUri, "/linking/callback").ToString(), new Uri(hub.BaseUri, ContactBridge.AgentAdapter.AgentSignIn.CallbackPath).ToString() })
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
        // The contact center: connected to both tenants as their administrators would connect it (event and command secrets from the hub).
        var contactCenter = await ContactCenterEmulatorServer.StartAsync(contactCenterOptions ?? new ContactCenterEmulatorOptions(), ct);
        var secrets = sp.GetRequiredService<IntakeSecrets>();
        var connections = sp.GetRequiredService<ContactBridge.ContactCenter.ContactCenterConnections>();
        foreach (var (t, prefix) in new[] { (tenant, "sales"), (supportTenant, "support") })
        {
            var problems = contactCenter.Center.PutTenant(ContactCenterTenant(t, hub.BaseUri, await secrets.RotateAsync(t.Id, ct),
                (await connections.ConnectAsync(t.Id, contactCenter.CommandUrlOf(t.Id).ToString(), newSecret: true, ct))!, prefix));
            if (problems.Count > 0) throw new InvalidOperationException($"The demo's contact center refused its tenant: {string.Join(" ", problems)}");
            if (traffic && contactCenter.Center.Tenant(t.Id).StartLoad(Traffic()) is { Count: > 0 } loadProblems)
                throw new InvalidOperationException($"The demo's traffic was refused: {string.Join(" ", loadProblems)}");
        }
        InstallSoftphone(emulator, hub, tenant);
        await StartWorkforceFeedsAsync(emulator, sp, tenant, supportTenant, ct);
        var demo = new Demo(emulator, contactCenter, hub, directory, tenant, supportTenant) { Traffic = traffic };
        // A sample of the contact center's users, for the user-mapping page and command.
        lock (emulator.State.DefaultOrg.Sync) demo.CallCenterId = emulator.State.DefaultOrg.Records.OfType("CallCenter")[0].Id;
        await File.WriteAllTextAsync(demo.UsersCsv, "ExternalId,Email,QuickConnect\nsam.agent,agent@contactbridge.example,\nrosa.parks,rosa@contactbridge.example,\n" +
                                                    "ada.lovelace,ada@contactbridge.example,\nlinus.t,linus@contactbridge.example,\n", ct);
        return demo;
    }
}
