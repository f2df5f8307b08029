using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ContactBridge.Intake;

namespace ContactBridge.Interactions;

public sealed record Caller(string? Phone, string? Email, string? Name, string? Company);
public sealed record Agent(string? Id, string? Email, string? Name);
public sealed record Message(string From, string Text, DateTimeOffset At);
public sealed record WrapUp(string? Code, string? Notes);

/// <summary>A Salesforce record the agent worked the contact from (a number clicked on it): the contact's Task relates to it.</summary>
public sealed record RelatedRecord(string Object, string Id)
{
    /// <summary>A person (Lead, Contact) goes in a Task's WhoId; anything else in its WhatId.</summary>
    public bool IsPerson => Object is "Lead" or "Contact";

    /// <summary>Only a well-formed API name and record id are ever used (they come from outside).</summary>
    public bool IsValid => Salesforce.Soql.IsName(Object) && Id.Length is 15 or 18 && Id.All(char.IsAsciiLetterOrDigit) && Id[..3] == (Object switch
    {
        // The id's key prefix must be the object's, for those a Task or Case relates to by kind.
        "Lead" => "00Q",
        "Contact" => "003",
        "Account" => "001",
        _ => Id[..3],
    });
}
public sealed record Attachment(string FileName, string? ContentType, string ContentBase64);
/// <summary>A transfer or conference: to an agent, a skill or a number; kind blind, consulted or conference.</summary>
public sealed record Transfer(string? ToAgent, string? ToSkill, string? ToNumber, string Kind, DateTimeOffset At);

/// <summary>
/// What is known about one interaction, folded from all its events. Folding sorts the events by
/// time (then id) first, so the same events in any order, or with repeats, give the same state.
/// </summary>
public sealed record InteractionState
{
    public required string InteractionId { get; init; }
    public string Channel { get; init; } = "voice";
    public string Direction { get; init; } = "inbound";
    public Caller Caller { get; init; } = new(null, null, null, null);
    public string? DialledNumber { get; init; }
    public string? Queue { get; init; }
    public Dictionary<string, string> Ivr { get; init; } = [];

    /// <summary>Where the call's recording is (https only), and how long it is, when the contact center recorded it.</summary>
    public string? RecordingUrl { get; init; }

