using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Identification;
using ContactBridge.Logging;

namespace ContactBridge.Intake;

/// <summary>
/// The documented shape of each event type's <c>data</c>, checked at intake so that nothing the
/// pipeline cannot fold is ever stored. Identifiers, phone numbers and e-mail addresses longer than
/// Salesforce can hold are refused; free text longer than its limit is cut with a marker. Every field
/// is optional and may be null; fields not listed here are kept and ignored.
/// </summary>
public static class EventDataSchema
{
    /// <summary>Salesforce's Email fields hold 80 characters, Phone fields 40; E.164 numbers have at most 15 digits.</summary>
    public const int MaxEmailLength = 80;
    public const int MaxPhoneLength = 40;
    public const int MaxPhoneDigits = 15;
    public const int MaxLongText = 32_000;
    public const int MaxShortText = 255;
    public const int MaxMapEntries = 100;
    public const int MaxMapKeyLength = 100;
    public const int MaxMapValueLength = 1_000;

    public abstract record Field(string Name, string Description);
    /// <summary>Free text: longer than <paramref name="MaxLength"/> is cut with a marker, never refused.</summary>
    public sealed record Text(string Name, int MaxLength, string Description) : Field(Name, Description);
    /// <summary>An identifier: longer than <paramref name="MaxLength"/> is refused (cutting would merge different ids).</summary>
    public sealed record Identifier(string Name, int MaxLength, string Description) : Field(Name, Description);
    public sealed record OneOf(string Name, IReadOnlyList<string> Values, string Description) : Field(Name, Description);
    public sealed record Phone(string Name, string Description) : Field(Name, Description);
    public sealed record Email(string Name, string Description) : Field(Name, Description);
    public sealed record Integer(string Name, long Min, long Max, string Description) : Field(Name, Description);
    public sealed record Timestamp(string Name, string Description) : Field(Name, Description);
    public sealed record Base64(string Name, string Description) : Field(Name, Description);
    /// <summary>An absolute https URL of at most 2,048 characters.</summary>
    public sealed record HttpsUrl(string Name, string Description) : Field(Name, Description);
    public sealed record Obj(string Name, IReadOnlyList<Field> Fields, string Description) : Field(Name, Description);
    /// <summary>An array of objects of one shape, at most <paramref name="MaxItems"/> of them (an address book's entries).</summary>
    public sealed record List(string Name, IReadOnlyList<Field> Fields, int MaxItems, string Description) : Field(Name, Description);
    /// <summary>Names to plain values (strings, numbers, booleans): IVR inputs, custom fields.</summary>
    public sealed record Map(string Name, string Description) : Field(Name, Description);

    public static readonly IReadOnlyList<string> Channels = ["voice", "web_chat", "inbox", "email", "sms"];
    public static readonly IReadOnlyList<string> Directions = ["inbound", "outbound"];

    private static Obj Caller(string description) => new("caller", [
        new Phone("phone", "The caller's number, in any format (+1 415 555 0100, (415) 555-0100 ext. 12)."),
        new Email("email", "The caller's e-mail address."),
        new Text("name", MaxShortText, "The caller's name."),
        new Text("company", MaxShortText, "The caller's company."),
    ], description);

    private static Obj AgentObj(string description) => new("agent", [
        new Identifier("id", MaxShortText, "The agent's id in the contact center."),
        new Email("email", "The agent's e-mail."),
        new Text("name", MaxShortText, "The agent's name."),
    ], description);

