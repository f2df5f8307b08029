using System.Collections.Concurrent;
using ContactBridge.Salesforce;
using ContactBridge.Security;

namespace ContactBridge.Linking;

/// <summary>
/// One Salesforce session per linked tenant, shared by everything that calls Salesforce for it.
/// A 401 triggers one refresh however many requests hit it at once, in this instance and across
/// instances: the refresh runs under a lock per tenant, and an instance that gets the lock after
/// another refreshed takes the stored token instead of refreshing again. A refused refresh moves
/// the link to Needs relink with Salesforce's reason.
/// </summary>
public sealed class SalesforceConnections(LinkStore store, SecretProtector secrets, IHttpClientFactory httpFactory, Storage.HubDatabase db, TimeProvider clock,
    Dashboard.SalesforceCallLedger ledger, ILogger<SalesforceConnections> logger)
{
    public const string HttpClientName = "salesforce";

    private readonly ConcurrentDictionary<string, Lazy<Task<SalesforceSession>>> _sessions = new(StringComparer.Ordinal);

    public void Forget(string tenantId) => _sessions.TryRemove(tenantId, out _);

    /// <summary>The org's remaining daily API calls as each open session last heard them (Sforce-Limit-Info).</summary>
    public IEnumerable<(string TenantId, ApiUsage Usage)> LastApiUsage() =>
        _sessions.Where(s => s.Value.IsValueCreated && s.Value.Value.IsCompletedSuccessfully && s.Value.Value.Result.LastApiUsage is not null)
            .Select(s => (s.Key, s.Value.Value.Result.LastApiUsage!));

    public async Task<SalesforceRestClient> ClientAsync(string tenantId, CancellationToken ct) =>
        new(httpFactory.CreateClient(HttpClientName), await SessionAsync(tenantId), clock);

    /// <summary>The tenant's Salesforce session (its org's instance and token), made once from the stored link; <see cref="LinkingException"/> when unlinked.</summary>
    public Task<SalesforceSession> SessionAsync(string tenantId) =>
        _sessions.GetOrAdd(tenantId, id => new Lazy<Task<SalesforceSession>>(() => CreateAsync(id))).Value;

    private async Task<SalesforceSession> CreateAsync(string tenantId)
    {
        var link = await store.GetAsync(tenantId);
        if (link is null || !link.IsUsable || link.InstanceUrl is null)
        {
            Forget(tenantId);
            throw new LinkingException("not_linked", link?.Status == LinkStatus.NeedsRelink
                ? $"The Salesforce link needs relinking: {link.StatusReason}"
                : "This tenant is not linked to Salesforce.");
        }
        var access = secrets.UnprotectOrNull(link.AccessTokenEnc, SalesforceLinkService.Purpose("access_token", tenantId)) ?? "";
        SalesforceSession session = null!;
        // The session calls back with its current token, the one Salesforce just refused.
        session = new SalesforceSession(new Uri(link.InstanceUrl), link.ApiVersion, access, ct => RefreshAsync(tenantId, session.AccessToken, ct))
        {
            Tenant = tenantId, CallObserved = (_, outcome) => ledger.Observe(tenantId, outcome),
        };
        return session;
    }

    private async Task<string> RefreshAsync(string tenantId, string failedToken, CancellationToken ct)
    {
        await using var refreshing = await db.LockAsync($"contactbridge:refresh:{tenantId}", ct);
        var link = await store.GetAsync(tenantId, ct) ?? throw new LinkingException("not_linked", "This tenant is not linked to Salesforce.");
        if (!link.IsUsable)
        {
            Forget(tenantId);
            throw new LinkingException("needs_relink", $"The Salesforce link needs relinking: {link.StatusReason}");
        }
        // Another instance (or an earlier session here) refreshed while this one waited: its token is the one to use.
        if (secrets.UnprotectOrNull(link.AccessTokenEnc, SalesforceLinkService.Purpose("access_token", tenantId)) is { Length: > 0 } stored
            && !string.Equals(stored, failedToken, StringComparison.Ordinal))
        {
            logger.LogDebug("Tenant {TenantId}'s Salesforce session was refreshed by another instance; using its token", tenantId);
            return stored;
        }
        var oauth = new SalesforceOAuthClient(httpFactory.CreateClient(HttpClientName));
        var loginUrl = new Uri(link.LoginUrl);
        TokenResponse token;
        try
        {
            token = link.Flow switch
            {
                LinkFlow.ClientCredentials => await oauth.ClientCredentialsAsync(new Uri(link.TokenUrl!), link.ClientId!, Secret(link, "link_client_secret")!, ct),
                LinkFlow.LegacyPassword => await LegacyAsync(oauth, link, ct),
                _ => await oauth.RefreshAsync(loginUrl, link.ClientId!, await ClientSecretAsync(link, ct),
                    Secret(link, "refresh_token") ?? throw new LinkingException("no_refresh_token", "The link has no refresh token."), ct),
            };
        }
        catch (SalesforceOAuthException e) when (e.RequiresRelink)
        {
            var reason = e.Error switch
            {
                "inactive_user" => "The linked Salesforce user was deactivated",
                "invalid_grant" when link.Flow == LinkFlow.WebServer => "The refresh token was revoked or expired",
                _ => "Salesforce refused the stored credentials",
            };
            await MarkNeedsRelinkAsync(tenantId, $"{reason} ({e.Error}: {e.Description}).", ct);
            throw new LinkingException("needs_relink", $"{reason}. An administrator must link again.");
        }
        await store.UpdateAccessTokenAsync(tenantId, secrets.Protect(token.AccessToken, SalesforceLinkService.Purpose("access_token", tenantId)), token.InstanceUrl, ct);
        logger.LogInformation("Refreshed the Salesforce session of tenant {TenantId}", tenantId);
        return token.AccessToken;
    }

    private string? Secret(SalesforceLink link, string purpose) => purpose switch
    {
        "refresh_token" => secrets.UnprotectOrNull(link.RefreshTokenEnc, SalesforceLinkService.Purpose(purpose, link.TenantId)),
        _ => secrets.UnprotectOrNull(link.ClientSecretEnc, SalesforceLinkService.Purpose(purpose, link.TenantId)),
    };

    private async Task<string> ClientSecretAsync(SalesforceLink link, CancellationToken ct)
    {
        if (link.AppConfig == AppConfiguration.Custom)
        {
            var app = await store.GetTenantAppAsync(link.TenantId, ct) ?? throw new LinkingException("no_custom_app", "The tenant's connected app settings are gone.");
            return secrets.Unprotect(app.ClientSecretEnc, SalesforceLinkService.Purpose("tenant_app_secret", link.TenantId));
        }
        var system = await store.GetSystemAppAsync(ct) ?? throw new LinkingException("no_system_app", "The platform's connected app is not set up.");
        return secrets.Unprotect(system.ClientSecretEnc, "system_app_secret");
    }

    private async Task<TokenResponse> LegacyAsync(SalesforceOAuthClient oauth, SalesforceLink link, CancellationToken ct)
    {
        var stored = secrets.Unprotect(link.LegacyPasswordEnc!, SalesforceLinkService.Purpose("legacy_password", link.TenantId)).Split('\n', 2);
        return await oauth.PasswordAsync(new Uri(link.LoginUrl), link.ClientId!, Secret(link, "link_client_secret")!, stored[0], stored[1], ct);
    }

    public async Task MarkNeedsRelinkAsync(string tenantId, string reason, CancellationToken ct)
    {
        if (await store.SetStatusAsync(tenantId, LinkStatus.NeedsRelink, reason, [LinkStatus.Linked, LinkStatus.Legacy], ct))
        {
            await store.AddEventAsync(tenantId, "needs_relink", reason, ct);
            logger.LogWarning("The Salesforce link of tenant {TenantId} needs relinking: {Reason}", tenantId, reason);
        }
        Forget(tenantId);
    }
}
