using System.Text.Json.Nodes;
using ContactBridge.Emulator.Soql;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// PushTopic streaming (<c>/topic/{Name}</c>): a write to a record that an active PushTopic's query selects sends the
/// topic's subscribers the record's selected fields and the event type (created, updated, deleted, undeleted), when the
/// topic notifies for that operation and — for updates — when a field it watches changed (NotifyForFields: All, Referenced
/// (the fields the query selects or filters on), Select or Where).
/// </summary>
public sealed partial class RecordWriter
{
    private bool HasPushTopics => _org.Records.OfType("PushTopic").Count > 0;

    private void ValidateStreaming(Schema.ObjectDef type, Dictionary<string, object?> values, SRecord? existing)
    {
        if (type.Name == "PushTopic") ValidatePushTopic(values, existing);
        else if (type.Name == "StreamingChannel") ValidateStreamingChannel(values);
    }

    /// <summary>A PushTopic's query must be one Salesforce would run for it: valid SOQL, no aggregates, subqueries, ORDER BY or LIMIT.</summary>
    private void ValidatePushTopic(Dictionary<string, object?> values, SRecord? existing)
    {
        var text = values.TryGetValue("Query", out var q) ? q as string : existing?.GetString("Query");
        if (text is null) return;
        SoqlQuery query;
        try
        {
            query = SoqlParser.Parse(text);
            // Run over no records: the engine checks the object and every field against the schema first.
            // A topic's events carry fields as they change, which a compound (an address) does not: its parts do.
            new SoqlEngine(_org, _clock, "62.0") { CompoundRefused = ("INVALID_FIELD", "compound fields (an address) cannot be selected in a PushTopic query; select their parts") }
                .ExecuteAmong(text, _ => false, []);
        }
        catch (SalesforceException e)
        {
            throw new SalesforceException(400, "INVALID_FIELD", "Query: " + e.Message, "Query");
        }
        if (query.Select.Any(s => s is not FieldItem) || query.OrderBy.Count > 0 || query.Limit is not null || query.GroupBy.Count > 0)
            throw new SalesforceException(400, "INVALID_FIELD", "Query: a PushTopic query selects fields only, with no aggregate, subquery, ORDER BY, GROUP BY or LIMIT.", "Query");
    }

    private static void ValidateStreamingChannel(Dictionary<string, object?> values)
    {
        if (values.TryGetValue("Name", out var name) && name is string s && !s.StartsWith("/u/", StringComparison.Ordinal))
            throw new SalesforceException(400, "INVALID_FIELD", $"Name: a streaming channel's name starts with /u/ (/u/notifications), not {s}.", "Name");
    }

    /// <summary>Sends the record to every active PushTopic that selects it and notifies for this operation.</summary>
    private void PushTopicEvents(SRecord record, string eventType, IReadOnlyCollection<string>? changed = null)
    {
        foreach (var topic in _org.Records.OfType("PushTopic").Where(t => !t.IsDeleted && t["IsActive"] is true).ToList())
        {
            var operation = eventType switch { "created" => "NotifyForOperationCreate", "updated" => "NotifyForOperationUpdate", "deleted" => "NotifyForOperationDelete", _ => "NotifyForOperationUndelete" };
            if (topic[operation] is not true || topic.GetString("Query") is not { } text || topic.GetString("Name") is not { } name) continue;
            SoqlQuery query;
            try
            {
                query = SoqlParser.Parse(text);
            }
            catch (SalesforceException)
            {
                continue;
            }
            if (!query.From.Equals(record.Type.Name, StringComparison.OrdinalIgnoreCase)) continue;
            if (changed is not null && !Watches(topic.GetString("NotifyForFields") ?? "Referenced", query, changed)) continue;
            SoqlResult result;
            try
            {
                result = new SoqlEngine(_org, _clock, "62.0").ExecuteAmong(text, r => r.Id == record.Id, [record]);
            }
            catch (SalesforceException)
            {
                continue;
            }
            if (result.Records.Count == 0) continue;
            var sobject = (JsonObject)result.Records[0].DeepClone();
            sobject.Remove("attributes");
            // Salesforce evaluates topics after the commit, asynchronously: the event goes out a moment later, unless the write rolls back.
            var rolledBack = new CancellationTokenSource();
            _org.Records.OnRollback(rolledBack.Cancel);
            (_org.DeferredEvents ??= new Events.DeferredEvents(_org.Sync, _org.Events)).Enqueue("/topic/" + name, new JsonObject
            {
                ["event"] = new JsonObject { ["createdDate"] = FieldValues.FormatDateTime(_clock.GetUtcNow()), ["type"] = eventType },
                ["sobject"] = sobject,
            }, rolledBack.Token);
        }
    }

    private static bool Watches(string notifyFor, SoqlQuery query, IReadOnlyCollection<string> changed)
    {
        var selected = query.Select.OfType<FieldItem>().Select(f => f.Path.Parts[0]);
        var filtered = FilterFields(query.Where);
        IEnumerable<string> watched = notifyFor switch
        {
            "All" => changed,
            "Select" => selected,
            "Where" => filtered,
            _ => selected.Concat(filtered),
        };
        return watched.Any(w => changed.Contains(w, StringComparer.OrdinalIgnoreCase) && w is not ("LastModifiedDate" or "LastModifiedById" or "SystemModstamp"));
    }

    private static IEnumerable<string> FilterFields(Condition? condition) => condition switch
    {
        Comparison c => [c.Field.Parts[0]],
        AndCondition a => a.Parts.SelectMany(FilterFields),
        OrCondition o => o.Parts.SelectMany(FilterFields),
        NotCondition n => FilterFields(n.Inner),
        _ => [],
    };
}
