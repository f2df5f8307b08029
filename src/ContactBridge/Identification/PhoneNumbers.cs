extern alias libphonenumber;

using System.Collections.Frozen;
using libphonenumber::PhoneNumbers;

namespace ContactBridge.Identification;

/// <summary>
/// Brings phone numbers to one form (E.164 digits, no plus) with libphonenumber, so that "+1 (415) 555-0100",
/// "415.555.0100 ext 12" and "001 415 555 0100" compare equal. A number without a country code is read in
/// the tenant's default country: any region the library knows, with its national and international prefixes.
/// </summary>
public static class PhoneNumbers
{
    private static readonly PhoneNumberUtil Library = PhoneNumberUtil.GetInstance();

    private static readonly FrozenSet<string> Regions = Library.GetSupportedRegions().ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every region the library knows (ISO 3166 alpha-2 codes), in order: the editors' country list. The page's script shows their names.</summary>
    public static IReadOnlyList<string> Countries { get; } = Library.GetSupportedRegions().Order(StringComparer.Ordinal).ToList();

    /// <summary>Whether the phone library knows the region (an ISO 3166 alpha-2 code such as US, GB, DE; any case).</summary>
    public static bool IsKnownCountry(string? code) => code is not null && Regions.Contains(code);

    /// <summary>
    /// E.164 digits without the plus, or null when the text is not a possible phone number (too few or too many
    /// digits for its country, or no number at all). The extension is dropped.
    /// </summary>
    public static string? Normalize(string? raw, string defaultCountry = "US") =>
        Parse(raw, defaultCountry) is { } number ? Library.Format(number, PhoneNumberFormat.E164)[1..] : null;

    /// <summary>
    /// How many digits the text dials internationally: the country code (when it has one) and the national
    /// number, without an international prefix or an extension. Text the library cannot read counts all its digits.
    /// </summary>
    public static int DigitCount(string raw)
    {
        try
        {
            var number = Library.ParseAndKeepRawInput(raw, "US");
            var countryCode = number.CountryCodeSource == PhoneNumber.Types.CountryCodeSource.FROM_DEFAULT_COUNTRY ? "" : number.CountryCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return countryCode.Length + Library.GetNationalSignificantNumber(number).Length;
        }
        catch (NumberParseException)
        {
            return raw.Count(char.IsAsciiDigit);
        }
    }

    /// <summary>
    /// The digit strings a phone search looks for, one of which every way the number may be stored in Salesforce
    /// contains: the national significant number ("+44 20 7946 0018", "020 7946 0018" and "0044 20 7946 0018" all
    /// hold 2079460018) and, where the country dials its numbers nationally in another shape (Argentina's mobiles:
    /// +54 9 11 … internationally, 011 15 … at home), that national shape too.
    /// </summary>
    public static IReadOnlyList<string> SearchDigits(string e164)
    {
        PhoneNumber number;
        try
        {
            number = Library.Parse("+" + e164, "ZZ");
        }
        catch (NumberParseException)
        {
            return [e164];
        }
        var national = Library.GetNationalSignificantNumber(number);
        // A few digits alone would be read as a word, not a number: a short national number is searched with its country code too.
        var terms = national.Length >= 7 ? new List<string> { national } : [e164, national];
        var dialled = new string(Library.Format(number, PhoneNumberFormat.NATIONAL).Where(char.IsAsciiDigit).ToArray());
        var prefix = Library.GetMetadataForRegion(Library.GetRegionCodeForNumber(number))?.NationalPrefix ?? "";
        if (prefix.Length > 0 && dialled.StartsWith(prefix, StringComparison.Ordinal)) dialled = dialled[prefix.Length..];
        if (!dialled.Contains(national, StringComparison.Ordinal)) terms.Add(dialled);
        return terms;
    }

    private static PhoneNumber? Parse(string? raw, string defaultCountry)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var region = defaultCountry.ToUpperInvariant();
        if (TryParse(raw, region) is { } number) return number;
        // The library reads the default country's own international prefix (011 in North America); 00 is the one
        // most of the world dials, and people in any country type it.
        var text = raw.TrimStart();
        return text.StartsWith("00", StringComparison.Ordinal) ? TryParse("+" + text[2..], region) : null;
    }

    private static PhoneNumber? TryParse(string text, string region)
    {
        try
        {
            var number = Library.Parse(text, region);
            // Possible, not valid: valid means "in a range the library's metadata says is assigned", and records typed
            // in Salesforce use fictitious ranges ((555) 555-1234, Ofcom's 07700 900xxx) and ranges newer than the metadata.
            return Library.IsPossibleNumberWithReason(number) == PhoneNumberUtil.ValidationResult.IS_POSSIBLE ? number : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
