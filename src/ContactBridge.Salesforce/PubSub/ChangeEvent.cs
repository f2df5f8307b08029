using System.Globalization;
using System.Numerics;
using Avro;
using Avro.Generic;

namespace ContactBridge.Salesforce.PubSub;

/// <summary>
/// A Change Data Capture event as the Pub/Sub API delivers it: the ChangeEventHeader (entity, change type, record ids, commit
/// time) with its field bitmaps turned back into names (Name.FirstName for a compound field's part), and the record's fields.
/// CREATE and UNDELETE carry every field; UPDATE only the changed ones (the rest are null, which says nothing); DELETE and the
/// GAP_ events none; GAP_OVERFLOW says that changes were too many to send one by one.
/// </summary>
public sealed class ChangeEvent
{
    public const string Create = "CREATE", Update = "UPDATE", Delete = "DELETE", Undelete = "UNDELETE", GapOverflow = "GAP_OVERFLOW";

    private ChangeEvent(GenericRecord? payload, System.Text.Json.Nodes.JsonObject? json, string entity, string changeType, IReadOnlyList<string> recordIds,
        IReadOnlySet<string> changed, IReadOnlySet<string> nulled, DateTimeOffset commitTime)
    {
        Payload = payload;
        _json = json;
        Entity = entity;
        ChangeType = changeType;
        RecordIds = recordIds;
        Changed = changed;
        Nulled = nulled;
        CommitTime = commitTime;
    }

    /// <summary>The event as the Pub/Sub API gave it (Avro), or null for one heard over CometD (JSON).</summary>
    public GenericRecord? Payload { get; }

    private readonly System.Text.Json.Nodes.JsonObject? _json;
    public string Entity { get; }
    public string ChangeType { get; }
    public IReadOnlyList<string> RecordIds { get; }
    /// <summary>The fields an UPDATE changed (set or emptied).</summary>
    public IReadOnlySet<string> Changed { get; }
    /// <summary>The fields emptied.</summary>
    public IReadOnlySet<string> Nulled { get; }
    public DateTimeOffset CommitTime { get; }

    /// <summary>A GAP_CREATE, GAP_UPDATE, GAP_DELETE or GAP_UNDELETE: the records changed, but the event has none of their fields.</summary>
    public bool IsGap => ChangeType.StartsWith("GAP_", StringComparison.Ordinal) && ChangeType != GapOverflow;

    /// <summary>Whether the event says what the field now holds: every field for CREATE and UNDELETE, the changed ones for UPDATE.</summary>
    public bool Tells(string field) => ChangeType is Create or Undelete || ChangeType == Update && (Changed.Contains(field) || Nulled.Contains(field));

