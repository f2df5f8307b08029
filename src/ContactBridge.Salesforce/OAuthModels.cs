using System.Text.Json.Serialization;

namespace ContactBridge.Salesforce;

/// <summary>The token endpoint's answer.</summary>
public sealed record TokenResponse
{
    [JsonPropertyName("access_token")] public required string AccessToken { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
    [JsonPropertyName("instance_url")] public required string InstanceUrl { get; init; }
    [JsonPropertyName("id")] public required string IdentityUrl { get; init; }
    [JsonPropertyName("issued_at")] public string? IssuedAt { get; init; }
    [JsonPropertyName("signature")] public string? Signature { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }

    /// <summary>The org and user ids, read from the identity URL (…/id/{orgId}/{userId}).</summary>
    public (string OrgId, string UserId) Ids
    {
        get
        {
            var parts = IdentityUrl.TrimEnd('/').Split('/');
            return (parts[^2], parts[^1]);
        }
    }
}

/// <summary>The parts of the identity document the hub shows and checks.</summary>
public sealed record SalesforceIdentity
{
    [JsonPropertyName("user_id")] public required string UserId { get; init; }
    [JsonPropertyName("organization_id")] public required string OrganizationId { get; init; }
    [JsonPropertyName("username")] public required string Username { get; init; }
    [JsonPropertyName("display_name")] public string? DisplayName { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("active")] public bool Active { get; init; } = true;
}

/// <summary>An authorize URL to send the browser to, and the PKCE verifier to keep for the code exchange.</summary>
public sealed record AuthorizationRequest(Uri Url, string CodeVerifier);

public sealed record ApiVersionInfo(string Version, string Label, string Url);
