using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.Records;

/// <summary>The records a merge changed: the victims deleted into the master, and the related records moved to it.</summary>
public sealed record MergeOutcome(string MasterId, IReadOnlyList<string> MergedIds, IReadOnlyList<string> UpdatedRelatedIds);

public sealed partial class RecordWriter
{
    /// <summary>Salesforce merges accounts, contacts, leads and cases, up to three records at a time.</summary>
    private static readonly HashSet<string> Mergeable = new(["Account", "Contact", "Lead", "Case"], StringComparer.Ordinal);

    /// <summary>
    /// Merges up to two records into a master of the same object (the SOAP API's merge): the master takes the field values
    /// given, every record that points at a victim points at the master instead, and the victims are deleted. All or nothing.
    /// </summary>
    public MergeOutcome Merge(string callerId, SRecord master, IReadOnlyList<SRecord> victims, JsonObject masterFields)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(victims);
        if (!Mergeable.Contains(master.Type.Name))
            throw new SalesforceException(400, "INVALID_TYPE", $"{master.Type.Name} records cannot be merged; merge accounts, contacts, leads or cases.");
        if (victims.Count is < 1 or > 2) throw new SalesforceException(400, "INVALID_ARGUMENT_TYPE", "A merge takes one or two records to merge into the master.");
        if (victims.Any(v => v.Type != master.Type)) throw new SalesforceException(400, "INVALID_ID_FIELD", "Every record merged must be of the master's object.");
        if (victims.Any(v => v.Id == master.Id)) throw new SalesforceException(400, "INVALID_ID_FIELD", "The master cannot be merged into itself.");
        if (victims.Select(v => v.Id).Distinct(StringComparer.Ordinal).Count() != victims.Count) throw new SalesforceException(400, "INVALID_ID_FIELD", "The same record is named twice to merge.");
        if (master.IsDeleted || victims.Any(v => v.IsDeleted)) throw new SalesforceException(400, "ENTITY_IS_DELETED", "entity is deleted");
        using var tx = _org.Records.Begin();
        if (masterFields.Count > 0) Update(callerId, master, masterFields);
        var victimIds = victims.Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        var moved = new List<string>();
        foreach (var type in _org.Schema.Objects)
        {
            var pointers = type.Fields.Where(f => f.Type == Schema.FieldType.Reference && f.ReferenceTo.Contains(master.Type.Name) && f.Updateable).ToList();
            if (pointers.Count == 0) continue;
            foreach (var related in _org.Records.OfType(type.Name).Where(r => !r.IsDeleted).ToList())
            {
                var changes = new JsonObject();
                foreach (var f in pointers.Where(f => related.GetString(f.Name) is { } target && victimIds.Contains(target))) changes[f.Name] = master.Id;
                if (changes.Count == 0) continue;
                Update(callerId, related, changes, system: true);
                moved.Add(related.Id);
            }
        }
        foreach (var victim in victims)
        {
            // The merged record remembers its master (MasterRecordId), as queryAll shows it in the recycle bin.
            if (victim.Type.Field("MasterRecordId") is not null) _org.Records.Set(victim, new Dictionary<string, object?> { ["MasterRecordId"] = master.Id });
            Delete(victim, callerId);
        }
        tx.Commit();
        return new MergeOutcome(master.Id, [.. victims.Select(v => v.Id)], moved);
    }

    /// <summary>Brings a deleted record back from the recycle bin, with its change event.</summary>
    public void Undelete(SRecord record, string callerId)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.IsDeleted) throw new SalesforceException(400, "UNDELETE_FAILED", "Entity is not in the recycle bin");
        // A unique value taken by another record since the delete keeps this one in the recycle bin.
        foreach (var f in record.Type.Fields.Where(f => f.Unique))
        {
            if (record[f.Name] is { } value) RefuseDuplicate(record.Type, f, value, record.Id);
        }
        _org.Records.SetDeleted(record, false);
        _org.Records.Set(record, new Dictionary<string, object?> { ["SystemModstamp"] = _clock.GetUtcNow() });
        ChangeEvent(callerId, record, "UNDELETE", [], []);
        if (HasPushTopics) PushTopicEvents(record, "undeleted");
    }
}