    /// <summary>Whether a field is a compound one (a person's Name, with FirstName, LastName … parts), by the event's schema or shape.</summary>
    public bool IsCompound(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (_json is not null)
            return JsonValueOf(_json, field) is System.Text.Json.Nodes.JsonObject
                   || Changed.Concat(Nulled).Any(f => f.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase));
        return Payload!.Schema.Fields.FirstOrDefault(f => string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase)) is { } def && RecordOf(def.Schema) is not null;
    }

    /// <summary>A field's value as text (a date-time as ISO 8601), or null; <paramref name="field"/> may name a compound's part (Name.LastName).</summary>
    public string? Text(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var dot = field.IndexOf('.', StringComparison.Ordinal);
        if (_json is not null)
        {
            var node = dot < 0 ? JsonValueOf(_json, field) : JsonValueOf(JsonValueOf(_json, field[..dot]) as System.Text.Json.Nodes.JsonObject, field[(dot + 1)..]);
            return node is System.Text.Json.Nodes.JsonValue v ? v.ToString() : null;
        }
        var payload = Payload!;
        object? value;
        if (dot < 0) value = Value(payload, field);
        else value = Value(payload, field[..dot]) is GenericRecord inner ? Value(inner, field[(dot + 1)..]) : null;
        return value switch
        {
            null => null,
            string s => s,
            long ms when IsTimestamp(payload.Schema, field) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
    }

    private static System.Text.Json.Nodes.JsonNode? JsonValueOf(System.Text.Json.Nodes.JsonObject? o, string field) =>
        o?.FirstOrDefault(kv => string.Equals(kv.Key, field, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>
    /// A change event as the Streaming API (CometD) delivers it: the message's <c>data.payload</c>, whose ChangeEventHeader lists the
    /// changed and emptied fields by name (Name.FirstName for a compound's part) and whose date-times are ISO 8601 text.
    /// </summary>
    public static ChangeEvent FromJson(System.Text.Json.Nodes.JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload["ChangeEventHeader"] is not System.Text.Json.Nodes.JsonObject header) throw new FormatException("The message has no ChangeEventHeader: not a change event.");
        var entity = header["entityName"] is System.Text.Json.Nodes.JsonValue e && e.TryGetValue<string>(out var en) ? en : throw new FormatException("The change event's header has no entityName.");
        var type = header["changeType"]?.ToString() ?? "";
        var ids = (header["recordIds"] as System.Text.Json.Nodes.JsonArray ?? []).Select(x => x?.ToString() ?? "").Where(x => x.Length > 0).ToList();
        var commit = header["commitTimestamp"] is System.Text.Json.Nodes.JsonValue c && c.TryGetValue<long>(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.MinValue;
        HashSet<string> Names(string list) => new((header[list] as System.Text.Json.Nodes.JsonArray ?? []).Select(x => x?.ToString() ?? "").Where(x => x.Length > 0),
            StringComparer.OrdinalIgnoreCase);
        return new ChangeEvent(null, payload, entity, type, ids, Names("changedFields"), Names("nulledFields"), commit);
    }

    private static object? Value(GenericRecord record, string field)
    {
        foreach (var f in record.Schema.Fields)
            if (string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase)) return record.GetValue(f.Pos);
        return null;
    }

    private static bool IsTimestamp(RecordSchema schema, string field) =>
        schema.Fields.FirstOrDefault(f => string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase)) is { } f
        && (f.Name is "LastModifiedDate" or "CreatedDate" || f.Documentation?.Contains("DateTime", StringComparison.Ordinal) == true);

    /// <summary>Reads a change event's header and bitmaps; a payload without a ChangeEventHeader is not a change event.</summary>
    public static ChangeEvent Read(GenericRecord payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!payload.TryGetValue("ChangeEventHeader", out var h) || h is not GenericRecord header)
            throw new FormatException($"{payload.Schema.Fullname} has no ChangeEventHeader: not a change event.");
        var entity = header.TryGetValue("entityName", out var e) && e is string en ? en : throw new FormatException("The change event's header has no entityName.");
        var type = header.TryGetValue("changeType", out var t) ? t is GenericEnum symbol ? symbol.Value : t?.ToString() ?? "" : "";
        var ids = header.TryGetValue("recordIds", out var r) && r is IEnumerable<object> list ? list.Select(x => x.ToString()!).ToList() : [];
        var commit = header.TryGetValue("commitTimestamp", out var c) && c is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.MinValue;
        return new ChangeEvent(payload, null, entity, type, ids, Names(payload.Schema, header, "changedFields"), Names(payload.Schema, header, "nulledFields"), commit);
    }

    /// <summary>
    /// A header's bitmap list as field names: "0x…" sets bit i for the record's field at position i; "{position}-0x…" does the same
    /// for the fields of the compound field at that position.
    /// </summary>
    private static HashSet<string> Names(RecordSchema schema, GenericRecord header, string list)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!header.TryGetValue(list, out var value) || value is not IEnumerable<object> bitmaps) return names;
        foreach (var text in bitmaps.Select(b => b.ToString() ?? ""))
        {
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                foreach (var bit in Bits(text)) if (bit < schema.Fields.Count) names.Add(schema.Fields[bit].Name);
                continue;
            }
            if (!int.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pos) || pos >= schema.Fields.Count) continue;
            var parent = schema.Fields[pos];
            if (RecordOf(parent.Schema) is not { } inner) continue;
            foreach (var bit in Bits(text[(dash + 1)..])) if (bit < inner.Fields.Count) names.Add($"{parent.Name}.{inner.Fields[bit].Name}");
        }
        return names;
    }

    private static IEnumerable<int> Bits(string hex)
    {
        if (!hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            || !BigInteger.TryParse("0" + hex[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits)) yield break;
        for (var i = 0; !bits.IsZero; i++, bits >>= 1)
            if (!(bits & BigInteger.One).IsZero) yield return i;
    }

    private static RecordSchema? RecordOf(Schema s) => s switch
    {
        RecordSchema r => r,
        UnionSchema u => u.Schemas.OfType<RecordSchema>().FirstOrDefault(),
        _ => null,
    };
}
