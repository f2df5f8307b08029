using System.Text.Json.Nodes;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.CallCenters;

public sealed record ScreenPopSetting(string Type, string? Data);

public sealed record CallTypeLayout(IReadOnlyList<(string Object, IReadOnlyList<string> Fields)> Objects, ScreenPopSetting NoMatch, ScreenPopSetting SingleMatch, ScreenPopSetting MultipleMatches);

/// <summary>
/// The softphone layout (Setup → Softphone Layouts): per call type, which objects a caller is
/// searched in, which fields show, and what pops for no, one and several matches. Its JSON is
/// what getSoftphoneLayout returns: <c>{"Inbound": {"callRelatedFields", "objects", "screenPopSettings"}, "Outbound", "Internal"}</c>.
/// </summary>
public sealed class SoftphoneLayout
{
    public static readonly string[] CallTypes = ["Inbound", "Outbound", "Internal"];
    public static readonly string[] PopTypes = ["PopToEntity", "PopToSearch", "DoNotPop"];
    private static readonly string[] RelatedFields = ["ANI", "DNIS", "SEGMENT", "QUEUE"];

    private readonly Dictionary<string, CallTypeLayout> _byCallType;

    private SoftphoneLayout(JsonObject json, Dictionary<string, CallTypeLayout> byCallType)
    {
        Json = json;
        _byCallType = byCallType;
    }

    /// <summary>The layout as getSoftphoneLayout returns it (a copy).</summary>
    public JsonObject Json { get; }

