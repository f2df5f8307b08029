using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.CallCenters;
using ContactBridge.Emulator.Lightning;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.OpenCti;

/// <summary>What the softphone's page sent: the method, its argument (functions removed), and what the console shows right now.</summary>
public sealed record OpenCtiRequest(string? Method, JsonNode? Args, string? ArgType, string? ListenerType, OpenCtiView? View);

public sealed record OpenCtiView(string? Url, bool PanelVisible, bool ClickToDial);

/// <summary>The answer the softphone's callback gets (<c>{success, returnValue, errors}</c>) and what the console does about it.</summary>
public sealed class OpenCtiAnswer
{
    public bool Success { get; init; } = true;
    public JsonNode? ReturnValue { get; init; }
    public JsonArray? Errors { get; init; }
    public JsonObject Effects { get; init; } = [];

    public JsonObject Response() => new() { ["success"] = Success, ["returnValue"] = ReturnValue?.DeepClone(), ["errors"] = Errors?.DeepClone() };
}

/// <summary>
/// The methods of Open CTI for Lightning Experience (Open CTI Developer Guide, "Methods for
/// Lightning Experience"), run for a signed-in console user. Every argument is checked: a wrong
/// type or value answers <c>success: false</c> with an INVALID_PARAM error, never an exception.
/// </summary>
public static partial class OpenCtiMethods
{
    public static readonly string[] Names =
    [
        "screenPop", "searchAndScreenPop", "enableClickToDial", "disableClickToDial", "onClickToDial", "onNavigationChange", "getAppViewInfo",
        "saveLog", "refreshView", "setSoftphonePanelVisibility", "isSoftphonePanelVisible", "setSoftphonePanelHeight", "setSoftphonePanelWidth",
        "setSoftphonePanelLabel", "setSoftphonePanelIcon", "setSoftphoneItemLabel", "setSoftphoneItemIcon", "getCallCenterSettings",
        "getSoftphoneLayout", "notifyInitializationComplete", "runApex",
    ];

    /// <summary>sforce.opencti.SCREENPOP_TYPE's values.</summary>
    public static readonly string[] PopTypes = ["sobject", "url", "objecthome", "list", "search", "newRecord", "flow"];

    /// <summary>sforce.opencti.CALL_TYPE's values.</summary>
    public static readonly string[] CallTypes = ["inbound", "outbound", "internal"];

