namespace ContactBridge.Emulator.Org;

/// <summary>
/// The well-known defaults of a fresh emulator (like Azurite's account key): fixed, public,
/// written in the README, and overridable by a seed file. Never use them against a real org.
/// </summary>
public static class WellKnown
{
    public const string DefaultOrgKey = "default";
    public const string AdminUsername = "admin@contactbridge.example";
    public const string AdminPassword = "Emulator-Admin-1";
    public const string IntegrationUsername = "integration@contactbridge.example";
    public const string IntegrationPassword = "Emulator-Integration-1";
    public const string ClientId = "3MVG9ContactBridgeEmulatorDefaultConsumerKey";
    public const string ClientSecret = "ContactBridgeEmulatorDefaultConsumerSecret";
    /// <summary>The Salesforce CLI's own public client (no secret; it uses PKCE with localhost:1717).</summary>
    public const string CliClientId = "PlatformCLI";
    public const string CliCallbackUrl = "http://localhost:1717/OauthRedirect";

    public const string ProfileAdmin = "System Administrator";
    public const string ProfileStandard = "Standard User";
    public const string ProfileApiOnly = "API Only Integrations";
}
