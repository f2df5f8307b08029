namespace ContactBridge.Salesforce;

/// <summary>Values from outside, made safe to put in SOQL.</summary>
public static class Soql
{
    /// <summary>
    /// A quoted string literal: backslash, quote and line breaks escaped, as the SOQL reference lists
    /// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm).
    /// </summary>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal) + "'";
    }

    /// <summary>Whether a name can stand in SOQL as an object or field name: letters, digits and underscores, starting with a letter (custom names end in __c).</summary>
    public static bool IsName(string? name) =>
        name is { Length: > 0 and <= 80 } && char.IsAsciiLetter(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');

    /// <summary>
    /// An object or field name from settings, checked where it is put into SOQL or SOSL (settings are
    /// validated when saved; this keeps a bad value in the database from ever becoming part of a query).
    /// </summary>
    public static string Name(string name) =>
        IsName(name) ? name : throw new ArgumentException($"'{name}' is not a Salesforce API name (letters, digits and underscores, starting with a letter).", nameof(name));
}
