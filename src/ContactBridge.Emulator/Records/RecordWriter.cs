using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// Creates, updates, upserts and deletes records the way the platform does: field-level
/// security (createable/updateable), required fields, lengths, e-mail and picklist checks,
/// references, unique values, then system and derived fields. Callers hold the org's lock.
/// </summary>
public sealed partial class RecordWriter
{
    private readonly SalesforceOrg _org;
    private readonly TimeProvider _clock;

    public RecordWriter(SalesforceOrg org, TimeProvider clock)
    {
        _org = org;
        _clock = clock;
    }

    public SRecord Create(string callerId, ObjectDef type, JsonObject body, bool system = false)
    {
        if (!system && !type.Createable)
            throw new SalesforceException(400, "INVALID_TYPE_FOR_OPERATION", $"entity type cannot be inserted: {type.Label ?? type.Name}");
        var values = ReadBody(type, body, system, creating: true);
        foreach (var f in type.Fields)
        {
            if (!values.ContainsKey(f.Name) && f.DefaultValue is not null) values[f.Name] = f.DefaultValue;
        }
        if (type.Field("OwnerId") is { } owner && (!values.TryGetValue(owner.Name, out var o) || o is null)) values[owner.Name] = callerId;

        var missing = type.Fields.Where(f => (f.RequiredOnCreate || f.Type == FieldType.Reference && !f.Nillable && f.Name != "OwnerId" && f.Createable)
                                              && IsBlank(values.GetValueOrDefault(f.Name))).Select(f => f.Name).ToArray();
        if (type.Name == "ContentVersion") missing = missing.Where(m => m != "ContentDocumentId").ToArray();
        if (missing.Length > 0)
            throw new SalesforceException(400, "REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", missing)}]", missing);

        Validate(type, values, null);
        ValidateStreaming(type, values, null);

        var record = new SRecord(type, _org.NewId(type.KeyPrefix));
        var now = _clock.GetUtcNow();
        if (!type.IsPlatformEvent)
        {
            values["IsDeleted"] = false;
            values["LastModifiedDate"] = now;
            values["LastModifiedById"] = callerId;
            values["SystemModstamp"] = now;
        }
        values["CreatedDate"] = now;
        values["CreatedById"] = callerId;
        Derive(type, values, null, creating: true);
        foreach (var (k, v) in values) record.Values[k] = v;
        _org.Records.Insert(record);
        AfterCreate(callerId, record);
        if (type.IsPlatformEvent) PublishPlatformEvent(record);
        else ChangeEvent(callerId, record, "CREATE", [], []);
        if (HasPushTopics) PushTopicEvents(record, "created");
        return record;
    }

    public void Update(string callerId, SRecord record, JsonObject body, bool system = false)
    {
        var type = record.Type;
        if (!system && !type.Updateable)
            throw new SalesforceException(400, "INVALID_TYPE_FOR_OPERATION", $"entity type cannot be updated: {type.Label ?? type.Name}");
        if (record.IsDeleted) throw new SalesforceException(404, "ENTITY_IS_DELETED", "entity is deleted");
        // A converted lead is read-only (its conversion is the last change made to it).
        if (!system && type.Name == "Lead" && Equals(record["IsConverted"], true))
            throw new SalesforceException(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead");
        var values = ReadBody(type, body, system, creating: false);
        var blanked = values.Where(kv => IsBlank(kv.Value)).Select(kv => type.Field(kv.Key)!)
            .Where(f => !f.Nillable && f.Type != FieldType.Boolean).Select(f => f.Name).ToArray();
        if (blanked.Length > 0)
            throw new SalesforceException(400, "REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", blanked)}]", blanked);
        Validate(type, values, record);
        ValidateStreaming(type, values, record);
        var now = _clock.GetUtcNow();
        values["LastModifiedDate"] = now;
        values["LastModifiedById"] = callerId;
        values["SystemModstamp"] = now;
        Derive(type, values, record, creating: false);
        // What actually changed, for the change event (only entities selected for Change Data Capture have one).
        var changed = _org.ChangeDataCapture.Contains(type.Name) ? values.Where(kv => !Equals(record[kv.Key], kv.Value)).Select(kv => kv.Key).ToList() : null;
        var touched = HasPushTopics ? values.Where(kv => !Equals(record[kv.Key], kv.Value)).Select(kv => kv.Key).ToList() : null;
        _org.Records.Set(record, values);
        if (changed is not null && changed.Any(c => c is not ("LastModifiedDate" or "LastModifiedById" or "SystemModstamp")))
            ChangeEvent(callerId, record, "UPDATE", changed, changed.Where(c => record[c] is null).ToList());
        if (touched is not null) PushTopicEvents(record, "updated", touched);
    }

    public void Delete(SRecord record, string? callerId = null)
    {
        if (!record.Type.Deletable)
            throw new SalesforceException(400, "INVALID_TYPE_FOR_OPERATION", $"entity type cannot be deleted: {record.Type.Label ?? record.Type.Name}");
        if (record.IsDeleted) throw new SalesforceException(404, "ENTITY_IS_DELETED", "entity is deleted");
        // A deleted record is sent with its values before the delete, as the topic's query selected it.
        if (HasPushTopics) PushTopicEvents(record, "deleted");
        _org.Records.SetDeleted(record, true);
        _org.Records.Set(record, new Dictionary<string, object?> { ["SystemModstamp"] = _clock.GetUtcNow() });
        ChangeEvent(callerId ?? record.GetString("LastModifiedById") ?? "", record, "DELETE", [], []);
    }

    /// <summary>Upsert by an external-id (or idLookup) field: 201 created, 200 updated, 300 when several records match.</summary>
    public (SRecord Record, bool Created) Upsert(string callerId, ObjectDef type, string fieldName, string value, JsonObject body, string urlPrefix)
    {
        var field = ExternalIdField(type, fieldName);
        if (field.Name == "Id")
        {
            if (!SalesforceId.TryNormalize(value, out var id) || _org.Records.Get(id) is not { IsDeleted: false } existing || existing.Type != type)
                throw SalesforceException.NotFound();
            Update(callerId, existing, body);
            return (existing, false);
        }
        var matchValue = FieldValues.FromJson(field, JsonValue.Create(value)) ?? value;
        var matches = _org.Records.FindBy(type, field, matchValue).ToList();
        if (matches.Count > 1)
        {
            throw new MultipleMatchesException(matches.Select(m => $"{urlPrefix}/sobjects/{type.Name}/{m.Id}").ToList());
        }
        var copy = (JsonObject)body.DeepClone();
        if (copy.ContainsKey("Id"))
            throw new SalesforceException(400, "INVALID_FIELD", "Id is not a valid field for upsert; use the external id in the URL.", "Id");
        if (matches.Count == 1)
        {
            copy.Remove(field.Name);
            Update(callerId, matches[0], copy);
            return (matches[0], false);
        }
        copy[field.Name] = JsonValue.Create(value);
        return (Create(callerId, type, copy), true);
    }

    /// <summary>Whether an upsert on this external-id value inserts (no record has it): an upsert result says so even when it fails.</summary>
    public bool UpsertWouldCreate(ObjectDef type, FieldDef field, JsonNode? value)
    {
        try
        {
            return FieldValues.FromJson(field, value) is not { } match || !_org.Records.FindBy(type, field, match).Any();
        }
        catch (SalesforceException)
        {
            return true;
        }
    }

    public static FieldDef ExternalIdField(ObjectDef type, string fieldName)
    {
        var field = type.Field(fieldName);
        if (field is null || !(field.ExternalId || field.IdLookup))
            throw new SalesforceException(404, "NOT_FOUND", $"Provided external ID field does not exist or is not accessible: {fieldName}");
        return field;
    }

    private Dictionary<string, object?> ReadBody(ObjectDef type, JsonObject body, bool system, bool creating)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, node) in body)
        {
            if (name == "attributes") continue;
            var field = type.Field(name)
                ?? throw new SalesforceException(400, "INVALID_FIELD", $"No such column '{name}' on sobject of type {type.Name}", name);
            if (name.Equals("Id", StringComparison.OrdinalIgnoreCase) && !creating) continue;
            // A compound address is read from its parts, never written, not even by the platform.
            if (field.Type == FieldType.Address || !system && (creating ? !field.Createable : !field.Updateable))
                throw new SalesforceException(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                    $"Unable to create/update fields: {field.Name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", field.Name);
            values[field.Name] = FieldValues.FromJson(field, node);
        }
        return values;
    }

    /// <summary>A display format filled in: {0…0} the number padded to its width, {YYYY} {YY} {MM} {DD} the date.</summary>
    internal static string AutoNumber(string format, long number, DateTimeOffset now) => AutoNumberToken().Replace(format, m => m.Groups[1].Value switch
    {
        "YYYY" => now.ToString("yyyy", System.Globalization.CultureInfo.InvariantCulture),
        "YY" => now.ToString("yy", System.Globalization.CultureInfo.InvariantCulture),
        "MM" => now.ToString("MM", System.Globalization.CultureInfo.InvariantCulture),
        "DD" => now.ToString("dd", System.Globalization.CultureInfo.InvariantCulture),
        var zeros => number.ToString(new string('0', zeros.Length), System.Globalization.CultureInfo.InvariantCulture),
    });

    [GeneratedRegex(@"\{(0+|YYYY|YY|MM|DD)\}")]
    private static partial Regex AutoNumberToken();

    /// <summary>10 to the power of a field's whole digits: the first number it cannot hold.</summary>
    private static decimal Pow10(int digits)
    {
        var p = 1m;
        for (var i = 0; i < Math.Min(digits, 28); i++) p *= 10;
        return p;
    }

    private static bool IsBlank(object? v) => v is null || v is string s && s.Length == 0;

    private void Validate(ObjectDef type, Dictionary<string, object?> values, SRecord? existing)
    {
        foreach (var (name, value) in values)
        {
            var f = type.Field(name);
            if (f is null || value is null) continue;
            if (value is string s)
            {
                if (f.Type.IsText() && f.Length > 0 && s.Length > f.Length && f.Type != FieldType.MultiPicklist)
                    throw new SalesforceException(400, "STRING_TOO_LONG", $"{f.DisplayLabel}: data value too large: {Shorten(s)} (max length={f.Length})", f.Name);
                if (f.Type == FieldType.Email && s.Length > 0 && !EmailPattern().IsMatch(s))
                    throw new SalesforceException(400, "INVALID_EMAIL_ADDRESS", $"{f.DisplayLabel}: invalid email address: {s}", f.Name);
                if (f.Type == FieldType.Picklist && f.RestrictedPicklist && s.Length > 0 && !f.PicklistValues.Contains(s, StringComparer.Ordinal))
                    throw new SalesforceException(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"{f.DisplayLabel}: bad value for restricted picklist field: {s}", f.Name);
                if (f.Type == FieldType.Base64 && !IsBase64(s))
                    throw SalesforceException.JsonParser($"Cannot deserialize instance of base64 from VALUE_STRING value {Shorten(s)} or request may be missing a required field");
                if (f.Type == FieldType.Reference && s.Length > 0) values[name] = CheckReference(f, s);
            }
            if (f.Type.IsNumber() && f.Precision > 0 && value is decimal number && Math.Abs(number) >= Pow10(f.Precision - f.Scale))
                throw new SalesforceException(400, "NUMBER_OUTSIDE_VALID_RANGE", $"{f.DisplayLabel}: value outside of valid range on numeric field: {number.ToString(System.Globalization.CultureInfo.InvariantCulture)}", f.Name);
            if (f.Unique) RefuseDuplicate(type, f, value, existing?.Id);
        }
    }

    /// <summary>DUPLICATE_VALUE when another live record holds this unique field's value.</summary>
    private void RefuseDuplicate(ObjectDef type, FieldDef f, object value, string? ownId)
    {
        if (_org.Records.FindBy(type, f, value).FirstOrDefault(r => r.Id != ownId) is { } clash)
            throw new SalesforceException(400, "DUPLICATE_VALUE", $"duplicate value found: {f.Name} duplicates value on record with id: {clash.Id}", f.Name);
    }

    private string CheckReference(FieldDef f, string value)
    {
        if (!SalesforceId.TryNormalize(value, out var id))
            throw new SalesforceException(400, "MALFORMED_ID", $"{f.DisplayLabel}: id value of incorrect type: {value}", f.Name);
        var target = _org.Schema.ForId(id);
        if (target is null || (f.ReferenceTo.Count > 0 && !f.ReferenceTo.Contains(target.Name, StringComparer.OrdinalIgnoreCase)))
            throw new SalesforceException(400, "FIELD_INTEGRITY_EXCEPTION", $"{f.DisplayLabel}: id value of incorrect type: {value}", f.Name);
        var record = _org.Records.Get(id);
        if (record is null) throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id", f.Name);
        if (record.IsDeleted) throw new SalesforceException(400, "ENTITY_IS_DELETED", "entity is deleted", f.Name);
        return id;
    }

    private static bool IsBase64(string s)
    {
        Span<byte> buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    /// <summary>Derived fields: compound names, case numbers, closed flags.</summary>
    private void Derive(ObjectDef type, Dictionary<string, object?> values, SRecord? existing, bool creating)
    {
        object? Current(string f) => values.TryGetValue(f, out var v) ? v : existing?[f];
        if (type.Name is "Contact" or "Lead" or "User" && (values.ContainsKey("FirstName") || values.ContainsKey("LastName") || creating))
            values["Name"] = $"{Current("FirstName")} {Current("LastName")}".Trim();
        if (type.Name == "Case")
        {
            if (creating) values["CaseNumber"] = (++_org.Records.CaseNumberCounter).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);
            var closed = Equals(Current("Status"), "Closed");
            values["IsClosed"] = closed;
            if (creating) values["IsClosedOnCreate"] = closed;
            if (closed && existing?["ClosedDate"] is null) values["ClosedDate"] = _clock.GetUtcNow();
            if (!closed) values["ClosedDate"] = null;
        }
        if (type.Name == "Task")
        {
            values["IsClosed"] = Equals(Current("Status"), "Completed");
            if (creating || values.ContainsKey("WhatId") || values.ContainsKey("WhoId")) values["AccountId"] = ActivityViews.TaskAccount(_org, Current("WhatId") as string, Current("WhoId") as string);
        }
        if (type.Name == "Lead" && creating) values["IsConverted"] = false;
        if (type.Name == "Opportunity") DeriveOpportunity(values, Current, creating);
        if (creating)
        {
            foreach (var f in type.Fields.Where(f => f.AutoNumberFormat is not null))
            {
                var key = type.Name + "." + f.Name;
                var next = _org.Records.AutoNumbers.GetValueOrDefault(key) + 1;
                _org.Records.AutoNumbers[key] = next;
                values[f.Name] = AutoNumber(f.AutoNumberFormat!, next, _clock.GetUtcNow());
            }
        }
    }

    /// <summary>An opportunity's stage sets its probability (unless given), forecast category and closed/won flags; its close date its fiscal period.</summary>
    private static void DeriveOpportunity(Dictionary<string, object?> values, Func<string, object?> current, bool creating)
    {
        if (creating || values.ContainsKey("StageName"))
        {
            var stage = StandardObjects.OpportunityStages.FirstOrDefault(s => Equals(s.Stage, current("StageName")));
            if (stage.Stage is not null)
            {
                if (!values.ContainsKey("Probability")) values["Probability"] = (decimal)stage.Probability;
                values["IsClosed"] = stage.Closed;
                values["IsWon"] = stage.Won;
                values["ForecastCategory"] = stage.Forecast;
                if (!values.ContainsKey("ForecastCategoryName")) values["ForecastCategoryName"] = stage.Forecast;
            }
        }
        values["ExpectedRevenue"] = current("Amount") is decimal amount && current("Probability") is decimal probability ? amount * probability / 100m : null;
        if (current("CloseDate") is DateOnly close)
        {
            values["FiscalYear"] = (decimal)close.Year;
            values["FiscalQuarter"] = (decimal)((close.Month - 1) / 3 + 1);
            values["Fiscal"] = $"{close.Year} {(close.Month - 1) / 3 + 1}";
        }
    }

    /// <summary>A new ContentVersion creates its ContentDocument and links it to FirstPublishLocationId.</summary>
    private void AfterCreate(string callerId, SRecord record)
    {
        if (record.Type.Name != "ContentVersion") return;
        var path = record.GetString("PathOnClient") ?? "";
        var ext = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        var size = Convert.FromBase64String(record.GetString("VersionData") ?? "").Length;
        var docId = record.GetString("ContentDocumentId");
        var versionNumber = 1;
        if (docId is null)
        {
            var doc = Create(callerId, _org.Schema.Require("ContentDocument"), new JsonObject { ["Title"] = record.GetString("Title") }, system: true);
            docId = doc.Id;
            if (record.GetString("FirstPublishLocationId") is { } location)
            {
                Create(callerId, _org.Schema.Require("ContentDocumentLink"),
                    new JsonObject { ["ContentDocumentId"] = docId, ["LinkedEntityId"] = location, ["ShareType"] = "V" }, system: true);
            }
        }
        else
        {
            foreach (var older in _org.Records.OfType("ContentVersion").Where(v => v.GetString("ContentDocumentId") == docId && v.Id != record.Id))
            {
                _org.Records.Set(older, new Dictionary<string, object?> { ["IsLatest"] = false });
                versionNumber++;
            }
        }
        var fileType = ext switch { "pdf" => "PDF", "txt" or "log" => "TEXT", "png" => "PNG", "jpg" or "jpeg" => "JPG", "wav" => "WAV", "mp3" => "MP3", "json" => "JSON", "csv" => "CSV", "" => "UNKNOWN", _ => ext.ToUpperInvariant() };
        _org.Records.Set(record, new Dictionary<string, object?>
        {
            ["ContentDocumentId"] = docId, ["IsLatest"] = true, ["ContentSize"] = (decimal)size, ["FileExtension"] = ext,
            ["FileType"] = fileType, ["VersionNumber"] = versionNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var document = _org.Records.Get(docId)!;
        _org.Records.Set(document, new Dictionary<string, object?>
        {
            ["LatestPublishedVersionId"] = record.Id, ["FileType"] = fileType, ["FileExtension"] = ext, ["ContentSize"] = (decimal)size,
            ["Title"] = record.GetString("Title"),
        });
    }
}

/// <summary>An external-id upsert matched several records: HTTP 300 with their URLs.</summary>
public sealed class MultipleMatchesException(IReadOnlyList<string> urls) : Exception("More than one record matches the external id.")
{
    public IReadOnlyList<string> Urls { get; } = urls;
}
