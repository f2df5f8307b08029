using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Commands;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>Agents: logging in and out, states, wrap-up, the phone leg, supervisor messages.</summary>
public sealed partial class Tenant
{
    private CommandOutcome Login(Agent a, CommandData d)
    {
        var station = d.Optional("station");
        var phone = d.Optional("phoneNumber");
        if (station is not null && phone is not null) d.Problems.Add("data.station and data.phoneNumber: give one or neither, not both.");
        if (station is { Length: > Ids.MaxId }) d.Problems.Add($"data.station is longer than {Ids.MaxId} characters.");
        if (phone is not null && !Ids.IsPhone(phone)) d.Problems.Add($"data.phoneNumber '{phone}' is not a phone number.");
        if (d.Invalid() is { } invalid) return invalid;
        if (a.LoggedIn) return CommandOutcome.Refused("already_logged_in", $"Agent {a.Id} is already logged in.");
        if (station is null && phone is null) (station, phone) = (a.SeedStation, a.SeedPhoneNumber);
        LogIn(a, station, phone, available: false);
        return CommandOutcome.Accepted();
    }

    private void LogIn(Agent a, string? station, string? phone, bool available)
    {
        a.LoggedIn = true;
        a.Station = station;
        a.PhoneNumber = phone;
        Emit(EventTypes.LoggedIn, a.Id, new JsonObject
        {
            ["agent"] = new JsonObject { ["email"] = a.Email, ["name"] = a.Name, ["team"] = a.Team },
            ["station"] = station,
            ["phoneNumber"] = phone,
        });
        Emit(EventTypes.SkillsAssigned, a.Id, new JsonObject { ["skills"] = new JsonObject(a.Skills.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))) });
        if (available) SetState(a, AgentStates.Available, null);
        else SetState(a, AgentStates.Unavailable, "Logged in");
        SetLeg(a, Legs.Connecting);
        SetLeg(a, Legs.Connected);
    }

    private CommandOutcome Logout(Agent a)
    {
        if (!a.LoggedIn) return NotLoggedIn(a);
        if (a.Current is not null || a.Reserved is not null) return OnContact(a);
        if (a.InWrapUp) FinishWrapUp(a);
        a.LoggedIn = false;
        Emit(EventTypes.LoggedOut, a.Id, []);
        SetState(a, AgentStates.Offline, null);
        SetLeg(a, Legs.Disconnected);
        return CommandOutcome.Accepted();
    }

    private CommandOutcome SetStateCommand(Agent a, CommandData d)
    {
        var state = d.Required("state");
        var reason = d.Optional("reason");
        if (state is not null and not (AgentStates.Available or AgentStates.Unavailable)) d.Problems.Add($"data.state must be available or unavailable, not '{state}'.");
        if (d.Invalid() is { } invalid) return invalid;
        if (!a.LoggedIn) return NotLoggedIn(a);
        if (a.Current is not null || a.Reserved is not null) return OnContact(a);
        if (state == AgentStates.Available) reason = null;
        else reason ??= "Unavailable";
        if (a.InWrapUp)
        {
            // A timed wrap-up runs its course and the agent then takes the state asked for; an untimed one ends now.
            if (a.WrapUpEndsAt is null) EndWrapUp(a, (state!, reason));
            else a.AfterWrapUp = (state!, reason);
            return CommandOutcome.Accepted();
        }
        if (a.State == state && a.Reason == reason) return CommandOutcome.Accepted();
        SetState(a, state!, reason);
        if (state == AgentStates.Available) Route();
        return CommandOutcome.Accepted();
    }

    private void SetState(Agent a, string state, string? reason)
    {
        a.State = state;
        a.Reason = reason;
        a.StateSince = Now;
        if (state == AgentStates.Available) a.IdleSince = Now;
        Emit(EventTypes.StateChanged, a.Id, new JsonObject { ["state"] = state, ["reason"] = reason });
    }

    private void SetLeg(Agent a, string leg)
    {
        a.Leg = leg;
        Emit(EventTypes.LegChanged, a.Id, new JsonObject { ["leg"] = leg });
    }

    private void StartWrapUp(Agent a, Contact c)
    {
        a.Current = null;
        a.TalkEndsAt = null;
        a.WrapUpContact = c;
        // Load agents never sit in an untimed wrap-up: nobody would end it.
        var seconds = a.AutoAnswer ? Seed.WrapUpSeconds ?? 0 : Seed.WrapUpSeconds;
        a.WrapUpEndsAt = seconds is null ? null : Now + TimeSpan.FromSeconds(seconds.Value);
        Emit(EventTypes.WrapUpStarted, c.Id, []);
        SetState(a, AgentStates.AfterCallWork, null);
    }

    /// <summary>Ends the agent's wrap-up and takes the next state: the one given, the one asked for during wrap-up, or available.</summary>
    private void EndWrapUp(Agent a, (string State, string? Reason)? next)
    {
        FinishWrapUp(a);
        var (state, reason) = next ?? a.AfterWrapUp ?? (AgentStates.Available, null);
        a.AfterWrapUp = null;
        SetState(a, state, reason);
        if (state == AgentStates.Available) Route();
    }

    /// <summary>Ends the wrap-up without choosing a state (the caller sets one: on_contact for a new call, offline).</summary>
    private void FinishWrapUp(Agent a)
    {
        if (a.WrapUpContact is { } c)
        {
            Emit(EventTypes.WrapUpEnded, c.Id, []);
            if (c.Phase == ContactPhases.WrapUp && c.AgentId == a.Id)
            {
                c.Phase = ContactPhases.Ended;
                Forget(c);
            }
        }
        a.WrapUpContact = null;
        a.WrapUpEndsAt = null;
    }

    /// <summary>The agent's phone leg dropped (network, handset): voice is not routed to them until it is restored.</summary>
    public string? DropLeg(string agentId) => ChangeLeg(agentId, Legs.Disconnected);

    public string? RestoreLeg(string agentId) => ChangeLeg(agentId, Legs.Connected);

    /// <summary>Null when done; otherwise why not.</summary>
    private string? ChangeLeg(string agentId, string leg)
    {
        lock (_gate)
        {
            if (!_agentsById.TryGetValue(agentId, out var a)) return $"No agent '{agentId}' in tenant '{Id}'.";
            if (!a.LoggedIn) return $"Agent {agentId} is not logged in: there is no leg to change.";
            if (a.Leg == leg) return null;
            SetLeg(a, leg);
            if (leg == Legs.Connected) Route();
            return null;
        }
    }

    /// <summary>A supervisor's message to an agent.</summary>
    public bool SendMessage(string agentId, string from, string text)
    {
        lock (_gate)
        {
            if (!_agentsById.ContainsKey(agentId)) return false;
            Emit(EventTypes.AgentMessage, agentId, new JsonObject { ["from"] = from, ["text"] = text });
            return true;
        }
    }

    public bool HasAgent(string agentId)
    {
        lock (_gate) return _agentsById.ContainsKey(agentId);
    }

    private static CommandOutcome NotLoggedIn(Agent a) => CommandOutcome.Refused("not_logged_in", $"Agent {a.Id} is not logged in.");

    private static CommandOutcome OnContact(Agent a) =>
        CommandOutcome.Refused("on_contact", $"Agent {a.Id} is on contact {(a.Current ?? a.Reserved)!.Id}; hang up or decline it first.");
}
