using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// Page layouts as describe gives them (<c>/sobjects/X/describe/layouts</c>, <c>/layouts/{recordTypeId}</c>,
/// <c>/namedLayouts/{name}</c>, <c>/compactLayouts</c>, <c>/approvalLayouts</c>). The emulator's orgs have no record
/// types, so each object has its Master record type and one layout, made from its schema as a new org's default layout
/// is: an information section of the fields in two columns, a system section of who made and changed the record,
/// its related lists, and the standard buttons. The compact layout is the system default (the name and a few fields).
/// </summary>
public static class Layouts
{
    /// <summary>The Master record type every object has when none are defined.</summary>
    public const string MasterRecordTypeId = "012000000000000AAA";

    private static readonly string[] SystemFields = ["OwnerId", "CreatedById", "CreatedDate", "LastModifiedById", "LastModifiedDate"];
    private static readonly HashSet<string> Hidden = new(["Id", "IsDeleted", "SystemModstamp"], StringComparer.Ordinal);

    /// <summary>Named layouts Salesforce has for standard objects: the user's alternate (profile) layout.</summary>
    private static readonly Dictionary<string, string[]> Named = new(StringComparer.Ordinal) { ["User"] = ["UserAlt"] };

    public static RestResult Route(RestContext ctx, ObjectDef type, string[] rest)
    {
        return rest switch
        {
            ["layouts"] => new RestResult(200, new JsonObject
            {
                ["layouts"] = new JsonArray(Layout(ctx, type)),
                ["recordTypeMappings"] = new JsonArray(RecordTypeMapping(ctx, type)),
                ["recordTypeSelectorRequired"] = new JsonArray(false),
            }),
            ["layouts", var recordType] => SalesforceId.TryNormalize(recordType, out var id18) && id18 == MasterRecordTypeId
                ? new RestResult(200, Layout(ctx, type))
                : throw new SalesforceException(404, "NOT_FOUND", $"No record type {recordType} on {type.Name}: the org has only the Master record type ({MasterRecordTypeId})."),
            ["namedLayouts", var name] => Named.GetValueOrDefault(type.Name)?.Contains(name, StringComparer.Ordinal) == true
                ? new RestResult(200, new JsonObject
                {
                    ["layouts"] = new JsonArray(Layout(ctx, type, name)), ["recordTypeMappings"] = new JsonArray(), ["recordTypeSelectorRequired"] = new JsonArray(false),
                })
                : throw new SalesforceException(404, "NOT_FOUND", $"No named layout {name} on {type.Name}."),
            ["compactLayouts"] => new RestResult(200, new JsonObject
            {
                ["compactLayouts"] = new JsonArray(CompactLayout(type)),
                ["defaultCompactLayoutId"] = null,
                ["recordTypeCompactLayoutMappings"] = new JsonArray(new JsonObject
                {
                    ["available"] = true, ["compactLayoutId"] = null, ["compactLayoutName"] = "SYSTEM", ["recordTypeId"] = MasterRecordTypeId, ["recordTypeName"] = "Master",
                    ["urls"] = new JsonObject { ["compactLayout"] = $"{ctx.DataPath}/sobjects/{type.Name}/describe/compactLayouts/{MasterRecordTypeId}" },
                }),
            }),
            ["compactLayouts", "primary"] or ["compactLayouts", MasterRecordTypeId] => new RestResult(200, CompactLayout(type)),
            // Approval processes are not emulated: no object has an approval layout.
            ["approvalLayouts"] => new RestResult(200, new JsonObject { ["approvalLayouts"] = new JsonArray() }),
            _ => throw SalesforceException.NotFound(),
        };
    }

    private static string LayoutId(RestContext ctx, ObjectDef type, string? name) =>
        SalesforceId.New("00h", ctx.Org.Pod, SalesforceId.StableNumber(type.Name + "/" + name));

    private static JsonObject Layout(RestContext ctx, ObjectDef type, string? name = null)
    {
        var id = LayoutId(ctx, type, name);
        var information = type.Fields.Where(f => !Hidden.Contains(f.Name) && !SystemFields.Contains(f.Name) && f.Type != FieldType.Base64)
            .OrderBy(f => f.NameField ? 0 : 1).ToList();
        var system = SystemFields.Select(type.Field).OfType<FieldDef>().ToList();
        JsonArray Sections(bool edit) =>
        [
            Section(ctx.Org.Pod, id, $"{type.Label ?? type.Name} Information", edit ? information.Where(f => f.Createable || f.Updateable).ToList() : information, edit, 1),
            Section(ctx.Org.Pod, id, "System Information", system, edit, 2),
        ];
        return new JsonObject
        {
            ["buttonLayoutSection"] = new JsonObject { ["detailButtons"] = new JsonArray([.. StandardButtons(type).Select(b => (JsonNode)Button(b))]) },
            ["detailLayoutSections"] = Sections(edit: false),
            ["editLayoutSections"] = Sections(edit: true),
            ["feedView"] = null,
            ["highlightsPanelLayoutSection"] = null,
            ["id"] = id,
            ["multirowEditLayoutSections"] = new JsonArray(),
            ["offlineLinks"] = new JsonArray(),
            ["quickActionList"] = new JsonObject { ["quickActionListItems"] = new JsonArray() },
            ["relatedContent"] = null,
            ["relatedLists"] = new JsonArray([.. RelatedLists(ctx, type)]),
            ["saveOptions"] = new JsonArray(),
        };
    }

    private static IEnumerable<string> StandardButtons(ObjectDef type)
    {
        if (type.Updateable) yield return "Edit";
        if (type.Deletable) yield return "Delete";
        if (type.Createable) yield return "Clone";
        if (type.Fields.Any(f => f.Name == "OwnerId")) yield return "ChangeOwnerOne";
    }

