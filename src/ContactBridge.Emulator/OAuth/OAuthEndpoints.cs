using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace ContactBridge.Emulator.OAuth;

/// <summary>
/// OAuth 2.0 as Salesforce serves it: the web-server flow (with PKCE), refresh token, client
/// credentials, JWT bearer and username-password grants, revoke, userinfo and identity URLs.
/// Behaviour follows "OAuth Authorization Flows" in Salesforce Help and RFC 6749/7636.
/// </summary>
public static class OAuthEndpoints
{
    public static void MapOAuth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/services/oauth2/authorize", Authorize);
        app.MapPost("/services/oauth2/authorize/login", Login);
        app.MapPost("/services/oauth2/authorize/consent", Consent);
        app.MapPost("/services/oauth2/token", Token);
        app.MapMethods("/services/oauth2/revoke", ["GET", "POST"], Revoke);
        app.MapMethods("/services/oauth2/userinfo", ["GET", "POST"], UserInfo);
        app.MapGet("/id/{orgId}/{userId}", Identity);
    }

    private sealed record AuthorizeRequest(ConnectedApp App, string RedirectUri, string? State, string Scope, string? Challenge, string? Prompt);

    private static (AuthorizeRequest? Request, IResult? Error) ParseAuthorize(EmulatorState state, IDictionary<string, StringValues> q)
    {
        string? Get(string k) => q.TryGetValue(k, out var v) ? v.ToString() : null;
        var app = state.FindApp(Get("client_id"));
        if (app is null) return (null, ErrorPage("invalid_client_id", "client identifier invalid"));
        var redirect = Get("redirect_uri");
        if (redirect is null || !app.CallbackUrls.Contains(redirect, StringComparer.Ordinal))
            return (null, ErrorPage("redirect_uri_mismatch", "redirect_uri must match configuration"));
        var stateParam = Get("state");
        if (Get("response_type") != "code")
            return (null, RedirectError(redirect, "unsupported_response_type", "response type not supported", stateParam));
        var challenge = Get("code_challenge");
        if (challenge is not null && (Get("code_challenge_method") ?? "S256") != "S256")
            return (null, RedirectError(redirect, "invalid_request", "unsupported code challenge method", stateParam));
        if (app.RequirePkce && string.IsNullOrEmpty(challenge))
            return (null, RedirectError(redirect, "invalid_request", "missing required code challenge", stateParam));
        var scope = Get("scope") ?? string.Join(' ', app.Scopes);
        return (new AuthorizeRequest(app, redirect, stateParam, scope, challenge, Get("prompt")), null);
    }

    private static IResult ErrorPage(string error, string description) =>
        Results.Content(LoginPages.Error(error, description), "text/html; charset=utf-8", Encoding.UTF8, 400);

    private static IResult RedirectError(string redirectUri, string error, string description, string? stateParam)
    {
        var url = QueryHelpers.AddQueryString(redirectUri, new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description });
        if (stateParam is not null) url = QueryHelpers.AddQueryString(url, "state", stateParam);
        return Results.Redirect(url);
    }

    private static string HostLabel(EmulatorHost host) => host.Kind switch
    {
        HostKind.ProductionLogin => "Salesforce (production)",
        HostKind.SandboxLogin => "Salesforce (sandbox)",
        _ => host.Org!.Name,
    };

    private static LoginSession? CurrentSession(HttpContext context, EmulatorState state, EmulatorHost host) => BrowserSignIn.Current(context, state, host);

    private static IResult Authorize(HttpContext context, EmulatorState state)
    {
        var host = EmulatorHost.Of(context);
        var query = context.Request.QueryString.Value?.TrimStart('?') ?? "";
        var (request, error) = ParseAuthorize(state, context.Request.Query.ToDictionary(k => k.Key, k => k.Value));
        if (error is not null) return error;
        var session = CurrentSession(context, state, host);
        var prompt = request!.Prompt ?? "";
        if (session is null || prompt.Contains("login", StringComparison.Ordinal))
        {
            return Results.Content(LoginPages.Login(HostLabel(host), host.BaseUrl + "/services/oauth2/authorize/login", query, null, context.Request.Query["login_hint"]),
                "text/html; charset=utf-8");
        }
        var org = state.FindOrg(session.OrgKey)!;
        SRecord user;
        lock (org.Sync) user = org.Records.Get(session.UserId)!;
        var alreadyApproved = state.OAuth.Approvals(user.Id, request.App.ClientId).Count > 0;
        if (alreadyApproved && !prompt.Contains("consent", StringComparison.Ordinal))
            return IssueCodeRedirect(state, org, user, request, host);
        return Results.Content(LoginPages.Consent(request.App.Name, user.GetString("Username")!, request.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            host.BaseUrl + "/services/oauth2/authorize/consent", query, session.Id), "text/html; charset=utf-8");
    }

    private static IResult IssueCodeRedirect(EmulatorState state, SalesforceOrg org, SRecord user, AuthorizeRequest request, EmulatorHost host)
    {
        var code = state.OAuth.IssueCode(org.Key, user.Id, request.App.ClientId, request.RedirectUri, host.BaseUrl, request.Challenge, request.Scope);
        var url = QueryHelpers.AddQueryString(request.RedirectUri, "code", code.Code);
        if (request.State is not null) url = QueryHelpers.AddQueryString(url, "state", request.State);
        return Results.Redirect(url);
    }

    private static async Task<IResult> Login(HttpContext context, EmulatorState state)
    {
        var host = EmulatorHost.Of(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var query = form["oauth_query"].ToString();
        var (_, error) = ParseAuthorize(state, QueryHelpers.ParseQuery(query));
        if (error is not null) return error;
        var username = form["username"].ToString().Trim();
        var password = form["pw"].ToString();
        IResult Fail(string message) => Results.Content(
            LoginPages.Login(HostLabel(host), host.BaseUrl + "/services/oauth2/authorize/login", query, message, username), "text/html; charset=utf-8", Encoding.UTF8, 200);

        if (BrowserSignIn.Check(state, host, username, password, out var message) is not { } hit) return Fail(message!);
        var (org, user) = hit;
        BrowserSignIn.Start(context, state, org, user.Id, host.BaseUrl, string.IsNullOrEmpty(context.Request.PathBase) ? "/" : context.Request.PathBase.Value!);
        // prompt=login forces one fresh sign-in, which just happened: carry on without asking again.
        var next = QueryHelpers.ParseQuery(query).ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
        if (next.TryGetValue("prompt", out var prompt) && prompt is not null)
        {
            var rest = string.Join(' ', prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "login"));
            if (rest.Length == 0) next.Remove("prompt");
            else next["prompt"] = rest;
        }
        return Results.Redirect(QueryHelpers.AddQueryString(host.BaseUrl + "/services/oauth2/authorize", next));
    }

    private static async Task<IResult> Consent(HttpContext context, EmulatorState state)
    {
        var host = EmulatorHost.Of(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (request, error) = ParseAuthorize(state, QueryHelpers.ParseQuery(form["oauth_query"].ToString()));
        if (error is not null) return error;
        var session = CurrentSession(context, state, host);
        if (session is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.Id), Encoding.UTF8.GetBytes(form["sid"].ToString())))
            return ErrorPage("invalid_request", "the login session has expired; start the authorization again");
        if (form["decision"] != "allow")
            return RedirectError(request!.RedirectUri, "access_denied", "end-user denied authorization", request.State);
        var org = state.FindOrg(session.OrgKey)!;
        SRecord user;
        lock (org.Sync) user = org.Records.Get(session.UserId)!;
        return IssueCodeRedirect(state, org, user, request!, host);
    }

    private static IResult OAuthError(string error, string description, int status = 400) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);

    private static async Task<IResult> Token(HttpContext context, EmulatorState state)
    {
        var host = EmulatorHost.Of(context);
        if (!context.Request.HasFormContentType)
            return OAuthError("invalid_request", "request must be application/x-www-form-urlencoded");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? Get(string k) => form.TryGetValue(k, out var v) && !StringValues.IsNullOrEmpty(v) ? v.ToString() : null;
        var (clientId, clientSecret) = (Get("client_id"), Get("client_secret"));
        if (AuthenticationHeaderBasic(context) is { } basic) (clientId, clientSecret) = (clientId ?? basic.Id, clientSecret ?? basic.Secret);
        var grantType = Get("grant_type");
        context.Items[EmulatorMiddleware.LogClientKey] = clientId;
        context.Items[EmulatorMiddleware.LogKindKey] = "oauth.token." + (grantType?.Split(':').Last() ?? "none");

        if (grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer") return JwtBearer(context, state, host, Get("assertion"));
        var app = state.FindApp(clientId);
        if (grantType is not ("authorization_code" or "refresh_token" or "client_credentials" or "password"))
            return OAuthError("unsupported_grant_type", "grant type not supported");
        if (app is null) return OAuthError("invalid_client_id", "client identifier invalid");
        bool SecretOk() => clientSecret is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(app.ClientSecret));

        switch (grantType)
        {
            case "authorization_code":
            {
                var code = Get("code") is { } c ? state.OAuth.FindCode(c) : null;
                if (code is null || code.ClientId != app.ClientId) return OAuthError("invalid_grant", "invalid authorization code");
                if (code.Used) return OAuthError("invalid_grant", "invalid authorization code");
                if (code.ExpiresAt <= state.Clock.GetUtcNow()) return OAuthError("invalid_grant", "expired authorization code");
                if (app.RequireSecret && !SecretOk()) return OAuthError("invalid_client", "invalid client credentials");
                if (Get("redirect_uri") != code.RedirectUri) return OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration");
                if (code.CodeChallenge is not null)
                {
                    var verifier = Get("code_verifier");
                    if (verifier is null || Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != code.CodeChallenge)
                        return OAuthError("invalid_grant", "invalid code verifier");
                }
                code.Used = true;
                var org = state.FindOrg(code.OrgKey)!;
                if (!UserActive(org, code.UserId)) return OAuthError("inactive_user", "user is inactive");
                var wantsRefresh = app.AllowsRefreshTokens && (code.Scope.Contains("refresh_token", StringComparison.Ordinal)
                    || code.Scope.Contains("offline_access", StringComparison.Ordinal) || code.Scope.Contains("full", StringComparison.Ordinal));
                var refresh = wantsRefresh ? state.OAuth.IssueRefresh(org.Key, code.UserId, app.ClientId, code.LoginBase, code.Scope) : null;
                var access = state.OAuth.IssueAccess(org.Id, org.Key, code.UserId, app.ClientId, code.LoginBase, refresh?.Token, state.SessionTimeout);
                return TokenResponse(context, org, app, access, refresh?.Token, code.Scope);
            }
            case "refresh_token":
            {
                if (app.RequireSecretForRefresh && !SecretOk()) return OAuthError("invalid_client", "invalid client credentials");
                var refresh = Get("refresh_token") is { } t ? state.OAuth.FindRefresh(t) : null;
                var now = state.Clock.GetUtcNow();
                if (refresh is null || refresh.Revoked || refresh.ClientId != app.ClientId)
                    return OAuthError("invalid_grant", "expired access/refresh token");
                if (app.RefreshTokenIdleTimeout is { } idle && now - refresh.LastUsedAt > idle)
                {
                    state.OAuth.Revoke(refresh.Token);
                    return OAuthError("invalid_grant", "expired access/refresh token");
                }
                var org = state.FindOrg(refresh.OrgKey)!;
                if (!UserActive(org, refresh.UserId)) return OAuthError("inactive_user", "user is inactive");
                refresh.LastUsedAt = now;
                var access = state.OAuth.IssueAccess(org.Id, org.Key, refresh.UserId, app.ClientId, refresh.LoginBase, refresh.Token, state.SessionTimeout);
                return TokenResponse(context, org, app, access, null, refresh.Scope);
            }
            case "client_credentials":
            {
                // Salesforce serves this grant on My Domain hosts only.
                if (host.Kind != HostKind.MyDomain) return OAuthError("invalid_grant", "request not supported on this domain");
                if (!SecretOk()) return OAuthError("invalid_client", "invalid client credentials");
                if (app.ClientCredentialsUser is null) return OAuthError("invalid_grant", "no client credentials user enabled");
                var org = host.Org!;
                SRecord? user;
                lock (org.Sync) user = org.UserByUsername(app.ClientCredentialsUser);
                if (user is null) return OAuthError("invalid_grant", "no client credentials user enabled");
                if (!SalesforceOrg.IsActive(user)) return OAuthError("inactive_user", "user is inactive");
                context.Items[EmulatorMiddleware.LogUserKey] = user.Id;
                var access = state.OAuth.IssueAccess(org.Id, org.Key, user.Id, app.ClientId, host.BaseUrl, null, state.SessionTimeout);
                return TokenResponse(context, org, app, access, null, string.Join(' ', app.Scopes.Where(s => s != "refresh_token")));
            }
            default:
            {
                if (!SecretOk()) return OAuthError("invalid_client", "invalid client credentials");
                var found = state.FindUser(Get("username") ?? "");
                if (found is not { } hit || !host.Serves(hit.Org)) return OAuthError("invalid_grant", "authentication failure");
                var (org, user) = hit;
                UserCredential? credential;
                lock (org.Sync) credential = org.Credentials.GetValueOrDefault(user.Id);
                var password = Get("password") ?? "";
                // The password must carry the user's security token at its end, unless the user has none
                // (Salesforce waives it for trusted IP ranges; the emulator's default users have none).
                var token = credential?.SecurityToken ?? "";
                if (credential is null || !password.EndsWith(token, StringComparison.Ordinal)
                    || !EmulatorState.CheckPassword(credential, password[..^token.Length]))
                    return OAuthError("invalid_grant", "authentication failure");
                if (!SalesforceOrg.IsActive(user)) return OAuthError("inactive_user", "user is inactive");
                var access = state.OAuth.IssueAccess(org.Id, org.Key, user.Id, app.ClientId, host.BaseUrl, null, state.SessionTimeout);
                return TokenResponse(context, org, app, access, null, string.Join(' ', app.Scopes.Where(s => s != "refresh_token")));
            }
        }
    }

    private static bool UserActive(SalesforceOrg org, string userId)
    {
        lock (org.Sync) return org.Records.Get(userId) is { } u && SalesforceOrg.IsActive(u);
    }

    private static (string Id, string Secret)? AuthenticationHeaderBasic(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IResult TokenResponse(HttpContext context, SalesforceOrg org, ConnectedApp app, AccessGrant access, string? refreshToken, string scope)
    {
        context.Items[EmulatorMiddleware.LogOrgKey] = org.Key;
        context.Items[EmulatorMiddleware.LogUserKey] = access.UserId;
        var id = $"{access.LoginBase}/id/{org.Id}/{access.UserId}";
        var issuedAt = access.IssuedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        // signature = Base64(HMAC-SHA256(key: client secret, message: id + issued_at)), for the client to check the id URL.
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(app.ClientSecret), Encoding.UTF8.GetBytes(id + issuedAt)));
        var body = new JsonObject { ["access_token"] = access.Token };
        if (refreshToken is not null) body["refresh_token"] = refreshToken;
        body["signature"] = signature;
        body["scope"] = scope;
        body["instance_url"] = EmulatorHost.InstanceUrl(context, org);
        body["id"] = id;
        body["token_type"] = "Bearer";
        body["issued_at"] = issuedAt;
        return Results.Json(body);
    }

    private static IResult JwtBearer(HttpContext context, EmulatorState state, EmulatorHost host, string? assertion)
    {
        var parts = assertion?.Split('.') ?? [];
        if (parts.Length != 3) return OAuthError("invalid_grant", "invalid assertion");
        JsonObject header, payload;
        try
        {
            header = JsonNode.Parse(WebEncoders.Base64UrlDecode(parts[0]))!.AsObject();
            payload = JsonNode.Parse(WebEncoders.Base64UrlDecode(parts[1]))!.AsObject();
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return OAuthError("invalid_grant", "invalid assertion");
        }
        if (header["alg"]?.GetValue<string>() != "RS256") return OAuthError("invalid_grant", "invalid assertion");
        var app = state.FindApp(payload["iss"]?.GetValue<string>());
        if (app is null) return OAuthError("invalid_client_id", "client identifier invalid");
        context.Items[EmulatorMiddleware.LogClientKey] = app.ClientId;
        if (app.JwtPublicKeyPem is null) return OAuthError("invalid_grant", "invalid assertion");
        using (var rsa = RSA.Create())
        {
            try
            {
                if (app.JwtPublicKeyPem.Contains("CERTIFICATE", StringComparison.Ordinal))
                {
                    using var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(app.JwtPublicKeyPem);
                    rsa.ImportParameters(cert.GetRSAPublicKey()!.ExportParameters(false));
                }
                else
                {
                    rsa.ImportFromPem(app.JwtPublicKeyPem);
                }
            }
            catch (CryptographicException)
            {
                return OAuthError("invalid_grant", "invalid assertion");
            }
            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            byte[] signature;
            try
            {
                signature = WebEncoders.Base64UrlDecode(parts[2]);
            }
            catch (FormatException)
            {
                return OAuthError("invalid_grant", "invalid assertion");
            }
            if (!rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return OAuthError("invalid_grant", "invalid assertion");
        }
        // aud is the login URL; the Salesforce CLI sends the instance URL with a trailing slash. Accept both.
        var aud = payload["aud"] is JsonArray arr ? arr.Select(a => a!.GetValue<string>()).ToList() : [payload["aud"]?.GetValue<string>() ?? ""];
        var origin = EmulatorHost.Origin(context);
        var acceptable = new[] { host.BaseUrl, origin, origin + "/login", origin + "/test" }.Concat(state.Orgs.Select(o => EmulatorHost.InstanceUrl(context, o)));
        if (!aud.Any(a => acceptable.Contains(a.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))) return OAuthError("invalid_grant", "audience is invalid");
        var expNode = payload["exp"];
        if (expNode is null || !double.TryParse(expNode.ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var exp))
            return OAuthError("invalid_grant", "invalid assertion");
        var expiresAt = exp > 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)exp) : DateTimeOffset.FromUnixTimeSeconds((long)exp);
        if (expiresAt <= state.Clock.GetUtcNow()) return OAuthError("invalid_grant", "expired authorization code");
        var found = state.FindUser(payload["sub"]?.GetValue<string>() ?? "");
        if (found is not { } hit) return OAuthError("invalid_grant", "user hasn't approved this consumer");
        var (org, user) = hit;
        if (!SalesforceOrg.IsActive(user)) return OAuthError("inactive_user", "user is inactive");
        var access = state.OAuth.IssueAccess(org.Id, org.Key, user.Id, app.ClientId, host.BaseUrl, null, state.SessionTimeout);
        return TokenResponse(context, org, app, access, null, string.Join(' ', app.Scopes.Where(s => s != "refresh_token")));
    }

    private static async Task<IResult> Revoke(HttpContext context, EmulatorState state)
    {
        string? token = context.Request.Query["token"];
        if (token is null && context.Request.HasFormContentType)
            token = (await context.Request.ReadFormAsync(context.RequestAborted))["token"];
        context.Items[EmulatorMiddleware.LogKindKey] = "oauth.revoke";
        if (string.IsNullOrEmpty(token)) return OAuthError("unsupported_token_type", "this token type is not supported");
        if (state.OAuth.FindRefresh(token) is { } r) context.Items[EmulatorMiddleware.LogOrgKey] = r.OrgKey;
        else if (state.OAuth.FindAccess(token) is { } a) context.Items[EmulatorMiddleware.LogOrgKey] = a.OrgKey;
        return state.OAuth.Revoke(token) ? Results.Ok() : OAuthError("invalid_token", "invalid token");
    }

    /// <summary>The grant of an access token that is live (issued, not revoked, not expired) for an active user; else null.</summary>
    public static AccessGrant? GrantOf(string? token, EmulatorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (string.IsNullOrEmpty(token)) return null;
        var grant = state.OAuth.FindAccess(token);
        if (grant is null || grant.Revoked || grant.ExpiresAt <= state.Clock.GetUtcNow()) return null;
        return UserActive(state.FindOrg(grant.OrgKey)!, grant.UserId) ? grant : null;
    }

    /// <summary>Resolves a bearer token (Authorization: Bearer or OAuth) to a live grant.</summary>
    public static AccessGrant? Authenticate(HttpContext context, EmulatorState state)
    {
        var header = context.Request.Headers.Authorization.ToString();
        string? token = null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header[7..].Trim();
        else if (header.StartsWith("OAuth ", StringComparison.OrdinalIgnoreCase)) token = header[6..].Trim();
        if (GrantOf(token, state) is not { } grant) return null;
        context.Items[EmulatorMiddleware.LogOrgKey] = grant.OrgKey;
        context.Items[EmulatorMiddleware.LogUserKey] = grant.UserId;
        context.Items[EmulatorMiddleware.LogClientKey] = grant.ClientId;
        return grant;
    }

    private static IResult UserInfo(HttpContext context, EmulatorState state)
    {
        var grant = Authenticate(context, state);
        if (grant is null) return Results.Text("Bad_OAuth_Token", "text/plain", statusCode: 403);
        var org = state.FindOrg(grant.OrgKey)!;
        var doc = IdentityDocument(context, state, org, grant.UserId, grant.LoginBase);
        var userinfo = new JsonObject
        {
            ["sub"] = doc["id"]!.DeepClone(), ["user_id"] = grant.UserId, ["organization_id"] = org.Id, ["preferred_username"] = doc["username"]!.DeepClone(),
            ["nickname"] = doc["nick_name"]!.DeepClone(), ["name"] = doc["display_name"]!.DeepClone(), ["email"] = doc["email"]!.DeepClone(),
            ["email_verified"] = true, ["given_name"] = doc["first_name"]?.DeepClone(), ["family_name"] = doc["last_name"]!.DeepClone(),
            ["zoneinfo"] = doc["timezone"]!.DeepClone(), ["photos"] = doc["photos"]!.DeepClone(), ["profile"] = doc["urls"]!["profile"]!.DeepClone(),
            ["picture"] = doc["photos"]!["picture"]!.DeepClone(), ["address"] = new JsonObject(), ["is_salesforce_integration_user"] = doc["is_api_only"]!.DeepClone(),
            ["urls"] = doc["urls"]!.DeepClone(), ["active"] = doc["active"]!.DeepClone(), ["user_type"] = "STANDARD", ["language"] = "en_US",
            ["locale"] = "en_US", ["utcOffset"] = -28800000, ["updated_at"] = doc["last_modified_date"]!.DeepClone(), ["is_app_installed"] = true,
        };
        return Results.Json(userinfo);
    }

    private static IResult Identity(HttpContext context, EmulatorState state, string orgId, string userId)
    {
        var grant = Authenticate(context, state);
        if (grant is null) return Results.Text("Bad_OAuth_Token", "text/plain", statusCode: 403);
        var org = state.FindOrg(grant.OrgKey)!;
        if (!SalesforceId.TryNormalize(orgId, out var o18) || o18 != org.Id || !SalesforceId.TryNormalize(userId, out var u18))
            return Results.Text("Bad_Id", "text/plain", statusCode: 403);
        SRecord? user;
        lock (org.Sync) user = org.Records.Get(u18);
        if (user is null || user.Type.Name != "User") return Results.Text("Bad_Id", "text/plain", statusCode: 404);
        return Results.Json(IdentityDocument(context, state, org, u18, EmulatorHost.Of(context).BaseUrl));
    }

    private static JsonObject IdentityDocument(HttpContext context, EmulatorState state, SalesforceOrg org, string userId, string idBase)
    {
        SRecord user;
        bool apiOnly;
        lock (org.Sync)
        {
            user = org.Records.Get(userId)!;
            apiOnly = org.IsApiOnly(user);
        }
        var instance = EmulatorHost.InstanceUrl(context, org);
        var data = $"{instance}/services/data/v{{version}}/";
        return new JsonObject
        {
            ["id"] = $"{idBase}/id/{org.Id}/{userId}",
            ["asserted_user"] = true,
            ["user_id"] = userId,
            ["organization_id"] = org.Id,
            ["username"] = user.GetString("Username"),
            ["nick_name"] = user.GetString("CommunityNickname") ?? user.GetString("Alias"),
            ["display_name"] = user.GetString("Name"),
            ["email"] = user.GetString("Email"),
            ["email_verified"] = true,
            ["first_name"] = user.GetString("FirstName"),
            ["last_name"] = user.GetString("LastName"),
            ["timezone"] = user.GetString("TimeZoneSidKey"),
            ["photos"] = new JsonObject { ["picture"] = $"{instance}/img/userprofile/default_profile_200_v2.png", ["thumbnail"] = $"{instance}/img/userprofile/default_profile_45_v2.png" },
            ["mobile_phone"] = user.GetString("MobilePhone"),
            ["mobile_phone_verified"] = false,
            ["is_lightning_login_user"] = false,
            ["status"] = new JsonObject { ["created_date"] = null, ["body"] = null },
            ["urls"] = new JsonObject
            {
                ["enterprise"] = $"{instance}/services/Soap/c/{{version}}/{org.Id}",
                ["metadata"] = $"{instance}/services/Soap/m/{{version}}/{org.Id}",
                ["partner"] = $"{instance}/services/Soap/u/{{version}}/{org.Id}",
                ["rest"] = data,
                ["sobjects"] = data + "sobjects/",
                ["search"] = data + "search/",
                ["query"] = data + "query/",
                ["recent"] = data + "recent/",
                ["tooling_rest"] = data + "tooling/",
                ["profile"] = $"{instance}/{userId}",
                ["custom_domain"] = instance,
            },
            ["active"] = SalesforceOrg.IsActive(user),
            ["is_api_only"] = apiOnly,
            ["user_type"] = "STANDARD",
            ["language"] = user.GetString("LanguageLocaleKey"),
            ["locale"] = user.GetString("LocaleSidKey"),
            ["utcOffset"] = -28800000,
            ["last_modified_date"] = FieldValues.FormatDateTime((DateTimeOffset)user["LastModifiedDate"]!),
            ["is_app_installed"] = true,
        };
    }
}
