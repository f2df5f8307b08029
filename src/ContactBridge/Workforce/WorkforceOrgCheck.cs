using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Linking;
using ContactBridge.Salesforce;

namespace ContactBridge.Workforce;

/// <summary>
/// Checks an integration's settings against the org before they are saved: the client credentials (Salesforce must grant a
/// token), the API version (the org must offer it) and the platform event (the org must have it). Without credentials the
/// tenant's Salesforce link is used; with neither, what needs the org cannot be checked and the caller is told so.
/// </summary>
public sealed class WorkforceOrgCheck(IHttpClientFactory httpFactory, SalesforceConnections connections, LinkStore links, TimeProvider clock)
{
    /// <summary>What the check found: problems by setting, and whether the org was reached at all.</summary>
    public sealed record Outcome(List<SettingProblem> Problems, string? ApiVersion)
    {
        /// <summary>The platform event's field names, when one was checked.</summary>
        public IReadOnlyList<string>? EventFields { get; init; }

        /// <summary>The org's Omni-Channel presence statuses (their names), when they were asked for.</summary>
        public IReadOnlyList<string>? PresenceStatuses { get; init; }
    }

    public async Task<Outcome> CheckAsync(string tenantId, string? clientId, string? clientSecret, string tokenUrl, string? apiVersion, string? platformEvent, CancellationToken ct,
        bool presenceStatuses = false)
    {
        try
        {
            return await CheckOrgAsync(tenantId, clientId, clientSecret, tokenUrl, apiVersion, platformEvent, presenceStatuses, ct);
        }
        catch (Exception e) when (e is HttpRequestException or LinkingException or SalesforceApiException or SalesforceOAuthException or TaskCanceledException
                                       or System.Text.Json.JsonException or UriFormatException or ArgumentException or InvalidOperationException
                                   && !ct.IsCancellationRequested)
        {
            // The org did not answer as it should: nothing is saved, and the admin learns why.
            var setting = string.IsNullOrWhiteSpace(clientId) ? "apiVersion" : "tokenUrl";
            return new([new(setting, $"The org could not be reached to check the settings ({e.Message}). Try again, or check the tenant's Salesforce link.")],
                WorkforceSettingsRules.Version(apiVersion));
        }
    }

    private async Task<Outcome> CheckOrgAsync(string tenantId, string? clientId, string? clientSecret, string tokenUrl, string? apiVersion, string? platformEvent,
        bool presenceStatuses, CancellationToken ct)
    {
        var problems = new List<SettingProblem>();
        var version = WorkforceSettingsRules.Version(apiVersion);
        SalesforceRestClient? client = null;
        if (!string.IsNullOrWhiteSpace(clientId))
        {
            if (string.IsNullOrEmpty(clientSecret))
                return new([new("clientSecret", "A client id needs its client secret (the connected app's consumer secret), given again when the client id or the OAuth 2.0 URL changes.")], version);
            var http = httpFactory.CreateClient(SalesforceConnections.HttpClientName);
            TokenResponse token;
            try
            {
                token = await new SalesforceOAuthClient(http).ClientCredentialsAsync(new Uri(tokenUrl), clientId.Trim(), clientSecret, ct);
            }
            catch (SalesforceOAuthException e)
            {
                var setting = e.Error switch { "invalid_client_id" => "clientId", "invalid_client" => "clientSecret", _ => "clientId" };
                return new([new(setting, $"Salesforce refused the client credentials ({e.Error}: {e.Description}). Check the client id and secret, that the connected app " +
                                         "enables the client credentials flow with a run-as user, and that the OAuth 2.0 URL is your My Domain's token endpoint.")], version);
            }
            catch (HttpRequestException e)
            {
                return new([new("tokenUrl", $"The OAuth 2.0 URL could not be reached ({e.Message}).")], version);
            }
            var session = new SalesforceSession(new Uri(token.InstanceUrl), version ?? "62.0", token.AccessToken,
                _ => throw new SalesforceApiException(HttpStatusCode.Unauthorized, "INVALID_SESSION_ID", "The checking session expired."));
            client = new SalesforceRestClient(http, session, clock);
        }
        else if (await links.GetAsync(tenantId, ct) is { IsUsable: true } link)
        {
            version ??= link.ApiVersion;
            client = await connections.ClientAsync(tenantId, ct);
        }
        if (client is null)
        {
            if (!string.IsNullOrWhiteSpace(platformEvent))
                problems.Add(new("platformEvent", "The hub reaches no org to publish the platform event in: link the tenant to Salesforce, or give client credentials."));
            if (presenceStatuses)
                problems.Add(new("source", "Omni-Channel is read from a Salesforce org: give client credentials (client id and secret), or link the tenant to Salesforce."));
            return new(problems, version);
        }

        var versions = await SalesforceRestClient.VersionsAsync(httpFactory.CreateClient(SalesforceConnections.HttpClientName), client.Session.InstanceUrl, ct);
        if (version is not null && versions.Count > 0 && !versions.Any(v => v.Version == version))
        {
            problems.Add(new("apiVersion", $"The org does not offer API version {version}; it offers {versions[0].Version} to {versions[^1].Version}."));
            return new(problems, version);
        }
        version ??= versions.Count > 0 ? versions[^1].Version : null;
        IReadOnlyList<string>? eventFields = null;
        if (!string.IsNullOrWhiteSpace(platformEvent))
        {
            try
            {
                var describe = await client.GetAsync($"/services/data/v{version}/sobjects/{Uri.EscapeDataString(platformEvent.Trim())}/describe", ct);
                eventFields = (describe?["fields"] as JsonArray)?.Select(f => f?["name"]?.GetValue<string>()).OfType<string>().ToList() ?? [];
            }
            catch (SalesforceApiException e) when (e.Status == HttpStatusCode.NotFound || e.ErrorCode is "NOT_FOUND" or "INVALID_TYPE")
            {
                problems.Add(new("platformEvent", $"The org has no platform event {platformEvent.Trim()}: create it in Setup → Platform Events, or correct the name."));
            }
            catch (SalesforceApiException e)
            {
                problems.Add(new("platformEvent", $"The platform event could not be checked: Salesforce answered {e.ErrorCode}: {e.Message}"));
            }
        }
        IReadOnlyList<string>? statuses = null;
        if (presenceStatuses)
        {
            try
            {
                var (records, _) = await client.QueryAllPagesAsync("SELECT MasterLabel FROM ServicePresenceStatus ORDER BY MasterLabel", ct);
                statuses = records.Select(r => r["MasterLabel"]?.GetValue<string>()).OfType<string>().ToList();
            }
            catch (SalesforceApiException e)
            {
                problems.Add(new("source", $"The org's Omni-Channel presence statuses could not be read ({e.ErrorCode}: {e.Message}): Omni-Channel must be enabled, " +
                                           "and the integration's user needs access to ServicePresenceStatus, UserServicePresence and AgentWork."));
            }
        }
        return new(problems, version) { EventFields = eventFields, PresenceStatuses = statuses };
    }
}
