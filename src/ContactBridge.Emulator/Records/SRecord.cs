using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>One stored record. Values are typed: string, bool, decimal, DateTimeOffset (datetime) or DateOnly (date).</summary>
public sealed class SRecord
{
    public SRecord(ObjectDef type, string id)
    {
        Type = type;
        Id = id;
        Values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["Id"] = id };
    }

    public ObjectDef Type { get; }
    public string Id { get; }
    public Dictionary<string, object?> Values { get; }
    public bool IsDeleted { get; set; }

    /// <summary>The order the record was stored in (what a scan of its object returns records in).</summary>
    public long Sequence { get; internal set; }

    /// <summary>A field's value; a compound address (MailingAddress) is made from its parts, as Salesforce reads it.</summary>
    public object? this[string field]
    {
        get => Values.TryGetValue(field, out var value) ? value
            : Type.HasAddresses && Type.Field(field) is { Type: FieldType.Address } address ? PostalAddress.Of(this, address) : null;
        set => Values[field] = value;
    }

    public string? GetString(string field) => Values.GetValueOrDefault(field) as string;
}
