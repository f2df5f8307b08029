using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ContactBridge.Linking;
using ContactBridge.Salesforce;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactBridge.VoiceCalls;

/// <summary>
/// The Telephony Integration REST API of the tenant's org (Service Cloud Voice partner telephony): each request carries a
/// fresh JWT signed RS256 with the tenant's key (<c>iss</c> the org id, <c>sub</c> the contact center's API name,
/// <c>aud</c> https://scrt.salesforce.com, three minutes). Its address follows the org's My Domain:
/// <c>https://acme.my.salesforce.com</c> → <c>https://acme.my.salesforce-scrt.com/telephony/v1</c>, or
/// <see cref="VoiceCallOptions.TelephonyBaseUrl"/> (the emulator). Whatever goes wrong is a <see cref="TelephonyException"/>.
/// </summary>
public sealed class TelephonyClient(IHttpClientFactory http, VoiceCallSettingsStore settings, TimeProvider clock, Microsoft.Extensions.Options.IOptions<VoiceCallOptions> options)
{
    public const string HttpClientName = "telephony";
    public const string Audience = "https://scrt.salesforce.com";
    private static readonly JsonWebTokenHandler Tokens = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The org's Telephony Integration API: the configured one, else the one of its My Domain; null for an instance that is not a Salesforce My Domain.</summary>
    public static Uri? BaseUrl(string? instanceUrl, Uri? configured)
    {
        if (configured is not null) return configured.AbsoluteUri.EndsWith('/') ? configured : new Uri(configured.AbsoluteUri + "/");
        if (!Uri.TryCreate(instanceUrl, UriKind.Absolute, out var instance) || instance.Scheme != "https") return null;
        const string salesforce = ".my.salesforce.com";
        var host = instance.IdnHost;
        if (!host.EndsWith(salesforce, StringComparison.OrdinalIgnoreCase) || host.Length == salesforce.Length) return null;
        // acme.my.salesforce.com, acme--uat.sandbox.my.salesforce.com …: the same name under salesforce-scrt.com.
        return new Uri($"https://{host[..^salesforce.Length]}.my.salesforce-scrt.com/telephony/v1/");
    }

    /// <summary>Sends one request; the answer's JSON, or a <see cref="TelephonyException"/>. <paramref name="calls"/> gets the request as the interaction's page lists it.</summary>
    public async Task<JsonNode?> SendAsync(SalesforceLink link, string contactCenterApiName, HttpMethod method, string path, JsonObject body, List<SalesforceCall> calls, CancellationToken ct)
    {
        if (link is not { IsUsable: true, OrgId: { } orgId })
            throw new TelephonyException("The tenant is not linked to Salesforce.", transient: true);
        var baseUrl = BaseUrl(link.InstanceUrl, options.Value.TelephonyBaseUrl)
                      ?? throw new TelephonyException($"The org's instance ({link.InstanceUrl}) is not a Salesforce My Domain (https://….my.salesforce.com), so the hub does not know where its Telephony Integration API is.", transient: false);
        string jwt;
        try
        {
            using var key = await settings.PrivateKeyAsync(link.TenantId, ct);
            jwt = Sign(key, orgId, contactCenterApiName);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new TelephonyException("The tenant's telephony key cannot be read (was the hub's key changed?): " + e.Message, transient: false);
        }
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path)) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", jwt);
        request.Headers.Add("Telephony-Provider-Name", "ContactBridge");
        var started = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            calls.Add(new SalesforceCall(started, method.Method, request.RequestUri!.AbsolutePath, "telephony", "unreachable", null, watch.Elapsed));
            throw new TelephonyException("The Telephony Integration API could not be reached: " + e.Message, transient: true);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            calls.Add(new SalesforceCall(started, method.Method, request.RequestUri!.AbsolutePath, "telephony", "timeout", null, watch.Elapsed));
            throw new TelephonyException("The Telephony Integration API did not answer in time.", transient: true);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            calls.Add(new SalesforceCall(started, method.Method, request.RequestUri!.AbsolutePath, "telephony", response.IsSuccessStatusCode ? "ok" : "error", status, watch.Elapsed));
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(ct);
            }
            catch (HttpRequestException e)
            {
                throw new TelephonyException("The Telephony Integration API's answer was cut off: " + e.Message, transient: true, status);
            }
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false });
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON (a proxy's page): the status says enough.
            }
            if (response.IsSuccessStatusCode) return json;
            var reason = json is JsonArray { Count: > 0 } list && list[0] is JsonObject first && first["message"] is JsonValue m && m.TryGetValue<string>(out var message)
                ? message : $"{status} {response.ReasonPhrase}";
            // Busy, down, or not trusted yet (the certificate may still be on its way into Salesforce): later. Anything else is this request's fault.
            var transient = status is 401 or 403 or 408 or 429 || status >= 500;
            // Refused signatures: most often the contact center in Salesforce holds another certificate than this tenant's key.
            var hint = status is 401 or 403
                ? " Salesforce did not accept the hub's signature: the contact center in Salesforce must hold this tenant's telephony certificate (download it from the contact-center page and put it on the contact center again); the hub keeps trying."
                : "";
            throw new TelephonyException($"The Telephony Integration API answered {status}: {reason}.{hint}".Replace("..", ".", StringComparison.Ordinal), transient, status);
        }
    }

    private string Sign(RSA key, string orgId, string contactCenterApiName)
    {
        var now = clock.GetUtcNow();
        return Tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = orgId, Audience = Audience, Subject = new ClaimsIdentity([new Claim("sub", contactCenterApiName)]),
            IssuedAt = now.UtcDateTime, Expires = now.AddMinutes(3).UtcDateTime,
            Claims = new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString("N") },
            // The key lives for this one signature: no provider may keep it.
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
                SecurityAlgorithms.RsaSha256),
        });
    }
}
