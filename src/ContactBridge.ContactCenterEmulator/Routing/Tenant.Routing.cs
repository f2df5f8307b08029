using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>
/// The ACD: queues per skill, first come first served; the longest-waiting contact goes to the longest-idle
/// free agent with its skill; offers ring for a while and come back to the head of the queue when missed or declined.
/// </summary>
public sealed partial class Tenant
{
    /// <summary>Offers work until no queued contact has a free agent for it.</summary>
    private void Route()
    {
        while (true)
        {
            var free = _agents.Where(a => a.LoggedIn && a.State == AgentStates.Available && a.Reserved is null && a.Current is null).ToList();
            if (free.Count == 0) return;
            (Contact Contact, Agent Agent)? best = null;
            foreach (var (skillId, queue) in Queues())
            {
                if (queue.Count == 0 || (skillId is not null && !free.Any(a => a.Skills.ContainsKey(skillId)) && queue.All(c => c.OnlyForAgent is null))) continue;
                foreach (var c in queue)
                {
                    if (BestAgentFor(c, free) is not { } agent) continue;
                    if (best is null || c.QueuedAt < best.Value.Contact.QueuedAt) best = (c, agent);
                    break;
                }
            }
            if (best is not { } offer) return;
            Offer(offer.Contact, offer.Agent);
        }
    }

    private IEnumerable<(string? Skill, List<Contact> Queue)> Queues()
    {
        foreach (var s in _skills) yield return (s.Id, s.Queue);
        yield return (null, _personal);
    }

    private static Agent? BestAgentFor(Contact c, List<Agent> free) => free
        .Where(a => a.IsFreeFor(c.Channel) && !c.DeclinedBy.Contains(a.Id)
                    && (c.OnlyForAgent is not null ? a.Id == c.OnlyForAgent : c.Skill is not null && a.Skills.ContainsKey(c.Skill)))
        .OrderBy(a => a.IdleSince).ThenBy(a => a.Id, StringComparer.Ordinal)
        .FirstOrDefault();

    private List<Contact> QueueOf(Contact c) => c.Skill is not null && _skillsById.TryGetValue(c.Skill, out var skill) ? skill.Queue : _personal;

    private void Enqueue(Contact c, bool atHead)
    {
        c.Phase = ContactPhases.Queued;
        c.AgentId = null;
        c.RingEndsAt = null;
        c.QueuedAt ??= Now;
        if (c.PatienceEndsAt is null && c.Patience is { } patience && c.ConnectedAt is null) c.PatienceEndsAt = Now + patience;
        var queue = QueueOf(c);
        if (atHead) queue.Insert(0, c);
        else queue.Add(c);
    }

    /// <summary>Back to the head of its queue; a contact that has no queue (a dialled call) ends instead.</summary>
    private void Requeue(Contact c)
    {
        if (c.Skill is not null || c.OnlyForAgent is not null) Enqueue(c, atHead: true);
        else End(c, c.ConnectedAt is null ? "abandoned" : "answered", ContactPhases.Ended);
    }

    private void Offer(Contact c, Agent a)
    {
        QueueOf(c).Remove(c);
        c.Phase = ContactPhases.Offered;
        c.AgentId = a.Id;
        c.OfferedAt = Now;
        c.RingEndsAt = Now + TimeSpan.FromSeconds(Seed.RingSeconds);
        a.Reserved = c;
        a.AutoAnswerAt = a.AutoAnswer ? Now + TimeSpan.FromSeconds(Seed.AutoAnswerSeconds) : null;
        Emit(EventTypes.Offered, c.Id, new JsonObject { ["agent"] = AgentRef(a) });
    }

    private void Connect(Contact c, Agent a)
    {
        if (a.InWrapUp) FinishWrapUp(a);
        var first = c.ConnectedAt is null;
        c.Phase = ContactPhases.Connected;
        c.AgentId = a.Id;
        c.ConnectedAt ??= Now;
        c.RingEndsAt = null;
        a.Reserved = null;
        a.AutoAnswerAt = null;
        a.Current = c;
        Emit(EventTypes.Connected, c.Id, new JsonObject { ["agent"] = AgentRef(a) });
        if (first && Seed.TranscribeCalls && c.Channel == "voice")
        {
            var skill = c.Skill is { } s && _skillsById.TryGetValue(s, out var known) ? known.Name ?? s : "us";
            Emit(EventTypes.MessageAppended, c.Id, new JsonObject
            {
                ["message"] = new JsonObject { ["from"] = "agent", ["text"] = $"Thank you for calling {skill}, this is {a.Name ?? a.Id}. How can I help?", ["at"] = Rfc3339(Now) },
            });
            Emit(EventTypes.MessageAppended, c.Id, new JsonObject
            {
                ["message"] = new JsonObject { ["from"] = "customer", ["text"] = "Hello, I have a question about my account.", ["at"] = Rfc3339(Now.AddSeconds(3)) },
            });
        }
        SetState(a, AgentStates.OnContact, null);
        if (a.AutoAnswer)
            a.TalkEndsAt = Now + TimeSpan.FromSeconds(_random.Next(Seed.TalkSeconds.Min, Seed.TalkSeconds.Max + 1));
        if (c.CommitmentId is not null && _commitments.TryGetValue(c.CommitmentId, out var commitment) && commitment.Status != "done")
        {
            commitment.Status = "done";
            Emit(EventTypes.CommitmentDone, commitment.Id, new JsonObject { ["outcome"] = "completed" });
        }
    }

