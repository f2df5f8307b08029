using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using ContactBridge.Emulator.Soql;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// REST resources beside records and queries: the user's recently viewed items (<c>/recent</c>), data replication
/// (<c>/sobjects/X/updated</c> and <c>/deleted</c>), the tabs and theme the user's apps show, and query plans (<c>query?explain=</c>).
/// </summary>
internal static class ReplicationAndUi
{
    /// <summary>The records marked by <c>FOR VIEW</c> or <c>FOR REFERENCE</c>, newest first, those still there (<c>?limit=n</c>, 200 at most).</summary>
    public static RestResult Recent(RestContext ctx, IReadOnlyDictionary<string, string> query)
    {
        var limit = RecentlyViewed.MaxPerUser;
        if (query.TryGetValue("limit", out var text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            throw new SalesforceException(400, "INVALID_QUERY_FILTER_OPERATOR", $"limit must be a positive whole number, not '{text}'.");
        var items = ctx.Org.RecentlyViewed.Of(ctx.UserId).Select(ctx.Org.Records.Get).OfType<SRecord>().Where(r => !r.IsDeleted).Take(limit)
            .Select(r => (JsonNode)new JsonObject
            {
                ["attributes"] = new JsonObject { ["type"] = r.Type.Name, ["url"] = $"{ctx.DataPath}/sobjects/{r.Type.Name}/{r.Id}" },
                ["Id"] = r.Id,
                ["Name"] = r.Type.NameFieldDef is { } name ? r.GetString(name.Name) : r.Id,
            });
        return new RestResult(200, new JsonArray([.. items]));
    }

    /// <summary>After a <c>FOR VIEW</c> or <c>FOR REFERENCE</c> query: its records are the user's most recently viewed.</summary>
    public static void MarkViewed(RestContext ctx, SoqlResult result)
    {
        if (result.ForClause is not ("VIEW" or "REFERENCE")) return;
        ctx.Org.RecentlyViewed.Mark(ctx.UserId, result.Records.Select(r => r["Id"]?.GetValue<string>()).OfType<string>().Reverse());
    }

    /// <summary>The ids of the object's records created or changed in the window (<c>?start=…&amp;end=…</c>, seconds ignored, 30 days back at most).</summary>
    public static RestResult Updated(RestContext ctx, ObjectDef type, IReadOnlyDictionary<string, string> query)
    {
        var (start, end) = Window(ctx, query, TimeSpan.FromDays(30));
        var ids = ctx.Org.Records.OfType(type.Name).Where(r => !r.IsDeleted && Modstamp(r) is { } at && at >= start && at < end).Select(r => (JsonNode)r.Id);
        return new RestResult(200, new JsonObject { ["ids"] = new JsonArray([.. ids]), ["latestDateCovered"] = Format(end) });
    }

    /// <summary>The object's records deleted in the window, with when (15 days back at most, as the delete log keeps them).</summary>
    public static RestResult Deleted(RestContext ctx, ObjectDef type, IReadOnlyDictionary<string, string> query)
    {
        var (start, end) = Window(ctx, query, TimeSpan.FromDays(15));
        var deleted = ctx.Org.Records.OfType(type.Name).Where(r => r.IsDeleted && Modstamp(r) is { } at && at >= start && at < end)
            .Select(r => (JsonNode)new JsonObject { ["id"] = r.Id, ["deletedDate"] = Format(Modstamp(r)!.Value) });
        var now = ctx.State.Clock.GetUtcNow();
        return new RestResult(200, new JsonObject
        {
            ["deletedRecords"] = new JsonArray([.. deleted]), ["earliestDateAvailable"] = Format(Minute(now - TimeSpan.FromDays(15))), ["latestDateCovered"] = Format(end),
        });
    }

    private static DateTimeOffset? Modstamp(SRecord r) => r.Values.GetValueOrDefault("SystemModstamp") as DateTimeOffset?;

    private static DateTimeOffset Minute(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero);

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);

    /// <summary>The start and end of a replication window, checked as Salesforce checks them (INVALID_REPLICATION_DATE).</summary>
    private static (DateTimeOffset Start, DateTimeOffset End) Window(RestContext ctx, IReadOnlyDictionary<string, string> query, TimeSpan reach)
    {
        DateTimeOffset Read(string name) =>
            query.TryGetValue(name, out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? Minute(at.ToUniversalTime())
                : throw new SalesforceException(400, "INVALID_REPLICATION_DATE",
                    $"'{name}' must be a date and time in ISO 8601, such as 2026-01-31T09:30:00+00:00{(query.ContainsKey(name) ? "" : " (it is missing)")}.");
        var (start, end) = (Read("start"), Read("end"));
        var now = ctx.State.Clock.GetUtcNow();
        if (start >= end) throw new SalesforceException(400, "INVALID_REPLICATION_DATE", "start must be before end.");
        if (start < Minute(now - reach))
            throw new SalesforceException(400, "INVALID_REPLICATION_DATE", $"start must be within the last {reach.TotalDays:0} days.");
        return (start, end > now ? Minute(now) : end);
    }

    /// <summary>The user's tabs: one per object an app shows (the standard ones and the custom objects).</summary>
    public static RestResult Tabs(RestContext ctx)
    {
        var tabs = TabObjects(ctx).Select(o => (JsonNode)new JsonObject
        {
            ["colors"] = Colors(o), ["custom"] = o.Custom, ["iconUrl"] = IconUrl(ctx, o, 32), ["icons"] = Icons(ctx, o), ["label"] = o.LabelPlural ?? o.Name,
            ["miniIconUrl"] = IconUrl(ctx, o, 16), ["name"] = o.Custom ? o.Name[..^3] : "standard-" + o.Name, ["sobjectName"] = o.Name,
            ["url"] = $"{InstanceUrl(ctx)}/lightning/o/{o.Name}/home",
        });
        return new RestResult(200, new JsonArray([.. tabs]));
    }

    /// <summary>The colours and icons of the objects' tabs (Lightning's theme, Theme4).</summary>
    public static RestResult Theme(RestContext ctx) =>
        new(200, new JsonObject
        {
            ["themeItems"] = new JsonArray([.. TabObjects(ctx).Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["colors"] = Colors(o), ["icons"] = Icons(ctx, o) })]),
        });

