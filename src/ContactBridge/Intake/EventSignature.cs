using System.Security.Cryptography;
using System.Text;

namespace ContactBridge.Intake;

/// <summary>
/// Checks <c>ContactBridge-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, "{t}.{body}")}</c>:
/// a known secret, over these exact bytes, within five minutes of now (so a captured request cannot be
/// replayed later).
/// </summary>
public static class EventSignature
{
    public const string Header = "ContactBridge-Signature";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header's value for a body signed now with this secret.</summary>
    public static string Of(string secret, DateTimeOffset now, ReadOnlySpan<byte> body)
    {
        var t = now.ToUnixTimeSeconds();
        return $"t={t},v1={IntakeSecrets.Sign(secret, t, body)}";
    }

    public static string? Problem(string? header, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset now,
        string secretName = "one of the tenant's two current secrets")
    {
        if (string.IsNullOrWhiteSpace(header)) return $"The request is not signed: send the {Header} header (t=…,v1=…).";
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2) continue;
            if (kv[0] == "t" && long.TryParse(kv[1], out var t)) timestamp = t;
            if (kv[0] == "v1") signatures.Add(kv[1].ToLowerInvariant());
        }
        if (timestamp is null || signatures.Count == 0) return $"The {Header} header must look like t=1700000000,v1=<hex HMAC-SHA256>.";
        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(timestamp.Value, 0, 253402300799));
        if ((now - at).Duration() > Tolerance)
            return $"The signature's timestamp is {(int)(now - at).TotalSeconds} s from now; it must be within {Tolerance.TotalMinutes} minutes. Check the sender's clock.";
        if (secrets.Count == 0) return "This tenant has no event-signing secret yet: create one with `contactbridge events secret --tenant …`.";
        foreach (var secret in secrets)
        {
            var expected = Encoding.ASCII.GetBytes(IntakeSecrets.Sign(secret, timestamp.Value, body));
            if (signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s)))) return null;
        }
        return "The signature does not match: sign \"{t}.{raw body}\" with HMAC-SHA256 and " + secretName + ".";
    }
}
