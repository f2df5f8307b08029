using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContactBridge.ContactCenterEmulator.Commands;

/// <summary>A command as the hub sends it (protocol version 1).</summary>
public sealed record CommandRequest(string Id, string TenantId, string AgentId, string Type, JsonObject Data)
{
    public const int MaxIdLength = 200;

    public static readonly IReadOnlyList<string> Types =
    [
        "login", "logout", "set_state", "dial", "accept", "decline", "hangup", "hold", "resume", "mute", "unmute", "send_dtmf",
        "transfer", "complete_transfer", "swap", "conference", "next_contact", "create_commitment", "reschedule_commitment", "complete_commitment", "email_reply",
        "verify_password",
    ];

    /// <summary>Reads a command, collecting every problem with its shape rather than stopping at the first.</summary>
    public static CommandRequest? Parse(byte[] body, string pathTenantId, string? idempotencyKey, List<string> problems)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            problems.Add($"The body is not JSON: {e.Message}");
            return null;
        }
        if (node is not JsonObject o)
        {
            problems.Add("The body must be a JSON object.");
            return null;
        }
        string? Str(string name)
        {
            var v = o[name];
            if (v is JsonValue jv && jv.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s)) return s;
            problems.Add(v is null ? $"{name} is required." : $"{name} must be a non-empty string.");
            return null;
        }
        var protocol = Str("protocol");
        if (protocol is not null && protocol != "1") problems.Add($"protocol must be \"1\", not \"{protocol}\".");
        var id = Str("id");
        if (id is { Length: > MaxIdLength }) problems.Add($"id is longer than {MaxIdLength} characters.");
        var tenantId = Str("tenantId");
        if (tenantId is not null && tenantId != pathTenantId) problems.Add($"tenantId \"{tenantId}\" is not the tenant of this URL (\"{pathTenantId}\").");
        var agentId = Str("agentId");
        var type = Str("type");
        if (type is not null && !Types.Contains(type)) problems.Add($"type \"{type}\" is not one of {string.Join(", ", Types)}.");
        var data = o["data"] switch
        {
            null => [],
            JsonObject d => (JsonObject)d.DeepClone(),
            _ => null,
        };
        if (data is null) problems.Add("data must be a JSON object.");
        if (string.IsNullOrEmpty(idempotencyKey)) problems.Add("The Idempotency-Key header is required (the command's id).");
        else if (id is not null && idempotencyKey != id) problems.Add($"The Idempotency-Key header \"{idempotencyKey}\" is not the command's id \"{id}\".");
        return problems.Count > 0 ? null : new CommandRequest(id!, tenantId!, agentId!, type!, data!);
    }
}
