using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ContactBridge.Interactions;

namespace ContactBridge.Logging;

/// <summary>
/// Field templates and the default mapping (after the Web Chat/Inbox tables in the product's seed
/// material): Subject from tenant and channel, Description/Comments composed of transcript, chat id,
/// notes, wrap-up, start and end time and custom fields.
/// </summary>
public static partial class LogTemplates
{
    public static readonly IReadOnlyDictionary<string, string> Placeholders = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["channel"] = "Voice, Web chat, Inbox, Email or SMS",
        ["direction"] = "Inbound or Outbound",
        ["caller.name"] = "the caller's name",
        ["caller.phone"] = "the caller's number",
        ["caller.email"] = "the caller's e-mail",
        ["caller.company"] = "the caller's company",
        ["interaction.id"] = "the contact center's interaction (chat, call) id",
        ["tenant.name"] = "the tenant's name",
        ["agent.name"] = "the agent's name",
        ["queue"] = "the queue or skill",
        ["disposition"] = "the call's disposition",
        ["summary"] = "transcript, notes, wrap-up, times and custom fields",
    };

    public static Dictionary<string, Dictionary<string, string>> Defaults() => new(StringComparer.Ordinal)
    {
        ["Task"] = new(StringComparer.Ordinal) { ["Subject"] = "{channel} {direction}: {caller.name} ({tenant.name})", ["Description"] = "{summary}" },
        ["Case"] = new(StringComparer.Ordinal) { ["Subject"] = "{channel}: {caller.name} ({tenant.name})", ["Description"] = "{summary}" },
        ["Lead"] = new(StringComparer.Ordinal) { ["Description"] = "Created by ContactBridge from {channel} {interaction.id}" },
        ["Contact"] = new(StringComparer.Ordinal) { ["Description"] = "Created by ContactBridge from {channel} {interaction.id}" },
    };

    [GeneratedRegex(@"\{([a-z.]+)\}")]
    private static partial Regex Placeholder();

    public static IEnumerable<string> UnknownPlaceholders(string template) =>
        Placeholder().Matches(template).Select(m => m.Groups[1].Value).Where(p => !Placeholders.ContainsKey(p)).Distinct();

    public static string ChannelLabel(string channel) => channel switch
    {
        "voice" => "Call",
        "web_chat" => "Web chat",
        "inbox" => "Inbox",
        "email" => "Email",
        "sms" => "SMS",
        _ => channel,
    };

    public static string Render(string template, InteractionState s, string tenantName) => Placeholder().Replace(template, m => m.Groups[1].Value switch
    {
        "channel" => ChannelLabel(s.Channel),
        "direction" => s.Direction == "outbound" ? "Outbound" : "Inbound",
        "caller.name" => s.Caller.Name ?? s.Caller.Phone ?? s.Caller.Email ?? "Unknown caller",
        "caller.phone" => s.Caller.Phone ?? "",
        "caller.email" => s.Caller.Email ?? "",
        "caller.company" => s.Caller.Company ?? "",
        "interaction.id" => s.InteractionId,
        "tenant.name" => tenantName,
        "agent.name" => s.Agent?.Name ?? s.Agent?.Email ?? "",
        "queue" => s.Queue ?? "",
        "disposition" => s.Disposition ?? "",
        "summary" => Summary(s),
        _ => m.Value,
    }).Trim();

    public static string Summary(InteractionState s)
    {
        static string T(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "—";
        var sb = new StringBuilder();
        sb.Append(s.IsCall ? "Call ID: " : "Chat ID: ").AppendLine(s.InteractionId);
        sb.Append("Start time: ").AppendLine(T(s.StartedAt));
        sb.Append("End time: ").AppendLine(T(s.EndedAt));
        if (s.DurationSeconds is { } d) sb.Append("Duration: ").Append(d).AppendLine(" s");
        if (s.Outcome is not null) sb.Append("Outcome: ").AppendLine(s.Outcome);
        if (s.Queue is not null) sb.Append("Queue: ").AppendLine(s.Queue);
        if (s.Agent is not null) sb.Append("Agent: ").AppendLine(s.Agent.Name ?? s.Agent.Email ?? s.Agent.Id);
        if (s.HoldSeconds > 0) sb.Append("On hold: ").Append(s.HoldSeconds).AppendLine(" s");
        foreach (var t in s.Transfers)
            sb.Append(t.Kind == "conference" ? "Conference with " : $"Transferred ({t.Kind}) to ").AppendLine(string.Join(", ", new[] { t.ToAgent, t.ToSkill, t.ToNumber }.Where(x => x is not null)));
        if (s.WrapUp is not null) sb.Append("Wrap-up: ").AppendLine(string.Join(" — ", new[] { s.WrapUp.Code, s.WrapUp.Notes }.Where(x => x is not null)));
        foreach (var n in s.Notes) sb.Append("Note: ").AppendLine(n);
        foreach (var (k, v) in s.Ivr) sb.Append("IVR ").Append(k).Append(": ").AppendLine(v);
        foreach (var (k, v) in s.CustomFields) sb.Append(k).Append(": ").AppendLine(v);
        if (s.Messages.Count > 0)
        {
            sb.AppendLine().AppendLine("Transcript:");
            foreach (var m in s.Messages) sb.Append('[').Append(m.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append("] ").Append(m.From).Append(": ").AppendLine(m.Text);
        }
        return sb.ToString().TrimEnd();
    }

    public const string TruncationMarker = "\n… [cut by ContactBridge to fit the field]";

    /// <summary>The mark of a cut in a short field (a name, a subject of a few dozen characters), where the long note would leave no room for the value.</summary>
    public const string ShortTruncationMarker = "…";

    public static string MarkerFor(int maxLength) => maxLength >= TruncationMarker.Length * 4 ? TruncationMarker : ShortTruncationMarker;

    /// <summary>How many characters of a value of this length are kept in a field of <paramref name="maxLength"/> (all when it fits or the length is unknown); a surrogate pair is never split.</summary>
    public static int KeptLength(string value, int maxLength)
    {
        if (maxLength <= 0 || value.Length <= maxLength) return value.Length;
        var keep = Math.Max(0, maxLength - MarkerFor(maxLength).Length);
        return keep > 0 && char.IsHighSurrogate(value[keep - 1]) ? keep - 1 : keep;
    }

    /// <summary>Long texts are cut to the field's length with a marker, never refused.</summary>
    public static string Fit(string value, int maxLength)
    {
        var keep = KeptLength(value, maxLength);
        return keep == value.Length ? value : value[..keep] + MarkerFor(maxLength);
    }
}
