using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Avro;
using Avro.Generic;
using Avro.IO;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.PubSub;

/// <summary>
/// The Avro schemas of an org's event channels, as the Pub/Sub API serves them, and the events' payloads in Avro binary (one datum,
/// no container). A platform event's record has CreatedDate (epoch milliseconds) and CreatedById, then its custom fields; a change
/// event's has the ChangeEventHeader first, then the entity's fields (compounds — a person's Name, an address — as records of their parts). Every field
/// but the header's is a union with null. In a change event's header, changedFields, nulledFields and diffFields are bitmaps of
/// field positions ("0x…" for the record's fields, "{position}-0x…" for the fields of the compound field at that position).
/// </summary>
public static class EventSchemas
{
    public const string Namespace = "com.sforce.eventbus";
    public const string AllChangeEvents = Events.EventBus.AllChangeEvents;
    private static readonly string[] ChangeTypes = ["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW"];

    /// <summary>A channel's schema: its id (a fingerprint of the JSON), the JSON, the parsed schema, and what it describes.</summary>
    public sealed record Built(string Id, string Json, RecordSchema Schema, ObjectDef Type, bool IsChange);

    /// <summary>The schema of the org's with this id (a platform event's or a change event's, as it is now), or null. Callers hold the org's lock.</summary>
    public static Built? Find(SalesforceOrg org, string schemaId)
    {
        ArgumentNullException.ThrowIfNull(org);
        var topics = org.Schema.Objects.Where(o => o.IsPlatformEvent).Select(o => "/event/" + o.Name)
            .Concat(org.ChangeDataCapture.Select(e => "/data/" + Records.RecordWriter.ChangeEventName(e)));
        return topics.Select(t => For(org, t)).FirstOrDefault(b => b?.Id == schemaId);
    }

    /// <summary>The entity a change-event topic is about (/data/ContactChangeEvent → Contact, /data/Thing__ChangeEvent → Thing__c), or null.</summary>
    public static string? EntityOf(string topic)
    {
        if (!topic.StartsWith("/data/", StringComparison.Ordinal) || !topic.EndsWith("ChangeEvent", StringComparison.Ordinal)) return null;
        var name = topic["/data/".Length..^"ChangeEvent".Length];
        return name.EndsWith("__", StringComparison.Ordinal) ? name + "c" : name;
    }

    /// <summary>The schema of a topic: a platform event of the org, or the change events of an entity selected for Change Data Capture; null: no such topic.</summary>
    public static Built? For(SalesforceOrg org, string topic)
    {
        ArgumentNullException.ThrowIfNull(org);
        if (topic.StartsWith("/event/", StringComparison.Ordinal))
            return org.Schema.Find(topic["/event/".Length..]) is { IsPlatformEvent: true } e ? Build(PlatformEvent(e), e, false) : null;
        if (EntityOf(topic) is { } entity && org.ChangeDataCapture.Contains(entity) && org.Schema.Find(entity) is { } type)
            return Build(ChangeEvent(type), type, true);
        return null;
    }