    public CallTypeLayout For(string callType) => _byCallType[CallTypes.First(c => c.Equals(callType, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Salesforce's default layout, as a new org has it: accounts, contacts and leads by name and phone; one match opens the record, several the search page, none a new contact.</summary>
    public static SoftphoneLayout Default { get; } = Parse(JsonNode.Parse("""
        {
          "Inbound": {
            "callRelatedFields": ["ANI", "DNIS"],
            "objects": {
              "Account": [{"displayName": "Account Name", "apiName": "Name"}, {"displayName": "Account Phone", "apiName": "Phone"}],
              "Contact": [{"displayName": "Full Name", "apiName": "Name"}, {"displayName": "Business Phone", "apiName": "Phone"}, {"displayName": "Account ID", "apiName": "AccountId"}],
              "Lead": [{"displayName": "Full Name", "apiName": "Name"}, {"displayName": "Phone", "apiName": "Phone"}, {"displayName": "Company", "apiName": "Company"}]
            },
            "screenPopSettings": {
              "screenPopsOpenWithin": "ExistingWindow",
              "NoMatch": {"screenPopType": "PopToEntity", "screenPopData": "Contact"},
              "SingleMatch": {"screenPopType": "PopToEntity"},
              "MultipleMatches": {"screenPopType": "PopToSearch"}
            }
          },
          "Outbound": {
            "callRelatedFields": ["DNIS"],
            "objects": {
              "Account": [{"displayName": "Account Name", "apiName": "Name"}],
              "Contact": [{"displayName": "Full Name", "apiName": "Name"}],
              "Lead": [{"displayName": "Full Name", "apiName": "Name"}]
            },
            "screenPopSettings": {
              "screenPopsOpenWithin": "ExistingWindow",
              "NoMatch": {"screenPopType": "DoNotPop"},
              "SingleMatch": {"screenPopType": "PopToEntity"},
              "MultipleMatches": {"screenPopType": "PopToSearch"}
            }
          },
          "Internal": {
            "callRelatedFields": ["ANI"],
            "objects": {"User": [{"displayName": "Full Name", "apiName": "Name"}]},
            "screenPopSettings": {
              "screenPopsOpenWithin": "ExistingWindow",
              "NoMatch": {"screenPopType": "DoNotPop"},
              "SingleMatch": {"screenPopType": "PopToEntity"},
              "MultipleMatches": {"screenPopType": "PopToSearch"}
            }
          }
        }
        """)!, null);

    /// <summary>Reads a layout in getSoftphoneLayout's shape, checking its objects and fields against the org's schema when given.</summary>
    /// <exception cref="ArgumentException">What is wrong, by JSON path.</exception>
    public static SoftphoneLayout Parse(JsonNode node, OrgSchema? schema)
    {
        if (node is not JsonObject root) throw new ArgumentException("The layout is a JSON object with Inbound, Outbound and Internal.");
        var byCallType = new Dictionary<string, CallTypeLayout>(StringComparer.Ordinal);
        foreach (var key in root.Select(p => p.Key).Where(k => !CallTypes.Contains(k, StringComparer.Ordinal)))
            throw new ArgumentException($"'{key}' is not a call type; the layout has {string.Join(", ", CallTypes)}.");
        foreach (var callType in CallTypes)
        {
            if (root[callType] is not JsonObject layout) throw new ArgumentException($"{callType} is missing or not an object.");
            if (layout["callRelatedFields"] is JsonArray related && related.Any(f => f?.GetValueKind() != System.Text.Json.JsonValueKind.String || !RelatedFields.Contains(f.GetValue<string>())))
                throw new ArgumentException($"{callType}.callRelatedFields holds only {string.Join(", ", RelatedFields)}.");
            if (layout["objects"] is not JsonObject objects || objects.Count == 0) throw new ArgumentException($"{callType}.objects names at least one object.");
            var list = new List<(string, IReadOnlyList<string>)>();
            foreach (var (objectName, fieldsNode) in objects)
            {
                var type = schema?.Find(objectName);
                if (schema is not null && type is null) throw new ArgumentException($"{callType}.objects: the org has no object '{objectName}'.");
                if (fieldsNode is not JsonArray fields) throw new ArgumentException($"{callType}.objects.{objectName} is a list of {{displayName, apiName}}.");
                var names = new List<string>();
                foreach (var f in fields)
                {
                    if (f?["apiName"]?.GetValueKind() != System.Text.Json.JsonValueKind.String) throw new ArgumentException($"{callType}.objects.{objectName}: every field has an apiName.");
                    var apiName = f["apiName"]!.GetValue<string>();
                    if (type is not null && type.Field(apiName) is null) throw new ArgumentException($"{callType}.objects.{objectName}: {objectName} has no field '{apiName}'.");
                    names.Add(type?.Field(apiName)?.Name ?? apiName);
                }
                list.Add((type?.Name ?? objectName, names));
            }
            if (layout["screenPopSettings"] is not JsonObject pops) throw new ArgumentException($"{callType}.screenPopSettings is missing.");
            ScreenPopSetting Setting(string match)
            {
                var type = pops[match]?["screenPopType"];
                if (type?.GetValueKind() != System.Text.Json.JsonValueKind.String || !PopTypes.Contains(type.GetValue<string>(), StringComparer.Ordinal))
                    throw new ArgumentException($"{callType}.screenPopSettings.{match}.screenPopType is one of {string.Join(", ", PopTypes)} (this org has no Visualforce pages or flows to pop).");
                var data = pops[match]?["screenPopData"] is { } d && d.GetValueKind() == System.Text.Json.JsonValueKind.String ? d.GetValue<string>() : null;
                if (match == "NoMatch" && type.GetValue<string>() == "PopToEntity" && (data is null || schema is not null && schema.Find(data) is not { Createable: true }))
                    throw new ArgumentException($"{callType}.screenPopSettings.NoMatch pops a new record: screenPopData names an object that can be created.");
                return new ScreenPopSetting(type.GetValue<string>(), data);
            }
            byCallType[callType] = new CallTypeLayout(list, Setting("NoMatch"), Setting("SingleMatch"), Setting("MultipleMatches"));
        }
        return new SoftphoneLayout((JsonObject)root.DeepClone(), byCallType);
    }
}
