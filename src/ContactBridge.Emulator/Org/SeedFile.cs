using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ContactBridge.Emulator.Org;

/// <summary>
/// The seed file: orgs with their users, connected apps, custom objects and fields, platform
/// events and records. Every part is optional; what is left out keeps the well-known defaults.
/// </summary>
public sealed class SeedFile
{
    public List<SeedOrg> Orgs { get; set; } = [];
}

public sealed class SeedOrg
{
    public string Key { get; set; } = "default";
    public string? Name { get; set; }
    public string? Id { get; set; }
    public bool Sandbox { get; set; }
    public string? Edition { get; set; }
    public long? ApiDailyLimit { get; set; }
    /// <summary>Person Accounts enabled: Account gains IsPersonAccount, FirstName, LastName, PersonEmail and the Person phone fields.</summary>
    public bool PersonAccounts { get; set; }
    /// <summary>When false, the default admin, integration user and connected app are not added.</summary>
    public bool IncludeDefaults { get; set; } = true;
    public List<SeedUser> Users { get; set; } = [];
    public List<SeedConnectedApp> ConnectedApps { get; set; } = [];
    public List<SeedObject> CustomObjects { get; set; } = [];
    public Dictionary<string, List<SeedField>> CustomFields { get; set; } = [];
    public List<SeedObject> PlatformEvents { get; set; } = [];

    /// <summary>Call center definition files (XML, as Setup imports them), given inline or as a path relative to the working directory.</summary>
    public List<SeedCallCenter> CallCenters { get; set; } = [];

    /// <summary>The entities selected for Change Data Capture; null keeps Salesforce's common set (Contact, Lead, Account, Case, User).</summary>
    public List<string>? ChangeDataCapture { get; set; }
    /// <summary>Records by object. A record may name itself with "@ref"; another record's field may then say "@name" to point at it.</summary>
    public Dictionary<string, List<JsonObject>> Records { get; set; } = [];
}

public sealed class SeedUser
{
    public required string Username { get; set; }
    public string? Password { get; set; }
    public string? SecurityToken { get; set; }
    public string? FirstName { get; set; }
    public required string LastName { get; set; }
    public string? Email { get; set; }
    public string? Alias { get; set; }
    public string? FederationId { get; set; }
    public bool Active { get; set; } = true;
    /// <summary>"System Administrator", "Standard User" or "API Only Integrations".</summary>
    public string Profile { get; set; } = "Standard User";
    public string? Ref { get; set; }
    /// <summary>The InternalName of the call center the user belongs to: "ContactBridgeVoice" (every org with defaults has it) or one of the org's callCenters.</summary>
    public string? CallCenter { get; set; }
}

public sealed class SeedCallCenter
{
    /// <summary>The definition file's XML.</summary>
    public string? Definition { get; set; }
    public string? DefinitionFile { get; set; }
}

public sealed class SeedConnectedApp
{
    public required string Name { get; set; }
    public required string ClientId { get; set; }
    public required string ClientSecret { get; set; }
    public List<string> CallbackUrls { get; set; } = [];
    public bool RequireSecret { get; set; } = true;
    public bool RequireSecretForRefresh { get; set; } = true;
    public bool RequirePkce { get; set; }
    public List<string>? Scopes { get; set; }
    public string? ClientCredentialsUser { get; set; }
    public double? RefreshTokenIdleTimeoutSeconds { get; set; }
    public string? JwtPublicKeyPem { get; set; }
}

public sealed class SeedObject
{
    public required string Name { get; set; }

    /// <summary>Makes the Name field an auto-number with this display format ("BT-{00000000}"); absent, Name is text.</summary>
    public string? NameFormat { get; set; }
    public string? Label { get; set; }
    public string? LabelPlural { get; set; }
    public List<SeedField> Fields { get; set; } = [];
}

public sealed class SeedField
{
    public required string Name { get; set; }

    /// <summary>A field type as describe spells it, or "autonumber" (numbered by the platform in <see cref="DisplayFormat"/>).</summary>
    public string Type { get; set; } = "string";

    /// <summary>An auto-number field's display format, "{0000}" unless given.</summary>
    public string? DisplayFormat { get; set; }
    public string? Label { get; set; }
    public int? Length { get; set; }
    public bool Required { get; set; }
    public bool ExternalId { get; set; }
    public bool Unique { get; set; }
    public List<string>? ReferenceTo { get; set; }
    public string? RelationshipName { get; set; }
    public string? ChildRelationshipName { get; set; }
    public List<string>? PicklistValues { get; set; }
    public bool RestrictedPicklist { get; set; }
    [JsonPropertyName("default")]
    public JsonNode? DefaultValue { get; set; }
}
