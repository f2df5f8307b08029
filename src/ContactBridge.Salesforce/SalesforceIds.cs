namespace ContactBridge.Salesforce;

/// <summary>
/// Salesforce record ids: the case-sensitive 15-character form and the 18-character form whose last three
/// characters encode, per 5-character chunk, which characters are upper-case letters.
/// </summary>
public static class SalesforceIds
{
    private const string Suffix = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// <summary>The 18-character form of a 15- or 18-character id; false when it is not a well-formed id (or an 18-character id's check characters are wrong).</summary>
    public static bool TryNormalize(string? id, out string id18)
    {
        id18 = "";
        if (id is null) return false;
        id = id.Trim();
        if (id.Length is not (15 or 18) || !id.All(char.IsAsciiLetterOrDigit)) return false;
        if (id.Length == 15)
        {
            id18 = id + Checksum(id);
            return true;
        }
        // The check characters say which letters are upper-case, so an 18-character id whose case was lost
        // (a spreadsheet, a case-insensitive tool) is restored rather than refused.
        var restored = new char[15];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = Suffix.IndexOf(char.ToUpperInvariant(id[15 + chunk]));
            if (bits < 0) return false;
            for (var i = 0; i < 5; i++)
            {
                var c = id[chunk * 5 + i];
                var upper = (bits & (1 << i)) != 0;
                if (upper && !char.IsAsciiLetter(c)) return false;
                restored[chunk * 5 + i] = char.IsAsciiLetter(c) ? (upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)) : c;
            }
        }
        var id15 = new string(restored);
        id18 = id15 + Checksum(id15);
        return true;
    }

    /// <summary>The three-letter key prefix (005 User, 04v CallCenter …).</summary>
    public static string Prefix(string id) => id.Length >= 3 ? id[..3] : id;

    private static string Checksum(ReadOnlySpan<char> id15)
    {
        Span<char> suffix = stackalloc char[3];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
            {
                if (char.IsAsciiLetterUpper(id15[chunk * 5 + i])) bits |= 1 << i;
            }
            suffix[chunk] = Suffix[bits];
        }
        return new string(suffix);
    }
}
