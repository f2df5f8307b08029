namespace ContactBridge.Emulator.Org;

/// <summary>A connected app: OAuth client settings as an org admin configures them in App Manager.</summary>
public sealed class ConnectedApp
{
    public required string Name { get; init; }
    public required string ClientId { get; init; }
    public required string ClientSecret { get; init; }
    public required string OwnerOrgKey { get; init; }
    public List<string> CallbackUrls { get; init; } = [];
    /// <summary>"Require Secret for Web Server Flow".</summary>
    public bool RequireSecret { get; init; } = true;
    /// <summary>"Require Secret for Refresh Token Flow".</summary>
    public bool RequireSecretForRefresh { get; init; } = true;
    /// <summary>"Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows".</summary>
    public bool RequirePkce { get; init; }
    public List<string> Scopes { get; init; } = ["api", "refresh_token", "openid", "id", "web"];
    /// <summary>Username of the run-as user for the client-credentials flow; null disables the flow.</summary>
    public string? ClientCredentialsUser { get; init; }
    /// <summary>Refresh token policy "Expire refresh token if not used for"; null means valid until revoked.</summary>
    public TimeSpan? RefreshTokenIdleTimeout { get; init; }
    /// <summary>PEM public key (or certificate) for the JWT bearer flow; null disables the flow.</summary>
    public string? JwtPublicKeyPem { get; init; }
    public bool AllowsRefreshTokens => Scopes.Contains("refresh_token", StringComparer.OrdinalIgnoreCase)
                                       || Scopes.Contains("offline_access", StringComparer.OrdinalIgnoreCase)
                                       || Scopes.Contains("full", StringComparer.OrdinalIgnoreCase);
}
