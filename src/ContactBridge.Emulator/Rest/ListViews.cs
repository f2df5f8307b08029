using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using ContactBridge.Emulator.Soql;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// List views (<c>/sobjects/X/listviews</c>, <c>/listviews/{id}</c>, <c>/{id}/describe</c>, <c>/{id}/results</c>, and
/// <c>query?explain={id}</c>): the standard views a new org has on its tabbed objects — all records, the user's own,
/// and those created this week — each a SOQL query over the object's list columns, run as the caller.
/// </summary>
public static class ListViews
{
    /// <summary>The objects with a tab, and so with list views, in a new org.</summary>
    private static readonly HashSet<string> Tabbed = new(["Account", "Contact", "Lead", "Case", "Opportunity"], StringComparer.Ordinal);

    /// <summary>One list view: its developer name, label, scope and filter.</summary>
    public sealed record View(string Id, ObjectDef Type, string DeveloperName, string Label, string Scope, string? Where);

    public static IReadOnlyList<View> For(RestContext ctx, ObjectDef type)
    {
        if (!Tabbed.Contains(type.Name)) return [];
        var plural = type.LabelPlural ?? type.Name;
        View Make(string developerName, string label, string scope, string? where) =>
            new(SalesforceId.New("00B", ctx.Org.Pod, SalesforceId.StableNumber(type.Name + "/" + developerName)), type, developerName, label, scope, where);
        return
        [
            Make("All" + plural.Replace(" ", "", StringComparison.Ordinal), "All " + plural, "everything", null),
            Make("My" + plural.Replace(" ", "", StringComparison.Ordinal), "My " + plural, "mine", $"OwnerId = '{ctx.UserId}'"),
            Make("NewThisWeek", "New This Week", "everything", "CreatedDate = THIS_WEEK"),
        ];
    }

    /// <summary>The view with this id, on whichever object has it.</summary>
    public static View? Find(RestContext ctx, string id) =>
        SalesforceId.TryNormalize(id, out var id18) ? ctx.Org.Schema.Objects.SelectMany(o => For(ctx, o)).FirstOrDefault(v => v.Id == id18) : null;

    public static RestResult Route(RestContext ctx, ObjectDef type, string[] rest, IReadOnlyDictionary<string, string> query)
    {
        var views = For(ctx, type);
        if (rest.Length == 0)
        {
            return new RestResult(200, new JsonObject
            {
                ["done"] = true, ["listviews"] = new JsonArray([.. views.Select(v => (JsonNode)Summary(ctx, v))]), ["nextRecordsUrl"] = null,
                ["size"] = views.Count, ["sobjectType"] = type.Name,
            });
        }
        var view = SalesforceId.TryNormalize(rest[0], out var id18) ? views.FirstOrDefault(v => v.Id == id18) : null;
        if (view is null) throw new SalesforceException(404, "NOT_FOUND", $"No list view {rest[0]} on {type.Name}.");
        return rest[1..] switch
        {
            [] => new RestResult(200, Summary(ctx, view)),
            ["describe"] => new RestResult(200, DescribeView(ctx, view)),
            ["results"] => new RestResult(200, Results(ctx, view, query)),
            _ => throw SalesforceException.NotFound(),
        };
    }

    private static JsonObject Summary(RestContext ctx, View v)
    {
        var url = $"{ctx.DataPath}/sobjects/{v.Type.Name}/listviews/{v.Id}";
        return new JsonObject
        {
            ["describeUrl"] = url + "/describe", ["developerName"] = v.DeveloperName, ["id"] = v.Id, ["label"] = v.Label,
            ["resultsUrl"] = url + "/results", ["soqlCompatible"] = true, ["url"] = url,
        };
    }

    /// <summary>A column: a field of the object, or the name of the record a lookup points at (Account.Name).</summary>
    private sealed record Column(string Path, string Label, FieldDef Field, bool Hidden);

    private static List<Column> Columns(RestContext ctx, ObjectDef type)
    {
        var columns = new List<Column>();
        foreach (var f in Lightning.RecordDisplay.ListColumns(type))
        {
            if (f.Type == FieldType.Reference && !f.IsPolymorphic && f.RelationshipName is { } rel
                && ctx.Org.Schema.Find(f.ReferenceTo[0])?.NameFieldDef is { } parentName)
                columns.Add(new Column($"{rel}.{parentName.Name}", Lightning.RecordDisplay.Label(f), parentName, false));
            else
                columns.Add(new Column(f.Name, f.DisplayLabel, f, false));
        }
        columns.Add(new Column("Id", type.Field("Id")!.DisplayLabel, type.Field("Id")!, true));
        return columns;
    }

