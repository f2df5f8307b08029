namespace ContactBridge.Emulator.Schema;

/// <summary>Salesforce field types, spelled as describe reports them.</summary>
public enum FieldType
{
    Id,
    String,
    TextArea,
    Email,
    Phone,
    Url,
    Picklist,
    MultiPicklist,
    Combobox,
    Reference,
    Boolean,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
    Base64,
    /// <summary>A compound address (MailingAddress): read-only, made of its parts (MailingStreet, MailingCity …).</summary>
    Address,
}

public static class FieldTypeNames
{
    public static string ToDescribe(this FieldType type) => type switch
    {
        FieldType.TextArea => "textarea",
        FieldType.MultiPicklist => "multipicklist",
        FieldType.DateTime => "datetime",
        FieldType.Base64 => "base64",
        _ => type.ToString().ToLowerInvariant(),
    };

    public static bool TryParse(string? name, out FieldType type)
    {
        foreach (var candidate in Enum.GetValues<FieldType>())
        {
            if (string.Equals(candidate.ToDescribe(), name, StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }
        type = FieldType.String;
        return false;
    }

    public static bool IsText(this FieldType type) => type is FieldType.String or FieldType.TextArea or FieldType.Email
        or FieldType.Phone or FieldType.Url or FieldType.Picklist or FieldType.MultiPicklist or FieldType.Combobox;

    public static bool IsNumber(this FieldType type) => type is FieldType.Int or FieldType.Double or FieldType.Currency or FieldType.Percent;

    public static string SoapType(this FieldType type) => type switch
    {
        FieldType.Id or FieldType.Reference => "tns:ID",
        FieldType.Boolean => "xsd:boolean",
        FieldType.Int => "xsd:int",
        FieldType.Double or FieldType.Currency or FieldType.Percent => "xsd:double",
        FieldType.Date => "xsd:date",
        FieldType.DateTime => "xsd:dateTime",
        FieldType.Base64 => "xsd:base64Binary",
        FieldType.Address => "urn:address",
        _ => "xsd:string",
    };
}
