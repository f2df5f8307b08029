using System.Text.RegularExpressions;

namespace ContactBridge.Identification;

/// <summary>
/// Brings phone numbers to one form (E.164 digits, no plus) so that "+1 (415) 555-0100",
/// "415.555.0100 ext 12" and "001 415 555 0100" compare equal. A number without a country code is
/// read in the tenant's default country, dropping that country's national (trunk) prefix.
/// </summary>
public static partial class PhoneNumbers
{
    private sealed record Country(string CallingCode, string? TrunkPrefix, string InternationalPrefix);

    // ITU calling codes and national prefixes of the countries a tenant is most likely to be in.
    private static readonly Dictionary<string, Country> Countries = new(StringComparer.OrdinalIgnoreCase)
    {
        ["US"] = new("1", "1", "011"), ["CA"] = new("1", "1", "011"), ["GB"] = new("44", "0", "00"), ["IE"] = new("353", "0", "00"),
        ["FR"] = new("33", "0", "00"), ["DE"] = new("49", "0", "00"), ["NL"] = new("31", "0", "00"), ["BE"] = new("32", "0", "00"),
        ["CH"] = new("41", "0", "00"), ["AT"] = new("43", "0", "00"), ["ES"] = new("34", null, "00"), ["IT"] = new("39", null, "00"),
        ["PT"] = new("351", null, "00"), ["SE"] = new("46", "0", "00"), ["NO"] = new("47", null, "00"), ["DK"] = new("45", null, "00"),
        ["FI"] = new("358", "0", "00"), ["PL"] = new("48", null, "00"), ["AU"] = new("61", "0", "0011"), ["NZ"] = new("64", "0", "00"),
        ["IN"] = new("91", "0", "00"), ["JP"] = new("81", "0", "010"), ["SG"] = new("65", null, "000"), ["ZA"] = new("27", "0", "00"),
        ["BR"] = new("55", "0", "00"), ["MX"] = new("52", null, "00"), ["IL"] = new("972", "0", "00"), ["AE"] = new("971", "0", "00"),
    };

    public static bool IsKnownCountry(string code) => Countries.ContainsKey(code);

    [GeneratedRegex(@"(?i)\s*(?:ext\.?|extension|x|#|;ext=)\s*\d+\s*$")]
    private static partial Regex Extension();

    /// <summary>E.164 digits without the plus, or null when the text holds too few digits to be a phone number.</summary>
    public static string? Normalize(string? raw, string defaultCountry = "US")
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        // "+44 (0)20 …": the national prefix in parentheses after the country code is not dialled internationally.
        var text = Extension().Replace(raw.Trim(), "").Replace("(0)", "", StringComparison.Ordinal);
        var plus = text.TrimStart().StartsWith('+');
        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length < 6) return null;
        var country = Countries.GetValueOrDefault(defaultCountry) ?? Countries["US"];
        if (plus) return digits;
        // The country's own international prefix (011 in North America), or 00, the one most of the world dials.
        foreach (var prefix in new[] { country.InternationalPrefix, "00" })
        {
            if (digits.StartsWith(prefix, StringComparison.Ordinal) && digits.Length - prefix.Length >= 8) return digits[prefix.Length..];
        }
        if (country.CallingCode == "1")
        {
            // North America: ten digits are national; eleven starting with 1 already carry the country code.
            if (digits.Length == 10) return "1" + digits;
            if (digits.Length == 11 && digits[0] == '1') return digits;
            return digits;
        }
        if (country.TrunkPrefix is { } trunk && digits.StartsWith(trunk, StringComparison.Ordinal)) return country.CallingCode + digits[trunk.Length..];
        if (digits.StartsWith(country.CallingCode, StringComparison.Ordinal) && digits.Length > 10) return digits;
        return country.CallingCode + digits;
    }

    /// <summary>
    /// The national number (E.164 without the country code): every way the number may be stored in
    /// Salesforce contains these digits, so it is what a phone search looks for.
    /// </summary>
    public static string SearchDigits(string e164, string defaultCountry = "US")
    {
        var code = (Countries.GetValueOrDefault(defaultCountry) ?? Countries["US"]).CallingCode;
        if (e164.StartsWith(code, StringComparison.Ordinal) && e164.Length - code.Length >= 6) return e164[code.Length..];
        return e164.Length > 10 ? e164[^10..] : e164;
    }
}