    /// <summary>The SOQL a list view runs (also for <c>query?explain={listViewId}</c>).</summary>
    public static string Soql(RestContext ctx, View v)
    {
        var columns = Columns(ctx, v.Type);
        return $"SELECT {string.Join(", ", columns.Select(c => c.Path))} FROM {v.Type.Name}" + (v.Where is null ? "" : " WHERE " + v.Where)
               + $" ORDER BY {columns[0].Path} ASC NULLS FIRST, Id ASC NULLS FIRST";
    }

    private static JsonArray ColumnsJson(RestContext ctx, View v)
    {
        var columns = Columns(ctx, v.Type);
        return new JsonArray([.. columns.Select((c, i) => (JsonNode)new JsonObject
        {
            ["ascendingLabel"] = c.Field.Type.IsText() ? "Z-A" : "9-0", ["descendingLabel"] = c.Field.Type.IsText() ? "A-Z" : "0-9",
            ["fieldNameOrPath"] = c.Path, ["hidden"] = c.Hidden, ["label"] = c.Label, ["searchable"] = c.Field.Type.IsText(),
            ["selectListItem"] = c.Path, ["sortDirection"] = i == 0 ? "ascending" : null, ["sortIndex"] = i == 0 ? 0 : null,
            ["sortable"] = c.Field.Type is not (FieldType.TextArea or FieldType.MultiPicklist), ["type"] = c.Field.Type.ToDescribe(),
        })]);
    }

    private static JsonObject DescribeView(RestContext ctx, View v)
    {
        var first = Columns(ctx, v.Type)[0].Path;
        return new JsonObject
        {
            ["columns"] = ColumnsJson(ctx, v),
            ["id"] = v.Id,
            ["orderBy"] = new JsonArray(
                new JsonObject { ["fieldNameOrPath"] = first, ["nullsPosition"] = "first", ["sortDirection"] = "ascending" },
                new JsonObject { ["fieldNameOrPath"] = "Id", ["nullsPosition"] = "first", ["sortDirection"] = "ascending" }),
            ["query"] = Soql(ctx, v),
            ["relatedEntityId"] = null,
            ["scope"] = v.Scope,
            ["scopeEntityId"] = null,
            ["sobjectType"] = v.Type.Name,
            ["whereCondition"] = v.Where is null
                ? new JsonObject { ["conditions"] = new JsonArray(), ["conjunction"] = "and" }
                : new JsonObject
                {
                    ["field"] = v.Where.Split(' ')[0], ["operator"] = "equals",
                    ["values"] = new JsonArray(v.Where[(v.Where.IndexOf("= ", StringComparison.Ordinal) + 2)..]),
                },
        };
    }

    private static JsonObject Results(RestContext ctx, View v, IReadOnlyDictionary<string, string> query)
    {
        static int Number(IReadOnlyDictionary<string, string> q, string name, int fallback, int max)
        {
            if (!q.TryGetValue(name, out var text) || text.Length == 0) return fallback;
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max
                ? n
                : throw new SalesforceException(400, "INVALID_QUERY_PARAMETER", $"{name} must be a whole number from 0 to {max}.");
        }
        var limit = Number(query, "limit", 25, 2000);
        var offset = Number(query, "offset", 0, 2000);
        var columns = Columns(ctx, v.Type);
        var result = new SoqlEngine(ctx.Org, ctx.State.Clock, ctx.Version).Execute(Soql(ctx, v), includeDeleted: false);
        var page = result.Records.Skip(offset).Take(limit).ToList();
        return new JsonObject
        {
            ["columns"] = ColumnsJson(ctx, v),
            ["developerName"] = v.DeveloperName,
            ["done"] = offset + page.Count >= result.Records.Count,
            ["id"] = v.Id,
            ["label"] = v.Label,
            ["records"] = new JsonArray([.. page.Select(r => (JsonNode)new JsonObject
            {
                ["columns"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
                {
                    ["fieldNameOrPath"] = c.Path, ["value"] = Bulk.BulkJobs.Flatten(r, c.Path) is { Length: > 0 } text ? text : null,
                })]),
            })]),
            ["size"] = result.Records.Count,
        };
    }
}
