using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContactBridge.Intake;

/// <summary>
/// One contact-center event, as a CloudEvents 1.0 JSON event. What it is about (the interaction, or for the
/// contact center's live state the agent or queue) is its <c>subject</c>; what happened is its <c>type</c>;
/// the details are its <c>data</c>.
/// </summary>
public sealed record InteractionEvent(string Id, string Source, string Type, string InteractionId, DateTimeOffset Time, JsonObject Data)
{
    public const string TypePrefix = "com.contactbridge.interaction.";

    /// <summary>The event types and what each one's data may carry (the exact shapes: <see cref="EventDataSchema"/>).</summary>
    public static readonly IReadOnlyDictionary<string, string> Types = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TypePrefix + "started"] = "channel (voice, web_chat, inbox, email, sms), direction (inbound, outbound), caller {phone, email, name, company}, dialledNumber, queue, ivr {…}, customFields {…}",
        [TypePrefix + "agent_assigned"] = "agent {id, email, name}",
        [TypePrefix + "message_appended"] = "message {from: customer|agent|bot, text, at}",
        [TypePrefix + "note_added"] = "note {text}",
        [TypePrefix + "attachment_added"] = "attachment {fileName, contentType, contentBase64}",
        [TypePrefix + "wrapped_up"] = "wrapUp {code, notes}",
        [TypePrefix + "related_record"] = "record {object, id}: the Salesforce record the agent worked the contact from (its Task relates to it)",
        [TypePrefix + "custom_fields"] = "customFields {…}",
        [TypePrefix + "record_requested"] = "object: lead, contact, case or task (the agent asks for it; what manual mode creates)",
        [TypePrefix + "offered"] = "agent {id, email, name}: ringing at the agent",
        [TypePrefix + "connected"] = "agent {id, email, name}: the agent and the customer are connected",
        [TypePrefix + "held"] = "(no data): the customer is on hold",
        [TypePrefix + "resumed"] = "(no data): off hold",
        [TypePrefix + "muted"] = "state: muted or unmuted",
        [TypePrefix + "transferred"] = "to {agentId, skill, number}, kind (blind, consulted)",
        [TypePrefix + "conferenced"] = "with {agentId, number}",
        [TypePrefix + "wrap_up_started"] = "(no data): the agent's after-contact work begins",
        [TypePrefix + "wrap_up_ended"] = "(no data): after-contact work is done",
        [TypePrefix + "ended"] = "startedAt, endedAt, durationSeconds, disposition, outcome (answered, abandoned), recording {url, durationSeconds}",
    };

    public const int MaxIdLength = 200;

    public string ShortType => Type[TypePrefix.Length..];

    /// <summary>Reads one event, collecting every problem instead of stopping at the first.</summary>
    public static InteractionEvent? Parse(JsonNode? node, string where, List<string> problems, DateTimeOffset receivedAt)
    {
        if (node is not JsonObject o)
        {
            problems.Add($"{where}: an event must be a JSON object.");
            return null;
        }
        string? Str(string name)
        {
            var v = o[name];
            if (v is JsonValue jv && jv.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s))
            {
                if (!s.Any(char.IsControl)) return s;
                problems.Add($"{where}.{name} must not contain control characters.");
                return null;
            }
            problems.Add(v is null ? $"{where}.{name} is required." : $"{where}.{name} must be a non-empty string.");
            return null;
        }
        var before = problems.Count;
        var spec = Str("specversion");
        if (spec is not null && spec != "1.0") problems.Add($"{where}.specversion must be \"1.0\" (CloudEvents 1.0), not \"{spec}\".");
        var id = Str("id");
        if (id is { Length: > MaxIdLength }) problems.Add($"{where}.id is longer than {MaxIdLength} characters.");
        var source = Str("source");
        var type = Str("type");
        if (type is not null && !Types.ContainsKey(type) && !ContactCenter.ContactCenterEvents.Types.ContainsKey(type))
            problems.Add($"{where}.type \"{type}\" is not one of: {string.Join(", ", Types.Keys.Concat(ContactCenter.ContactCenterEvents.Types.Keys))}.");
        var subject = Str("subject");
        if (subject is { Length: > MaxIdLength }) problems.Add($"{where}.subject (the interaction id) is longer than {MaxIdLength} characters.");
        var time = receivedAt;
        if (o["time"] is { } t)
        {
            if (t is not JsonValue tv || !tv.TryGetValue<string>(out var ts) || !DateTimeOffset.TryParse(ts, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.RoundtripKind, out time))
                problems.Add($"{where}.time must be an RFC 3339 timestamp such as 2026-11-21T10:00:00Z.");
        }
        if (o["datacontenttype"] is { } ct && ct.GetValueKind() == JsonValueKind.String && !ct.GetValue<string>().StartsWith("application/json", StringComparison.Ordinal))
            problems.Add($"{where}.datacontenttype must be application/json.");
        var data = (JsonObject?)(o["data"] as JsonObject)?.DeepClone() ?? [];
        if (o["data"] is not null and not JsonObject) problems.Add($"{where}.data must be a JSON object.");
        else if (type is not null && Types.ContainsKey(type)) EventDataSchema.Check(type[TypePrefix.Length..], data, where, problems);
        else if (type is not null)
        {
            ContactCenter.ContactCenterEvents.Check(type, data, where, problems);
            if (ContactCenter.ContactCenterEvents.Types.ContainsKey(type)) ContactCenter.ContactCenterEvents.CheckTime(o, time, receivedAt, where, problems);
        }
        if (problems.Count > before) return null;
        return new InteractionEvent(id!, source!, type!, subject!, time.ToUniversalTime(), data);
    }
}
