using System.Text.Json.Nodes;
using ContactBridge.Identification;
using ContactBridge.Interactions;

namespace ContactBridge.Logging;

/// <summary>Field lengths and what is writable, from the org's describe (cached by the caller).</summary>
public sealed record ObjectShape(string Object, IReadOnlyDictionary<string, (int Length, bool Createable, bool Updateable, string Type, bool ExternalId)> Fields,
    IReadOnlyDictionary<string, string>? Labels = null)
{
    /// <summary>The field's label in the org ("Mobile Phone"), or its name when the describe gave none.</summary>
    public string Label(string field) => Labels?.GetValueOrDefault(field) ?? field;

    public int Length(string field) => Fields.TryGetValue(field, out var f) ? f.Length : 0;
    public bool Has(string field) => Fields.ContainsKey(field);
}

/// <summary>
/// Turns a finished interaction into the records it should leave in Salesforce, following the
/// tenant's mode, update policy and field mapping. Pure: same inputs, same plan.
/// </summary>
public static class LogPlanner
{
    public sealed record Inputs(
        string TenantId, string TenantName, string ApiVersion, LoggingSettings Settings, InteractionState State, IdentificationResult? Identification,
        string? OwnerId, IReadOnlyDictionary<string, ObjectShape> Shapes, JsonObject? MatchedRecord);

