namespace ContactBridge.Emulator.Records;

/// <summary>
/// Salesforce record ids: a 3-character key prefix, 12 more case-sensitive characters, and a
/// 3-character case-insensitive checksum that makes the 18-character form safe for
/// case-insensitive systems. See the 15→18 rule in the Salesforce knowledge article
/// "What is a Salesforce ID?" (and the table in the project's wire notes).
/// </summary>
public static class SalesforceId
{
    private const string ChecksumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The three checksum characters for a 15-character id.</summary>
    public static string Checksum(string id15)
    {
        ArgumentNullException.ThrowIfNull(id15);
        if (id15.Length != 15) throw new ArgumentException("A 15-character id is required.", nameof(id15));
        Span<char> suffix = stackalloc char[3];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
            {
                var c = id15[chunk * 5 + i];
                if (c is >= 'A' and <= 'Z') bits |= 1 << i;
            }
            suffix[chunk] = ChecksumAlphabet[bits];
        }
        return new string(suffix);
    }

    public static string To18(string id15) => id15 + Checksum(id15);

    /// <summary>
    /// Parses a 15- or 18-character id into its 18-character form. An 18-character id whose
    /// checksum does not match its first 15 characters is rejected, as Salesforce does.
    /// </summary>
    public static bool TryNormalize(string? value, out string id18)
    {
        id18 = "";
        if (value is null || (value.Length != 15 && value.Length != 18)) return false;
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c)) return false;
        }
        var head = value[..15];
        var expected = To18(head);
        if (value.Length == 18 && !string.Equals(expected, value, StringComparison.OrdinalIgnoreCase)) return false;
        id18 = expected;
        return true;
    }

    public static bool LooksLikeId(string? value) => TryNormalize(value, out _);

    /// <summary>Builds the 15-character body of a new id: prefix, a 2-character pod, a reserved 0 and a base-62 counter.</summary>
    /// <summary>A number from text that stays the same from run to run (string.GetHashCode does not): for ids the emulator derives from names.</summary>
    public static long StableNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        unchecked
        {
            var h = (int)2166136261;
            foreach (var c in text) h = (h ^ c) * 16777619;
            return h & 0x7fffffff;
        }
    }

    public static string New(string keyPrefix, string pod, long counter)
    {
        Span<char> digits = stackalloc char[9];
        for (var i = 8; i >= 0; i--)
        {
            digits[i] = Base62[(int)(counter % 62)];
            counter /= 62;
        }
        return To18(keyPrefix + pod + "0" + new string(digits));
    }
}
