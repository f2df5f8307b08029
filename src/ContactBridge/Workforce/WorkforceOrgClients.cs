using System.Collections.Concurrent;
using ContactBridge.Salesforce;

namespace ContactBridge.Workforce;

/// <summary>
/// The org an integration talks to: the tenant's Salesforce link, or the integration's own client credentials (a session kept
/// while it works, and started again when the settings change). Every call counts against the tenant's API budget.
/// </summary>
public sealed class WorkforceOrgClients(WorkforceSettingsStore settings, IHttpClientFactory httpFactory, Linking.SalesforceConnections connections,
    Dashboard.SalesforceCallLedger ledger, TimeProvider clock)
{
    /// <summary>Sessions with an integration's own client credentials, by its settings' version.</summary>
    private readonly ConcurrentDictionary<(string, string, string, long), SalesforceRestClient> _own = new();

    public async Task<SalesforceRestClient> ClientAsync(WorkforceIntegrationRow row, string? clientId, string tokenUrl, string? apiVersion, CancellationToken ct)
    {
        if (clientId is null) return await connections.ClientAsync(row.TenantId, ct);
        var key = (row.TenantId, row.Kind, row.GroupName, row.UpdatedAt);
        if (_own.TryGetValue(key, out var kept)) return kept;
        var http = httpFactory.CreateClient(Linking.SalesforceConnections.HttpClientName);
        var secret = settings.ClientSecret(row) ?? throw new Linking.LinkingException("no_secret", "The integration has no client secret.");
        var oauth = new SalesforceOAuthClient(http);
        var token = await oauth.ClientCredentialsAsync(new Uri(tokenUrl), clientId, secret, ct);
        var session = new SalesforceSession(new Uri(token.InstanceUrl), apiVersion ?? "62.0", token.AccessToken,
            async c2 => (await oauth.ClientCredentialsAsync(new Uri(tokenUrl), clientId, secret, c2)).AccessToken)
        {
            Tenant = row.TenantId, CallObserved = (_, outcome) => ledger.Observe(row.TenantId, outcome),
        };
        return _own[key] = new SalesforceRestClient(http, session, clock);
    }

    /// <summary>After a failure: the next call starts a new session.</summary>
    public void Forget(WorkforceIntegrationRow row) => _own.TryRemove((row.TenantId, row.Kind, row.GroupName, row.UpdatedAt), out _);
}
