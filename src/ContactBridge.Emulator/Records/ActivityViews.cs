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
        // A task's account is read as it is now (its contact may have moved to another account, or been merged), not as it was stored.
        string? Through(SRecord t) => field == "AccountId" ? TaskAccount(org, t.GetString("WhatId"), t.GetString("WhoId")) : t.GetString(field);
        var tasks = org.Records.OfType("Task")
            .Where(t => !t.IsDeleted && t["IsClosed"] is bool c && c == closed && string.Equals(Through(t), parent.Id, StringComparison.OrdinalIgnoreCase));
        var dated = closed
            ? tasks.OrderByDescending(t => t["ActivityDate"] as DateOnly? ?? DateOnly.MinValue)
            : tasks.OrderBy(t => t["ActivityDate"] as DateOnly? ?? DateOnly.MaxValue);
        return dated.ThenByDescending(t => t["LastModifiedDate"] as DateTimeOffset? ?? DateTimeOffset.MinValue).Select(t => Row(org, view, t));
    }

    /// <summary>A task's account: its What when that is an account, else the account of its What (a case, an opportunity) or of its Who (a contact).</summary>
    public static string? TaskAccount(SalesforceOrg org, string? whatId, string? whoId)
    {
        ArgumentNullException.ThrowIfNull(org);
        var what = whatId is null ? null : org.Records.Get(whatId);
        if (what is { Type.Name: "Account" }) return what.Id;
        if (what?.GetString("AccountId") is { } viaWhat) return viaWhat;
        var who = whoId is null ? null : org.Records.Get(whoId);
        return who is { Type.Name: "Contact" } ? who.GetString("AccountId") : null;
    }

    private static SRecord Row(SalesforceOrg org, ObjectDef view, SRecord task)
    {
        var row = new SRecord(view, task.Id);
        foreach (var f in view.Fields)
        {
            if (task.Values.TryGetValue(f.Name, out var value)) row.Values[f.Name] = value;
        }
        row.Values["AccountId"] = TaskAccount(org, task.GetString("WhatId"), task.GetString("WhoId"));
        row.Values["IsTask"] = true;
        row.Values["ActivityType"] = task["Type"];
        row.Values["IsHighPriority"] = Equals(task["Priority"], "High");
        return row;
    }
}
