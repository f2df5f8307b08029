using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Commitments;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>Commitments: callbacks promised for a time; when due, the call is queued on its skill or offered to its agent only.</summary>
public sealed partial class Tenant
{
    private CommandOutcome CreateCommitment(Agent a, CommandData d)
    {
        var due = d.Timestamp("due", required: true);
        var number = d.Required("number");
        var skill = d.Optional("skill");
        var forAgent = d.Optional("forAgentId");
        var notes = d.Optional("notes");
        if (number is not null && !Ids.IsPhone(number)) d.Problems.Add($"data.number '{number}' is not a phone number.");
        if (d.Invalid() is { } invalid) return invalid;
        if (skill is not null && !_skillsById.ContainsKey(skill)) return UnknownSkill(skill);
        if (forAgent is not null && !_agentsById.ContainsKey(forAgent)) return CommandOutcome.Refused("unknown_agent", $"There is no agent '{forAgent}'.");
        var commitment = new Commitment
        {
            Id = _center.NextCommitmentId(), Number = number!, Due = due!.Value, Skill = skill, AgentId = forAgent, Notes = notes, CreatedBy = a.Id,
        };
        _commitments[commitment.Id] = commitment;
        Emit(EventTypes.CommitmentCreated, commitment.Id, CommitmentData(commitment));
        return CommandOutcome.Accepted(new JsonObject { ["commitmentId"] = commitment.Id });
    }

    private CommandOutcome RescheduleCommitment(CommandData d)
    {
        var id = d.Required("commitmentId");
        var due = d.Timestamp("due", required: true);
        if (d.Invalid() is { } invalid) return invalid;
        if (!_commitments.TryGetValue(id!, out var commitment) || commitment.Status != "scheduled")
            return CommandOutcome.Refused("no_such_commitment", $"There is no scheduled commitment '{id}' (it may be due or done already).");
        commitment.Due = due!.Value;
        Emit(EventTypes.CommitmentUpdated, commitment.Id, CommitmentData(commitment));
        return CommandOutcome.Accepted();
    }

    private CommandOutcome CompleteCommitment(CommandData d)
    {
        var id = d.Required("commitmentId");
        if (d.Invalid() is { } invalid) return invalid;
        if (!_commitments.TryGetValue(id!, out var commitment) || commitment.Status == "done")
            return CommandOutcome.Refused("no_such_commitment", $"There is no open commitment '{id}'.");
        commitment.Status = "done";
        Emit(EventTypes.CommitmentDone, commitment.Id, new JsonObject { ["outcome"] = "completed" });
        // Its callback, if already waiting, is not needed any more.
        if (commitment.ContactId is not null && _contacts.TryGetValue(commitment.ContactId, out var c) && c.Phase is ContactPhases.Queued or ContactPhases.Offered)
            Abandon(c);
        return CommandOutcome.Accepted();
    }

    private void DueCommitments(DateTimeOffset now)
    {
        foreach (var commitment in _commitments.Values.Where(k => k.Status == "scheduled" && k.Due <= now).OrderBy(k => k.Due).ToList())
        {
            commitment.Status = "due";
            var c = new Contact
            {
                Id = _center.NextContactId(), Channel = "voice", Direction = "outbound", Skill = commitment.Skill, CallerPhone = commitment.Number,
                DialledNumber = commitment.Number, StartedAt = now, OnlyForAgent = commitment.AgentId, CommitmentId = commitment.Id,
            };
            commitment.ContactId = c.Id;
            Track(c);
            EmitStarted(c);
            Enqueue(c, atHead: false);
        }
    }

    private static JsonObject CommitmentData(Commitment k) => new()
    {
        ["number"] = k.Number, ["due"] = Rfc3339(k.Due), ["skill"] = k.Skill, ["agentId"] = k.AgentId, ["notes"] = k.Notes,
    };
}
