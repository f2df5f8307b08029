using System.Security.Cryptography;
using ContactBridge.Linking;
using ContactBridge.Salesforce;
using ContactBridge.Security;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using ContactBridge.Web;
using Dapper;
using Microsoft.Extensions.Options;

namespace ContactBridge.AgentAdapter;

/// <summary>
/// Single sign-on for the softphone: the Salesforce user already signed in to the console becomes the agent the
/// tenant's routing map pairs with it, with no second password. The softphone opens a small window on the hub,
/// which sends the user to the tenant's Salesforce (OAuth 2.0 web-server flow, PKCE, scope "id" only: the hub
/// learns who the user is and nothing more). Salesforce answers the hub's callback; the window hands a one-time
/// ticket to the softphone that opened it, and the softphone trades it, with a nonce only it holds, for its session.
/// </summary>
public static class AgentSignIn
{
    public const string CallbackPath = "/agent/sign-in/callback";

    /// <summary>The callback URL to add to the tenant's connected app in Salesforce.</summary>
    public static Uri CallbackUrl(HubOptions options) => new(options.PublicUrl, CallbackPath);

    public static void MapAgentSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/agent/{tenantId}/sign-in", StartAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(CallbackPath, CallbackAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static bool IsNonce(string? nonce) => nonce is { Length: >= 22 and <= 128 } && nonce.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_');

    private static IResult Window(HttpContext c, int status, string title, string message)
    {
        c.Response.Headers.CacheControl = "no-store";
        return PortalPage.Render<AgentSignInWindow>(new { Title = title, Message = message, Ticket = (string?)null }, status);
    }

    private static async Task<IResult> StartAsync(HttpContext c, string tenantId, string? nonce, TenantStore tenants, LinkStore links, AgentSessionStore sessions,
        SalesforceLinkService linking, SecretProtector secrets, IOptions<HubOptions> options)
    {
        var ct = c.RequestAborted;
        if (!IsNonce(nonce)) return Window(c, 400, "Start from the softphone", "Open this window with the softphone's “Sign in with Salesforce” button.");
        if (await tenants.GetAsync(tenantId, ct) is null) return Window(c, 404, "No such tenant", "This softphone names no tenant of this hub. Import the call center definition again from the portal.");
        if (await links.GetAsync(tenantId, ct) is not { IsUsable: true, InstanceUrl: { } instance } link)
            return Window(c, 409, "Salesforce is not linked", "This tenant is not linked to Salesforce: an administrator links it in the ContactBridge portal first.");
        var clientId = link.ClientId;
        if (clientId is null) return Window(c, 409, "No connected app", "The tenant's Salesforce link has no connected app: an administrator links it again in the portal.");
        var state = SalesforceOAuthClient.Base64Url(RandomNumberGenerator.GetBytes(32));
        // The org's own domain: the user's Salesforce session lives there, so an agent already signed in is not asked again.
        var request = SalesforceOAuthClient.BuildAuthorizeUrl(new Uri(instance), clientId, CallbackUrl(options.Value), state, prompt: null, scope: "id");
        await sessions.AddSignInAsync(state, tenantId, nonce!, secrets.Protect(request.CodeVerifier, SalesforceLinkService.Purpose("agent_code_verifier", tenantId)), ct);
        c.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(request.Url.ToString());
    }

