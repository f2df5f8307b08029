using System.Text;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Control;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>Commands from the hub: executed once per idempotency key, the answer kept for a repeat.</summary>
public sealed partial class Tenant
{
    public const int MaxCommandsKept = 10_000;

    private readonly Dictionary<string, CommandRecord> _commands = new(StringComparer.Ordinal);
    private readonly Queue<string> _commandOrder = new();

    /// <summary>
    /// The answer's body: the one given before for this key, or the outcome of executing it now (or of the
    /// scripted refusal). Looking up and executing happen under one lock, so two concurrent sends of one key run it once.
    /// </summary>
    public byte[] Answer(CommandRequest command, RefuseFault? refuse)
    {
        lock (_gate)
        {
            var now = Now;
            if (_commands.TryGetValue(command.Id, out var known))
            {
                known.TimesReceived++;
                known.LastReceivedAt = now;
                return known.Answer;
            }
            var outcome = refuse is not null
                ? CommandOutcome.Refused(refuse.Reason!, refuse.Message ?? $"Refused by the emulator's refuseCommands fault ({refuse.Reason}).")
                : Execute(command);
            var answer = Encoding.UTF8.GetBytes(outcome.ToJson(command.Id).ToJsonString());
            _commands[command.Id] = new CommandRecord
            {
                Id = command.Id, Type = command.Type, AgentId = command.AgentId, Outcome = outcome.Outcome, Reason = outcome.Reason,
                TimesExecuted = refuse is null ? 1 : 0, FirstReceivedAt = now, LastReceivedAt = now, Answer = answer,
            };
            _commandOrder.Enqueue(command.Id);
            while (_commandOrder.Count > MaxCommandsKept) _commands.Remove(_commandOrder.Dequeue());
            return answer;
        }
    }

    /// <summary>An agent's name and password, as the hub's softphone sign-in checks them: nothing else happens.</summary>
    private static CommandOutcome VerifyPassword(Agents.Agent a, CommandData d)
    {
        var password = d.Required("password");
        if (d.Invalid() is { } invalid) return invalid;
        var expected = System.Text.Encoding.UTF8.GetBytes(a.Password ?? "");
        var given = System.Text.Encoding.UTF8.GetBytes(password!);
        return a.Password is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Security.Cryptography.SHA256.HashData(expected), System.Security.Cryptography.SHA256.HashData(given))
            ? CommandOutcome.Accepted(new System.Text.Json.Nodes.JsonObject { ["name"] = a.Name })
            : CommandOutcome.Refused("invalid_credentials", "The agent name or password is wrong.");
    }

    private CommandOutcome Execute(CommandRequest command)
    {
        if (!_agentsById.TryGetValue(command.AgentId, out var a))
            return CommandOutcome.Refused("unknown_agent", $"There is no agent '{command.AgentId}' in tenant '{Id}'.");
        var d = new CommandData(command.Data);
        return command.Type switch
        {
            "login" => Login(a, d),
            "logout" => Logout(a),
            "set_state" => SetStateCommand(a, d),
            "dial" => Dial(a, d),
            "accept" => Accept(a, d),
            "decline" => Decline(a, d),
            "hangup" => Hangup(a, d),
            "hold" => Hold(a, d),
            "resume" => Resume(a, d),
            "mute" => Mute(a, d, muted: true),
            "unmute" => Mute(a, d, muted: false),
            "send_dtmf" => SendDtmf(a, d),
            "transfer" => Transfer(a, d),
            "complete_transfer" => CompleteTransfer(a, d),
            "swap" => Swap(a, d),
            "conference" => Conference(a, d),
            "next_contact" => NextContact(a, d),
            "create_commitment" => CreateCommitment(a, d),
            "reschedule_commitment" => RescheduleCommitment(d),
            "complete_commitment" => CompleteCommitment(d),
            "email_reply" => EmailReply(a, d),
            "verify_password" => VerifyPassword(a, d),
            _ => CommandOutcome.Refused("invalid", $"Unknown command type '{command.Type}'."),
        };
    }
}
