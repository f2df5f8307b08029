using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Agents;
using ContactBridge.ContactCenterEmulator.Contacts;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>The tenant's state as the control API shows it.</summary>
public sealed partial class Tenant
{
    private static string? Time(DateTimeOffset? t) => t is { } v ? Rfc3339(v) : null;

    public JsonObject State()
    {
        lock (_gate)
        {
            var now = Now;
            var delivery = Events.Counters();
            return new JsonObject
            {
                ["id"] = Id,
                ["now"] = Rfc3339(now),
                ["hubEventsUrl"] = HubEventsUrl?.ToString(),
                ["ringSeconds"] = Seed.RingSeconds,
                ["wrapUpSeconds"] = Seed.WrapUpSeconds,
                ["reasonCodes"] = new JsonArray(Seed.ReasonCodes.Select(r => (JsonNode?)r).ToArray()),
                ["patience"] = new JsonObject { ["distribution"] = _patience.Distribution, ["meanSeconds"] = _patience.MeanSeconds },
                ["load"] = _load is null ? null : new JsonObject { ["callsPerSecond"] = _load.CallsPerSecond, ["shortAbandonShare"] = _load.ShortAbandonShare },
                ["agents"] = new JsonArray(_agents.Select(a => (JsonNode?)AgentJson(a)).ToArray()),
                ["queues"] = new JsonArray(_skills.Select(s => (JsonNode?)new JsonObject
                {
                    ["skill"] = s.Id,
                    ["name"] = s.Name,
                    ["channel"] = s.Channel,
                    ["waiting"] = s.Queue.Count,
                    ["longestWaitSeconds"] = s.Queue.Count == 0 ? 0 : (long)(now - s.Queue.Min(c => c.QueuedAt ?? now)).TotalSeconds,
                    ["staffed"] = _agents.Count(a => a.LoggedIn && a.Skills.ContainsKey(s.Id)),
                    ["available"] = _agents.Count(a => a.LoggedIn && a.Skills.ContainsKey(s.Id) && a.State == AgentStates.Available),
                    ["contactIds"] = new JsonArray(s.Queue.Select(c => (JsonNode?)c.Id).ToArray()),
                }).ToArray()),
                ["contacts"] = new JsonArray(_contacts.Values.Select(c => (JsonNode?)ContactJson(c)).ToArray()),
                ["commitments"] = new JsonArray(_commitments.Values.Select(k => (JsonNode?)new JsonObject
                {
                    ["id"] = k.Id, ["number"] = k.Number, ["due"] = Rfc3339(k.Due), ["skill"] = k.Skill, ["agentId"] = k.AgentId,
                    ["notes"] = k.Notes, ["status"] = k.Status, ["contactId"] = k.ContactId, ["createdBy"] = k.CreatedBy,
                }).ToArray()),
                ["addressBooks"] = new JsonArray(_books.Values.Select(b => (JsonNode?)new JsonObject
                {
                    ["id"] = b.Id, ["name"] = b.Name,
                    ["entries"] = new JsonArray(b.Entries.Select(e => (JsonNode?)new JsonObject { ["name"] = e.Name, ["number"] = e.Number, ["agentId"] = e.AgentId, ["skill"] = e.Skill }).ToArray()),
                }).ToArray()),
                ["commands"] = new JsonArray(_commandOrder.Where(_commands.ContainsKey).Select(id => _commands[id]).Select(r => (JsonNode?)new JsonObject
                {
                    ["id"] = r.Id, ["type"] = r.Type, ["agentId"] = r.AgentId, ["outcome"] = r.Outcome, ["reason"] = r.Reason,
                    ["timesExecuted"] = r.TimesExecuted, ["timesReceived"] = r.TimesReceived,
                    ["firstReceivedAt"] = Rfc3339(r.FirstReceivedAt), ["lastReceivedAt"] = Rfc3339(r.LastReceivedAt),
                }).ToArray()),
                ["delivery"] = new JsonObject
                {
                    ["state"] = HubEventsUrl is null ? "kept (no hubEventsUrl)" : _center.Faults.EventDeliveryPaused ? "paused" : "on",
                    ["pending"] = delivery.Pending,
                    ["delivered"] = delivery.Delivered,
                    ["rejected"] = delivery.Rejected,
                    ["failedAttempts"] = delivery.FailedAttempts,
                    ["lastError"] = delivery.LastError,
                    ["rejectedProblems"] = new JsonArray(delivery.RejectedProblems.Select(p => (JsonNode?)p).ToArray()),
                },
            };
        }
    }

    /// <summary>A line for the emulator's summary.</summary>
    public JsonObject Summary()
    {
        lock (_gate)
        {
            var delivery = Events.Counters();
            return new JsonObject
            {
                ["id"] = Id,
                ["agents"] = _agents.Count,
                ["loggedIn"] = _agents.Count(a => a.LoggedIn),
                ["waiting"] = _skills.Sum(s => s.Queue.Count) + _personal.Count,
                ["activeContacts"] = _contacts.Values.Count(c => c.Phase is not (ContactPhases.Ended or ContactPhases.WrapUp)),
                ["load"] = _load?.CallsPerSecond,
                ["pendingEvents"] = delivery.Pending,
                ["rejectedEvents"] = delivery.Rejected,
            };
        }
    }

    private JsonObject AgentJson(Agent a) => new()
    {
        ["id"] = a.Id,
        ["name"] = a.Name,
        ["email"] = a.Email,
        ["loggedIn"] = a.LoggedIn,
        ["station"] = a.Station,
        ["phoneNumber"] = a.PhoneNumber,
        ["state"] = a.State,
        ["reason"] = a.Reason,
        ["since"] = Rfc3339(a.StateSince),
        ["idleSince"] = Rfc3339(a.IdleSince),
        ["leg"] = a.Leg,
        ["skills"] = new JsonObject(a.Skills.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
        ["autoAnswer"] = a.AutoAnswer,
        ["reservedContactId"] = a.Reserved?.Id,
        ["currentContactId"] = a.Current?.Id,
        ["wrapUpContactId"] = a.WrapUpContact?.Id,
        ["wrapUpEndsAt"] = Time(a.WrapUpEndsAt),
    };

    private static JsonObject ContactJson(Contact c) => new()
    {
        ["id"] = c.Id,
        ["channel"] = c.Channel,
        ["direction"] = c.Direction,
        ["skill"] = c.Skill,
        ["phase"] = c.Phase,
        ["agentId"] = c.AgentId,
        ["caller"] = new JsonObject { ["phone"] = c.CallerPhone, ["email"] = c.CallerEmail, ["name"] = c.CallerName },
        ["dialledNumber"] = c.DialledNumber,
        ["ivr"] = c.Ivr?.DeepClone(),
        ["dtmf"] = c.Dtmf.ToString(),
        ["muted"] = c.Muted,
        ["transfers"] = c.Transfers,
        ["consultation"] = c.Consultation is { } k ? new JsonObject { ["agentId"] = k.AgentId, ["skill"] = k.Skill, ["number"] = k.Number } : null,
        ["onlyForAgent"] = c.OnlyForAgent,
        ["commitmentId"] = c.CommitmentId,
        ["fromLoad"] = c.FromLoad,
        ["patienceSeconds"] = c.Patience?.TotalSeconds,
        ["startedAt"] = Rfc3339(c.StartedAt),
        ["queuedAt"] = Time(c.QueuedAt),
        ["offeredAt"] = Time(c.OfferedAt),
        ["connectedAt"] = Time(c.ConnectedAt),
        ["endedAt"] = Time(c.EndedAt),
        ["outcome"] = c.Outcome,
    };
}