    public int? RecordingSeconds { get; init; }
    public Dictionary<string, string> CustomFields { get; init; } = [];
    public Agent? Agent { get; init; }
    public List<Message> Messages { get; init; } = [];
    public List<string> Notes { get; init; } = [];
    public List<Attachment> Attachments { get; init; } = [];
    public WrapUp? WrapUp { get; init; }
    public RelatedRecord? RelatedRecord { get; init; }
    /// <summary>Records an agent asked for (lead, contact, case, task): what manual mode creates.</summary>
    public List<string> RequestedRecords { get; init; } = [];
    public bool Started { get; init; }
    public bool Ended { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public int? DurationSeconds { get; init; }
    public string? Disposition { get; init; }
    public string? Outcome { get; init; }

    /// <summary>Where the contact is in its life: queued, offered, connected, held, wrap_up, done (after wrap-up), or ended.</summary>
    public string? Phase { get; init; }
    public DateTimeOffset? PhaseSince { get; init; }
    public DateTimeOffset? ConnectedAt { get; init; }
    public DateTimeOffset? HeldSince { get; init; }
    public int HoldSeconds { get; init; }
    public bool Muted { get; init; }
    public List<Transfer> Transfers { get; init; } = [];
    public DateTimeOffset? WrapUpStartedAt { get; init; }
    /// <summary>The agent's after-contact work, from wrap_up_started to wrap_up_ended.</summary>
    public int WrapUpSeconds { get; init; }

    [JsonIgnore]
    public bool IsCall => Channel == "voice";

    [JsonIgnore]
    public bool HasCallerIdentity => !string.IsNullOrWhiteSpace(Caller.Phone) || !string.IsNullOrWhiteSpace(Caller.Email);

    public static InteractionState Fold(string interactionId, IEnumerable<InboxEvent> events) => Fold(interactionId, events, []);

    /// <summary>
    /// Folds the events; one that cannot be applied (data the intake of an older version let through)
    /// is left out and reported in <paramref name="poison"/> with the reason, so the rest still count.
    /// </summary>
    public static InteractionState Fold(string interactionId, IEnumerable<InboxEvent> events, List<(InboxEvent Event, string Error)> poison)
    {
        var state = new InteractionState { InteractionId = interactionId };
        foreach (var e in events.OrderBy(e => e.OccurredAt).ThenBy(e => e.EventId, StringComparer.Ordinal))
        {
            try
            {
                state = state.Apply(e.Type, JsonNode.Parse(e.Data) as JsonObject ?? [], DateTimeOffset.FromUnixTimeMilliseconds(e.OccurredAt));
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or FormatException or ArgumentException or OverflowException)
            {
                poison.Add((e, $"{e.Type} could not be applied: {ex.Message}"));
            }
        }
        return state with { Messages = state.Messages.OrderBy(m => m.At).ToList() };
    }

    private static string? S(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : n is JsonValue nv && nv.GetValueKind() == System.Text.Json.JsonValueKind.Number ? nv.ToJsonString() : null;

    private static Dictionary<string, string> Map(JsonNode? n, Dictionary<string, string> into)
    {
        var copy = new Dictionary<string, string>(into, StringComparer.Ordinal);
        if (n is JsonObject o)
        {
            foreach (var (k, v) in o)
                if (S(v) is { } s) copy[k] = s;
        }
        return copy;
    }

    private static DateTimeOffset? Time(JsonNode? n) =>
        S(n) is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var t) ? t.ToUniversalTime() : null;

    private InteractionState Apply(string type, JsonObject d, DateTimeOffset at)
    {
        switch (type)
        {
            case "started":
                var caller = d["caller"] as JsonObject;
                return this with
                {
                    Phase = Phase ?? "queued", PhaseSince = PhaseSince ?? at,
                    Started = true,
                    StartedAt = StartedAt ?? at,
                    Channel = S(d["channel"])?.ToLowerInvariant() ?? Channel,
                    Direction = S(d["direction"])?.ToLowerInvariant() ?? Direction,
                    Caller = new Caller(S(caller?["phone"]) ?? Caller.Phone, S(caller?["email"]) ?? Caller.Email, S(caller?["name"]) ?? Caller.Name, S(caller?["company"]) ?? Caller.Company),
                    DialledNumber = S(d["dialledNumber"]) ?? DialledNumber,
                    Queue = S(d["queue"]) ?? Queue,
                    Ivr = Map(d["ivr"], Ivr),
                    CustomFields = Map(d["customFields"], CustomFields),
                };
            case "offered":
            case "connected":
                var who = d["agent"] as JsonObject;
                var whoId = S(who?["id"]) ?? Agent?.Id;
                var same = whoId == Agent?.Id;
                var next = who is null ? Agent : new Agent(whoId, S(who["email"]) ?? (same ? Agent?.Email : null), S(who["name"]) ?? (same ? Agent?.Name : null));
                return this with
                {
                    Agent = next, Phase = type, PhaseSince = at, ConnectedAt = type == "connected" ? ConnectedAt ?? at : ConnectedAt,
                    // Connected again while on hold (a contact center that "retrieves" with connected): the hold ends.
                    HeldSince = type == "connected" ? null : HeldSince,
                    HoldSeconds = HoldSeconds + (type == "connected" && HeldSince is { } held ? (int)Math.Max(0, (at - held).TotalSeconds) : 0),
                };
            case "held":
                return this with { Phase = "held", PhaseSince = at, HeldSince = HeldSince ?? at };
            case "resumed":
                return this with
                {
                    Phase = "connected", PhaseSince = at, HeldSince = null,
                    HoldSeconds = HoldSeconds + (HeldSince is { } h ? (int)Math.Max(0, (at - h).TotalSeconds) : 0),
                };
            case "muted":
                return this with { Muted = S(d["state"])?.ToLowerInvariant() == "muted" };
            case "transferred":
                var to = d["to"] as JsonObject;
                return this with { Transfers = [.. Transfers, new Transfer(S(to?["agentId"]), S(to?["skill"]), S(to?["number"]), S(d["kind"])?.ToLowerInvariant() ?? "blind", at)] };
            case "conferenced":
                var with = d["with"] as JsonObject;
                return this with { Transfers = [.. Transfers, new Transfer(S(with?["agentId"]), null, S(with?["number"]), "conference", at)] };
            case "wrap_up_started":
                return this with { Phase = "wrap_up", PhaseSince = at, WrapUpStartedAt = WrapUpStartedAt ?? at };
            case "wrap_up_ended":
                return this with
                {
                    Phase = "done", PhaseSince = at, WrapUpSeconds = WrapUpStartedAt is { } w0 ? (int)Math.Max(0, (at - w0).TotalSeconds) : WrapUpSeconds,
                };
            case "agent_assigned":
                var agent = d["agent"] as JsonObject;
                return this with { Agent = new Agent(S(agent?["id"]), S(agent?["email"]), S(agent?["name"])) };
            case "message_appended":
                var m = d["message"] as JsonObject;
                return S(m?["text"]) is { } text
                    ? this with { Messages = [.. Messages, new Message(S(m!["from"]) ?? "customer", text, Time(m["at"]) ?? at)] }
                    : this;
            case "note_added":
                return S(d["note"]?["text"]) is { } note ? this with { Notes = [.. Notes, note] } : this;
            case "attachment_added":
                var a = d["attachment"] as JsonObject;
                return S(a?["fileName"]) is { } name && S(a!["contentBase64"]) is { } content
                    ? this with { Attachments = [.. Attachments, new Attachment(name, S(a["contentType"]), content)] }
                    : this;
            case "wrapped_up":
                var w = d["wrapUp"] as JsonObject;
                return this with { WrapUp = new WrapUp(S(w?["code"]), S(w?["notes"])) };
            case "related_record":
                var r = d["record"] as JsonObject;
                return S(r?["object"]) is { } relatedObject && S(r!["id"]) is { } relatedId && new RelatedRecord(relatedObject, relatedId) is { IsValid: true } related
                    ? this with { RelatedRecord = related }
                    : this;
            case "custom_fields":
                return this with { CustomFields = Map(d["customFields"], CustomFields) };
            case "record_requested":
                var requested = S(d["object"])?.ToLowerInvariant();
                return requested is "lead" or "contact" or "case" or "task" && !RequestedRecords.Contains(requested)
                    ? this with { RequestedRecords = RequestedRecords.Append(requested).Order(StringComparer.Ordinal).ToList() }
                    : this;
            case "ended":
                var started = Time(d["startedAt"]);
                var ended = Time(d["endedAt"]) ?? at;
                var duration = d["durationSeconds"] is JsonValue dv && dv.TryGetValue<int>(out var secs) ? secs
                    : started is { } s0 ? (int)Math.Max(0, (ended - s0).TotalSeconds)
                    : StartedAt is { } s1 ? (int)Math.Max(0, (ended - s1).TotalSeconds) : DurationSeconds;
                // A hold still open when the contact ends counts up to the end; wrap-up may follow the end.
                return this with
                {
                    Phase = Phase is "wrap_up" or "done" ? Phase : "ended", PhaseSince = Phase is "wrap_up" or "done" ? PhaseSince : ended,
                    HoldSeconds = HoldSeconds + (HeldSince is { } open ? (int)Math.Max(0, (ended - open).TotalSeconds) : 0), HeldSince = null,
                    Ended = true, EndedAt = ended, StartedAt = started ?? StartedAt, DurationSeconds = duration,
                    Disposition = S(d["disposition"]) ?? Disposition, Outcome = S(d["outcome"])?.ToLowerInvariant() ?? Outcome,
                    RecordingUrl = d["recording"] is JsonObject rec && S(rec["url"]) is { } url && Uri.TryCreate(url, UriKind.Absolute, out var ru) && ru.Scheme == Uri.UriSchemeHttps ? url : RecordingUrl,
                    RecordingSeconds = d["recording"] is JsonObject rec2 && rec2["durationSeconds"] is JsonValue rv && rv.TryGetValue<int>(out var rsecs) ? rsecs : RecordingSeconds,
                    Caller = d["caller"] is JsonObject late ? new Caller(Caller.Phone ?? S(late["phone"]), Caller.Email ?? S(late["email"]), Caller.Name ?? S(late["name"]), Caller.Company ?? S(late["company"])) : Caller,
                };
            default:
                return this;
        }
    }
}
