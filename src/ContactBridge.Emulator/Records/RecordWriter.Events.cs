using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// What a write puts on the org's event bus: a platform event when one is published, and a change event
/// (Change Data Capture) for every create, update and delete of an entity selected for it. Events of a
/// transaction that rolls back are withdrawn with it, so a subscriber never sees a change that did not happen.
/// </summary>
public sealed partial class RecordWriter
{
    private readonly string _transactionKey = Guid.NewGuid().ToString();
    private int _sequence;

    /// <summary>The API that made the change, as change events report it: <c>com/salesforce/api/rest/62.0;client=…</c>.</summary>
    public string? ChangeOrigin { get; init; }

    private void PublishPlatformEvent(SRecord record)
    {
        var payload = new JsonObject();
        // The event's own fields and who published it when, as the streaming message carries them.
        foreach (var f in record.Type.Fields.Where(f => f.Custom || f.Name is "CreatedDate" or "CreatedById"))
            payload[f.Name] = FieldValues.ToJson(f, record[f.Name]);
        Publish($"/event/{record.Type.Name}", payload);
    }

    private void ChangeEvent(string callerId, SRecord record, string changeType, List<string> changed, List<string> nulled)
    {
        var type = record.Type;
        if (!_org.ChangeDataCapture.Contains(type.Name)) return;
        // A compound's part is named through its compound (Name.FirstName, MailingAddress.City); the compound itself is its parts.
        string Path(string field) => type.Field(field) is { CompoundFieldName: { } compound, CompoundPart: { } part } ? compound + "." + part : field;
        // SystemModstamp is not part of a change event; LastModifiedDate is (Apex ChangeEventHeader reference).
        var reported = changeType == "UPDATE" ? changed.Where(c => !type.IsCompound(c) && c != "SystemModstamp").ToList() : [];
        var now = _clock.GetUtcNow();
        var payload = new JsonObject
        {
            ["ChangeEventHeader"] = new JsonObject
            {
                ["entityName"] = type.Name,
                ["recordIds"] = new JsonArray(JsonValue.Create(record.Id)),
                ["changeType"] = changeType,
                ["changeOrigin"] = ChangeOrigin ?? "",
                ["transactionKey"] = _transactionKey,
                ["sequenceNumber"] = ++_sequence,
                ["commitTimestamp"] = now.ToUnixTimeMilliseconds(),
                ["commitNumber"] = _org.Events.LastReplayId + 1,
                ["commitUser"] = callerId,
                ["nulledFields"] = new JsonArray(nulled.Select(n => (JsonNode)JsonValue.Create(Path(n))!).ToArray()),
                ["diffFields"] = new JsonArray(),
                ["changedFields"] = new JsonArray(reported.Select(n => (JsonNode)JsonValue.Create(Path(n))!).ToArray()),
            },
        };
        // CREATE carries every field (null included); UPDATE only the changed ones; DELETE only the header.
        var fields = changeType switch
        {
            "CREATE" => type.Fields.Where(f => f.Name is not ("Id" or "IsDeleted" or "SystemModstamp") && !type.IsCompound(f.Name)).Select(f => f.Name).ToList(),
            "UPDATE" => reported,
            _ => [],
        };
        foreach (var field in fields)
        {
            var def = type.Field(field);
            if (def is null) continue;
            var value = FieldValues.ToJson(def, record[field]);
            if (def is { CompoundFieldName: { } compound, CompoundPart: { } part })
            {
                if (payload[compound] is not JsonObject parts) payload[compound] = parts = new JsonObject();
                parts[part] = value;
                continue;
            }
            payload[field] = value;
        }
        Publish($"/data/{ChangeEventName(type.Name)}", payload);
    }

    /// <summary>Contact → ContactChangeEvent; Thing__c → Thing__ChangeEvent.</summary>
    public static string ChangeEventName(string entity) =>
        entity.EndsWith("__c", StringComparison.OrdinalIgnoreCase) ? entity[..^1] + "ChangeEvent" : entity + "ChangeEvent";

    private void Publish(string channel, JsonObject payload)
    {
        var e = _org.Events.Append(channel, payload);
        _org.Records.OnRollback(() => _org.Events.Withdraw(e));
    }
}
