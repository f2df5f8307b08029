using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Bulk;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Org;

/// <summary>Everything one emulator holds: orgs, connected apps, OAuth grants, the request log, faults and the clock.</summary>
public sealed class EmulatorState
{
    private readonly Dictionary<string, SalesforceOrg> _orgs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ConnectedApp> _apps = new(StringComparer.Ordinal);
    private readonly object _appsSync = new();

    public EmulatorState(SeedFile? seed = null, TimeProvider? clock = null)
    {
        Clock = new EmulatorClock(clock);
        OAuth = new OAuthStore(Clock);
        Cursors = new QueryCursors(Clock);
        Bulk = new BulkJobs(this);
        BulkV1 = new BulkV1.BulkV1Jobs(this);
        seed ??= new SeedFile();
        if (!seed.Orgs.Any(o => string.Equals(o.Key, WellKnown.DefaultOrgKey, StringComparison.OrdinalIgnoreCase)))
            seed.Orgs.Insert(0, new SeedOrg { Key = WellKnown.DefaultOrgKey });
        foreach (var seedOrg in seed.Orgs) AddOrg(seedOrg);
    }

    public EmulatorClock Clock { get; }
    public OAuthStore OAuth { get; }
    public RequestLog Log { get; } = new();
    public QueryCursors Cursors { get; }
    public BulkJobs Bulk { get; }

    /// <summary>Bulk API 1.0 jobs and batches.</summary>
    public BulkV1.BulkV1Jobs BulkV1 { get; }
    public Streaming.StreamingClients Streaming { get; } = new();
    public FaultInjector Faults { get; } = new();
    public IReadOnlyCollection<SalesforceOrg> Orgs => _orgs.Values;
    public SalesforceOrg DefaultOrg => _orgs[WellKnown.DefaultOrgKey];

    /// <summary>How long an access token lives (the org's session timeout; Salesforce's default is 2 hours).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The https port's certificate (made at start; null without an https port): GET /_emulator/tls-certificate gives it as PEM.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? TlsCertificate { get; set; }

    /// <summary>How long a Pub/Sub subscription that is owed events waits for one before an empty response with the latest replay id (Salesforce: within 270 s).</summary>
    public TimeSpan PubSubKeepAlive { get; set; } = TimeSpan.FromSeconds(270);

    public SalesforceOrg? FindOrg(string key) => _orgs.GetValueOrDefault(key);

    public SalesforceOrg? OrgById(string orgId) =>
        _orgs.Values.FirstOrDefault(o => o.Id == orgId || (SalesforceId.TryNormalize(orgId, out var id18) && o.Id == id18));

    public ConnectedApp? FindApp(string? clientId)
    {
        if (clientId is null) return null;
        lock (_appsSync) return _apps.GetValueOrDefault(clientId);
    }

    public void AddApp(ConnectedApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        lock (_appsSync) _apps[app.ClientId] = app;
    }

    public IReadOnlyList<ConnectedApp> Apps
    {
        get
        {
            lock (_appsSync) return _apps.Values.ToList();
        }
    }

    /// <summary>Finds a user by username in any org (usernames are unique across Salesforce).</summary>
    public (SalesforceOrg Org, SRecord User)? FindUser(string username)
    {
        foreach (var org in _orgs.Values)
        {
            lock (org.Sync)
            {
                if (org.UserByUsername(username) is { } user) return (org, user);
            }
        }
        return null;
    }

