using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace ContactBridge.Salesforce;

/// <summary>
/// Salesforce's OAuth 2.0 endpoints: the web-server flow with PKCE (RFC 7636), refresh, client
/// credentials, username-password (for legacy links only), revoke and the identity URL.
/// </summary>
public sealed class SalesforceOAuthClient(HttpClient http)
{
    public const string Scopes = "api refresh_token id";

    /// <summary>Builds the authorize URL for the web-server flow, with a fresh S256 PKCE challenge.</summary>
    public static AuthorizationRequest BuildAuthorizeUrl(Uri loginUrl, string clientId, Uri redirectUri, string state, string? prompt = "login consent", string scope = Scopes)
    {
        ArgumentNullException.ThrowIfNull(loginUrl);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(64));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = redirectUri.ToString(), ["scope"] = scope,
            ["state"] = state, ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        };
        if (prompt is not null) query["prompt"] = prompt;
        return new AuthorizationRequest(new Uri(QueryHelpers.AddQueryString(Endpoint(loginUrl, "authorize").ToString(), query)), verifier);
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Uri Endpoint(Uri loginUrl, string name) => new($"{loginUrl.ToString().TrimEnd('/')}/services/oauth2/{name}");

    public Task<TokenResponse> ExchangeCodeAsync(Uri loginUrl, string clientId, string? clientSecret, string code, Uri redirectUri, string codeVerifier, CancellationToken ct) =>
        TokenAsync(Endpoint(loginUrl, "token"), clientSecret, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["client_id"] = clientId, ["client_secret"] = clientSecret,
            ["redirect_uri"] = redirectUri.ToString(), ["code_verifier"] = codeVerifier,
        }, ct);

    public Task<TokenResponse> RefreshAsync(Uri loginUrl, string clientId, string? clientSecret, string refreshToken, CancellationToken ct) =>
        TokenAsync(Endpoint(loginUrl, "token"), clientSecret, new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = clientId, ["client_secret"] = clientSecret,
        }, ct);

    public Task<TokenResponse> ClientCredentialsAsync(Uri tokenUrl, string clientId, string clientSecret, CancellationToken ct) =>
        TokenAsync(tokenUrl, clientSecret, new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = clientSecret }, ct);

    /// <summary>The username-password flow, which Salesforce is retiring; used only to keep imported legacy links working.</summary>
    public Task<TokenResponse> PasswordAsync(Uri loginUrl, string clientId, string clientSecret, string username, string passwordAndToken, CancellationToken ct) =>
        TokenAsync(Endpoint(loginUrl, "token"), clientSecret, new()
        {
            ["grant_type"] = "password", ["client_id"] = clientId, ["client_secret"] = clientSecret, ["username"] = username, ["password"] = passwordAndToken,
        }, ct);

    private async Task<TokenResponse> TokenAsync(Uri tokenUrl, string? clientSecret, Dictionary<string, string?> form, CancellationToken ct)
    {
        using var content = new FormUrlEncodedContent(form.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(kv.Key, kv.Value!)));
        using var response = await http.PostAsync(tokenUrl, content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw OAuthError(response.StatusCode, text);
        var token = JsonSerializer.Deserialize<TokenResponse>(text)
                    ?? throw new SalesforceOAuthException("invalid_response", "The token endpoint answered with an empty body.", response.StatusCode);
        // The signature proves the identity URL came from Salesforce: HMAC-SHA256(client secret, id + issued_at).
        if (clientSecret is { Length: > 0 } && token.Signature is not null && token.IssuedAt is not null)
        {
            var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(token.IdentityUrl + token.IssuedAt)));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(token.Signature)))
                throw new SalesforceOAuthException("invalid_signature", "The token response's signature does not match; the answer did not come from the expected Salesforce org.", response.StatusCode);
        }
        return token;
    }

    private static SalesforceOAuthException OAuthError(HttpStatusCode status, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var error = doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            var description = doc.RootElement.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            if (error is not null) return new SalesforceOAuthException(error, description ?? error, status);
        }
        catch (JsonException)
        {
            // Not JSON: fall through to the generic error below.
        }
        return new SalesforceOAuthException("http_" + (int)status, text.Length > 200 ? text[..200] : text, status);
    }

    /// <summary>Revokes a refresh or access token (revoking a refresh token revokes its access tokens too).</summary>
    public async Task RevokeAsync(Uri loginUrl, string token, CancellationToken ct)
    {
        using var content = new FormUrlEncodedContent([KeyValuePair.Create("token", token)]);
        using var response = await http.PostAsync(Endpoint(loginUrl, "revoke"), content, ct);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.BadRequest)
            throw OAuthError(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    public async Task<SalesforceIdentity> IdentityAsync(string identityUrl, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, identityUrl);
        request.Headers.Authorization = new("Bearer", accessToken);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new SalesforceApiException(HttpStatusCode.Unauthorized, "INVALID_SESSION_ID", "Session expired or invalid");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<SalesforceIdentity>(ct)
               ?? throw new SalesforceApiException(response.StatusCode, "INVALID_RESPONSE", "The identity URL answered with an empty body.");
    }
}
