using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>Converts field values between Salesforce's JSON forms and the typed values the store keeps.</summary>
public static partial class FieldValues
{
    public static object? FromJson(FieldDef field, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (node is null) return null;
        if (node is not JsonValue value)
        {
            var kind = node is JsonArray ? "START_ARRAY" : "START_OBJECT";
            throw SalesforceException.JsonParser($"Cannot deserialize instance of {JavaType(field.Type)} from {kind} value {node.ToJsonString()} or request may be missing a required field");
        }
        var element = value.TryGetValue<JsonElement>(out var e) ? e : value.Deserialize<JsonElement>();
        return FromElement(field, element);
    }

    private static object? FromElement(FieldDef field, JsonElement e)
    {
        string Raw() => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();
        SalesforceException Bad() => SalesforceException.JsonParser(
            $"Cannot deserialize instance of {JavaType(field.Type)} from {(e.ValueKind == JsonValueKind.String ? "VALUE_STRING" : "VALUE_" + e.ValueKind.ToString().ToUpperInvariant())} value {Raw()} or request may be missing a required field");

        if (e.ValueKind == JsonValueKind.Null) return null;
        switch (field.Type)
        {
            case FieldType.Boolean:
                if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
                if (e.ValueKind == JsonValueKind.String && bool.TryParse(e.GetString(), out var b)) return b;
                throw Bad();
            case FieldType.Int or FieldType.Double or FieldType.Currency or FieldType.Percent:
                if (e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out var d)) return d;
                if (e.ValueKind == JsonValueKind.String && decimal.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return d;
                throw Bad();
            case FieldType.Date:
                if (e.ValueKind == JsonValueKind.String && TryParseDate(e.GetString()!, out var date)) return date;
                throw Bad();
            case FieldType.DateTime:
                if (e.ValueKind == JsonValueKind.String && TryParseDateTime(e.GetString()!, out var dt)) return dt;
                throw Bad();
            default:
                return e.ValueKind switch
                {
                    JsonValueKind.String => e.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
                    _ => throw Bad(),
                };
        }
    }

    private static string JavaType(FieldType t) => t switch
    {
        FieldType.Boolean => "boolean",
        FieldType.Int => "int",
        FieldType.Double or FieldType.Currency or FieldType.Percent => "double",
        FieldType.Date => "date",
        FieldType.DateTime => "datetime",
        _ => "string",
    };

    public static bool TryParseDate(string s, out DateOnly date)
    {
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)) return true;
        if (TryParseDateTime(s, out var dt))
        {
            date = DateOnly.FromDateTime(dt.UtcDateTime);
            return true;
        }
        return false;
    }

    public static bool TryParseDateTime(string s, out DateTimeOffset value)
    {
        var normalized = OffsetWithoutColon().Replace(s, "$1:$2");
        if (normalized.EndsWith('Z') || OffsetWithColon().IsMatch(normalized))
        {
            return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value)
                   && (value = value.ToUniversalTime()) == value;
        }
        value = default;
        return false;
    }

    [GeneratedRegex(@"([+-]\d{2})(\d{2})$")]
    private static partial Regex OffsetWithoutColon();

    [GeneratedRegex(@"[+-]\d{2}:\d{2}$")]
    private static partial Regex OffsetWithColon();

    public static JsonNode? ToJson(FieldDef? field, object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        decimal d when field?.Type == FieldType.Int || d == decimal.Truncate(d) && field?.Type == FieldType.Int => JsonValue.Create((long)d),
        decimal d => JsonValue.Create(d),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        DateOnly date => JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        DateTimeOffset dt => JsonValue.Create(FormatDateTime(dt)),
        PostalAddress address => address.ToJson(),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    public static string FormatDateTime(DateTimeOffset dt) =>
        dt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);

    /// <summary>Text form for CSV, SOSL matching and string comparisons.</summary>
    public static string? ToText(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset dt => FormatDateTime(dt),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