    public SalesforceOrg AddOrg(SeedOrg seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var index = _orgs.Count;
        var pod = "E" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index % 36];
        var orgId = seed.Id is not null && SalesforceId.TryNormalize(seed.Id, out var given) ? given : SalesforceId.New("00D", pod, index + 1);
        var org = new SalesforceOrg(seed.Key, orgId, pod)
        {
            Name = seed.Name ?? (index == 0 ? "ContactBridge Emulator" : $"ContactBridge Emulator ({seed.Key})"),
            IsSandbox = seed.Sandbox,
            Edition = seed.Edition ?? (seed.Sandbox ? "Enterprise Edition" : "Developer Edition"),
            InstanceName = $"CB{index + 1}",
            Events = new Events.EventBus(Clock),
        };
        org.Events.Published += _ => Streaming.WakeOrg(org.Key);
        if (seed.ApiDailyLimit is { } limit) org.Api.Max = limit;
        if (seed.ChangeDataCapture is { } entities)
        {
            org.ChangeDataCapture.Clear();
            org.ChangeDataCapture.UnionWith(entities);
        }
        DeclareSchema(org, seed);
        lock (org.Sync)
        {
            PopulateOrg(org, seed);
            org.Events.Clear();
        }
        _orgs[org.Key] = org;
        return org;
    }

    private static void DeclareSchema(SalesforceOrg org, SeedOrg seed)
    {
        if (seed.PersonAccounts)
        {
            // What enabling Person Accounts adds to Account (Salesforce Help, "Person Account Fields").
            var account = org.Schema.Require("Account");
            account.Add(new FieldDef { Name = "IsPersonAccount", Type = FieldType.Boolean, Nillable = false, DefaultedOnCreate = true, DefaultValue = false, Updateable = false });
            account.Add(new FieldDef { Name = "FirstName", Type = FieldType.String, Length = 40 });
            account.Add(new FieldDef { Name = "LastName", Type = FieldType.String, Length = 80 });
            account.Add(new FieldDef { Name = "PersonEmail", Type = FieldType.Email, Length = 80, Label = "Email" });
            account.Add(new FieldDef { Name = "PersonMobilePhone", Type = FieldType.Phone, Length = 40, Label = "Mobile" });
            account.Add(new FieldDef { Name = "PersonHomePhone", Type = FieldType.Phone, Length = 40, Label = "Home Phone" });
            account.Add(new FieldDef { Name = "PersonOtherPhone", Type = FieldType.Phone, Length = 40, Label = "Other Phone" });
        }
        foreach (var o in seed.CustomObjects)
        {
            var def = StandardObjects.WithSystemFields(new ObjectDef
            {
                Name = o.Name, Label = o.Label ?? o.Name.Replace("__c", "", StringComparison.Ordinal), LabelPlural = o.LabelPlural,
                KeyPrefix = org.Schema.NextCustomPrefix(platformEvent: false), Custom = true,
            });
            def.Add(o.NameFormat is null
                ? new FieldDef { Name = "Name", Type = FieldType.String, Length = 80, NameField = true, IdLookup = true, Label = $"{def.Label} Name" }
                : new FieldDef
                {
                    Name = "Name", Type = FieldType.String, Length = 80, NameField = true, IdLookup = true, Label = $"{def.Label} Name", Createable = false,
                    Updateable = false, DefaultedOnCreate = true, Nillable = false, AutoNumberFormat = o.NameFormat,
                });
            def.Add(new FieldDef { Name = "OwnerId", Type = FieldType.Reference, Length = 18, ReferenceTo = ["User"], RelationshipName = "Owner", Nillable = false, DefaultedOnCreate = true });
            foreach (var f in o.Fields) def.Add(ToField(f));
            org.Schema.Add(def);
        }
        foreach (var e in seed.PlatformEvents)
        {
            var def = StandardObjects.WithSystemFields(new ObjectDef
            {
                Name = e.Name, Label = e.Label ?? e.Name.Replace("__e", "", StringComparison.Ordinal), LabelPlural = e.LabelPlural,
                KeyPrefix = org.Schema.NextCustomPrefix(platformEvent: true), Custom = true, IsPlatformEvent = true,
                Updateable = false, Deletable = false, Searchable = false,
            });
            foreach (var f in e.Fields) def.Add(ToField(f));
            org.Schema.Add(def);
        }
        foreach (var (objectName, fields) in seed.CustomFields)
        {
            var def = org.Schema.Find(objectName) ?? throw new InvalidOperationException($"Seed file: customFields names unknown object '{objectName}'.");
            foreach (var f in fields) def.Add(ToField(f));
        }
        org.Schema.Seal();
        if (org.ChangeDataCapture.FirstOrDefault(e => org.Schema.Find(e) is null or { IsPlatformEvent: true }) is { } unknown)
            throw new InvalidOperationException($"Seed file: changeDataCapture names unknown object '{unknown}'.");
    }

    private static FieldDef ToField(SeedField f)
    {
        if (f.Type.Equals("autonumber", StringComparison.OrdinalIgnoreCase))
        {
            return new FieldDef
            {
                Name = f.Name, Label = f.Label, Type = FieldType.String, Length = 30, Createable = false, Updateable = false, DefaultedOnCreate = true,
                Nillable = false, Custom = f.Name.EndsWith("__c", StringComparison.OrdinalIgnoreCase), IdLookup = true, AutoNumberFormat = f.DisplayFormat ?? "{0000}",
            };
        }
        if (!FieldTypeNames.TryParse(f.Type, out var type))
            throw new InvalidOperationException($"Seed file: field '{f.Name}' has unknown type '{f.Type}'.");
        if (type == FieldType.Address)
            throw new InvalidOperationException($"Seed file: field '{f.Name}' is of type address; compound address fields are standard ones only (declare the parts as fields of their own).");
        object? defaultValue = null;
        var def = new FieldDef { Name = f.Name, Type = type };
        if (f.DefaultValue is not null) defaultValue = FieldValues.FromJson(def, f.DefaultValue);
        return new FieldDef
        {
            Name = f.Name, Label = f.Label, Type = type,
            Length = f.Length ?? type switch { FieldType.TextArea => 32768, FieldType.Phone => 40, FieldType.Email => 80, FieldType.Reference => 18, _ when type.IsText() => 255, _ => 0 },
            Nillable = !f.Required, ExternalId = f.ExternalId, Unique = f.Unique, Custom = f.Name.EndsWith("__c", StringComparison.OrdinalIgnoreCase),
            ReferenceTo = f.ReferenceTo ?? [], RelationshipName = f.RelationshipName ?? (type == FieldType.Reference && f.Name.EndsWith("__c", StringComparison.Ordinal) ? f.Name[..^3] + "__r" : null),
            ChildRelationshipName = f.ChildRelationshipName, PicklistValues = f.PicklistValues ?? [], RestrictedPicklist = f.RestrictedPicklist,
            DefaultValue = defaultValue, DefaultedOnCreate = defaultValue is not null || type == FieldType.Boolean, IdLookup = f.ExternalId,
        };
    }

    private void PopulateOrg(SalesforceOrg org, SeedOrg seed)
    {
        var writer = new RecordWriter(org, Clock);
        // Bootstrap: the records below need a creator; the first admin creates itself.
        var profiles = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var bootstrapUser = org.NewId("005");
        foreach (var (name, apiOnly, modifyAll) in new[] { (WellKnown.ProfileAdmin, false, true), (WellKnown.ProfileStandard, false, false), (WellKnown.ProfileApiOnly, true, true) })
        {
            var p = writer.Create(bootstrapUser, org.Schema.Require("Profile"), new JsonObject
            {
                ["Name"] = name, ["PermissionsApiUserOnly"] = apiOnly, ["PermissionsApiEnabled"] = true, ["PermissionsModifyAllData"] = modifyAll,
            }, system: true);
            profiles[name] = p.Id;
        }

        var users = new List<SeedUser>();
        if (seed.IncludeDefaults)
        {
            var suffix = seed.Key == WellKnown.DefaultOrgKey ? "" : "." + seed.Key;
            users.Add(new SeedUser
            {
                Username = WellKnown.AdminUsername + suffix, Password = WellKnown.AdminPassword, FirstName = "Avery", LastName = "Admin",
                Email = "admin@contactbridge.example", Alias = "aadmin", Profile = WellKnown.ProfileAdmin,
            });
            users.Add(new SeedUser
            {
                Username = WellKnown.IntegrationUsername + suffix, Password = WellKnown.IntegrationPassword, FirstName = "ContactBridge",
                LastName = "Integration", Email = "integration@contactbridge.example", Alias = "cbint", Profile = WellKnown.ProfileApiOnly,
            });
        }
        users.AddRange(seed.Users);
        var refs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? firstUserId = null;
        foreach (var u in users)
        {
            if (!profiles.TryGetValue(u.Profile, out var profileId))
                throw new InvalidOperationException($"Seed file: user '{u.Username}' names unknown profile '{u.Profile}'.");
            var record = writer.Create(firstUserId ?? bootstrapUser, org.Schema.Require("User"), new JsonObject
            {
                ["Username"] = u.Username, ["FirstName"] = u.FirstName, ["LastName"] = u.LastName, ["Email"] = u.Email ?? u.Username,
                ["Alias"] = u.Alias ?? new string((u.FirstName?[..1] + u.LastName).Take(8).ToArray()).ToLowerInvariant(),
                ["FederationIdentifier"] = u.FederationId, ["IsActive"] = u.Active, ["ProfileId"] = profileId,
                ["CommunityNickname"] = u.Username.Split('@')[0],
            }, system: true);
            firstUserId ??= record.Id;
            var credential = new UserCredential { UserId = record.Id, SecurityToken = u.SecurityToken ?? "" };
            if (u.Password is not null) SetPassword(credential, u.Password);
            org.Credentials[record.Id] = credential;
            if (u.Ref is not null) refs[u.Ref] = record.Id;
        }

        var orgRecord = new SRecord(org.Schema.Require("Organization"), org.Id);
        var now = Clock.GetUtcNow();
        foreach (var (k, v) in new Dictionary<string, object?>
                 {
                     ["Name"] = org.Name, ["OrganizationType"] = org.Edition, ["IsSandbox"] = org.IsSandbox, ["InstanceName"] = org.InstanceName,
                     ["NamespacePrefix"] = null, ["TrialExpirationDate"] = null, ["DefaultLocaleSidKey"] = "en_US", ["LanguageLocaleKey"] = "en_US",
                     ["TimeZoneSidKey"] = "America/Los_Angeles", ["Country"] = "US", ["PrimaryContact"] = "Avery Admin", ["IsDeleted"] = false,
                     ["CreatedDate"] = now, ["CreatedById"] = firstUserId, ["LastModifiedDate"] = now, ["LastModifiedById"] = firstUserId, ["SystemModstamp"] = now,
                 })
        {
            orgRecord.Values[k] = v;
        }
        org.Records.Insert(orgRecord);

        if (seed.IncludeDefaults)
        {
            writer.Create(firstUserId!, org.Schema.Require("CallCenter"), new JsonObject
            {
                ["Name"] = "ContactBridge Voice", ["InternalName"] = "ContactBridgeVoice", ["Version"] = 4,
            }, system: true);
        }
        foreach (var center in seed.CallCenters)
        {
            var xml = center.Definition ?? (center.DefinitionFile is { } path ? File.ReadAllText(path) : throw new InvalidOperationException("Seed file: a call center needs definition or definitionFile."));
            try
            {
                CallCenters.CallCenterImport.Import(org, Clock, xml);
            }
            catch (CallCenters.CallCenterDefinitionException e)
            {
                throw new InvalidOperationException($"Seed file: call center definition {center.DefinitionFile ?? "(inline)"}, line {e.Line}: {e.Reason}", e);
            }
        }
        // Users added to a call center, as Setup's "Manage Call Center Users" does.
        var callCenterType = org.Schema.Require("CallCenter");
        foreach (var u in users.Where(u => u.CallCenter is not null))
        {
            var center = org.Records.FindBy(callCenterType, callCenterType.Field("InternalName")!, u.CallCenter!).FirstOrDefault()
                         ?? throw new InvalidOperationException($"Seed file: user '{u.Username}' names unknown call center '{u.CallCenter}' (the org has {string.Join(", ", org.Records.OfType("CallCenter").Select(c => c.GetString("InternalName")))}).");
            writer.Update(firstUserId!, org.UserByUsername(u.Username)!, new JsonObject { ["CallCenterId"] = center.Id }, system: true);
        }

        if (seed.IncludeDefaults)
        {
            var integration = org.UserByUsername(users[1].Username)!;
            var isDefaultOrg = seed.Key == WellKnown.DefaultOrgKey;
            AddApp(new ConnectedApp
            {
                Name = "ContactBridge", OwnerOrgKey = org.Key,
                ClientId = isDefaultOrg ? WellKnown.ClientId : $"{WellKnown.ClientId}.{seed.Key}",
                ClientSecret = isDefaultOrg ? WellKnown.ClientSecret : $"{WellKnown.ClientSecret}.{seed.Key}",
                CallbackUrls = ["http://127.0.0.1:5180/linking/callback", "http://localhost:5180/linking/callback", WellKnown.CliCallbackUrl],
                ClientCredentialsUser = integration.GetString("Username"),
            });
            if (isDefaultOrg)
            {
                AddApp(new ConnectedApp
                {
                    Name = "Salesforce CLI", OwnerOrgKey = org.Key, ClientId = WellKnown.CliClientId, ClientSecret = "",
                    RequireSecret = false, RequireSecretForRefresh = false, CallbackUrls = [WellKnown.CliCallbackUrl],
                });
            }
        }
        foreach (var app in seed.ConnectedApps)
        {
            AddApp(new ConnectedApp
            {
                Name = app.Name, ClientId = app.ClientId, ClientSecret = app.ClientSecret, OwnerOrgKey = org.Key, CallbackUrls = app.CallbackUrls,
                RequireSecret = app.RequireSecret, RequireSecretForRefresh = app.RequireSecretForRefresh, RequirePkce = app.RequirePkce,
                Scopes = app.Scopes ?? ["api", "refresh_token", "openid", "id", "web"], ClientCredentialsUser = app.ClientCredentialsUser,
                RefreshTokenIdleTimeout = app.RefreshTokenIdleTimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null, JwtPublicKeyPem = app.JwtPublicKeyPem,
            });
        }

        foreach (var (objectName, records) in seed.Records)
        {
            var type = org.Schema.Require(objectName);
            foreach (var r in records)
            {
                var body = (JsonObject)r.DeepClone();
                var refName = body["@ref"]?.GetValue<string>();
                body.Remove("@ref");
                foreach (var (k, v) in body.ToList())
                {
                    if (v is JsonValue jv && jv.TryGetValue<string>(out var s) && s.StartsWith('@') && refs.TryGetValue(s[1..], out var target))
                        body[k] = target;
                }
                var created = writer.Create(firstUserId!, type, body, system: true);
                if (refName is not null) refs[refName] = created.Id;
            }
        }
    }

    public static void SetPassword(UserCredential credential, string password)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var salt = RandomNumberGenerator.GetBytes(16);
        credential.PasswordSalt = Convert.ToBase64String(salt);
        credential.PasswordHash = Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, 10_000, HashAlgorithmName.SHA256, 32));
    }

    public static bool CheckPassword(UserCredential credential, string password)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (credential.PasswordHash is null || credential.PasswordSalt is null) return false;
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(credential.PasswordSalt), 10_000, HashAlgorithmName.SHA256, 32);
        return CryptographicOperations.FixedTimeEquals(hash, Convert.FromBase64String(credential.PasswordHash));
    }
}
