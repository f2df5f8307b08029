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
}
