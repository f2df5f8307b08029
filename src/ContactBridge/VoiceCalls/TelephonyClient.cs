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

/// <summary>A request to the Telephony Integration REST API that did not succeed: whether trying again may help, and why.</summary>
public sealed class TelephonyException(string message, bool transient, int? status = null) : Exception(message)
{
    public bool Transient { get; } = transient;
    public int? Status { get; } = status;
}

/// <summary>
/// The Telephony Integration REST API of the tenant's org (Service Cloud Voice partner telephony): each request carries a
/// fresh JWT signed RS256 with the tenant's key (<c>iss</c> the org id, <c>sub</c> the contact center's API name,
/// <c>aud</c> https://scrt.salesforce.com, three minutes). Its address follows the org's My Domain:
/// <c>https://acme.my.salesforce.com</c> → <c>https://acme.my.salesforce-scrt.com/telephony/v1</c>; anything else (the
/// emulator) serves it on the instance's own origin.
/// </summary>
public sealed class TelephonyClient(IHttpClientFactory http, VoiceCallSettingsStore settings, TimeProvider clock)
{
    public const string HttpClientName = "telephony";
    public const string Audience = "https://scrt.salesforce.com";
    private static readonly JsonWebTokenHandler Tokens = new() { SetDefaultTimesOnTokenCreation = false };

    public static Uri BaseUrl(string instanceUrl)
    {
        var instance = new Uri(instanceUrl);
        const string salesforce = ".my.salesforce.com";
        return instance.Host.EndsWith(salesforce, StringComparison.OrdinalIgnoreCase)
            ? new Uri($"https://{instance.Host[..^salesforce.Length]}.my.salesforce-scrt.com/telephony/v1/")
            : new Uri($"{instance.GetLeftPart(UriPartial.Authority)}/telephony/v1/");
    }

    /// <summary>Sends one request; the answer's JSON, or a <see cref="TelephonyException"/>. <paramref name="calls"/> gets the request as the interaction's page lists it.</summary>
    public async Task<JsonNode?> SendAsync(SalesforceLink link, string contactCenterApiName, HttpMethod method, string path, JsonObject body, List<SalesforceCall> calls, CancellationToken ct)
    {
        if (link is not { IsUsable: true, OrgId: { } orgId, InstanceUrl: { } instanceUrl })
            throw new TelephonyException("The tenant is not linked to Salesforce.", transient: true);
        string jwt;
        using (var key = await settings.PrivateKeyAsync(link.TenantId, ct)) jwt = Sign(key, orgId, contactCenterApiName);
        using var request = new HttpRequestMessage(method, new Uri(BaseUrl(instanceUrl), path)) { Content = JsonContent.Create(body) };
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
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            calls.Add(new SalesforceCall(started, method.Method, request.RequestUri!.AbsolutePath, "telephony", "timeout", null, watch.Elapsed));
            throw new TelephonyException("The Telephony Integration API did not answer in time.", transient: true);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            calls.Add(new SalesforceCall(started, method.Method, request.RequestUri!.AbsolutePath, "telephony", response.IsSuccessStatusCode ? "ok" : "error", status, watch.Elapsed));
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON (a proxy's page): the status says enough.
            }
            if (response.IsSuccessStatusCode) return json;
            var reason = json is JsonArray { Count: > 0 } list && list[0]?["message"]?.GetValue<string>() is { } m ? m : $"{status} {response.ReasonPhrase}";
            // Busy, down, or not trusted yet (the certificate may still be on its way into Salesforce): later. Anything else is this request's fault.
            var transient = status is 401 or 403 or 408 or 429 || status >= 500;
            throw new TelephonyException($"The Telephony Integration API answered {status}: {reason}", transient, status);
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
