using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// The rows of the activity views a parent record lists (Account.ActivityHistories, Contact.OpenActivities …): its tasks, closed
/// for ActivityHistory and open for OpenActivity, read as records of the view, in the order Salesforce gives them when the query
/// names none (history: latest due date first; open: soonest first).
/// </summary>
public static class ActivityViews
{
    public static bool IsView(ObjectDef type) => type.Name is "ActivityHistory" or "OpenActivity";

    /// <summary>The view's rows for <paramref name="parent"/>, through the task field the relationship names (AccountId, WhoId or WhatId).</summary>
    public static IEnumerable<SRecord> Rows(SalesforceOrg org, ObjectDef view, string field, SRecord parent)
    {
        ArgumentNullException.ThrowIfNull(org);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(parent);
        var closed = view.Name == "ActivityHistory";
        var tasks = org.Records.OfType("Task")
            .Where(t => !t.IsDeleted && t["IsClosed"] is bool c && c == closed && string.Equals(t.GetString(field), parent.Id, StringComparison.OrdinalIgnoreCase));
        var dated = closed
            ? tasks.OrderByDescending(t => t["ActivityDate"] as DateOnly? ?? DateOnly.MinValue)
            : tasks.OrderBy(t => t["ActivityDate"] as DateOnly? ?? DateOnly.MaxValue);
        return dated.ThenByDescending(t => t["LastModifiedDate"] as DateTimeOffset? ?? DateTimeOffset.MinValue).Select(t => Row(view, t));
    }

    private static SRecord Row(ObjectDef view, SRecord task)
    {
        var row = new SRecord(view, task.Id);
        foreach (var f in view.Fields)
        {
            if (task.Values.TryGetValue(f.Name, out var value)) row.Values[f.Name] = value;
        }
        row.Values["IsTask"] = true;
        row.Values["ActivityType"] = task["Type"];
        row.Values["IsHighPriority"] = Equals(task["Priority"], "High");
        return row;
    }
}