    /// <summary>The fields of each event type's data, by short type (started, ended, …).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<Field>> Types = new Dictionary<string, IReadOnlyList<Field>>(StringComparer.Ordinal)
    {
        ["started"] =
        [
            new OneOf("channel", Channels, "How the customer reached the contact center."),
            new OneOf("direction", Directions, "Who started it."),
            Caller("Who is calling, writing or chatting."),
            new Phone("dialledNumber", "The number the caller dialled."),
            new Text("queue", MaxShortText, "The queue or skill it arrived on."),
            new Map("ivr", "What the caller keyed in or said in the IVR (account_number, …): values identify callers by the tenant's IVR rules."),
            new Map("customFields", "Anything else to keep with the interaction."),
        ],
        ["agent_assigned"] =
        [
            new Obj("agent", [
                new Identifier("id", MaxShortText, "The agent's id in the contact center."),
                new Email("email", "The agent's e-mail: the Salesforce user with it owns the records."),
                new Text("name", MaxShortText, "The agent's name."),
            ], "The agent who took it."),
        ],
        ["message_appended"] =
        [
            new Obj("message", [
                new OneOf("from", ["customer", "agent", "bot"], "Who wrote it."),
                new Text("text", MaxLongText, "The message."),
                new Timestamp("at", "When it was written."),
            ], "One message of a chat or conversation."),
        ],
        ["note_added"] = [new Obj("note", [new Text("text", MaxLongText, "The note.")], "A note the agent wrote.")],
        ["attachment_added"] =
        [
            new Obj("attachment", [
                new Identifier("fileName", MaxShortText, "The file's name."),
                new Identifier("contentType", MaxShortText, "Its media type."),
                new Base64("contentBase64", "Its bytes, base64-encoded."),
            ], "A file to keep with the interaction's Task or Case."),
        ],
        ["wrapped_up"] =
        [
            new Obj("wrapUp", [
                new Text("code", MaxShortText, "The wrap-up code."),
                new Text("notes", MaxLongText, "The agent's wrap-up notes."),
            ], "The agent's wrap-up."),
        ],
        ["related_record"] =
        [
            new Obj("record", [
                new Identifier("object", 80, "The record's object API name: Contact, Lead, Account, Case, Opportunity …"),
                new Identifier("id", 18, "The record's 15- or 18-character id."),
            ], "A Salesforce record the agent worked the contact from: the contact's Task relates to it (WhoId for a Lead or Contact, WhatId otherwise)."),
        ],
        ["custom_fields"] = [new Map("customFields", "Values to add to the interaction's custom fields.")],
        ["record_requested"] = [new OneOf("object", ["lead", "contact", "case", "task"], "The record the agent asks for (what manual mode creates).")],
        ["offered"] = [AgentObj("The agent it rings at (offered, not yet accepted).")],
        ["connected"] = [AgentObj("The agent now talking or writing with the customer.")],
        ["held"] = [],
        ["resumed"] = [],
        ["muted"] = [new OneOf("state", ["muted", "unmuted"], "Whether the agent's side is muted now.")],
        ["transferred"] =
        [
            new Obj("to", [
                new Identifier("agentId", MaxShortText, "The agent it goes to."),
                new Text("skill", MaxShortText, "The skill (queue) it goes to."),
                new Phone("number", "The number it goes to."),
            ], "Where it goes."),
            new OneOf("kind", ["blind", "consulted"], "Blind (handed over at once) or consulted (after talking to the other side)."),
        ],
        ["conferenced"] =
        [
            new Obj("with", [
                new Identifier("agentId", MaxShortText, "The agent brought in."),
                new Phone("number", "The number brought in."),
            ], "Who joins."),
        ],
        ["wrap_up_started"] = [],
        ["wrap_up_ended"] = [],
        ["ended"] =
        [
            new Timestamp("startedAt", "When it started."),
            new Timestamp("endedAt", "When it ended."),
            new Integer("durationSeconds", 0, 7 * 24 * 3600, "How long it lasted."),
            new Text("disposition", MaxShortText, "The call's disposition."),
            new OneOf("outcome", ["answered", "abandoned"], "Whether anyone answered."),
            Caller("The caller, when only known at the end."),
            new Obj("recording", [
                new HttpsUrl("url", "Where the recording is (https): Service Cloud Voice's VoiceCall gets it as its recording."),
                new Integer("durationSeconds", 0, 7 * 24 * 3600, "How long the recording is."),
            ], "The call's recording, where the contact center made one."),
        ],
    };

