using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ContactBridge.ContactCenterEmulator.Signing;

/// <summary>
/// The protocol's <c>ContactBridge-Signature: t={unix},v1={hex HMAC-SHA256(secret, "{t}.{body}")}</c>, written here
/// rather than shared with the hub: the emulator is an independent implementation that checks the hub's.
/// </summary>
public static class Signature
{
    public const string Header = "ContactBridge-Signature";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var t = now.ToUnixTimeSeconds();
        return $"t={t},v1={Hex(secret, t, body)}";
    }

    /// <summary>Null when the header is good; otherwise what is wrong with it, in words.</summary>
    public static string? Check(string? header, string secret, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header)) return $"The {Header} header is missing.";
        long? t = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) t = parsed;
            else if (part.StartsWith("v1=", StringComparison.Ordinal)) candidates.Add(part[3..]);
        }
        if (t is null || candidates.Count == 0) return $"The {Header} header must look like t={{unix seconds}},v1={{hex HMAC-SHA256}}.";
        // Clamped: a hostile timestamp beyond the calendar is a stale signature (401), not a failure (500) the hub would retry.
        var age = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(t.Value, 0, 253402300799));
        if (age.Duration() > Tolerance)
            return $"The signature's timestamp is {(long)age.Duration().TotalSeconds} s {(age > TimeSpan.Zero ? "old" : "ahead")}; at most {Tolerance.TotalMinutes:0} minutes from the emulator's clock are accepted.";
        var expected = Encoding.ASCII.GetBytes(Hex(secret, t.Value, body));
        foreach (var candidate in candidates)
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate.ToLowerInvariant()))) return null;
        return "The signature does not match: it must be signed with this tenant's command secret over the exact request body.";
    }

    private static string Hex(string secret, long t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{t}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}