    private static Built Build(JsonObject schema, ObjectDef type, bool isChange)
    {
        var json = schema.ToJsonString();
        var id = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..22].Replace('+', '-').Replace('/', '_');
        return new Built(id, json, (RecordSchema)Avro.Schema.Parse(json), type, isChange);
    }

    private static JsonNode AvroType(FieldDef f) => f.Type switch
    {
        FieldType.Boolean => "boolean",
        FieldType.Int => "int",
        FieldType.Double or FieldType.Currency or FieldType.Percent => "double",
        FieldType.DateTime => "long",
        FieldType.Date => "int",
        _ => "string",
    };

    private static JsonObject Nullable(string name, JsonNode type, string doc) =>
        new() { ["name"] = name, ["type"] = new JsonArray("null", type), ["doc"] = doc, ["default"] = null };

    private static JsonObject PlatformEvent(ObjectDef e)
    {
        var fields = new JsonArray(
            new JsonObject { ["name"] = "CreatedDate", ["type"] = "long", ["doc"] = "CreatedDate:DateTime" },
            new JsonObject { ["name"] = "CreatedById", ["type"] = "string", ["doc"] = "CreatedBy:EntityId" });
        foreach (var f in e.Fields.Where(f => f.Custom)) fields.Add(Nullable(f.Name, AvroType(f), $"Data:{f.Type}"));
        return new JsonObject { ["type"] = "record", ["name"] = e.Name, ["namespace"] = Namespace, ["fields"] = fields };
    }

    /// <summary>
    /// A change event's fields in order: every field but Id, IsDeleted and SystemModstamp, a compound's parts (a person's Name, an
    /// address) folded into the compound where its first part was.
    /// </summary>
    private static IEnumerable<(FieldDef? Field, string? Compound)> ChangeFields(ObjectDef type)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in type.Fields.Where(f => f.Name is not ("Id" or "IsDeleted" or "SystemModstamp")))
        {
            var compound = f.CompoundFieldName ?? (type.IsCompound(f.Name) ? f.Name : null);
            if (compound is null) yield return (f, null);
            else if (seen.Add(compound)) yield return (null, compound);
        }
    }

    private static JsonObject ChangeEvent(ObjectDef type)
    {
        var header = new JsonObject
        {
            ["type"] = "record", ["name"] = "ChangeEventHeader", ["namespace"] = Namespace,
            ["fields"] = new JsonArray(
                new JsonObject { ["name"] = "entityName", ["type"] = "string" },
                new JsonObject { ["name"] = "recordIds", ["type"] = new JsonObject { ["type"] = "array", ["items"] = "string" } },
                new JsonObject
                {
                    ["name"] = "changeType",
                    ["type"] = new JsonObject { ["type"] = "enum", ["name"] = "ChangeType", ["namespace"] = Namespace, ["symbols"] = new JsonArray(ChangeTypes.Select(t => (JsonNode)t).ToArray()) },
                },
                new JsonObject { ["name"] = "changeOrigin", ["type"] = "string" },
                new JsonObject { ["name"] = "transactionKey", ["type"] = "string" },
                new JsonObject { ["name"] = "sequenceNumber", ["type"] = "int" },
                new JsonObject { ["name"] = "commitTimestamp", ["type"] = "long" },
                new JsonObject { ["name"] = "commitNumber", ["type"] = "long" },
                new JsonObject { ["name"] = "commitUser", ["type"] = "string" },
                new JsonObject { ["name"] = "nulledFields", ["type"] = new JsonObject { ["type"] = "array", ["items"] = "string" } },
                new JsonObject { ["name"] = "diffFields", ["type"] = new JsonObject { ["type"] = "array", ["items"] = "string" } },
                new JsonObject { ["name"] = "changedFields", ["type"] = new JsonObject { ["type"] = "array", ["items"] = "string" } }),
        };
        var fields = new JsonArray(new JsonObject { ["name"] = "ChangeEventHeader", ["type"] = header, ["doc"] = "Data:EventHeader" });
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (f, compound) in ChangeFields(type))
        {
            if (f is not null)
            {
                fields.Add(Nullable(f.Name, AvroType(f), $"Data:{f.Type}"));
                continue;
            }
            // A person's Name is a record "Name"; every address is a record "Address", defined once and named after that (Avro names are unique).
            var recordName = type.Field(compound!)?.Type == FieldType.Address ? "Address" : compound!;
            JsonNode record = defined.Add(recordName)
                ? new JsonObject
                {
                    ["type"] = "record", ["name"] = recordName, ["namespace"] = Namespace,
                    ["fields"] = new JsonArray(type.PartsOf(compound!).Select(p => (JsonNode)Nullable(p.CompoundPart!, AvroType(p), p.Type.IsText() ? "Data:Text" : $"Data:{p.Type}")).ToArray()),
                }
                : JsonValue.Create(Namespace + "." + recordName);
            fields.Add(Nullable(compound!, record, "Data:Compound"));
        }
        return new JsonObject { ["type"] = "record", ["name"] = ChangeEventName(type.Name), ["namespace"] = Namespace, ["fields"] = fields };
    }

    private static string ChangeEventName(string entity) => Records.RecordWriter.ChangeEventName(entity);

    /// <summary>An event's payload (as the bus keeps it) in Avro binary under <paramref name="built"/>.</summary>
    public static byte[] Encode(Built built, JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(built);
        ArgumentNullException.ThrowIfNull(payload);
        var record = new GenericRecord(built.Schema);
        foreach (var field in built.Schema.Fields)
        {
            var value = payload.FirstOrDefault(kv => kv.Key.Equals(field.Name, StringComparison.OrdinalIgnoreCase)).Value;
            record.Add(field.Name, field.Name switch
            {
                "ChangeEventHeader" when value is JsonObject h => Header(built, (RecordSchema)field.Schema, h),
                "CreatedDate" when !built.IsChange => Records.FieldValues.TryParseDateTime(value?.ToString() ?? "", out var at) ? at.ToUnixTimeMilliseconds() : 0L,
                "CreatedById" when !built.IsChange => value?.ToString() ?? "",
                _ => ValueOf(field.Schema, value, built.Type.Field(field.Name)),
            });
        }
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(built.Schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static GenericRecord Header(Built built, RecordSchema schema, JsonObject h)
    {
        var header = new GenericRecord(schema);
        string S(string name) => h[name] is JsonValue v ? v.ToString() : "";
        header.Add("entityName", S("entityName"));
        header.Add("recordIds", (h["recordIds"] as JsonArray ?? []).Select(x => (object)x!.ToString()).ToArray());
        header.Add("changeType", new GenericEnum((EnumSchema)schema["changeType"].Schema, S("changeType")));
        header.Add("changeOrigin", S("changeOrigin"));
        header.Add("transactionKey", S("transactionKey"));
        header.Add("sequenceNumber", h["sequenceNumber"]?.GetValue<int>() ?? 0);
        header.Add("commitTimestamp", h["commitTimestamp"]?.GetValue<long>() ?? 0);
        header.Add("commitNumber", h["commitNumber"]?.GetValue<long>() ?? 0);
        header.Add("commitUser", S("commitUser"));
        foreach (var list in new[] { "nulledFields", "diffFields", "changedFields" })
            header.Add(list, Bitmaps(built.Schema, (h[list] as JsonArray ?? []).Select(x => x!.ToString()).ToList()).Cast<object>().ToArray());
        return header;
    }

    /// <summary>Field names (Name.FirstName for a compound's part) as the Pub/Sub API's bitmaps: bit i set for the record's field at position i.</summary>
    public static List<string> Bitmaps(RecordSchema schema, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var top = BigInteger.Zero;
        var nested = new SortedDictionary<int, BigInteger>();
        foreach (var name in names)
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                if (schema.TryGetField(name, out var f)) top |= BigInteger.One << f.Pos;
                continue;
            }
            if (!schema.TryGetField(name[..dot], out var parent) || RecordOf(parent.Schema) is not { } inner || !inner.TryGetField(name[(dot + 1)..], out var part)) continue;
            nested[parent.Pos] = nested.GetValueOrDefault(parent.Pos) | (BigInteger.One << part.Pos);
        }
        var result = new List<string>();
        // The record's own bitmap comes first, 0x0 when only a compound's parts changed: clients read the parts' entries after it.
        if (!top.IsZero || nested.Count > 0) result.Add("0x" + Hex(top));
        result.AddRange(nested.Select(n => $"{n.Key.ToString(CultureInfo.InvariantCulture)}-0x{Hex(n.Value)}"));
        return result;
    }

    private static string Hex(BigInteger bits) => bits.ToString("X", CultureInfo.InvariantCulture).TrimStart('0') is { Length: > 0 } h ? h : "0";

    private static RecordSchema? RecordOf(Avro.Schema s) => s switch
    {
        RecordSchema r => r,
        UnionSchema u => u.Schemas.OfType<RecordSchema>().FirstOrDefault(),
        _ => null,
    };

    /// <summary>
    /// A stored value in the field's Avro type, converted by the field's type (not guessed from the value); a value the type cannot
    /// hold (a number too large for an int, a malformed date) is null rather than an event no one can read.
    /// </summary>
    private static object? ValueOf(Avro.Schema schema, JsonNode? value, FieldDef? def)
    {
        if (value is null) return null;
        var target = schema is UnionSchema u ? u.Schemas.First(s => s.Tag != Avro.Schema.Type.Null) : schema;
        if (target is RecordSchema r)
        {
            if (value is not JsonObject o) return null;
            var record = new GenericRecord(r);
            foreach (var f in r.Fields) record.Add(f.Name, ValueOf(f.Schema, o[f.Name], null));
            return record;
        }
        var text = value is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : value.ToJsonString();
        var number = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : (double?)null;
        return (target.Tag, def?.Type) switch
        {
            (Avro.Schema.Type.Boolean, _) => value is JsonValue b && b.TryGetValue<bool>(out var flag) ? flag : bool.TryParse(text, out var parsed) ? parsed : null,
            (Avro.Schema.Type.Int, FieldType.Date) => Records.FieldValues.TryParseDate(text, out var d) ? d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber : null,
            (Avro.Schema.Type.Int, _) => number is >= int.MinValue and <= int.MaxValue ? (int)Math.Round(number.Value) : null,
            (Avro.Schema.Type.Long, FieldType.DateTime) => Records.FieldValues.TryParseDateTime(text, out var dt) ? dt.ToUnixTimeMilliseconds() : null,
            (Avro.Schema.Type.Long, _) => number is >= long.MinValue and <= long.MaxValue ? (long)Math.Round(number.Value) : null,
            (Avro.Schema.Type.Double, _) => number,
            _ => text,
        };
    }

    /// <summary>A published payload read back (fields as the REST API takes them); a payload that is not one datum of the schema throws.</summary>
    public static JsonObject Decode(Built built, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(built);
        ArgumentNullException.ThrowIfNull(payload);
        using var stream = new MemoryStream(payload);
        var record = new GenericDatumReader<GenericRecord>(built.Schema, built.Schema).Read(null!, new BinaryDecoder(stream));
        if (stream.Position != stream.Length) throw new FormatException($"The payload has {stream.Length - stream.Position} bytes after the event: it was not written with schema {built.Id}.");
        var result = new JsonObject();
        foreach (var field in built.Schema.Fields)
        {
            if (!record.TryGetValue(field.Name, out var value) || value is null || field.Name is "CreatedDate" or "CreatedById") continue;
            var def = built.Type.Field(field.Name);
            result[field.Name] = value switch
            {
                long ms when def?.Type == FieldType.DateTime => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                int days when def?.Type == FieldType.Date => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                bool b => b,
                int i => i,
                long l => l,
                double d => d,
                _ => value.ToString(),
            };
        }
        return result;
    }
}