    /// <summary>
    /// Checks (and where free text is too long, cuts) one event's data; each problem names the field,
    /// such as <c>[3].data.note must be an object</c>.
    /// </summary>
    public static void Check(string shortType, JsonObject data, string where, List<string> problems)
    {
        if (!Types.TryGetValue(shortType, out var fields)) return;
        CheckObject(data, fields, $"{where}.data", problems);
    }

    /// <summary>Checks an event's data against a list of fields (the contact-center events' shapes live with their feature).</summary>
    public static void CheckFields(IReadOnlyList<Field> fields, JsonObject data, string where, List<string> problems) => CheckObject(data, fields, $"{where}.data", problems);

    /// <summary>The JSON Schema of data with these fields.</summary>
    public static JsonObject SchemaOf(IReadOnlyList<Field> fields, string description) => ObjectSchema(fields, description);

    private static void CheckObject(JsonObject o, IReadOnlyList<Field> fields, string path, List<string> problems)
    {
        foreach (var field in fields)
        {
            var value = o[field.Name];
            if (value is null) continue;
            var at = $"{path}.{field.Name}";
            var replacement = CheckValue(field, value, at, problems);
            if (replacement is not null) o[field.Name] = replacement;
        }
    }

    /// <summary>A problem is added when the value does not fit; a node is returned when it must be replaced (cut).</summary>
    private static JsonNode? CheckValue(Field field, JsonNode value, string at, List<string> problems)
    {
        switch (field)
        {
            case Obj obj:
                if (value is not JsonObject child)
                {
                    problems.Add($"{at} must be an object with {string.Join(", ", obj.Fields.Select(f => f.Name))}, not {Kind(value)}.");
                    return null;
                }
                CheckObject(child, obj.Fields, at, problems);
                return null;
            case List list:
                if (value is not JsonArray items)
                {
                    problems.Add($"{at} must be an array of objects with {string.Join(", ", list.Fields.Select(f => f.Name))}, not {Kind(value)}.");
                    return null;
                }
                if (items.Count > list.MaxItems) problems.Add($"{at} has {items.Count} items; at most {list.MaxItems}.");
                else
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item) CheckObject(item, list.Fields, $"{at}[{i}]", problems);
                        else problems.Add($"{at}[{i}] must be an object, not {(items[i] is null ? "null" : Kind(items[i]!))}.");
                    }
                return null;
            case Map:
                if (value is not JsonObject map)
                {
                    problems.Add($"{at} must be an object of names to plain values, not {Kind(value)}.");
                    return null;
                }
                if (map.Count > MaxMapEntries) problems.Add($"{at} has {map.Count} entries; at most {MaxMapEntries} are kept per event.");
                foreach (var (key, v) in map.ToList())
                {
                    if (key.Length > MaxMapKeyLength) problems.Add($"{at}: the name \"{Short(key)}\" is longer than {MaxMapKeyLength} characters.");
                    if (v is null) continue;
                    if (v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                        problems.Add($"{at}.{Short(key)} must be a string, number or boolean, not {Kind(v)}.");
                    else if (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > MaxMapValueLength)
                        map[key] = LogTemplates.Fit(v.GetValue<string>(), MaxMapValueLength);
                }
                return null;
            case Integer integer:
                if (value.GetValueKind() != JsonValueKind.Number || !((JsonValue)value).TryGetValue<long>(out var n))
                    problems.Add($"{at} must be a whole number, not {Kind(value)}.");
                else if (n < integer.Min || n > integer.Max)
                    problems.Add($"{at} must be between {integer.Min} and {integer.Max}; it is {n}.");
                return null;
        }
        // Every other kind is text; phone numbers may also come as JSON numbers.
        string text;
        if (value.GetValueKind() == JsonValueKind.String) text = value.GetValue<string>();
        else if (field is Phone && value.GetValueKind() == JsonValueKind.Number) text = value.ToJsonString();
        else
        {
            problems.Add($"{at} must be a string, not {Kind(value)}.");
            return null;
        }
        switch (field)
        {
            case Text t when text.Length > t.MaxLength:
                return LogTemplates.Fit(text, t.MaxLength);
            case Identifier id when text.Length > id.MaxLength:
                problems.Add($"{at} is {text.Length} characters; at most {id.MaxLength}.");
                break;
            case OneOf one when !one.Values.Contains(text.Trim().ToLowerInvariant()):
                problems.Add($"{at} must be one of {string.Join(", ", one.Values)}, not \"{Short(text)}\".");
                break;
            case Phone when text.Length > MaxPhoneLength:
                problems.Add($"{at} is {text.Length} characters; a phone number holds at most {MaxPhoneLength} (Salesforce's Phone fields).");
                break;
            case Phone when PhoneNumbers.DigitCount(text) is > MaxPhoneDigits and var digits:
                problems.Add($"{at} has {digits} digits; an international number has at most {MaxPhoneDigits} (E.164), extensions aside.");
                break;
            case Email when text.Length > MaxEmailLength:
                problems.Add($"{at} is {text.Length} characters; Salesforce's Email fields hold at most {MaxEmailLength}.");
                break;
            case Timestamp when !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out _):
                problems.Add($"{at} must be an RFC 3339 timestamp such as 2026-11-21T10:00:00Z.");
                break;
            case HttpsUrl when text.Length > 2048 || !Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps:
                problems.Add($"{at} must be an absolute https URL of at most 2,048 characters.");
                break;
            case Base64 when !IsBase64(text):
                problems.Add($"{at} is not valid base64.");
                break;
        }
        return null;
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static string Kind(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>The JSON Schema of one type's data, for the OpenAPI document.</summary>
    public static JsonObject JsonSchema(string shortType) => ObjectSchema(Types[shortType], $"The data of a {shortType} event.");

    private static JsonObject ObjectSchema(IReadOnlyList<Field> fields, string description) => new()
    {
        ["type"] = "object",
        ["description"] = description,
        ["properties"] = new JsonObject(fields.Select(f => KeyValuePair.Create(f.Name, (JsonNode?)FieldSchema(f)))),
    };

    private static JsonObject FieldSchema(Field f) => f switch
    {
        Obj o => ObjectSchema(o.Fields, o.Description),
        List l => new JsonObject { ["type"] = "array", ["maxItems"] = l.MaxItems, ["description"] = l.Description, ["items"] = ObjectSchema(l.Fields, l.Description) },
        Map m => new JsonObject
        {
            ["type"] = "object", ["description"] = m.Description, ["maxProperties"] = MaxMapEntries,
            ["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean", "null") },
        },
        Integer i => new JsonObject { ["type"] = "integer", ["minimum"] = i.Min, ["maximum"] = i.Max, ["description"] = i.Description },
        OneOf e => new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(e.Values.Select(v => (JsonNode)v).ToArray()), ["description"] = e.Description },
        Phone p => new JsonObject { ["type"] = "string", ["maxLength"] = MaxPhoneLength, ["description"] = $"{p.Description} At most {MaxPhoneDigits} digits besides an extension." },
        Email e => new JsonObject { ["type"] = "string", ["maxLength"] = MaxEmailLength, ["description"] = e.Description },
        Timestamp t => new JsonObject { ["type"] = "string", ["format"] = "date-time", ["description"] = t.Description },
        Base64 b => new JsonObject { ["type"] = "string", ["contentEncoding"] = "base64", ["description"] = b.Description },
        HttpsUrl u => new JsonObject { ["type"] = "string", ["format"] = "uri", ["maxLength"] = 2048, ["pattern"] = "^https://", ["description"] = u.Description },
        Identifier id => new JsonObject { ["type"] = "string", ["maxLength"] = id.MaxLength, ["description"] = id.Description },
        Text t => new JsonObject { ["type"] = "string", ["description"] = $"{t.Description} Longer than {t.MaxLength} characters is cut, with a marker." },
        _ => new JsonObject(),
    };
}
