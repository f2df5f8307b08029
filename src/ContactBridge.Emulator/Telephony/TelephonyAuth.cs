using ContactBridge.Emulator.CallCenters;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactBridge.Emulator.Telephony;

/// <summary>The telephony provider behind a request: the org (the JWT's iss) and its contact center (sub), whose certificate signed it.</summary>
public sealed record TelephonyCaller(SalesforceOrg Org, SRecord CallCenter, CallCenterDefinition Definition);

/// <summary>
/// The Telephony Integration REST API's authorization (Service Cloud Voice, "Authorization"): a JWT signed RS256 with the key
/// whose certificate is on the contact center; <c>iss</c> the org id, <c>sub</c> the contact center's API name,
/// <c>aud</c> <c>https://scrt.salesforce.com</c> (checked when present, as providers often leave it out), <c>exp</c> required.
/// </summary>
public static class TelephonyAuth
{
    public const string Audience = "https://scrt.salesforce.com";

    /// <summary>A JWT may be issued at most this far in the future (clocks differ).</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private static readonly JsonWebTokenHandler Handler = new();

    public static async Task<(TelephonyCaller? Caller, SalesforceException? Error)> AuthenticateAsync(HttpContext context, EmulatorState state)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (null, Unauthorized("MISSING_AUTHORIZATION", "Send the JWT as Authorization: Bearer <token>."));
        var token = header[7..].Trim();
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return (null, Unauthorized("INVALID_JWT", "The bearer token is not a JWT (header.payload.signature, base64url)."));
        }
        if (jwt.Alg != SecurityAlgorithms.RsaSha256)
            return (null, Unauthorized("INVALID_JWT", $"The JWT is signed {jwt.Alg}; the Telephony Integration REST API takes RS256."));
        var issuer = jwt.Issuer;
        var org = state.Orgs.FirstOrDefault(o => issuer.Length > 0 && (o.Id == issuer || o.Id[..15] == issuer));
        if (org is null) return (null, Unauthorized("INVALID_JWT", $"iss '{Trim(issuer)}' is not the id of an org here; iss is the org id (00D…)."));
        var subject = jwt.Subject;
        SRecord? center;
        CallCenterDefinition? definition;
        lock (org.Sync)
        {
            var type = org.Schema.Require("CallCenter");
            center = subject.Length == 0 ? null : org.Records.FindBy(type, type.Field("InternalName")!, subject).FirstOrDefault(r => !r.IsDeleted);
            definition = center is null ? null : CallCenterDefinition.Of(center);
        }
        if (center is null || definition is not { IsVoice: true, TelephonyCertificate: { } pem })
            return (null, Unauthorized("INVALID_JWT", $"sub '{Trim(subject)}' is not the API name of a Service Cloud Voice contact center of this org (one with a reqHvcc section and a certificate)."));
        using var certificate = TelephonyCertificates.TryRead(pem, out _);
        if (certificate is null) return (null, Unauthorized("INVALID_JWT", "The contact center's certificate cannot be read."));
        var audienceGiven = jwt.Audiences.Any();
        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            // The certificate lives for this one check: no provider may keep it.
            IssuerSigningKey = new X509SecurityKey(certificate), ValidateIssuerSigningKey = true, RequireSignedTokens = true,
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256], ValidateIssuer = false, ValidateLifetime = false, RequireExpirationTime = false,
            ValidateAudience = audienceGiven, ValidAudience = Audience,
        });
        if (!result.IsValid)
        {
            return (null, result.Exception switch
            {
                SecurityTokenInvalidAudienceException => Unauthorized("INVALID_JWT", $"aud is not {Audience}."),
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
                    Unauthorized("INVALID_JWT", $"The JWT's signature does not match the certificate on contact center {subject}: sign with the private key of that certificate."),
                _ => Unauthorized("INVALID_JWT", "The JWT is not valid: " + result.Exception?.Message),
            });
        }
        // Lifetimes are the emulator's clock's (tests move it).
        var now = state.Clock.GetUtcNow();
        if (!jwt.TryGetPayloadValue<long>("exp", out var exp))
            return (null, Unauthorized("INVALID_JWT", "The JWT has no exp (expiry, seconds since 1970)."));
        if (DateTimeOffset.FromUnixTimeSeconds(exp) <= now)
            return (null, Unauthorized("JWT_EXPIRED", $"The JWT expired at {DateTimeOffset.FromUnixTimeSeconds(exp):O}; sign a new one for each call (exp a few minutes ahead)."));
        if (jwt.TryGetPayloadValue<long>("iat", out var iat) && DateTimeOffset.FromUnixTimeSeconds(iat) > now + Skew)
            return (null, Unauthorized("INVALID_JWT", "The JWT's iat is in the future."));
        context.Items[EmulatorMiddleware.LogOrgKey] = org.Key;
        return (new TelephonyCaller(org, center, definition), null);
    }

    private static SalesforceException Unauthorized(string code, string message) => new(401, code, message);

    private static string Trim(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
