using System.Security.Cryptography;
using System.Text;
using ContactBridge.Salesforce;
using ContactBridge.Security;
using Microsoft.Extensions.Options;

namespace ContactBridge.Linking;

/// <summary>
/// Links, relinks and unlinks a tenant's Salesforce org. The web-server flow uses PKCE and a
/// state bound to the admin's sign-in session; tokens and secrets are stored encrypted; an API
/// user may serve at most five tenants, because a sixth approval would silently revoke the
/// oldest tenant's refresh token (Salesforce keeps five approvals per user and app).
/// </summary>
public sealed class SalesforceLinkService(
    LinkStore store,
    SecretProtector secrets,
    IHttpClientFactory httpFactory,
    IOptions<HubOptions> hubOptions,
    IOptions<SalesforceOptions> salesforceOptions,
    SalesforceConnections connections,
    TimeProvider clock,
    ILogger<SalesforceLinkService> logger)
{
    public const int MaxTenantsPerApiUser = 5;
    public static readonly TimeSpan AttemptLifetime = TimeSpan.FromMinutes(10);

    private SalesforceOAuthClient OAuth => new(httpFactory.CreateClient(SalesforceConnections.HttpClientName));

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static string Purpose(string what, string tenantId) => $"{what}:{tenantId}";

    public Uri LoginUrlFor(string environment, string? myDomainUrl) => environment switch
    {
        SalesforceEnvironment.Production => salesforceOptions.Value.ProductionLoginUrl,
        SalesforceEnvironment.Sandbox => salesforceOptions.Value.SandboxLoginUrl,
        SalesforceEnvironment.MyDomain when Uri.TryCreate(myDomainUrl?.Trim(), UriKind.Absolute, out var u) && (u.Scheme == "https" || u.IsLoopback) =>
            new Uri(u.GetLeftPart(UriPartial.Authority) + u.AbsolutePath.TrimEnd('/')),
        SalesforceEnvironment.MyDomain => throw new LinkingException("invalid_my_domain", "Enter your My Domain URL, such as https://acme.my.salesforce.com."),
        _ => throw new LinkingException("invalid_environment", "Choose Production, Sandbox or My Domain."),
    };

    /// <summary>The connected app a link uses: the platform's, or the tenant's own.</summary>
    public async Task<(string ClientId, string ClientSecret)> AppForAsync(string tenantId, string appConfig, CancellationToken ct)
    {
        if (appConfig == AppConfiguration.Custom)
        {
            var custom = await store.GetTenantAppAsync(tenantId, ct)
                         ?? throw new LinkingException("no_custom_app", "Enter your connected app's consumer key and secret under Custom configuration first.");
            return (custom.ClientId, secrets.Unprotect(custom.ClientSecretEnc, Purpose("tenant_app_secret", tenantId)));
        }
        var system = await store.GetSystemAppAsync(ct)
                     ?? throw new LinkingException("no_system_app", "The platform's Salesforce connected app is not set up yet. A system administrator sets it under System → Salesforce app, or use Custom configuration.");
        return (system.ClientId, secrets.Unprotect(system.ClientSecretEnc, "system_app_secret"));
    }

    public async Task SetSystemAppAsync(string clientId, string clientSecret, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(clientSecret))
            throw new LinkingException("invalid_app", "Both the consumer key and the consumer secret are required.");
        await store.SetSystemAppAsync(clientId.Trim(), secrets.Protect(clientSecret.Trim(), "system_app_secret"), ct);
    }

    public async Task SetTenantAppAsync(string tenantId, string clientId, string clientSecret, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(clientSecret))
            throw new LinkingException("invalid_app", "Both the consumer key and the consumer secret are required.");
        await store.SetTenantAppAsync(tenantId, clientId.Trim(), secrets.Protect(clientSecret.Trim(), Purpose("tenant_app_secret", tenantId)), ct);
        await store.AddEventAsync(tenantId, "custom_app_saved", $"Consumer key {clientId.Trim()}", ct);
    }

    private string VersionOrDefault(string? apiVersion) =>
        apiVersion is null or "" ? salesforceOptions.Value.DefaultApiVersion
        : ApiVersion.Normalize(apiVersion) ?? throw new LinkingException("invalid_api_version", $"'{apiVersion}' is not an API version: write it like 62.0 or v62.0.");

    public static string HashState(string state) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(state)));

    /// <summary>Starts the web-server flow: returns the authorize URL to send the admin's browser to.</summary>
    public async Task<Uri> StartWebLinkAsync(string tenantId, string sessionId, string environment, string? myDomainUrl, string appConfig, string? apiVersion, CancellationToken ct = default)
    {
        var loginUrl = LoginUrlFor(environment, myDomainUrl);
        var version = VersionOrDefault(apiVersion);
        if (appConfig is not (AppConfiguration.System or AppConfiguration.Custom)) throw new LinkingException("invalid_app_config", "Choose system or custom configuration.");
        var (clientId, _) = await AppForAsync(tenantId, appConfig, ct);
        var state = SalesforceOAuthClient.Base64Url(RandomNumberGenerator.GetBytes(32));
        var request = SalesforceOAuthClient.BuildAuthorizeUrl(loginUrl, clientId, hubOptions.Value.CallbackUrl, state);
        await store.AddAttemptAsync(new OAuthAttempt(HashState(state), tenantId, sessionId, secrets.Protect(request.CodeVerifier, Purpose("code_verifier", tenantId)),
            environment, loginUrl.ToString(), appConfig, version, Now), ct);
        return request.Url;
    }

    /// <summary>
    /// Completes the web-server flow from the callback. The state must be one this hub issued, to
    /// this same sign-in session, less than ten minutes ago, and not used before.
    /// </summary>
    public async Task<(string TenantId, string What)> CompleteWebLinkAsync(string sessionId, string? state, string? code, string? error, string? errorDescription, CancellationToken ct = default)
    {
        var attempt = state is null ? null : await store.TakeAttemptAsync(HashState(state), ct);
        if (attempt is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(attempt.SessionId), Encoding.UTF8.GetBytes(sessionId)))
            throw new LinkingException("state_mismatch", "This Salesforce sign-in was not started from your session here, or it was already used. Nothing was changed; start the link again.");
        if (Now - attempt.CreatedAt > AttemptLifetime.TotalMilliseconds)
            throw new LinkingException("attempt_expired", "The Salesforce sign-in took longer than ten minutes. Nothing was changed; start the link again.");
        var tenantId = attempt.TenantId;
        if (error is not null)
        {
            await store.AddEventAsync(tenantId, "link_refused", $"{error}: {errorDescription}", ct);
            throw new LinkingException(error == "access_denied" ? "access_denied" : "salesforce_error",
                error == "access_denied"
                    ? "Access was denied in Salesforce, so nothing was changed. To link, sign in as the API user and choose Allow."
                    : $"Salesforce refused the link ({error}: {errorDescription}). Nothing was changed.", tenantId);
        }
        if (string.IsNullOrEmpty(code)) throw new LinkingException("no_code", "Salesforce did not return an authorization code. Nothing was changed; start the link again.", tenantId);

        var (clientId, clientSecret) = await AppForAsync(tenantId, attempt.AppConfig, ct);
        var loginUrl = new Uri(attempt.LoginUrl);
        TokenResponse token;
        try
        {
            token = await OAuth.ExchangeCodeAsync(loginUrl, clientId, clientSecret, code, hubOptions.Value.CallbackUrl,
                secrets.Unprotect(attempt.CodeVerifierEnc, Purpose("code_verifier", tenantId)), ct);
        }
        catch (SalesforceOAuthException e)
        {
            await store.AddEventAsync(tenantId, "link_failed", $"{e.Error}: {e.Description}", ct);
            throw new LinkingException("token_exchange_failed", $"Salesforce refused the authorization code ({e.Error}: {e.Description}). Nothing was changed; start the link again.", tenantId);
        }
        try
        {
            return (tenantId, await SaveNewLinkAsync(tenantId, token, LinkFlow.WebServer, attempt.AppConfig, attempt.Environment, loginUrl, null, clientId, null, attempt.ApiVersion, null, ct));
        }
        catch (LinkingException e) when (e.TenantId is null)
        {
            throw new LinkingException(e.Code, e.Message, tenantId);
        }
    }

    /// <summary>Server-to-server link: the client-credentials flow against the tenant's token URL.</summary>
    public async Task<string> LinkWithClientCredentialsAsync(string tenantId, string? tokenUrl, string clientId, string clientSecret, string? apiVersion, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(clientSecret))
            throw new LinkingException("invalid_app", "Both the client id and the client secret are required.");
        var url = string.IsNullOrWhiteSpace(tokenUrl) ? salesforceOptions.Value.DefaultTokenUrl
            : Uri.TryCreate(tokenUrl.Trim(), UriKind.Absolute, out var u) ? u
            : throw new LinkingException("invalid_token_url", "The OAuth 2.0 token URL must be absolute, such as https://acme.my.salesforce.com/services/oauth2/token.");
        var version = VersionOrDefault(apiVersion);
        TokenResponse token;
        try
        {
            token = await OAuth.ClientCredentialsAsync(url, clientId.Trim(), clientSecret.Trim(), ct);
        }
        catch (SalesforceOAuthException e)
        {
            await store.AddEventAsync(tenantId, "link_failed", $"client credentials: {e.Error}: {e.Description}", ct);
            throw new LinkingException("client_credentials_failed", $"Salesforce refused the client credentials ({e.Error}: {e.Description}). Check the client id and secret, that the app enables the client credentials flow with a run-as user, and that the token URL is your My Domain.");
        }
        var loginUrl = new Uri(url.GetLeftPart(UriPartial.Authority));
        return await SaveNewLinkAsync(tenantId, token, LinkFlow.ClientCredentials, AppConfiguration.Custom, SalesforceEnvironment.MyDomain, loginUrl, url.ToString(),
            clientId.Trim(), secrets.Protect(clientSecret.Trim(), Purpose("link_client_secret", tenantId)), version, null, ct);
    }

    /// <summary>Imports a link made with a username and password (the "Legacy" status); it keeps working until replaced.</summary>
    public async Task<string> ImportLegacyAsync(string tenantId, string environment, string? myDomainUrl, string clientId, string clientSecret, string username, string passwordAndToken, string? apiVersion, CancellationToken ct = default)
    {
        var loginUrl = LoginUrlFor(environment, myDomainUrl);
        var version = VersionOrDefault(apiVersion);
        TokenResponse token;
        try
        {
            token = await OAuth.PasswordAsync(loginUrl, clientId, clientSecret, username, passwordAndToken, ct);
        }
        catch (SalesforceOAuthException e)
        {
            throw new LinkingException("legacy_login_failed", $"Salesforce refused the username and password ({e.Error}: {e.Description}). Append the user's security token to the password if the org requires one.");
        }
        return await SaveNewLinkAsync(tenantId, token, LinkFlow.LegacyPassword, AppConfiguration.Custom, environment, loginUrl, null, clientId,
            secrets.Protect(clientSecret, Purpose("link_client_secret", tenantId)), version, secrets.Protect(username + "\n" + passwordAndToken, Purpose("legacy_password", tenantId)), ct);
    }

    private async Task<string> SaveNewLinkAsync(string tenantId, TokenResponse token, string flow, string appConfig, string environment, Uri loginUrl, string? tokenUrl,
        string clientId, string? clientSecretEnc, string apiVersion, string? legacyPasswordEnc, CancellationToken ct)
    {
        var oauth = OAuth;
        var identity = await oauth.IdentityAsync(token.IdentityUrl, token.AccessToken, ct);
        var http = httpFactory.CreateClient(SalesforceConnections.HttpClientName);
        var versions = await SalesforceRestClient.VersionsAsync(http, new Uri(token.InstanceUrl), ct);
        if (versions.Count > 0 && !versions.Any(v => v.Version == apiVersion))
        {
            await RevokeQuietlyAsync(loginUrl, token.RefreshToken ?? token.AccessToken, tenantId, ct);
            throw new LinkingException("unsupported_api_version",
                $"The org does not offer API version {apiVersion}; it offers {versions[0].Version} to {versions[^1].Version}. Choose one of those and link again.");
        }
        if (flow == LinkFlow.WebServer && await store.CountOtherTenantsLinkedByAsync(identity.OrganizationId, identity.UserId, tenantId, ct) >= MaxTenantsPerApiUser)
        {
            await HandOverOrRevokeAsync(identity, clientId, loginUrl, token, tenantId, ct);
            await store.AddEventAsync(tenantId, "link_refused", $"{identity.Username} already serves {MaxTenantsPerApiUser} tenants", ct);
            throw new LinkingException("api_user_limit",
                $"The Salesforce user {identity.Username} is already linked to {MaxTenantsPerApiUser} tenants, the most one API user can serve. Create another API Only user in Salesforce and link with it.");
        }

        var previous = await store.GetAsync(tenantId, ct);
        if (previous?.RefreshTokenEnc is { } oldRefresh)
        {
            // Relinking replaces the old grant: revoke it at Salesforce so no stale refresh token lingers.
            await RevokeQuietlyAsync(new Uri(previous.LoginUrl), secrets.Unprotect(oldRefresh, Purpose("refresh_token", tenantId)), tenantId, ct);
        }
        var status = flow == LinkFlow.LegacyPassword ? LinkStatus.Legacy : LinkStatus.Linked;
        var now = Now;
        await store.SaveAsync(new SalesforceLink
        {
            TenantId = tenantId, Status = status, StatusReason = null, StatusChangedAt = now, Flow = flow, AppConfig = appConfig, Environment = environment,
            LoginUrl = loginUrl.ToString().TrimEnd('/'), TokenUrl = tokenUrl, ClientId = clientId, ClientSecretEnc = clientSecretEnc,
            OrgId = identity.OrganizationId, UserId = identity.UserId, Username = identity.Username, DisplayName = identity.DisplayName,
            InstanceUrl = token.InstanceUrl, IdentityUrl = token.IdentityUrl, ApiVersion = apiVersion,
            RefreshTokenEnc = secrets.ProtectOrNull(token.RefreshToken, Purpose("refresh_token", tenantId)),
            AccessTokenEnc = secrets.Protect(token.AccessToken, Purpose("access_token", tenantId)),
            LegacyPasswordEnc = legacyPasswordEnc, LinkedAt = now, LastCheckedAt = now,
        }, ct);
        connections.Forget(tenantId);
        var what = previous is { Status: not LinkStatus.Unlinked } ? "relinked" : "linked";
        await store.AddEventAsync(tenantId, what, $"{identity.Username} in org {identity.OrganizationId} ({environment}, {flow.Replace('_', ' ')})", ct);
        logger.LogInformation("Tenant {TenantId} {What} to org {OrgId} as {Username}", tenantId, what, identity.OrganizationId, identity.Username);
        return what;
    }

    /// <summary>
    /// Salesforce revoked the oldest of this user's approvals the moment it issued the refused sixth
    /// one, so one of the five tenants may have just lost its refresh token. The new token carries the
    /// same user's access to the same app: give it to that tenant instead of letting it break. Only if
    /// no tenant lost its token is the new one revoked.
    /// </summary>
    private async Task HandOverOrRevokeAsync(SalesforceIdentity identity, string clientId, Uri loginUrl, TokenResponse token, string refusedTenantId, CancellationToken ct)
    {
        if (token.RefreshToken is not null)
        {
            var oauth = OAuth;
            foreach (var other in await store.LinksByUserAsync(identity.OrganizationId, identity.UserId, refusedTenantId, ct))
            {
                if (other.ClientId != clientId || other.RefreshTokenEnc is null) continue;
                try
                {
                    var (otherId, otherSecret) = await AppForAsync(other.TenantId, other.AppConfig, ct);
                    await oauth.RefreshAsync(new Uri(other.LoginUrl), otherId, otherSecret, secrets.Unprotect(other.RefreshTokenEnc, Purpose("refresh_token", other.TenantId)), ct);
                }
                catch (SalesforceOAuthException e) when (e.Error == "invalid_grant")
                {
                    await store.ReplaceRefreshTokenAsync(other.TenantId, secrets.Protect(token.RefreshToken, Purpose("refresh_token", other.TenantId)), ct);
                    connections.Forget(other.TenantId);
                    await store.AddEventAsync(other.TenantId, "grant_replaced",
                        "Salesforce revoked this link's oldest approval when the same API user was used for a sixth tenant; the link now uses the newer approval.", ct);
                    return;
                }
            }
        }
        await RevokeQuietlyAsync(loginUrl, token.RefreshToken ?? token.AccessToken, refusedTenantId, ct);
    }

    private async Task RevokeQuietlyAsync(Uri loginUrl, string token, string tenantId, CancellationToken ct)
    {
        try
        {
            await OAuth.RevokeAsync(loginUrl, token, ct);
        }
        catch (Exception e) when (e is HttpRequestException or SalesforceOAuthException or TaskCanceledException)
        {
            await store.AddEventAsync(tenantId, "revoke_failed", $"Could not revoke a token at Salesforce: {e.Message}. Revoke it under Connected Apps OAuth Usage.", ct);
        }
    }

    /// <summary>What stops working when a tenant unlinks, for the confirmation and the result.</summary>
    public const string UnlinkConsequences =
        "ContactBridge no longer looks callers up in Salesforce (no screen pops) and no longer logs calls, chats or conversations there. Records already written stay in Salesforce.";

    /// <summary>Revokes the tokens at Salesforce, forgets them, and sets the link to Unlinked.</summary>
    public async Task UnlinkAsync(string tenantId, string actor, CancellationToken ct = default)
    {
        var link = await store.GetAsync(tenantId, ct);
        if (link is null || link.Status == LinkStatus.Unlinked) throw new LinkingException("not_linked", "This tenant is not linked to Salesforce.");
        var token = secrets.UnprotectOrNull(link.RefreshTokenEnc, Purpose("refresh_token", tenantId)) ?? secrets.UnprotectOrNull(link.AccessTokenEnc, Purpose("access_token", tenantId));
        if (token is not null) await RevokeQuietlyAsync(new Uri(link.LoginUrl), token, tenantId, ct);
        await store.SaveAsync(link with
        {
            Status = LinkStatus.Unlinked, StatusReason = $"Unlinked by {actor}", StatusChangedAt = Now, RefreshTokenEnc = null, AccessTokenEnc = null,
            LegacyPasswordEnc = null, ClientSecretEnc = null,
        }, ct);
        connections.Forget(tenantId);
        await store.AddEventAsync(tenantId, "unlinked", $"by {actor}; tokens revoked at Salesforce", ct);
    }

    /// <summary>Changes the API version, after checking the org offers it.</summary>
    public async Task SetApiVersionAsync(string tenantId, string apiVersion, CancellationToken ct = default)
    {
        var version = ApiVersion.Normalize(apiVersion) ?? throw new LinkingException("invalid_api_version", $"'{apiVersion}' is not an API version: write it like 62.0 or v62.0.");
        var link = await store.GetAsync(tenantId, ct) ?? throw new LinkingException("not_linked", "Link the tenant first.");
        if (link.InstanceUrl is not null)
        {
            var versions = await SalesforceRestClient.VersionsAsync(httpFactory.CreateClient(SalesforceConnections.HttpClientName), new Uri(link.InstanceUrl), ct);
            if (!versions.Any(v => v.Version == version))
                throw new LinkingException("unsupported_api_version", $"The org does not offer API version {version}; it offers {versions[0].Version} to {versions[^1].Version}.");
        }
        await store.SaveAsync(link with { ApiVersion = version }, ct);
        connections.Forget(tenantId);
        await store.AddEventAsync(tenantId, "api_version_changed", version, ct);
    }

    /// <summary>Checks that a link still works (the health check): a Salesforce call that refreshes if it must.</summary>
    public async Task<SalesforceLink?> CheckAsync(string tenantId, CancellationToken ct = default)
    {
        var link = await store.GetAsync(tenantId, ct);
        if (link is null || !link.IsUsable) return link;
        try
        {
            // One cheap API call: it proves the token (refreshing it if need be) and reports the org's API usage.
            var client = await connections.ClientAsync(tenantId, ct);
            await client.GetAsync($"{client.DataPath}/limits", ct);
            await store.MarkCheckedAsync(tenantId, ct);
        }
        catch (LinkingException)
        {
            // The connection already recorded why the link needs relinking.
        }
        catch (Exception e) when (e is HttpRequestException or SalesforceApiException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Salesforce unreachable or erroring: the link itself may be fine, so its status stays; the event says what happened.
            await store.AddEventAsync(tenantId, "check_failed", e.Message, ct);
        }
        return await store.GetAsync(tenantId, ct);
    }
}
