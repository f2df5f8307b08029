namespace ContactBridge.Linking;

/// <summary>The states a tenant's link can be in, as the portal shows them.</summary>
public static class LinkStatus
{
    public const string Unlinked = "unlinked";
    public const string Linked = "linked";
    /// <summary>Made with a stored username and password: works, but should be replaced by an OAuth link.</summary>
    public const string Legacy = "legacy";
    /// <summary>The grant is gone (revoked or expired refresh token, deactivated user): an admin must link again.</summary>
    public const string NeedsRelink = "needs_relink";

    public static string Label(string status) => status switch
    {
        Linked => "Linked",
        Legacy => "Legacy",
        NeedsRelink => "Needs relink",
        _ => "Unlinked",
    };
}

public static class LinkFlow
{
    public const string WebServer = "web_server";
    public const string ClientCredentials = "client_credentials";
    public const string LegacyPassword = "legacy_password";
}

public static class SalesforceEnvironment
{
    public const string Production = "production";
    public const string Sandbox = "sandbox";
    public const string MyDomain = "my_domain";

    public static bool IsKnown(string value) => value is Production or Sandbox or MyDomain;
}

/// <summary>Whose connected app a link uses: the platform's ("system configuration") or the tenant's own ("custom configuration").</summary>
public static class AppConfiguration
{
    public const string System = "system";
    public const string Custom = "custom";
}

/// <summary>A tenant's link to its Salesforce org. Columns ending in _enc hold ciphertext only.</summary>
public sealed record SalesforceLink
{
    public required string TenantId { get; init; }
    public string Status { get; init; } = LinkStatus.Unlinked;
    public string? StatusReason { get; init; }
    public long StatusChangedAt { get; init; }
    public string Flow { get; init; } = LinkFlow.WebServer;
    public string AppConfig { get; init; } = AppConfiguration.System;
    public string Environment { get; init; } = SalesforceEnvironment.Production;
    public required string LoginUrl { get; init; }
    public string? TokenUrl { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecretEnc { get; init; }
    public string? OrgId { get; init; }
    public string? UserId { get; init; }
    public string? Username { get; init; }
    public string? DisplayName { get; init; }
    public string? InstanceUrl { get; init; }
    public string? IdentityUrl { get; init; }
    public required string ApiVersion { get; init; }
    public string? RefreshTokenEnc { get; init; }
    public string? AccessTokenEnc { get; init; }
    public string? LegacyPasswordEnc { get; init; }
    public long? LinkedAt { get; init; }
    public long? LastCheckedAt { get; init; }

    public bool IsUsable => Status is LinkStatus.Linked or LinkStatus.Legacy;
}

public sealed record LinkEvent(long Id, string TenantId, long At, string Event, string? Detail);

/// <summary>A web-server flow in progress: what the callback needs, found by the hash of its state.</summary>
public sealed record OAuthAttempt(string StateHash, string TenantId, string SessionId, string CodeVerifierEnc, string Environment, string LoginUrl, string AppConfig, string ApiVersion, long CreatedAt);

/// <summary>Salesforce API versions are written "62.0"; "v62.0" and "62" are accepted too.</summary>
public static class ApiVersion
{
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var v = value.Trim().TrimStart('v', 'V');
        if (!v.Contains('.', StringComparison.Ordinal)) v += ".0";
        return System.Text.RegularExpressions.Regex.IsMatch(v, @"^\d{2}\.0$") ? v : null;
    }
}