    /// <summary>A plan, or why it cannot be made (a setup problem the admin must fix).</summary>
    public static (LogPlan? Plan, string? Problem) Plan(Inputs i)
    {
        var s = i.State;
        var settings = i.Settings;
        var nodes = new List<PlanNode>();
        var match = i.Identification?.Matches.Count > 0 ? i.Identification.Matches[0] : null;
        var requested = s.RequestedRecords;
        var interactionRecord = s.IsCall || requested.Contains("task") ? "Task" : settings.Mode switch
        {
            LoggingSettings.Support => "Case",
            LoggingSettings.Sales => "Task",
            _ => requested.Contains("case") ? "Case" : null,
        };
        if (requested.Contains("case") && !s.IsCall) interactionRecord = "Case";
        var needed = new List<string>();
        if (interactionRecord is not null) needed.Add(interactionRecord);
        // Manual mode creates a person only when the agent asked for one.
        // A caller whose lookup failed may well be in Salesforce already: no person is created for them.
        // A record the agent worked the contact from (click-to-dial) is who or what the contact is about.
        var related = s.RelatedRecord is { IsValid: true } r ? r : null;
        var createPerson = match is null && related is null && i.Identification?.Outcome != IdentificationResult.Unidentified && (settings.Mode is LoggingSettings.Sales or LoggingSettings.Support || requested.Contains("lead") || requested.Contains("contact"));
        var personObject = requested.Contains("contact") || settings.Mode == LoggingSettings.Support && !requested.Contains("lead") ? "Contact" : "Lead";
        if (createPerson) needed.Add(personObject);
        if (match is not null && settings.UpdatePolicy != "none" && match.Object is "Lead" or "Contact") needed.Add(match.Object);
        foreach (var obj in needed.Distinct())
        {
            if (!i.Shapes.TryGetValue(obj, out var shape) || !shape.Fields.TryGetValue(settings.KeyField, out var key) || !key.ExternalId)
                return (null, $"{obj} has no external-id field {settings.KeyField}. Add it in Salesforce (Setup → Object Manager → {obj} → Fields: Text(255), Unique, External ID) so every write can be an idempotent upsert.");
        }

        string? personRef = null;
        var who = match?.Object is "Lead" or "Contact" ? match.Id : null;
        var what = match?.Object == "Account" ? match.Id : null;
        if (related is { IsPerson: true })
        {
            who = related.Id;
            // Salesforce takes no WhatId on a Task whose WhoId is a Lead.
            if (related.Object == "Lead") what = null;
        }
        else if (related is not null)
        {
            what = related.Id;
            // Salesforce takes no WhatId on a Task whose WhoId is a Lead: the record worked from wins.
            if (match?.Object == "Lead" && who == match.Id) who = null;
        }
        if (createPerson)
        {
            var shape = i.Shapes[personObject];
            var (first, last) = SplitName(s.Caller.Name);
            var person = new JsonObject
            {
                ["LastName"] = Fit(last ?? (s.Caller.Phone is not null ? $"Caller {s.Caller.Phone}" : "Unknown visitor"), shape, "LastName"),
            };
            if (first is not null) person["FirstName"] = Fit(first, shape, "FirstName");
            if (s.Caller.Phone is not null) person["Phone"] = Fit(s.Caller.Phone, shape, "Phone");
            if (FitsEmail(s.Caller.Email, shape, "Email")) person["Email"] = s.Caller.Email;
            if (personObject == "Lead")
            {
                person["Company"] = Fit(s.Caller.Company ?? "[not provided]", shape, "Company");
                person["LeadSource"] = s.IsCall ? "Phone Inquiry" : "Web";
            }
            if (i.OwnerId is not null) person["OwnerId"] = i.OwnerId;
            Map(person, settings, personObject, s, i.TenantName, shape);
            var naturalKey = PhoneNumbers.Normalize(s.Caller.Phone, settings.Identification.DefaultCountry) ?? s.Caller.Email?.ToLowerInvariant() ?? s.InteractionId;
            personRef = "person";
            nodes.Add(new PlanNode(personRef, personObject, LogPlan.Key(i.TenantId, personObject.ToLowerInvariant(), naturalKey), person, []));
            who = "@{person.id}";
        }
        else if (match is not null && settings.UpdatePolicy != "none" && match.Object is "Lead" or "Contact")
        {
            var update = UpdateFor(match.Object, s, settings.UpdatePolicy, i.MatchedRecord, i.Shapes[match.Object]);
            if (update.Count > 0)
                nodes.Add(new PlanNode("update", match.Object, "", update, []) { RecordId = match.Id });
        }

        if (interactionRecord == "Case")
        {
            var shape = i.Shapes["Case"];
            var kase = new JsonObject
            {
                ["Origin"] = s.Channel switch { "email" => "Email", "web_chat" => "Chat", "sms" => "Phone", _ => "Web" },
                ["SuppliedName"] = s.Caller.Name is null ? null : Fit(s.Caller.Name, shape, "SuppliedName"),
                ["SuppliedPhone"] = s.Caller.Phone is null ? null : Fit(s.Caller.Phone, shape, "SuppliedPhone"),
                ["SuppliedCompany"] = s.Caller.Company is null ? null : Fit(s.Caller.Company, shape, "SuppliedCompany"),
            };
            if (FitsEmail(s.Caller.Email, shape, "SuppliedEmail")) kase["SuppliedEmail"] = s.Caller.Email;
            // A Case's ContactId takes a Contact only: a matched or created Lead stays off the Case.
            if (who is not null && (match?.Object == "Contact" || personRef is not null && personObject == "Contact")) kase["ContactId"] = who;
            if (what is not null && related is not { IsPerson: false, Object: not "Account" }) kase["AccountId"] = what;
            if (i.OwnerId is not null) kase["OwnerId"] = i.OwnerId;
            Map(kase, settings, "Case", s, i.TenantName, shape);
            foreach (var empty in kase.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) kase.Remove(empty);
            nodes.Add(new PlanNode("record", "Case", LogPlan.Key(i.TenantId, "case", s.InteractionId), kase, []));
        }
        else if (interactionRecord == "Task")
        {
            var shape = i.Shapes["Task"];
            var task = new JsonObject
            {
                ["Status"] = "Completed",
                ["Priority"] = "Normal",
                ["TaskSubtype"] = s.IsCall ? "Call" : s.Channel == "email" ? "Email" : "Task",
            };
            if (s.EndedAt is { } ended) task["ActivityDate"] = ended.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            if (who is not null) task["WhoId"] = who;
            if (what is not null) task["WhatId"] = what;
            if (i.OwnerId is not null) task["OwnerId"] = i.OwnerId;
            if (s.IsCall)
            {
                task["CallType"] = s.Direction == "outbound" ? "Outbound" : "Inbound";
                task["CallDurationInSeconds"] = s.DurationSeconds ?? 0;
                task["CallObject"] = Fit(s.InteractionId, shape, "CallObject");
                var disposition = s.Disposition ?? s.Outcome;
                if (disposition is not null) task["CallDisposition"] = Fit(disposition, shape, "CallDisposition");
            }
            Map(task, settings, "Task", s, i.TenantName, shape);
            nodes.Add(new PlanNode("record", "Task", LogPlan.Key(i.TenantId, "task", s.InteractionId), task, ["TaskSubtype"]));
        }
        // Attachments become files on the interaction's Case or Task (ContentVersion, linked through FirstPublishLocationId).
        if (interactionRecord is not null && s.Attachments.Count > 0)
        {
            if (!i.Shapes.TryGetValue("ContentVersion", out var files) || !files.Fields.TryGetValue(settings.KeyField, out var fileKey) || !fileKey.ExternalId)
                return (null, $"ContentVersion has no external-id field {settings.KeyField}. Add it in Salesforce (Setup → Object Manager → Content Version → Fields: Text(255), Unique, External ID) so attachments can be written exactly once.");
            for (var n = 0; n < s.Attachments.Count; n++)
            {
                var a = s.Attachments[n];
                var file = new JsonObject
                {
                    ["Title"] = LogTemplates.Fit(Path.GetFileNameWithoutExtension(a.FileName) is { Length: > 0 } t ? t : a.FileName, files.Length("Title")),
                    ["PathOnClient"] = LogTemplates.Fit(a.FileName, files.Length("PathOnClient")),
                    ["VersionData"] = a.ContentBase64,
                    ["FirstPublishLocationId"] = "@{record.id}",
                };
                nodes.Add(new PlanNode($"file{n}", "ContentVersion", LogPlan.Key(i.TenantId, "file", $"{s.InteractionId}-{n}"), file, ["VersionData", "PathOnClient", "FirstPublishLocationId"]));
            }
        }
        return (new LogPlan(i.TenantId, s.InteractionId, i.ApiVersion, settings.KeyField, nodes) { EndedAt = s.EndedAt }, null);
    }

