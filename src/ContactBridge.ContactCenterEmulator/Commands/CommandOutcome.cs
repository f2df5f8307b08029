using System.Text.Json.Nodes;

namespace ContactBridge.ContactCenterEmulator.Commands;

/// <summary>What a command came to: accepted (perhaps with a result such as the new interaction's id) or refused with a reason.</summary>
public sealed record CommandOutcome(string Outcome, string? Reason = null, string? Message = null, JsonObject? Result = null)
{
    public static CommandOutcome Accepted(JsonObject? result = null) => new("accepted", Result: result);

    public static CommandOutcome Refused(string reason, string message) => new("refused", reason, message);

    public bool IsAccepted => Outcome == "accepted";

    public JsonObject ToJson(string commandId)
    {
        var o = new JsonObject { ["commandId"] = commandId, ["outcome"] = Outcome };
        if (Reason is not null) o["reason"] = Reason;
        if (Message is not null) o["message"] = Message;
        if (Result is not null) o["result"] = Result.DeepClone();
        return o;
    }
}
