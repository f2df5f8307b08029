using System.Text.Json.Nodes;
using static ContactBridge.Intake.EventDataSchema;

namespace ContactBridge.ContactCenter;

/// <summary>
/// What the hub may ask a contact center to do for an agent (protocol version 1, docs/contact-center-protocol.md):
/// each type with the data it carries and what it must carry. Checked before anything is stored or sent, so a
/// contact center only ever sees commands of these shapes.
/// </summary>
public static class ContactCenterCommands
{
    public const string ProtocolVersion = "1";
    public const string VerifyPassword = "verify_password";
    private const int MaxId = 200;

    private static Identifier Interaction() => new("interactionId", MaxId, "The contact (interaction) it is about: the event subject the contact center sent.");

    private static readonly Obj To = new("to", [
        new Identifier("agentId", MaxId, "Another agent."),
        new Identifier("skill", MaxId, "A skill (queue)."),
        new Phone("number", "A phone number."),
    ], "Where it goes: exactly one of agentId, skill, number.");

    /// <summary>Each type: what it does, its data, and the fields it cannot do without.</summary>
    public static readonly IReadOnlyDictionary<string, (string Summary, IReadOnlyList<Field> Fields, string[] Required)> Types =
        new Dictionary<string, (string, IReadOnlyList<Field>, string[])>(StringComparer.Ordinal)
        {
            ["login"] = ("Logs the agent in, at a station or a phone number.", [
                new Identifier("station", MaxShortText, "The station or extension."),
                new Phone("phoneNumber", "The number to ring instead of a station."),
            ], []),
            ["logout"] = ("Logs the agent out.", [], []),
            ["set_state"] = ("Sets the agent's state: available, or unavailable with a reason.", [
                new OneOf("state", ["available", "unavailable"], "The state wanted."),
                new Text("reason", MaxShortText, "Why (one of the contact center's reason codes: Break, Lunch, …)."),
            ], ["state"]),
            ["dial"] = ("Calls a number for the agent, on a skill if given.", [
                new Phone("number", "The number to call."),
                new Identifier("skill", MaxId, "The skill the call is made for (its caller id and reporting)."),
            ], ["number"]),
            ["accept"] = ("Accepts a contact offered to the agent.", [Interaction()], ["interactionId"]),
            ["decline"] = ("Declines a contact offered to the agent; it goes back to its queue.", [
                Interaction(), new Text("reason", MaxShortText, "Why."),
            ], ["interactionId"]),
            ["hangup"] = ("Ends the agent's contact.", [Interaction()], ["interactionId"]),
            ["hold"] = ("Puts the customer on hold.", [Interaction()], ["interactionId"]),
            ["resume"] = ("Takes the customer off hold.", [Interaction()], ["interactionId"]),
            ["mute"] = ("Mutes the agent's side.", [Interaction()], ["interactionId"]),
            ["unmute"] = ("Unmutes the agent's side.", [Interaction()], ["interactionId"]),
            ["send_dtmf"] = ("Sends touch-tone digits on the call.", [
                Interaction(), new Identifier("digits", 64, "0-9, *, #, A-D, and a comma for a pause."),
            ], ["interactionId", "digits"]),
            ["transfer"] = ("Transfers the contact to an agent, a skill or a number: blind (at once) or consulted (after talking to them).", [
                Interaction(), new OneOf("kind", ["blind", "consulted"], "Blind or consulted."), To,
            ], ["interactionId", "kind", "to"]),
            ["complete_transfer"] = ("Hands a consulted transfer over (a conference too: the agent leaves, the others stay).", [Interaction()], ["interactionId"]),
            ["swap"] = ("During a consulted transfer, switches who is held: the customer or the consulted party.", [Interaction()], ["interactionId"]),
            ["conference"] = ("During a consulted transfer, brings the customer and the consulted party together on the line.", [Interaction()], ["interactionId"]),
            ["next_contact"] = ("Takes the longest-waiting contact of a skill now.", [new Identifier("skill", MaxId, "The skill.")], ["skill"]),
            ["create_commitment"] = ("Schedules a callback, for a skill or one agent.", [
                new Timestamp("due", "When it is due."),
                new Phone("number", "The number to call back."),
                new Identifier("skill", MaxId, "The skill that calls back."),
                new Identifier("forAgentId", MaxId, "The agent who calls back (personal callback)."),
                new Text("notes", 4_000, "What it is about."),
            ], ["due", "number"]),
            ["reschedule_commitment"] = ("Moves a callback.", [
                new Identifier("commitmentId", MaxId, "The callback."), new Timestamp("due", "When it is due now."),
            ], ["commitmentId", "due"]),
            ["complete_commitment"] = ("Marks a callback done.", [new Identifier("commitmentId", MaxId, "The callback.")], ["commitmentId"]),
            [VerifyPassword] = ("Checks an agent's name (the agent id) and password for the softphone's sign-in: accepted, or refused with invalid_credentials. Sent by the hub's sign-in only, never stored.", [
                new Text("password", MaxShortText, "The password the agent typed."),
            ], ["password"]),
            ["email_reply"] = ("Replies to an e-mail contact.", [
                Interaction(), new Text("subject", MaxShortText, "The subject."), new Text("body", MaxLongText, "The reply."),
            ], ["interactionId", "body"]),
        };

    private static readonly string[] TransferTargets = ["agentId", "skill", "number"];

    private static readonly System.Text.RegularExpressions.Regex Digits = new("^[0-9*#A-Da-d,]{1,64}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Every problem with a command of this type and data, each naming its field; none means it may be sent.</summary>
    public static List<string> Problems(string? type, JsonNode? data)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(type))
        {
            problems.Add($"type is required: one of {string.Join(", ", Types.Keys)}.");
            return problems;
        }
        if (!Types.TryGetValue(type, out var shape))
        {
            problems.Add($"type \"{Shorten(type)}\" is not one of: {string.Join(", ", Types.Keys)}.");
            return problems;
        }
        if (data is not null and not JsonObject)
        {
            problems.Add("data must be a JSON object.");
            return problems;
        }
        var o = (JsonObject?)data ?? [];
        CheckFields(shape.Fields, o, "command", problems);
        foreach (var name in shape.Required)
            if (o[name] is null) problems.Add($"command.data.{name} is required for {type}.");
        if (type == "send_dtmf" && o["digits"] is JsonValue d && d.TryGetValue<string>(out var digits) && !Digits.IsMatch(digits))
            problems.Add("command.data.digits may hold only 0-9, *, #, A-D and commas (a pause), 1 to 64 of them.");
        if (type == "transfer" && o["to"] is JsonObject to && TransferTargets.Count(k => to[k] is not null) != 1)
            problems.Add("command.data.to must name exactly one of agentId, skill, number.");
        if (type == "create_commitment" && o["skill"] is not null && o["forAgentId"] is not null)
            problems.Add("command.data: a callback is for a skill or for one agent (forAgentId), not both.");
        return problems;
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    /// <summary>The JSON Schema of each type's data, for the OpenAPI document.</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> Schemas() =>
        Types.Select(t =>
        {
            var schema = SchemaOf(t.Value.Fields, $"{t.Key}: {t.Value.Summary}");
            if (t.Value.Required.Length > 0) schema["required"] = new JsonArray(t.Value.Required.Select(r => (JsonNode)r).ToArray());
            return KeyValuePair.Create("command." + t.Key, (JsonNode?)schema);
        });
}