    private static async Task<IResult> CallbackAsync(HttpContext c, string? state, string? code, string? error, string? error_description, TenantStore tenants, LinkStore links,
        AgentSessionStore sessions, SalesforceLinkService linking, SecretProtector secrets, IHttpClientFactory http, AgentDirectory directory, IOptions<HubOptions> options,
        ILoggerFactory loggers)
    {
        var ct = c.RequestAborted;
        var attempt = state is null ? null : await sessions.TakeSignInAsync(state, ct);
        if (attempt is null)
            return Window(c, 400, "Sign in again", "This sign-in was already used or took longer than ten minutes. Close this window and choose “Sign in with Salesforce” again.");
        if (error is not null)
            return Window(c, 403, "Salesforce said no",
                error == "access_denied" ? "Access was denied in Salesforce. To use the softphone, choose Allow when Salesforce asks." : $"Salesforce refused the sign-in ({error}: {error_description}).");
        var tenantId = attempt.TenantId;
        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is null) return Window(c, 404, "No such tenant", "This softphone's tenant is no longer on this hub.");
        if (await links.GetAsync(tenantId, ct) is not { IsUsable: true, InstanceUrl: { } instance, ClientId: { } clientId } link)
            return Window(c, 409, "Salesforce is not linked", "This tenant is no longer linked to Salesforce.");
        if (string.IsNullOrEmpty(code)) return Window(c, 400, "Sign in again", "Salesforce did not return an authorization code. Close this window and try again.");
        var oauth = new SalesforceOAuthClient(http.CreateClient(SalesforceConnections.HttpClientName));
        SalesforceIdentity identity;
        try
        {
            var secret = link.ClientSecretEnc is { } enc
                ? secrets.Unprotect(enc, SalesforceLinkService.Purpose("link_client_secret", tenantId))
                : (await linking.AppForAsync(tenantId, link.AppConfig, ct)).ClientSecret;
            var token = await oauth.ExchangeCodeAsync(new Uri(instance), clientId, secret, code, CallbackUrl(options.Value),
                secrets.Unprotect(attempt.CodeVerifierEnc, SalesforceLinkService.Purpose("agent_code_verifier", tenantId)), ct);
            identity = await oauth.IdentityAsync(token.IdentityUrl, token.AccessToken, ct);
            // The token was only for learning who signed in: it is given back at once.
            try
            {
                await oauth.RevokeAsync(new Uri(instance), token.AccessToken, ct);
            }
            catch (Exception e) when (e is HttpRequestException or SalesforceOAuthException)
            {
                loggers.CreateLogger(typeof(AgentSignIn)).LogInformation("Salesforce did not take back an agent sign-in token of tenant {TenantId}: {Error}", tenantId, e.Message);
            }
        }
        catch (Exception e) when (e is SalesforceOAuthException or SalesforceApiException or HttpRequestException or LinkingException or System.Text.Json.JsonException
                                       or CryptographicException)
        {
            return Window(c, 502, "Salesforce refused the sign-in", $"The sign-in could not be completed ({e.Message}). Close this window and try again.");
        }
        if (!string.Equals(identity.OrganizationId, link.OrgId, StringComparison.Ordinal))
            return Window(c, 403, "Another Salesforce org",
                $"You signed in to a Salesforce org this tenant is not linked to ({identity.OrganizationId}). Sign in as your user in the tenant's org.");
        (string? AgentId, string? Problem) agent;
        try
        {
            agent = await directory.FindAsync(tenant!, identity, ct);
        }
        catch (Exception e) when (e is SalesforceApiException or SalesforceOAuthException or HttpRequestException or LinkingException)
        {
            return Window(c, 502, "Salesforce did not answer", $"Your agent could not be looked up in Salesforce's routing map ({e.Message}). Close this window and try again.");
        }
        if (agent.AgentId is null) return Window(c, 403, "No agent for this user", agent.Problem!);
        var ticket = await sessions.AddPendingAsync(tenantId, agent.AgentId, identity.UserId, identity.Username, identity.DisplayName, attempt.NonceHash, ct);
        c.Response.Headers.CacheControl = "no-store";
        return PortalPage.Render<AgentSignInWindow>(new { Title = "Signed in", Message = $"Signed in as {identity.Username}. This window closes by itself.", Ticket = ticket });
    }
}

/// <summary>
/// Which agent of the contact center a Salesforce user is: the tenant's routing map in Salesforce (CallCenterRoutingMap,
/// the contact center's user id for the Salesforce user) first, then an agent the contact center reported with the
/// user's e-mail. One Salesforce API call per sign-in.
/// </summary>
public sealed class AgentDirectory(SalesforceConnections connections, HubDatabase db, ILogger<AgentDirectory> logger)
{
    /// <summary>The agent, or why there is none. Throws when Salesforce cannot be asked (the sign-in is then tried again, never decided by e-mail instead).</summary>
    public async Task<(string? AgentId, string? Problem)> FindAsync(Tenant tenant, SalesforceIdentity identity, CancellationToken ct)
    {
        var tenantId = tenant.Id;
        try
        {
            var client = await connections.ClientAsync(tenantId, ct);
            // This tenant's call center only: an org linked to several tenants has a routing map per call center.
            var rows = await client.QueryAsync($"""
                SELECT ExternalId FROM CallCenterRoutingMap WHERE ReferenceRecordId = {Soql.String(identity.UserId)}
                AND CallCenter.InternalName = {Soql.String(CallCenterDefinitionFile.InternalName(tenant))} LIMIT 2
                """, ct);
            var ids = rows["records"]?.AsArray().Select(r => r?["ExternalId"]?.GetValue<string>()).Where(x => !string.IsNullOrWhiteSpace(x)).Distinct().ToList() ?? [];
            if (ids.Count == 1) return (ids[0], null);
            if (ids.Count > 1)
                return (null, $"Your Salesforce user {identity.Username} is mapped to more than one agent in the routing map: an administrator keeps one mapping per user.");
        }
        catch (SalesforceApiException e) when (e.ErrorCode is "INVALID_TYPE" or "INVALID_FIELD")
        {
            // An org without Service Cloud Voice has no routing map: the e-mail decides.
            logger.LogInformation("No routing map in the org of tenant {TenantId}: {Error}", tenantId, e.Message);
        }
        if (!string.IsNullOrWhiteSpace(identity.Email))
        {
            await using var c = await db.OpenAsync(ct);
            var byEmail = (await c.QueryAsync<string>("""
                SELECT agent_id FROM agents WHERE tenant_id = @tenantId AND LOWER(email) = LOWER(@email)
                UNION SELECT external_id FROM contact_center_users WHERE tenant_id = @tenantId AND LOWER(email) = LOWER(@email)
                """, new { tenantId, email = identity.Email })).Distinct().ToList();
            if (byEmail.Count == 1) return (byEmail[0], null);
            if (byEmail.Count > 1) return (null, $"More than one agent of the contact center has the e-mail {identity.Email}: an administrator maps your user in the routing map.");
        }
        return (null, $"Your Salesforce user {identity.Username} is not mapped to an agent of this contact center. An administrator maps it in the routing map " +
                      "(ContactBridge portal → Routing map), or gives your agent the same e-mail as your Salesforce user.");
    }
}
