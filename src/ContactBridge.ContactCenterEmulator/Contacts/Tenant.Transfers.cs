using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>Transfers: blind (handed over at once) or consulted (the customer held while the agent talks to the target first).</summary>
public sealed partial class Tenant
{
    private CommandOutcome Transfer(Agent a, CommandData d)
    {
        var kind = d.Required("kind");
        if (kind is not null and not ("blind" or "consulted")) d.Problems.Add($"data.kind must be blind or consulted, not '{kind}'.");
        var before = d.Problems.Count;
        var to = d.Object("to");
        if (to is null && d.Problems.Count == before) d.Problems.Add("data.to is required: {agentId}, {skill} or {number}.");
        string? toAgent = null, toSkill = null, toNumber = null;
        if (to is not null)
        {
            toAgent = CommandData.StringIn(to, "agentId", "data.to", d.Problems);
            toSkill = CommandData.StringIn(to, "skill", "data.to", d.Problems);
            toNumber = CommandData.StringIn(to, "number", "data.to", d.Problems);
            if ((toAgent is null ? 0 : 1) + (toSkill is null ? 0 : 1) + (toNumber is null ? 0 : 1) != 1)
                d.Problems.Add("data.to must name exactly one of agentId, skill and number.");
            if (toNumber is not null && !Ids.IsPhone(toNumber)) d.Problems.Add($"data.to.number '{toNumber}' is not a phone number.");
        }
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase is not (ContactPhases.Connected or ContactPhases.Held)) return NotConnected(c);
        if (c.Consultation is not null) return CommandOutcome.Refused("invalid", $"Contact {c.Id} is already in a consulted transfer: complete it, or resume the customer to cancel it.");
        Agent? target = null;
        if (toAgent is not null)
        {
            if (!_agentsById.TryGetValue(toAgent, out target)) return CommandOutcome.Refused("unknown_agent", $"There is no agent '{toAgent}'.");
            if (target == a || !target.IsFreeFor(c.Channel))
                return CommandOutcome.Refused("agent_not_available", $"Agent {toAgent} is {(target.LoggedIn ? target.State : "not logged in")}{(target.Reserved ?? target.Current) switch { null => "", var busy => $" and busy with {busy.Id}" }}.");
        }
        if (toSkill is not null && !_skillsById.ContainsKey(toSkill)) return UnknownSkill(toSkill);

        if (kind == "consulted")
        {
            if (c.Phase == ContactPhases.Connected) HoldCustomer(c, true);
            c.Consultation = new Consultation(toAgent, toSkill, toNumber);
            // The target is kept for this consultation: nothing else is offered to them meanwhile.
            if (target is not null) target.Reserved = c;
            return CommandOutcome.Accepted();
        }
        HandOver(c, a, new Consultation(toAgent, toSkill, toNumber), "blind");
        return CommandOutcome.Accepted();
    }

    /// <summary>During a consultation, the agent goes back and forth: the customer on the line and the consulted party held, or the other way.</summary>
    private CommandOutcome Swap(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Consultation is null) return CommandOutcome.Refused("no_consultation", $"Contact {c.Id} has no consulted transfer: there is no one to swap with.");
        if (c.Conferenced) return CommandOutcome.Refused("invalid", $"Contact {c.Id} is a conference: everyone is on the line.");
        if (c.Consultation.AgentId is null && c.Consultation.Number is null)
            return CommandOutcome.Refused("invalid", $"Contact {c.Id}'s consultation is with a queue: there is no one on the line to swap with.");
        HoldCustomer(c, c.Phase != ContactPhases.Held);
        return CommandOutcome.Accepted();
    }

    /// <summary>The customer held, or back on the line, and the event that says so.</summary>
    private void HoldCustomer(Contact c, bool held)
    {
        c.Phase = held ? ContactPhases.Held : ContactPhases.Connected;
        Emit(held ? EventTypes.Held : EventTypes.Resumed, c.Id, []);
    }

    /// <summary>During a consultation, brings the customer and the consulted party together; completing the transfer then leaves them to it.</summary>
    private CommandOutcome Conference(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Consultation is not { } consultation) return CommandOutcome.Refused("no_consultation", $"Contact {c.Id} has no consulted transfer: there is no one to bring in.");
        if (consultation.AgentId is null && consultation.Number is null)
            return CommandOutcome.Refused("invalid", $"Contact {c.Id}'s consultation is with a queue: there is no one on the line to bring in.");
        if (c.Conferenced) return CommandOutcome.Accepted();
        c.Conferenced = true;
        var with = new JsonObject();
        if (consultation.AgentId is not null) with["agentId"] = consultation.AgentId;
        if (consultation.Number is not null) with["number"] = consultation.Number;
        Emit(EventTypes.Conferenced, c.Id, new JsonObject { ["with"] = with });
        if (c.Phase == ContactPhases.Held) HoldCustomer(c, false);
        return CommandOutcome.Accepted();
    }

    private CommandOutcome CompleteTransfer(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Consultation is not { } consultation) return CommandOutcome.Refused("no_consultation", $"Contact {c.Id} has no consulted transfer to complete.");
        if (consultation.AgentId is not null) _agentsById[consultation.AgentId].Reserved = null;
        c.Consultation = null;
        c.Conferenced = false;
        HandOver(c, a, consultation, "consulted");
        return CommandOutcome.Accepted();
    }

    /// <summary>The contact leaves agent <paramref name="from"/>, who wraps up, for an agent, a skill's queue or a number.</summary>
    private void HandOver(Contact c, Agent from, Consultation to, string kind)
    {
        var target = new JsonObject();
        if (to.AgentId is not null) target["agentId"] = to.AgentId;
        if (to.Skill is not null) target["skill"] = to.Skill;
        if (to.Number is not null) target["number"] = to.Number;
        c.Transfers++;
        c.Muted = false;
        Emit(EventTypes.Transferred, c.Id, new JsonObject { ["to"] = target, ["kind"] = kind });
        if (to.Number is not null)
        {
            EndAnswered(c, from);
            return;
        }
        StartWrapUp(from, c);
        if (to.AgentId is not null)
        {
            var agent = _agentsById[to.AgentId];
            // A blind transfer rings at the target; after a consultation the target has already agreed and is connected.
            if (kind == "blind") Offer(c, agent);
            else Connect(c, agent);
            return;
        }
        c.Skill = to.Skill;
        c.DeclinedBy.Clear();
        Enqueue(c, atHead: true);
        Route();
    }

    /// <summary>Frees the target agent of a consultation that will not be completed.</summary>
    private void ReleaseConsultation(Contact c)
    {
        if (c.Consultation is null) return;
        if (c.Consultation.AgentId is { } agentId && _agentsById[agentId].Reserved == c) _agentsById[agentId].Reserved = null;
        c.Consultation = null;
        c.Conferenced = false;
        Route();
    }
}