    private static IEnumerable<ObjectDef> TabObjects(RestContext ctx) =>
        ctx.Org.Schema.Objects.Where(o => o.Queryable && !o.IsPlatformEvent && (o.Custom || o.Name is "Account" or "Contact" or "Lead" or "Case" or "Task" or "User"));

    private static JsonArray Colors(ObjectDef o) =>
        [new JsonObject { ["color"] = ColorOf(o), ["context"] = "primary", ["theme"] = "Theme4" }];

    private static JsonArray Icons(RestContext ctx, ObjectDef o) =>
    [
        new JsonObject { ["contentType"] = "image/svg+xml", ["height"] = 0, ["theme"] = "Theme4", ["url"] = IconUrl(ctx, o, 0), ["width"] = 0 },
        new JsonObject { ["contentType"] = "image/png", ["height"] = 120, ["theme"] = "Theme4", ["url"] = IconUrl(ctx, o, 120), ["width"] = 120 },
    ];

    private static string ColorOf(ObjectDef o) => o.Name switch
    {
        "Account" => "7F8DE1", "Contact" => "A094ED", "Lead" => "F88962", "Case" => "F2CF5B", "Task" => "4BC076", "User" => "65CAE4",
        _ => "5867E8",
    };

    private static string IconUrl(RestContext ctx, ObjectDef o, int size) =>
        $"{InstanceUrl(ctx)}/img/icon/t4v35/{(o.Custom ? "custom/custom1" : "standard/" + o.Name.ToLowerInvariant())}{(size == 0 ? ".svg" : $"_{size}.png")}";

    private static string InstanceUrl(RestContext ctx) => ctx.InstanceUrl.TrimEnd('/');

    /// <summary>
    /// How the query would run (<c>query?explain=SOQL</c>): a table scan, or an index when its filter names an indexed field (Id, Name,
    /// an external id, a lookup); the cardinality is what the query would return, the object's its record count. Nothing is returned.
    /// </summary>
    public static RestResult Explain(RestContext ctx, string soql)
    {
        var parsed = SoqlParser.Parse(soql);
        var type = ctx.Org.Schema.Find(parsed.From) ?? throw SalesforceException.InvalidType(parsed.From);
        var result = new SoqlEngine(ctx.Org, ctx.State.Clock, ctx.Version).Execute(soql, includeDeleted: false);
        var total = ctx.Org.Records.OfType(type.Name).Count(r => !r.IsDeleted);
        var cardinality = result.IsCount ? result.TotalSize : result.Records.Count;
        var indexed = FieldsOf(parsed.Where).Select(type.Field).OfType<FieldDef>()
            .Where(f => f.Name == "Id" || f.NameField || f.ExternalId || f.Type == FieldType.Reference).Select(f => f.Name).Distinct(StringComparer.Ordinal).ToList();
        var scan = new JsonObject
        {
            ["cardinality"] = cardinality, ["fields"] = new JsonArray(), ["leadingOperationType"] = "TableScan", ["notes"] = new JsonArray(),
            ["relativeCost"] = total == 0 ? 0.0 : Math.Round(0.65 + total / 100_000.0, 2), ["sobjectCardinality"] = total, ["sobjectType"] = type.Name,
        };
        if (indexed.Count == 0) return new RestResult(200, new JsonObject { ["plans"] = new JsonArray(scan) });
        var index = new JsonObject
        {
            ["cardinality"] = cardinality, ["fields"] = new JsonArray([.. indexed.Select(f => (JsonNode)f)]), ["leadingOperationType"] = "Index",
            ["notes"] = new JsonArray(), ["relativeCost"] = total == 0 ? 0.0 : Math.Round((double)cardinality / total, 3), ["sobjectCardinality"] = total,
            ["sobjectType"] = type.Name,
        };
        return new RestResult(200, new JsonObject { ["plans"] = new JsonArray(index, scan) });
    }

    /// <summary>The fields a filter compares directly (not through a relationship).</summary>
    private static IEnumerable<string> FieldsOf(Condition? condition) => condition switch
    {
        Comparison c when c.Field.Parts.Count == 1 => [c.Field.Parts[0]],
        AndCondition a => a.Parts.SelectMany(FieldsOf),
        OrCondition o => o.Parts.SelectMany(FieldsOf),
        _ => [],
    };
}
