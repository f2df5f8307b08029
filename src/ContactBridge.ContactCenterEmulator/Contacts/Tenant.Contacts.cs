using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>Contacts: arriving, dialling out, hold, mute, DTMF, e-mail replies and hanging up.</summary>
public sealed partial class Tenant
{
    /// <summary>A customer arrives now; routed at once if an agent is free. Problems, or the new contact's id.</summary>
    public (string? Id, List<string> Problems) AddContact(NewContact request)
    {
        lock (_gate)
        {
            var problems = request.Problems(s => _skillsById.TryGetValue(s, out var skill) ? skill.Channel : null);
            if (problems.Count > 0) return (null, problems);
            var email = request.Channel == "email" || (request.From is not null && Ids.IsEmail(request.From));
            var patience = request.PatienceSeconds is { } s ? TimeSpan.FromSeconds(s) : _patience.Draw(_random);
            var c = Arrive(request.Channel!, request.Skill!, email ? null : request.From, email ? request.From : null, request.Name,
                request.DialledNumber, (JsonObject?)request.Ivr?.DeepClone(), patience, fromLoad: false);
            return (c.Id, []);
        }
    }

    private Contact Arrive(string channel, string skill, string? phone, string? email, string? name, string? dialled, JsonObject? ivr, TimeSpan? patience, bool fromLoad)
    {
        var c = new Contact
        {
            Id = _center.NextContactId(), Channel = channel, Direction = "inbound", Skill = skill, CallerPhone = phone, CallerEmail = email,
            CallerName = name, DialledNumber = dialled, Ivr = ivr, StartedAt = Now, Patience = patience, FromLoad = fromLoad,
        };
        Track(c);
        EmitStarted(c);
        Enqueue(c, atHead: false);
        Route();
        return c;
    }

    private void EmitStarted(Contact c)
    {
        var caller = new JsonObject();
        if (c.CallerPhone is not null) caller["phone"] = c.CallerPhone;
        if (c.CallerEmail is not null) caller["email"] = c.CallerEmail;
        if (c.CallerName is not null) caller["name"] = c.CallerName;
        var data = new JsonObject { ["channel"] = c.Channel, ["direction"] = c.Direction, ["caller"] = caller };
        if (c.DialledNumber is not null) data["dialledNumber"] = c.DialledNumber;
        if (c.Skill is not null && _skillsById.TryGetValue(c.Skill, out var skill)) data["queue"] = skill.Name;
        if (c.Ivr is not null) data["ivr"] = c.Ivr.DeepClone();
        Emit(EventTypes.Started, c.Id, data);
    }

    /// <summary>The customer hangs up. Null when done; otherwise why not (and whether the contact exists at all).</summary>
    public (bool Found, string? Problem) CustomerHangup(string contactId)
    {
        lock (_gate)
        {
            if (!_contacts.TryGetValue(contactId, out var c)) return (false, $"No contact '{contactId}' in tenant '{Id}'.");
            switch (c.Phase)
            {
                case ContactPhases.Queued or ContactPhases.Offered:
                    Abandon(c);
                    return (true, null);
                case ContactPhases.Connected or ContactPhases.Held:
                    EndAnswered(c, _agentsById[c.AgentId!]);
                    return (true, null);
                default:
                    return (true, $"Contact {contactId} has already ended.");
            }
        }
    }

    /// <summary>A connected contact ends; its agent wraps up.</summary>
    private void EndAnswered(Contact c, Agent a)
    {
        ReleaseConsultation(c);
        End(c, "answered", ContactPhases.WrapUp);
        StartWrapUp(a, c);
    }

    private CommandOutcome Hangup(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        // Hanging up a call that is still ringing is turning it down.
        if (c!.Phase == ContactPhases.Offered) Decline(a, c);
        else EndAnswered(c, a);
        return CommandOutcome.Accepted();
    }

    private CommandOutcome Hold(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase != ContactPhases.Connected) return NotConnected(c);
        c.Phase = ContactPhases.Held;
        Emit(EventTypes.Held, c.Id, []);
        return CommandOutcome.Accepted();
    }

    private CommandOutcome Resume(Agent a, CommandData d)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase != ContactPhases.Held) return CommandOutcome.Refused("not_held", $"Contact {c.Id} is {c.Phase}, not held.");
        // Taking the customer back ends a consultation that was not completed.
        ReleaseConsultation(c);
        c.Phase = ContactPhases.Connected;
        Emit(EventTypes.Resumed, c.Id, []);
        return CommandOutcome.Accepted();
    }

    private CommandOutcome Mute(Agent a, CommandData d, bool muted)
    {
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase is not (ContactPhases.Connected or ContactPhases.Held)) return NotConnected(c);
        c.Muted = muted;
        Emit(EventTypes.Muted, c.Id, new JsonObject { ["state"] = muted ? "muted" : "unmuted" });
        return CommandOutcome.Accepted();
    }

    private CommandOutcome SendDtmf(Agent a, CommandData d)
    {
        var digits = d.Required("digits");
        if (digits is not null && !DtmfDigits().IsMatch(digits)) d.Problems.Add("data.digits must be 1 to 64 of 0-9 * # A-D, with commas for pauses.");
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Phase != ContactPhases.Connected) return NotConnected(c);
        c.Dtmf.Append(digits);
        return CommandOutcome.Accepted();
    }

    [GeneratedRegex("^[0-9*#A-D,]{1,64}$")]
    private static partial Regex DtmfDigits();

    private CommandOutcome Dial(Agent a, CommandData d)
    {
        var number = d.Required("number");
        var skill = d.Optional("skill");
        if (number is not null && !Ids.IsPhone(number)) d.Problems.Add($"data.number '{number}' is not a phone number (at most {Ids.MaxPhoneDigits} digits).");
        if (d.Invalid() is { } invalid) return invalid;
        if (!a.LoggedIn) return NotLoggedIn(a);
        if (a.Current is not null || a.Reserved is not null) return OnContact(a);
        if (skill is not null && !_skillsById.ContainsKey(skill)) return UnknownSkill(skill);
        var c = new Contact
        {
            Id = _center.NextContactId(), Channel = "voice", Direction = "outbound", Skill = skill, CallerPhone = number, DialledNumber = number, StartedAt = Now,
        };
        Track(c);
        EmitStarted(c);
        Connect(c, a);
        return CommandOutcome.Accepted(new JsonObject { ["interactionId"] = c.Id });
    }

    private CommandOutcome EmailReply(Agent a, CommandData d)
    {
        var body = d.Required("body");
        d.Optional("subject");
        if (Own(a, d, out var c) is { } refused) return refused;
        if (c!.Channel != "email") return CommandOutcome.Refused("channel_not_supported", $"Contact {c.Id} is {c.Channel}: only e-mail contacts take replies.");
        if (c.Phase is not (ContactPhases.Connected or ContactPhases.Held)) return NotConnected(c);
        Emit(EventTypes.MessageAppended, c.Id, new JsonObject { ["message"] = new JsonObject { ["from"] = "agent", ["text"] = body } });
        return CommandOutcome.Accepted();
    }

    private static CommandOutcome NotConnected(Contact c) => CommandOutcome.Refused("not_connected", $"Contact {c.Id} is {c.Phase}, not connected.");
}
