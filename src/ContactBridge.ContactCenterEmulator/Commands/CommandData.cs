using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContactBridge.ContactCenterEmulator.Commands;

/// <summary>Reads a command's data, noting each field that is missing or of the wrong kind (the command is then refused as invalid).</summary>
internal sealed class CommandData(JsonObject data)
{
    public List<string> Problems { get; } = [];

    public string? Optional(string name)
    {
        var v = data[name];
        if (v is null) return null;
        if (v is JsonValue jv && jv.TryGetValue<string>(out var s)) return string.IsNullOrWhiteSpace(s) ? null : s;
        Problems.Add($"data.{name} must be a string.");
        return null;
    }

    public string? Required(string name)
    {
        var before = Problems.Count;
        var s = Optional(name);
        if (s is null && Problems.Count == before) Problems.Add($"data.{name} is required.");
        return s;
    }

    public DateTimeOffset? Timestamp(string name, bool required)
    {
        var s = required ? Required(name) : Optional(name);
        if (s is null) return null;
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t)) return t.ToUniversalTime();
        Problems.Add($"data.{name} must be an RFC 3339 timestamp such as 2026-12-04T10:00:00Z.");
        return null;
    }

    public JsonObject? Object(string name)
    {
        var v = data[name];
        if (v is null or JsonObject) return v as JsonObject;
        Problems.Add($"data.{name} must be an object, not {v.GetValueKind().ToString().ToLowerInvariant()}.");
        return null;
    }

    public static string? StringIn(JsonObject o, string name, string where, List<string> problems)
    {
        var v = o[name];
        if (v is null) return null;
        if (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { } s && !string.IsNullOrWhiteSpace(s)) return s;
        problems.Add($"{where}.{name} must be a non-empty string.");
        return null;
    }

    public CommandOutcome? Invalid() => Problems.Count == 0 ? null : CommandOutcome.Refused("invalid", string.Join(" ", Problems));
}