    private static JsonObject Button(string name) => new()
    {
        ["behavior"] = null, ["colors"] = null, ["content"] = null, ["contentSource"] = null, ["custom"] = false, ["encoding"] = null, ["height"] = null,
        ["icons"] = null, ["label"] = name == "ChangeOwnerOne" ? "Change Owner" : name, ["menubar"] = false, ["name"] = name, ["overridden"] = false,
        ["resizeable"] = false, ["scrollbars"] = false, ["showsLocation"] = false, ["showsStatus"] = false, ["toolbar"] = false, ["url"] = null,
        ["width"] = null, ["windowPosition"] = null,
    };

    private static JsonObject Section(string pod, string layoutId, string heading, IReadOnlyList<FieldDef> fields, bool edit, int index)
    {
        var rows = fields.Chunk(2).Select(pair => (JsonNode)new JsonObject
        {
            ["layoutItems"] = new JsonArray([.. pair.Select(f => (JsonNode)Item(f, edit))]),
            ["numItems"] = pair.Length,
        }).ToArray();
        return new JsonObject
        {
            ["collapsed"] = false, ["columns"] = 2, ["heading"] = heading, ["layoutRows"] = new JsonArray(rows),
            ["layoutSectionId"] = SalesforceId.New("01B", pod, SalesforceId.StableNumber(layoutId + index)),
            ["parentLayoutId"] = layoutId, ["rows"] = rows.Length, ["tabOrder"] = "TopToBottom", ["useCollapsibleSection"] = false, ["useHeading"] = true,
        };
    }

    /// <summary>One field on a layout: its label, whether it can be set on a new or an existing record, and its describe.</summary>
    internal static JsonObject Item(FieldDef field, bool edit) => new()
    {
        ["editableForNew"] = edit && field.Createable && !field.Calculated,
        ["editableForUpdate"] = edit && field.Updateable && !field.Calculated,
        ["label"] = field.DisplayLabel,
        ["layoutComponents"] = new JsonArray(new JsonObject
        {
            ["details"] = Describe.Field(field), ["displayLines"] = field.Type == FieldType.TextArea ? 3 : 1, ["tabOrder"] = 1, ["type"] = "Field", ["value"] = field.Name,
        }),
        ["placeholder"] = false,
        ["required"] = field.RequiredOnCreate,
    };

    private static IEnumerable<JsonNode> RelatedLists(RestContext ctx, ObjectDef type)
    {
        foreach (var child in type.ChildRelationships)
        {
            if (ctx.Org.Schema.Find(child.ChildObject) is not { } childType || childType.IsPlatformEvent) continue;
            var columns = new[] { childType.NameFieldDef ?? childType.Field("Id")! }.Concat(childType.Fields.Where(f => f.Name is "CreatedDate" or "LastModifiedDate").Take(1));
            yield return new JsonObject
            {
                ["accessLevelRequiredForCreate"] = null,
                ["buttons"] = childType.Createable ? new JsonArray(Button("New")) : new JsonArray(),
                ["columns"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
                {
                    ["field"] = $"{childType.Name}.{c.Name}", ["fieldApiName"] = c.Name, ["format"] = null, ["label"] = c.DisplayLabel,
                    ["lookupId"] = c.NameField ? "Id" : null, ["name"] = c.Name, ["sortable"] = true,
                })]),
                ["custom"] = childType.Custom,
                ["field"] = child.Field,
                ["label"] = childType.LabelPlural ?? childType.Name,
                ["limitRows"] = 5,
                ["name"] = child.RelationshipName,
                ["sobject"] = childType.Name,
                ["sort"] = new JsonArray(new JsonObject { ["ascending"] = false, ["column"] = "CreatedDate" }),
            };
        }
    }

    private static JsonObject RecordTypeMapping(RestContext ctx, ObjectDef type) => new()
    {
        ["active"] = true, ["available"] = true, ["defaultRecordTypeMapping"] = true, ["developerName"] = "Master", ["layoutId"] = LayoutId(ctx, type, null),
        ["master"] = true, ["name"] = "Master",
        ["picklistsForRecordType"] = new JsonArray([.. type.Fields.Where(f => f.PicklistValues.Count > 0).Select(f => (JsonNode)new JsonObject
        {
            ["picklistName"] = f.Name,
            ["picklistValues"] = new JsonArray([.. f.PicklistValues.Select(v => (JsonNode)new JsonObject
            {
                ["active"] = true, ["defaultValue"] = Equals(f.DefaultValue, v), ["label"] = v, ["validFor"] = null, ["value"] = v,
            })]),
        })]),
        ["recordTypeId"] = MasterRecordTypeId,
        ["urls"] = new JsonObject { ["layout"] = $"{ctx.DataPath}/sobjects/{type.Name}/describe/layouts/{MasterRecordTypeId}" },
    };

    private static JsonObject CompactLayout(ObjectDef type)
    {
        var fields = new[] { type.NameFieldDef }.Concat(Lightning.RecordDisplay.ListColumns(type).Skip(1)).OfType<FieldDef>().DistinctBy(f => f.Name).Take(4);
        return new JsonObject
        {
            ["actions"] = new JsonArray([.. StandardButtons(type).Select(b => (JsonNode)Button(b))]),
            ["fieldItems"] = new JsonArray([.. fields.Select(f => (JsonNode)Item(f, edit: false))]),
            ["id"] = null, ["imageItems"] = new JsonArray(), ["label"] = "System Default", ["name"] = "SYSTEM", ["objectType"] = type.Name,
        };
    }
}
