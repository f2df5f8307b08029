using System.Net;
using System.Net.Sockets;
using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;
using ContactBridge.Linking;
using ContactBridge.Tenants;

namespace ContactBridge.Tests.Support;

/// <summary>
/// A real hub on a loopback port, on its own SQLite file (or a given database), next to a real
/// emulator with a production org ("default") and a sandbox org ("uat"). Background workers are
/// off: tests run the health check themselves.
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    public const string AdminEmail = "root@hub.example";
    public const string Password = "correct horse battery";

    private TestHub(EmulatorServer emulator, HubServer hub, string directory, ManualClock clock, CapturedLogs logs)
    {
        Emulator = emulator;
        Hub = hub;
        Directory = directory;
        Clock = clock;
        Logs = logs;
    }

    public EmulatorServer Emulator { get; }
    public HubServer Hub { get; }
    public string Directory { get; }
    public ManualClock Clock { get; }
    public CapturedLogs Logs { get; }
    public IServiceProvider Services => Hub.Services;
    public Uri BaseUri => Hub.BaseUri;
    public string DatabaseFile => Path.Combine(Directory, "contactbridge.db");

    public const string AgentEmail = "agent@acme.example";

    /// <summary>A production org set up as the README recommends (ContactBridge_Key__c external ids, an agent user), and a sandbox org.</summary>
    public static SeedFile Seed(bool keyFields = true)
    {
        SeedField Key() => new() { Name = "ContactBridge_Key__c", Type = "string", Length = 255, ExternalId = true, Unique = true };
        var fields = keyFields
            ? new Dictionary<string, List<SeedField>> { ["Lead"] = [Key()], ["Contact"] = [Key()], ["Case"] = [Key()], ["Task"] = [Key()], ["ContentVersion"] = [Key()] }
            : [];
        return new SeedFile
        {
            Orgs =
            [
                new SeedOrg
                {
                    Key = WellKnown.DefaultOrgKey, CustomFields = fields,
                    Users = [new SeedUser { Username = AgentEmail, Email = AgentEmail, FirstName = "Ada", LastName = "Agent", Password = "Agent-Password-1" }],
                },
                new SeedOrg { Key = "uat", Sandbox = true, Name = "Acme UAT" },
            ],
        };
    }

    /// <summary>The settings that point a hub at the emulator's Pub/Sub API (with <c>pubSub: true</c>), for another instance.</summary>
    public IReadOnlyDictionary<string, string?> PubSubSettings { get; private init; } = new Dictionary<string, string?>();

    /// <summary>The hub's https address, when started with <c>lightning: true</c>.</summary>
    public Uri? HttpsUri { get; private set; }

    /// <summary>
    /// A hub and emulator; with <paramref name="lightning"/>, the emulator also serves its orgs' Lightning hosts over https and the hub
    /// listens on an https port too (both with certificates made here), and the hub lets the default org's Lightning host frame its
    /// Service Cloud Voice connector: what a Service Cloud Voice console in a browser needs.
    /// </summary>
    public static async Task<TestHub> StartAsync(string? database = null, bool systemApp = true, SeedFile? seed = null, Dictionary<string, string?>? settings = null,
        bool lightning = false, bool pubSub = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = System.IO.Directory.CreateTempSubdirectory("cb-hub-").FullName;
        var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = seed ?? Seed(), HttpsPort = lightning || pubSub ? 0 : null }, ct);
        Dictionary<string, string?> pubSubSettings = [];
        var httpsPort = 0;
        var clock = new ManualClock();
        var logs = new CapturedLogs();
        HubServer? hub = null;
        var port = 0;
        // The hub must know its own URL before it starts (PublicUrl), so it takes a port found free a moment
        // earlier; another test's server may take it meanwhile, and then it tries another.
        for (var attempt = 1; hub is null; attempt++)
        {
            port = FreePort();
            var hubSettings = new Dictionary<string, string?>
            {
                [$"{HubOptions.Section}:DataDirectory"] = directory,
                [$"{HubOptions.Section}:PublicUrl"] = $"http://127.0.0.1:{port}",
                [$"{SalesforceOptions.Section}:ProductionLoginUrl"] = emulator.ProductionLoginUrl,
                [$"{SalesforceOptions.Section}:SandboxLoginUrl"] = emulator.SandboxLoginUrl,
                // The emulator serves the Telephony Integration API for its orgs (not at a My Domain's salesforce-scrt.com).
                [$"{ContactBridge.VoiceCalls.VoiceCallOptions.Section}:TelephonyBaseUrl"] = new Uri(emulator.BaseUri, "/telephony/v1/").ToString(),
            };
            if (database is not null) hubSettings[$"{HubOptions.Section}:Database"] = database;
            if (pubSub)
            {
                // The emulator's Pub/Sub API on its https port, its self-signed certificate trusted as an operator would (a PEM file).
                var pem = System.IO.Path.Combine(directory, "emulator-tls.pem");
                await File.WriteAllTextAsync(pem, emulator.State.TlsCertificate!.ExportCertificatePem(), ct);
                hubSettings[$"{SalesforceOptions.Section}:PubSubEndpoint"] = $"https://127.0.0.1:{emulator.HttpsPort}";
                hubSettings[$"{SalesforceOptions.Section}:PubSubCertificate"] = pem;
                hubSettings["CallerIndex:BulkPollInterval"] = "00:00:00.020";
                hubSettings["CallerIndex:RetryDelay"] = "00:00:00.200";
                pubSubSettings = hubSettings.Where(kv => kv.Key.StartsWith("CallerIndex:", StringComparison.Ordinal) || kv.Key.Contains(":PubSub", StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key, kv => kv.Value);
            }
            var urls = $"http://127.0.0.1:{port}";
            if (lightning)
            {
                httpsPort = FreePort();
                urls += $";https://127.0.0.1:{httpsPort}";
                hubSettings["Kestrel:Certificates:Default:Path"] = LoopbackCertificate(directory);
                hubSettings["Kestrel:Certificates:Default:Password"] = CertificatePassword;
                hubSettings[$"{ContactBridge.VoiceCalls.VoiceCallOptions.Section}:ConsoleOrigins:0"] = emulator.LightningUrlOf(WellKnown.DefaultOrgKey);
            }
            foreach (var (k, v) in settings ?? []) hubSettings[k] = v;
            try
            {
                hub = await HubServer.StartAsync(new HubServerOptions
                {
                    Urls = urls, Settings = hubSettings, Clock = clock, RunBackgroundWorkers = false,
                    ConfigureLogging = l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace),
                }, ct);
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Taken meanwhile: another port.
            }
        }
        // The emulator's default connected app learns the hub's callback URL, as an admin would add it in Salesforce.
        emulator.State.FindApp(WellKnown.ClientId)!.CallbackUrls.Add($"http://127.0.0.1:{port}/linking/callback");
        emulator.State.FindApp(WellKnown.ClientId)!.CallbackUrls.Add($"http://127.0.0.1:{port}{ContactBridge.AgentAdapter.AgentSignIn.CallbackPath}");
        var test = new TestHub(emulator, hub, directory, clock, logs) { HttpsUri = lightning ? new Uri($"https://127.0.0.1:{httpsPort}") : null, PubSubSettings = pubSubSettings };
        if (systemApp) await hub.Services.GetRequiredService<SalesforceLinkService>().SetSystemAppAsync(WellKnown.ClientId, WellKnown.ClientSecret, ct);
        await hub.Services.GetRequiredService<UserStore>().CreateAsync(AdminEmail, Password, Roles.SystemAdmin, null, ct);
        return test;
    }

    private const string CertificatePassword = "test-only";

    /// <summary>A self-signed certificate for 127.0.0.1 (a PKCS#12 file in the hub's directory), for the hub's https port.</summary>
    private static string LoopbackCertificate(string directory)
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        var path = Path.Combine(directory, "hub-https.pfx");
        File.WriteAllBytes(path, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, CertificatePassword));
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A field mapping Salesforce refuses (free text in the restricted picklist Task.CallType): the tenant's next call
    /// is written to the dead letters with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.
    /// </summary>
    public Task MapTasksSoSalesforceRefusesAsync(string tenantId)
    {
        var mapping = ContactBridge.Logging.LogTemplates.Defaults();
        mapping["Task"]["CallType"] = "{channel}";
        return Services.GetRequiredService<ContactBridge.Logging.LoggingSettingsStore>()
            .SaveAsync(tenantId, new ContactBridge.Logging.LoggingSettings { FieldMapping = mapping }, TestContext.Current.CancellationToken);
    }

    public Task<Tenant> CreateTenantAsync(string name) => Services.GetRequiredService<TenantStore>().CreateAsync(name, TestContext.Current.CancellationToken);

    public Task<HubUser> CreateTenantAdminAsync(string email, Tenant tenant) =>
        Services.GetRequiredService<UserStore>().CreateAsync(email, Password, Roles.TenantAdmin, tenant.Id, TestContext.Current.CancellationToken);

    public Task<SalesforceLink?> LinkAsync(Tenant tenant) => Services.GetRequiredService<LinkStore>().GetAsync(tenant.Id, TestContext.Current.CancellationToken);

    public async Task<PortalClient> SignInAsync(string email = AdminEmail, string password = Password)
    {
        var portal = new PortalClient(BaseUri, Emulator.BaseUri);
        (await portal.SignInAsync(email, password)).ShouldBe(HttpStatusCode.Redirect, Logs.All);
        return portal;
    }

    /// <summary>Links a tenant through the portal and the emulator's pages, as an admin would.</summary>
    public async Task LinkThroughPortalAsync(PortalClient portal, Tenant tenant, string environment = "production", string username = WellKnown.IntegrationUsername,
        string password = WellKnown.IntegrationPassword, string apiVersion = "62.0")
    {
        var landed = await portal.AuthorizeAsync(tenant.Id, environment, username, password, "allow", apiVersion);
        landed.Status.ShouldBe(HttpStatusCode.Redirect, landed.Html);
        landed.Location!.ToString().ShouldContain($"/tenants/{tenant.Id}/salesforce?done=");
    }

    /// <summary>A tenant linked through the portal, ready to log interactions.</summary>
    public async Task<ContactBridge.Tenants.Tenant> LinkedTenantAsync(string name = "Acme Support")
    {
        var tenant = await CreateTenantAsync(name);
        using var portal = await SignInAsync();
        await LinkThroughPortalAsync(portal, tenant);
        return tenant;
    }

    public Task RunPipelineAsync() => Services.GetRequiredService<ContactBridge.Outbox.InteractionPipeline>().RunUntilIdleAsync(TestContext.Current.CancellationToken);

    /// <summary>Live records of one object in the emulator's default org.</summary>
    /// <summary>A second instance on the same database and Salesforce as this one, with the same hub key (no background workers).</summary>
    public Task<HubServer> AnotherInstanceAsync(string database, string key, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Hub:Database"] = database, ["Hub:Key"] = key, ["Hub:DataDirectory"] = System.IO.Path.Combine(Directory, "second"),
            ["Salesforce:ProductionLoginUrl"] = Emulator.ProductionLoginUrl, ["Salesforce:SandboxLoginUrl"] = Emulator.SandboxLoginUrl,
        };
        foreach (var (k, v) in settings ?? []) all[k] = v;
        return HubServer.StartAsync(new HubServerOptions { Urls = "http://127.0.0.1:0", RunBackgroundWorkers = false, Settings = all }, TestContext.Current.CancellationToken);
    }

    /// <summary>A record changed in the emulator's org directly, as if someone had edited it in Salesforce.</summary>
    public void UpdateRecord(string id, System.Text.Json.Nodes.JsonObject fields)
    {
        var org = Emulator.State.DefaultOrg;
        lock (org.Sync)
            new ContactBridge.Emulator.Records.RecordWriter(org, Emulator.State.Clock).Update(org.Records.OfType("User")[0].Id, org.Records.Get(id)!, fields);
    }

    /// <summary>A record deleted in the emulator's org directly, as if someone had deleted it in Salesforce.</summary>
    public void DeleteRecord(string id)
    {
        var org = Emulator.State.DefaultOrg;
        lock (org.Sync) new ContactBridge.Emulator.Records.RecordWriter(org, Emulator.State.Clock).Delete(org.Records.Get(id)!, org.Records.OfType("User")[0].Id);
    }

    /// <summary>A lead converted in the emulator's org (into new records, or an account and its contact), as if someone had pressed Convert in Salesforce.</summary>
    public void ConvertLead(string leadId, string? accountId = null, string? contactId = null)
    {
        var org = Emulator.State.DefaultOrg;
        lock (org.Sync)
            new ContactBridge.Emulator.Records.RecordWriter(org, Emulator.State.Clock)
                .ConvertLead(org.Records.OfType("User")[0].Id, org.Records.Get(leadId)!, new ContactBridge.Emulator.Records.LeadConversion(accountId, contactId));
    }

    /// <summary>A record made in the emulator's org directly, as if someone had entered it in Salesforce.</summary>
    public string CreateRecord(string sobject, System.Text.Json.Nodes.JsonObject fields)
    {
        var org = Emulator.State.DefaultOrg;
        lock (org.Sync)
            return new ContactBridge.Emulator.Records.RecordWriter(org, Emulator.State.Clock).Create(org.Records.OfType("User")[0].Id, org.Schema.Require(sobject), fields).Id;
    }

    public IReadOnlyList<ContactBridge.Emulator.Records.SRecord> Records(string sobject)
    {
        var org = Emulator.State.DefaultOrg;
        lock (org.Sync) return org.Records.OfType(sobject).Where(r => !r.IsDeleted).ToList();
    }

    /// <summary>The user's live refresh tokens at the emulator for the hub's connected app.</summary>
    public IReadOnlyList<ContactBridge.Emulator.OAuth.RefreshGrant> Approvals(string username = WellKnown.IntegrationUsername)
    {
        var user = Emulator.State.FindUser(username)!.Value.User;
        return Emulator.State.OAuth.Approvals(user.Id, WellKnown.ClientId);
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        await Emulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow shutdown: the temp directory is cleaned by the OS.
        }
    }
}