    private static void Map(JsonObject into, LoggingSettings settings, string obj, InteractionState s, string tenantName, ObjectShape shape)
    {
        foreach (var (field, template) in settings.MappingFor(s.Channel, obj))
        {
            if (!shape.Has(field)) continue;
            into[field] = Fit(LogTemplates.Render(template, s, tenantName), shape, field);
        }
    }

    private static string Fit(string value, ObjectShape shape, string field) => LogTemplates.Fit(value, shape.Length(field));

    private static bool ValidEmail(string? email) => email is not null && System.Text.RegularExpressions.Regex.IsMatch(email, @"^[^@\s]+@[^@\s]+\.[^@\s]+$");

    /// <summary>An e-mail cannot be cut to fit: one longer than the field is left out of it (the Description still has it).</summary>
    private static bool FitsEmail(string? email, ObjectShape shape, string field) => ValidEmail(email) && (shape.Length(field) == 0 || email!.Length <= shape.Length(field));

    public static (string? First, string? Last) SplitName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return (null, null);
        var parts = name.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 1 ? (null, parts[0]) : (string.Join(' ', parts[..^1]), parts[^1]);
    }

    /// <summary>The matched record's fields from the interaction: all of them (overwrite), or only where Salesforce has none (fill_empty).</summary>
    private static JsonObject UpdateFor(string obj, InteractionState s, string policy, JsonObject? current, ObjectShape shape)
    {
        var (first, last) = SplitName(s.Caller.Name);
        var candidate = new Dictionary<string, string?>
        {
            ["Phone"] = s.Caller.Phone, ["Email"] = FitsEmail(s.Caller.Email, shape, "Email") ? s.Caller.Email : null, ["FirstName"] = first, ["LastName"] = last,
        };
        if (obj == "Lead") candidate["Company"] = s.Caller.Company;
        var update = new JsonObject();
        foreach (var (field, value) in candidate)
        {
            if (value is null || !shape.Fields.TryGetValue(field, out var f) || !f.Updateable) continue;
            var existing = current?[field]?.ToString();
            if (policy == "fill_empty" && !string.IsNullOrEmpty(existing)) continue;
            if (string.Equals(existing, value, StringComparison.Ordinal)) continue;
            update[field] = LogTemplates.Fit(value, f.Length);
        }
        return update;
    }
}