    public static OpenCtiAnswer Run(ConsoleContext ctx, OpenCtiRequest request)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(request);
        var method = request.Method ?? "";
        if (!Names.Contains(method, StringComparer.Ordinal))
            return Fail("GENERIC_ERROR", $"'{method}' is not a method of Open CTI for Lightning Experience.");
        var args = request.Args as JsonObject;
        // Methods that need nothing but an optional callback accept no argument at all.
        var argumentOptional = method is "notifyInitializationComplete" or "refreshView" or "enableClickToDial" or "disableClickToDial"
            or "getAppViewInfo" or "isSoftphonePanelVisible" or "getCallCenterSettings" or "getSoftphoneLayout";
        if (args is null && !(argumentOptional && request.ArgType is null or "undefined"))
            return Invalid("the argument", "object", request.Args, request.ArgType);
        args ??= [];
        return method switch
        {
            "screenPop" => ScreenPop(ctx, args),
            "searchAndScreenPop" => SearchAndScreenPop(ctx, args),
            "enableClickToDial" => Done(new JsonObject { ["clickToDial"] = true }),
            "disableClickToDial" => Done(new JsonObject { ["clickToDial"] = false }),
            "onClickToDial" or "onNavigationChange" => request.ListenerType == "function"
                ? Done(new JsonObject { ["listen"] = method })
                : Invalid("listener", "function", null, request.ListenerType ?? "undefined"),
            "getAppViewInfo" => new OpenCtiAnswer { ReturnValue = NavigationPayload(ctx, request.View?.Url) },
            "saveLog" => SaveLog(ctx, args),
            "refreshView" => Done(new JsonObject { ["refresh"] = true }),
            "setSoftphonePanelVisibility" => Bool(args, "visible") is { } visible ? Done(Panel("visible", visible)) : Invalid("visible", "boolean", args["visible"]),
            "isSoftphonePanelVisible" => new OpenCtiAnswer { ReturnValue = new JsonObject { ["visible"] = request.View?.PanelVisible ?? false } },
            "setSoftphonePanelHeight" => Pixels(args, "heightPX", 240, 2560) is { } h ? Done(Panel("height", h)) : InvalidRange(args, "heightPX", 240, 2560),
            "setSoftphonePanelWidth" => Pixels(args, "widthPX", 200, 1920) is { } w ? Done(Panel("width", w)) : InvalidRange(args, "widthPX", 200, 1920),
            "setSoftphonePanelLabel" => Label(args) is { } pl ? Done(Panel("label", pl)) : Invalid("label", "string of 1 to 80 characters", args["label"]),
            "setSoftphonePanelIcon" => IconKey(args) is { } pi ? Done(Panel("icon", pi)) : Invalid("key", "Lightning Design System utility icon name", args["key"]),
            "setSoftphoneItemLabel" => Label(args) is { } il ? Done(Item("label", il)) : Invalid("label", "string of 1 to 80 characters", args["label"]),
            "setSoftphoneItemIcon" => IconKey(args) is { } ii ? Done(Item("icon", ii)) : Invalid("key", "Lightning Design System utility icon name", args["key"]),
            "getCallCenterSettings" => ctx.CallCenter is { } center
                ? new OpenCtiAnswer { ReturnValue = new JsonObject(center.Settings().Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) }
                : Fail("GENERIC_ERROR", "The user is not in a call center."),
            "getSoftphoneLayout" => new OpenCtiAnswer { ReturnValue = ctx.Org.Console.SoftphoneLayout.Json.DeepClone() },
            "notifyInitializationComplete" => Done(new JsonObject { ["initialized"] = true }),
            "runApex" => RunApex(args),
            _ => Fail("GENERIC_ERROR", $"'{method}' is not a method of Open CTI for Lightning Experience."),
        };
    }

    private static OpenCtiAnswer Done(JsonObject effects) => new() { Effects = effects };

    private static JsonObject Panel(string key, JsonNode value) => new() { ["panel"] = new JsonObject { [key] = value } };

    private static JsonObject Item(string key, JsonNode value) => new() { ["item"] = new JsonObject { [key] = value } };

    public static OpenCtiAnswer Fail(string code, string description, JsonNode? details = null)
    {
        var error = new JsonObject { ["code"] = code, ["description"] = description };
        if (details is not null) error["details"] = details;
        return new OpenCtiAnswer { Success = false, Errors = [error] };
    }

    private static OpenCtiAnswer Invalid(string parameter, string expected, JsonNode? found, string? foundType = null) =>
        Fail("INVALID_PARAM", $"An invalid value was passed to the parameter {parameter}. A {expected} value was expected, but {Describe(found, foundType)} was found instead.");

    private static OpenCtiAnswer InvalidRange(JsonObject args, string parameter, int min, int max) =>
        Invalid(parameter, $"number from {min} to {max}", args[parameter]);

    private static string Describe(JsonNode? node, string? type = null) => node switch
    {
        null => (type ?? "undefined").ToUpperInvariant(),
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"the string \"{Truncate(v.GetValue<string>())}\"",
        _ => $"{node.GetValueKind().ToString().ToLowerInvariant()} {Truncate(node.ToJsonString())}",
    };

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";

    private static string? String(JsonObject args, string name) =>
        args[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool? Bool(JsonObject args, string name) =>
        args[name] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    private static int? Pixels(JsonObject args, string name, int min, int max) =>
        args[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && d >= min && d <= max && d == Math.Floor(d) ? (int)d : null;

    private static string? Label(JsonObject args) => String(args, "label") is { Length: >= 1 and <= 80 } label ? label : null;

    private static string? IconKey(JsonObject args) => String(args, "key") is { } key && IconPattern().IsMatch(key) ? key : null;

    [GeneratedRegex("^[a-z][a-z0-9_]{0,79}$")]
    private static partial Regex IconPattern();

    /// <summary>What onNavigationChange and getAppViewInfo report for a page: its URL, and the record when it is a record page.</summary>
    public static JsonObject NavigationPayload(ConsoleContext ctx, string? url)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var path = url ?? "";
        var absolute = path.StartsWith('/') ? EmulatorOrigin(ctx) + path : path;
        var payload = new JsonObject { ["url"] = absolute, ["recordId"] = "", ["recordName"] = "", ["objectType"] = "" };
        var local = path.StartsWith(ctx.Base + "/", StringComparison.Ordinal) ? path[ctx.Base.Length..] : path;
        var match = RecordPath().Match(local);
        if (match.Success) AddRecord(ctx, payload, match.Groups["id"].Value);
        return payload;
    }

    /// <summary>The record a payload is about: its id, name and object (and person-account details), when it exists.</summary>
    private static void AddRecord(ConsoleContext ctx, JsonObject payload, string? recordId)
    {
        if (!SalesforceId.TryNormalize(recordId, out var id)) return;
        lock (ctx.Org.Sync)
        {
            if (ctx.Org.Records.Get(id) is not { IsDeleted: false } record) return;
            payload["recordId"] = record.Id;
            payload["recordName"] = RecordDisplay.Name(record);
            payload["objectType"] = record.Type.Name;
            AddPersonAccount(payload, record);
        }
    }

    /// <summary>Person accounts add accountId and personAccount (only where the org has person accounts).</summary>
    private static void AddPersonAccount(JsonObject payload, SRecord record)
    {
        if (record.Type.Name != "Account" || record.Type.Field("IsPersonAccount") is null) return;
        var person = record["IsPersonAccount"] is true;
        payload["personAccount"] = person;
        if (person) payload["accountId"] = record.Id;
    }

    /// <summary>What onClickToDial's listener receives for a click on a phone number of a record.</summary>
    public static JsonObject ClickToDialPayload(ConsoleContext ctx, string number, string? recordId)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var payload = new JsonObject { ["number"] = number, ["recordId"] = "", ["recordName"] = "", ["objectType"] = "" };
        AddRecord(ctx, payload, recordId);
        return payload;
    }

    private static string EmulatorOrigin(ConsoleContext ctx) => ctx.Host.BaseUrl[..^ctx.Base.Length];

    [GeneratedRegex("^/lightning/r/(?:(?<object>[A-Za-z0-9_]+)/)?(?<id>[A-Za-z0-9]{15,18})/view")]
    private static partial Regex RecordPath();

    private static OpenCtiAnswer ScreenPop(ConsoleContext ctx, JsonObject args)
    {
        var type = String(args, "type");
        if (type is null || !PopTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            return Invalid("type", "sforce.opencti.SCREENPOP_TYPE", args["type"]);
        if (args["params"] is not JsonObject parameters) return Invalid("params", "object", args["params"]);
        if (args["defaultFieldValues"] is { } dfv and not JsonObject) return Invalid("defaultFieldValues", "object", dfv);
        return Pop(ctx, PopTypes.First(p => p.Equals(type, StringComparison.OrdinalIgnoreCase)), parameters, args["defaultFieldValues"] as JsonObject);
    }

    /// <summary>Where a screen pop goes; the console then navigates (or opens the new-record modal) and records it.</summary>
    private static OpenCtiAnswer Pop(ConsoleContext ctx, string type, JsonObject parameters, JsonObject? defaults)
    {
        var b = ctx.Base;
        OpenCtiAnswer Navigate(string path) => Done(new JsonObject { ["navigate"] = path, ["pop"] = type });
        switch (type)
        {
            case "sobject":
            {
                var raw = String(parameters, "recordId");
                if (!SalesforceId.TryNormalize(raw, out var id)) return Invalid("params.recordId", "record ID", parameters["recordId"]);
                SRecord? record;
                lock (ctx.Org.Sync) record = ctx.Org.Records.Get(id);
                if (record is null || record.IsDeleted) return Fail("GENERIC_ERROR", $"No record with ID {raw} exists, or it was deleted.");
                return Navigate(RecordDisplay.RecordUrl(b, record));
            }
            case "url":
            {
                var url = String(parameters, "url");
                if (!ConsoleSignIn.IsLocalPath(url))
                    return Invalid("params.url", "relative URL (starting with /)", parameters["url"]);
                return Navigate(b + url);
            }
            case "objecthome":
            {
                var scope = String(parameters, "scope");
                if (scope is null || ctx.Org.Schema.Find(scope) is not { IsPlatformEvent: false } objectType) return Invalid("params.scope", "object API name", parameters["scope"]);
                return Navigate($"{b}/lightning/o/{objectType.Name}/home");
            }
            case "list":
            {
                var scope = String(parameters, "scope");
                var listViewId = String(parameters, "listViewId");
                if (scope is null || ctx.Org.Schema.Find(scope) is not { IsPlatformEvent: false } objectType) return Invalid("params.scope", "object API name", parameters["scope"]);
                if (string.IsNullOrEmpty(listViewId)) return Invalid("params.listViewId", "list view ID or name", parameters["listViewId"]);
                return Navigate($"{b}/lightning/o/{objectType.Name}/list?filterName={Uri.EscapeDataString(listViewId)}");
            }
            case "search":
            {
                var search = String(parameters, "searchString");
                if (search is null || search.Trim().Length < 3) return Invalid("params.searchString", "string of at least 3 characters", parameters["searchString"]);
                return Navigate($"{b}/lightning/search?q={Uri.EscapeDataString(search.Trim())}");
            }
            case "newRecord":
            {
                var entity = String(parameters, "entityName");
                if (entity is null || ctx.Org.Schema.Find(entity) is not { IsPlatformEvent: false, Createable: true } objectType)
                    return Invalid("params.entityName", "API name of an object that can be created", parameters["entityName"]);
                var values = new JsonObject();
                foreach (var (name, value) in defaults ?? [])
                {
                    if (objectType.Field(name) is not { Createable: true, Calculated: false } field)
                        return Invalid($"defaultFieldValues.{name}", $"field of {objectType.Name} that can be set on create", value);
                    if (value is not JsonValue v || v.GetValueKind() is JsonValueKind.Object or JsonValueKind.Array)
                        return Invalid($"defaultFieldValues.{name}", "string, number or boolean", value);
                    values[field.Name] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                }
                return Done(new JsonObject
                {
                    ["newRecord"] = new JsonObject { ["entityName"] = objectType.Name, ["defaultFieldValues"] = values }, ["pop"] = type,
                });
            }
            default:
                return Fail("GENERIC_ERROR", $"This org has no flows, so the flow '{String(parameters, "flowDevName")}' can't open. Use another screen pop type.");
        }
    }

    private static OpenCtiAnswer SearchAndScreenPop(ConsoleContext ctx, JsonObject args)
    {
        var callType = String(args, "callType");
        if (callType is null || !CallTypes.Contains(callType, StringComparer.OrdinalIgnoreCase))
            return Invalid("callType", "sforce.opencti.CALL_TYPE", args["callType"]);
        if (args["searchParams"] is { } sp && String(args, "searchParams") is null) return Invalid("searchParams", "string", sp);
        if (args["deferred"] is { } df && Bool(args, "deferred") is null) return Invalid("deferred", "boolean", df);
        if (args["defaultFieldValues"] is { } dfv and not JsonObject) return Invalid("defaultFieldValues", "object", dfv);
        if (args["queryParams"] is { } qp && String(args, "queryParams") is null) return Invalid("queryParams", "string", qp);
        var layout = ctx.Org.Console.SoftphoneLayout.For(callType);
        var search = (String(args, "searchParams") ?? "").Trim();

        var hits = new List<SRecord>();
        if (search.Replace("*", "", StringComparison.Ordinal).Length >= 2)
        {
            var objects = layout.Objects.Select(o => ctx.Org.Schema.Find(o.Object)).OfType<ObjectDef>().ToList();
            try
            {
                hits = RecordPages.SearchRecords(ctx, search, objects);
            }
            catch (SalesforceException e)
            {
                return Fail("GENERIC_ERROR", $"The search failed: {e.Message}");
            }
        }
        var result = new JsonObject();
        lock (ctx.Org.Sync)
        {
            foreach (var record in hits)
            {
                var entry = new JsonObject { ["Id"] = record.Id, ["Name"] = RecordDisplay.Name(record), ["RecordType"] = record.Type.Name };
                foreach (var field in layout.Objects.First(o => string.Equals(o.Object, record.Type.Name, StringComparison.OrdinalIgnoreCase)).Fields)
                    entry[field] = FieldValues.ToJson(record.Type.Field(field), record[field]);
                result[record.Id] = entry;
            }
        }
        var setting = hits.Count switch { 0 => layout.NoMatch, 1 => layout.SingleMatch, _ => layout.MultipleMatches };
        JsonObject? popData = setting.Type switch
        {
            "PopToEntity" when hits.Count == 1 => new JsonObject { ["type"] = "sobject", ["params"] = new JsonObject { ["recordId"] = hits[0].Id } },
            "PopToEntity" when hits.Count == 0 => new JsonObject
            {
                ["type"] = "newRecord", ["params"] = new JsonObject { ["entityName"] = setting.Data },
                ["defaultFieldValues"] = args["defaultFieldValues"]?.DeepClone() ?? new JsonObject(),
            },
            "PopToSearch" when search.Length >= 3 => new JsonObject { ["type"] = "search", ["params"] = new JsonObject { ["searchString"] = search } },
            _ => null,
        };
        if (Bool(args, "deferred") is true)
        {
            if (popData is not null) result["SCREEN_POP_DATA"] = popData;
            return new OpenCtiAnswer { ReturnValue = result };
        }
        if (popData is null) return new OpenCtiAnswer { ReturnValue = result };
        var popped = Pop(ctx, popData["type"]!.GetValue<string>(), (JsonObject)popData["params"]!, popData["defaultFieldValues"] as JsonObject);
        return popped.Success ? new OpenCtiAnswer { ReturnValue = result, Effects = popped.Effects } : popped;
    }

    private static OpenCtiAnswer SaveLog(ConsoleContext ctx, JsonObject args)
    {
        if (args["value"] is not JsonObject value) return Invalid("value", "object", args["value"]);
        var body = (JsonObject)value.DeepClone();
        body.Remove("entityApiName");
        body.Remove("recordTypeId");
        try
        {
            lock (ctx.Org.Sync)
            {
                var writer = new RecordWriter(ctx.Org, ctx.State.Clock);
                if (value["Id"] is { } idNode)
                {
                    body.Remove("Id");
                    if (String(value, "Id") is not { } raw || !SalesforceId.TryNormalize(raw, out var id)) return Invalid("value.Id", "record ID", idNode);
                    if (ctx.Org.Records.Get(id) is not { IsDeleted: false } record) return Fail("GENERIC_ERROR", $"No record with ID {raw} exists, or it was deleted.");
                    writer.Update(ctx.User.Id, record, body);
                    return new OpenCtiAnswer { ReturnValue = new JsonObject { ["recordId"] = record.Id } };
                }
                var entity = String(value, "entityApiName");
                if (entity is null || ctx.Org.Schema.Find(entity) is not { IsPlatformEvent: false } type)
                    return Invalid("value.entityApiName", "object API name (or give value.Id to update a record)", value["entityApiName"]);
                var created = writer.Create(ctx.User.Id, type, body);
                return new OpenCtiAnswer { ReturnValue = new JsonObject { ["recordId"] = created.Id } };
            }
        }
        catch (SalesforceException e)
        {
            return Fail("GENERIC_ERROR", "An error occurred while calling the saveLog() API method. Review the Details field in the error section.",
                new JsonArray(new JsonObject { ["message"] = e.Message, ["errorCode"] = e.ErrorCode, ["fields"] = new JsonArray(e.Fields.Select(f => (JsonNode?)f).ToArray()) }));
        }
    }

    private static OpenCtiAnswer RunApex(JsonObject args)
    {
        if (String(args, "apexClass") is not { Length: > 0 } apexClass) return Invalid("apexClass", "string", args["apexClass"]);
        if (String(args, "methodName") is not { Length: > 0 }) return Invalid("methodName", "string", args["methodName"]);
        if (args["methodParams"] is { } mp && String(args, "methodParams") is null && mp is not JsonObject) return Invalid("methodParams", "string", mp);
        return Fail("GENERIC_ERROR", string.Create(CultureInfo.InvariantCulture, $"Could not load Apex class: {apexClass}. This org runs no Apex."));
    }
}