    private CommandOutcome Accept(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase != ContactPhases.Offered || a.Reserved != c) return CommandOutcome.Refused("not_offered", $"Contact {c.Id} is {c.Phase}, not ringing at agent {a.Id}.");
        Connect(c, a);
        return CommandOutcome.Accepted();
    }

    private CommandOutcome Decline(Agent a, CommandData d)
    {
        d.Optional("reason");
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase != ContactPhases.Offered || a.Reserved != c) return CommandOutcome.Refused("not_offered", $"Contact {c.Id} is {c.Phase}, not ringing at agent {a.Id}.");
        Decline(a, c);
        return CommandOutcome.Accepted();
    }

    private void Decline(Agent a, Contact c)
    {
        a.Reserved = null;
        a.AutoAnswerAt = null;
        c.DeclinedBy.Add(a.Id);
        Requeue(c);
        Route();
    }

    private void RingTimedOut(Contact c)
    {
        var a = _agentsById[c.AgentId!];
        a.Reserved = null;
        a.AutoAnswerAt = null;
        Requeue(c);
        SetState(a, AgentStates.Unavailable, "Missed");
    }

    /// <summary>The caller gave up (or hung up) before anyone answered; an offer ringing for them is withdrawn.</summary>
    private void Abandon(Contact c)
    {
        if (c.Phase == ContactPhases.Offered && c.AgentId is not null && _agentsById.TryGetValue(c.AgentId, out var a) && a.Reserved == c)
        {
            a.Reserved = null;
            a.AutoAnswerAt = null;
        }
        QueueOf(c).Remove(c);
        // A contact answered once (then transferred and ringing again) was not abandoned by its caller.
        End(c, c.ConnectedAt is null ? "abandoned" : "answered", ContactPhases.Ended);
        Route();
    }

    private void End(Contact c, string outcome, string phase)
    {
        c.EndedAt = Now;
        c.Outcome = outcome;
        c.Phase = phase;
        c.RingEndsAt = null;
        var ended = new JsonObject
        {
            ["startedAt"] = Rfc3339(c.StartedAt),
            ["endedAt"] = Rfc3339(c.EndedAt.Value),
            ["durationSeconds"] = (long)Math.Clamp((c.EndedAt.Value - c.StartedAt).TotalSeconds, 0, 7 * 86_400),
            ["outcome"] = outcome,
        };
        // Answered calls are recorded from the answer on, where the tenant records calls.
        if (Seed.RecordingBaseUrl is { } recordings && c.Channel == "voice" && c.ConnectedAt is { } answered)
        {
            ended["recording"] = new JsonObject
            {
                ["url"] = recordings.TrimEnd('/') + "/" + Uri.EscapeDataString(c.Id) + ".wav",
                ["durationSeconds"] = (long)Math.Clamp((c.EndedAt.Value - answered).TotalSeconds, 0, 7 * 86_400),
            };
        }
        Emit(EventTypes.Ended, c.Id, ended);
        if (phase == ContactPhases.Ended) Forget(c);
    }

    private CommandOutcome NextContact(Agent a, CommandData d)
    {
        var skillId = d.Required("skill");
        if (d.Invalid() is { } invalid) return invalid;
        if (!_skillsById.TryGetValue(skillId!, out var skill)) return UnknownSkill(skillId!);
        if (!a.LoggedIn) return NotLoggedIn(a);
        if (a.Current is not null || a.Reserved is not null) return CommandOutcome.Refused("not_available", $"Agent {a.Id} is on contact {(a.Current ?? a.Reserved)!.Id}.");
        var c = skill.Queue.FirstOrDefault(c => c.OnlyForAgent is null || c.OnlyForAgent == a.Id);
        if (c is null) return CommandOutcome.Refused("nothing_waiting", $"Nothing is waiting in {skill.Name}.");
        Offer(c, a);
        Connect(c, a);
        return CommandOutcome.Accepted(new JsonObject { ["interactionId"] = c.Id });
    }

    /// <summary>The contact named by data.interactionId, if it is this agent's (ringing at them or theirs now).</summary>
    private CommandOutcome? Own(Agent a, CommandData d, out Contact? c)
    {
        c = null;
        var id = d.Required("interactionId");
        if (d.Invalid() is { } invalid) return invalid;
        if (!_contacts.TryGetValue(id!, out c) || c.AgentId != a.Id || (a.Current != c && a.Reserved != c))
            return CommandOutcome.Refused("no_such_contact", $"Agent {a.Id} has no contact {id}.");
        return null;
    }

    private static CommandOutcome UnknownSkill(string skill) => CommandOutcome.Refused("unknown_skill", $"There is no skill '{skill}'.");
}
