using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using ContactBridge.Emulator.Soql;
using ContactBridge.Emulator.Sosl;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// Routes <c>/services/data/vXX.X/…</c> to its resource. Used for top-level requests and for
/// composite subrequests alike, so both behave the same. Callers hold the org's lock.
/// </summary>
public static class RestDispatcher
{
    /// <summary>The versions the emulator serves (Winter '11 = 20.0 … Spring '26 = 66.0).</summary>
    public static readonly IReadOnlyList<string> Versions = Enumerable.Range(20, 47).Select(v => $"{v}.0").ToList();

    public static string LatestVersion => Versions[^1];

    public static string Label(string version)
    {
        var idx = (int)decimal.Parse(version, CultureInfo.InvariantCulture) - 20;
        return $"{new[] { "Winter", "Spring", "Summer" }[idx % 3]} '{11 + idx / 3:00}";
    }

    public static JsonArray VersionList() => new(Versions.Select(v => (JsonNode)new JsonObject
    {
        ["label"] = Label(v), ["url"] = $"/services/data/v{v}", ["version"] = v,
    }).ToArray());

    public static bool TryParseVersion(string segment, out string version)
    {
        version = segment.StartsWith('v') ? segment[1..] : "";
        return Versions.Contains(version, StringComparer.Ordinal);
    }

    /// <summary>A short label of what a path does, for the request log (query, sobject.create, composite.graph …).</summary>
    public static string Classify(string method, string path)
    {
        var s = path.Trim('/').Split('/');
        if (s.Length == 0 || s[0] == "") return "rest.resources";
        return s[0] switch
        {
            "sobjects" when s.Length == 1 => "describe.global",
            "sobjects" when s.Length >= 3 && s[2] == "describe" => "describe.sobject",
            "sobjects" when s.Length == 2 => method == "POST" ? "sobject.create" : "sobject.info",
            "sobjects" when s.Length == 3 => method switch { "GET" => "sobject.get", "PATCH" => "sobject.update", "DELETE" => "sobject.delete", _ => "sobject" },
            "sobjects" => method switch { "PATCH" => "sobject.upsert", "GET" => "sobject.get", "DELETE" => "sobject.delete", _ => "sobject" },
            "query" or "queryAll" => s.Length > 1 ? "query.more" : "query",
            "search" => "search",
            "parameterizedSearch" => "search.parameterized",
            "composite" when s.Length > 1 && s[1] == "graph" => "composite.graph",
            "composite" when s.Length > 1 && s[1] == "sobjects" => "composite.collections",
            "composite" => "composite",
            "limits" => "limits",
            "jobs" => Bulk.BulkRoutes.Classify(method, s),
            _ => "rest." + s[0],
        };
    }

    public static RestResult Dispatch(RestContext ctx, string method, string path, IReadOnlyDictionary<string, string> query, string? body)
    {
        try
        {
            return Route(ctx, method, path, query, body);
        }
        catch (SalesforceException e)
        {
            return RestResult.Error(e);
        }
        catch (MultipleMatchesException e)
        {
            return new RestResult(300, new JsonArray(e.Urls.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray()));
        }
    }

    private static RestResult Route(RestContext ctx, string method, string path, IReadOnlyDictionary<string, string> query, string? body)
    {
        var s = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (s.Length == 1 && s[0] == "") return Resources(ctx);
        switch (s[0])
        {
            case "limits" when s.Length == 1 && method == "GET":
                return new RestResult(200, Limits(ctx));
            case "sobjects":
                return SObjects(ctx, method, s, query, body);
            case "query" or "queryAll" when method == "GET":
                return Query(ctx, s, query, includeDeleted: s[0] == "queryAll");
            case "search" when method == "GET":
                return new RestResult(200, new SoslSearcher(ctx.Org, ctx.State.Clock, ctx.Version).Search(Required(query, "q")));
            case "parameterizedSearch" when method is "GET" or "POST":
                return ParameterizedSearch(ctx, method, query, body);
            case "composite" when s.Length == 1 && method == "POST":
                return Composite.Run(ctx, ParseObject(body));
            case "composite" when s.Length == 1 && method == "GET":
                return new RestResult(200, new JsonObject { ["graph"] = ctx.DataPath + "/composite/graph", ["sobjects"] = ctx.DataPath + "/composite/sobjects" });
            case "jobs" when s.Length == 1 && method == "GET":
                return new RestResult(200, new JsonObject { ["ingest"] = ctx.DataPath + "/jobs/ingest", ["query"] = ctx.DataPath + "/jobs/query" });
            case "composite" when s.Length == 2 && s[1] == "graph" && method == "POST":
                return CompositeGraph.Run(ctx, ParseObject(body));
            case "composite" when s.Length >= 2 && s[1] == "sobjects":
                return Collections.Run(ctx, method, s[2..], query, body);
            case "jobs":
                return Bulk.BulkRoutes.Route(ctx, method, s, query, body);
            case "recent" when s.Length == 1 && method == "GET":
                return ReplicationAndUi.Recent(ctx, query);
            case "tabs" when s.Length == 1 && method == "GET":
                return ReplicationAndUi.Tabs(ctx);
            case "theme" when s.Length == 1 && method == "GET":
                return ReplicationAndUi.Theme(ctx);
            case "tooling" when s.Length == 2 && s[1] == "query" && method == "GET":
                return ToolingQuery(ctx, Required(query, "q"));
        }
        throw SalesforceException.NotFound();
    }

    /// <summary>
    /// The Tooling API is not emulated, except that sandbox bookkeeping objects answer with no rows
    /// (the Salesforce CLI asks for SandboxProcess after logging in to a production org).
    /// </summary>
    private static RestResult ToolingQuery(RestContext ctx, string soql)
    {
        var q = SoqlParser.Parse(soql);
        if (q.From is not ("SandboxProcess" or "SandboxInfo")) throw SalesforceException.InvalidType(q.From);
        return new RestResult(200, new JsonObject
        {
            ["size"] = 0, ["totalSize"] = 0, ["done"] = true, ["queryLocator"] = null, ["entityTypeName"] = q.From, ["records"] = new JsonArray(),
        });
    }

    private static string Required(IReadOnlyDictionary<string, string> query, string name) =>
        query.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v)
            ? v
            : throw new SalesforceException(400, "MALFORMED_QUERY", $"The '{name}' parameter is required.");

    public static JsonObject ParseObject(string? body)
    {
        var node = ParseJson(body);
        return node as JsonObject ?? throw SalesforceException.JsonParser("Expected a JSON object: Cannot deserialize instance of object from START_ARRAY value");
    }

    public static JsonNode ParseJson(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) throw SalesforceException.JsonParser("No content to map due to end-of-input at [line:1, column:0]");
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false })
                   ?? throw SalesforceException.JsonParser("Unexpected null body");
        }
        catch (JsonException e)
        {
            throw SalesforceException.JsonParser($"Unexpected character in JSON at [line:{(e.LineNumber ?? 0) + 1}, column:{(e.BytePositionInLine ?? 0) + 1}]");
        }
    }

    private static RestResult Resources(RestContext ctx)
    {
        var p = ctx.DataPath;
        // Only what the emulator answers: a client that follows an entry finds a resource (Salesforce lists more: tooling, connect …).
        return new RestResult(200, new JsonObject
        {
            ["limits"] = p + "/limits", ["sobjects"] = p + "/sobjects", ["composite"] = p + "/composite", ["query"] = p + "/query", ["queryAll"] = p + "/queryAll", ["search"] = p + "/search",
            ["parameterizedSearch"] = p + "/parameterizedSearch", ["jobs"] = p + "/jobs", ["recent"] = p + "/recent", ["tabs"] = p + "/tabs",
            ["theme"] = p + "/theme", ["identity"] = ctx.IdentityUrl,
        });
    }

    private static JsonObject Limits(RestContext ctx)
    {
        var (used, max) = ctx.Org.Api.Snapshot(ctx.State.Clock.GetUtcNow());
        static JsonObject L(long max, long remaining) => new() { ["Max"] = max, ["Remaining"] = remaining };
        return new JsonObject
        {
            ["ConcurrentAsyncGetReportInstances"] = L(200, 200),
            ["DailyApiRequests"] = L(max, Math.Max(0, max - used)),
            ["DailyAsyncApexExecutions"] = L(250000, 250000),
            ["DailyBulkApiBatches"] = L(15000, 15000),
            ["DailyBulkV2QueryJobs"] = L(10000, 10000),
            ["DailyBulkV2QueryFileStorageMB"] = L(976562, 976562),
            ["DailyDurableStreamingApiEvents"] = L(10000, 10000),
            ["DailyStreamingApiEvents"] = L(10000, 10000),
            ["DataStorageMB"] = L(5, 5),
            ["FileStorageMB"] = L(20, 20),
            ["HourlyPublishedPlatformEvents"] = L(50000, 50000),
            ["MonthlyPlatformEventsUsageEntitlement"] = L(300000, 300000),
            ["SingleEmailMessages"] = L(15, 15),
        };
    }

    private static RestResult SObjects(RestContext ctx, string method, string[] s, IReadOnlyDictionary<string, string> query, string? body)
    {
        if (s.Length == 1)
        {
            if (method != "GET") throw MethodNotAllowed(method, "GET");
            return new RestResult(200, Describe.Global(ctx.Org.Schema, ctx.Version));
        }
        var type = ctx.Org.Schema.Require(s[1]);
        if (s.Length == 2)
        {
            switch (method)
            {
                case "GET":
                    var recent = ctx.Org.Records.OfType(type.Name).Where(r => !r.IsDeleted).TakeLast(5)
                        .Select(r => (JsonNode)RecordJson(ctx, r, [type.Field("Id")!, type.NameFieldDef ?? type.Field("Id")!])).ToArray();
                    return new RestResult(200, new JsonObject { ["objectDescribe"] = Describe.Summary(type, ctx.Version), ["recentItems"] = new JsonArray(recent) });
                case "POST":
                    var created = ctx.Writer.Create(ctx.UserId, type, ParseObject(body));
                    return new RestResult(201, SaveResult(created.Id), new Dictionary<string, string> { ["Location"] = $"{ctx.DataPath}/sobjects/{type.Name}/{created.Id}" });
                default:
                    throw MethodNotAllowed(method, "GET", "POST");
            }
        }
        if (s.Length == 3 && s[2] is ("updated" or "deleted"))
        {
            if (method != "GET") throw MethodNotAllowed(method, "GET");
            return s[2] == "updated" ? ReplicationAndUi.Updated(ctx, type, query) : ReplicationAndUi.Deleted(ctx, type, query);
        }
        if (s.Length == 3 && s[2] == "describe")
        {
            return method == "GET" ? new RestResult(200, Describe.Full(type, ctx.Version)) : throw MethodNotAllowed(method, "GET");
        }
        if (s.Length > 3 && s[2] == "describe")
        {
            return method == "GET" ? Layouts.Route(ctx, type, s[3..]) : throw MethodNotAllowed(method, "GET");
        }
        if (s.Length >= 3 && s[2] == "listviews")
        {
            return method == "GET" ? ListViews.Route(ctx, type, s[3..], query) : throw MethodNotAllowed(method, "GET");
        }
        if (s.Length == 3)
        {
            var record = FindById(ctx, type, s[2]);
            switch (method)
            {
                case "GET":
                    if (record.IsDeleted) throw new SalesforceException(404, "ENTITY_IS_DELETED", "entity is deleted");
                    return new RestResult(200, RecordJson(ctx, record, FieldList(type, query.GetValueOrDefault("fields"))));
                case "PATCH":
                    ctx.Writer.Update(ctx.UserId, record, ParseObject(body));
                    return new RestResult(204, null);
                case "DELETE":
                    ctx.Writer.Delete(record, ctx.UserId);
                    return new RestResult(204, null);
                default:
                    throw MethodNotAllowed(method, "GET", "PATCH", "DELETE");
            }
        }
        if (s.Length == 4 && type.Name == "StreamingChannel" && s[3] == "push")
        {
            return StreamingChannelPush.Handle(ctx, method, FindById(ctx, type, s[2]), body);
        }
        if (s.Length == 4)
        {
            // Either /sobjects/X/{id}/{blobField} or /sobjects/X/{externalIdField}/{value}.
            if (SalesforceId.TryNormalize(s[2], out var id18) && ctx.Org.Schema.ForId(id18) == type)
            {
                var record = FindById(ctx, type, s[2]);
                var field = type.Field(s[3]);
                if (method != "GET" || field is not { Type: FieldType.Base64 }) throw SalesforceException.NotFound();
                var data = Convert.FromBase64String(record.GetString(field.Name) ?? "");
                return new RestResult(200, null, Binary: data, ContentType: "application/octetstream");
            }
            return ByExternalId(ctx, method, type, s[2], s[3], query, body);
        }
        throw SalesforceException.NotFound();
    }

    private static RestResult ByExternalId(RestContext ctx, string method, ObjectDef type, string fieldName, string value, IReadOnlyDictionary<string, string> query, string? body)
    {
        var field = RecordWriter.ExternalIdField(type, fieldName);
        if (method is "PATCH" or "POST")
        {
            if (query.GetValueOrDefault("updateOnly") == "true")
            {
                var match = ctx.Org.Records.FindBy(type, field, FieldValues.FromJson(field, JsonValue.Create(value)) ?? value).ToList();
                if (match.Count == 0) throw SalesforceException.NotFound();
            }
            var (record, created) = ctx.Writer.Upsert(ctx.UserId, type, field.Name, value, ParseObject(body), ctx.DataPath);
            var result = SaveResult(record.Id);
            result["created"] = created;
            return new RestResult(created ? 201 : 200, result);
        }
        var matches = field.Name == "Id"
            ? (SalesforceId.TryNormalize(value, out var id) && ctx.Org.Records.Get(id) is { IsDeleted: false } r && r.Type == type ? [r] : [])
            : ctx.Org.Records.FindBy(type, field, FieldValues.FromJson(field, JsonValue.Create(value)) ?? value).ToList();
        if (matches.Count == 0) throw SalesforceException.NotFound();
        if (matches.Count > 1) throw new MultipleMatchesException(matches.Select(m => $"{ctx.DataPath}/sobjects/{type.Name}/{m.Id}").ToList());
        switch (method)
        {
            case "GET":
                return new RestResult(200, RecordJson(ctx, matches[0], FieldList(type, query.GetValueOrDefault("fields"))));
            case "DELETE":
                ctx.Writer.Delete(matches[0], ctx.UserId);
                return new RestResult(204, null);
            default:
                throw MethodNotAllowed(method, "GET", "PATCH", "DELETE");
        }
    }

    /// <summary>405, naming the methods the resource does allow (HEAD wherever GET is).</summary>
    public static SalesforceException MethodNotAllowed(string method, params string[] allowed) =>
        new(405, "METHOD_NOT_ALLOWED", $"HTTP Method '{method}' not allowed. Allowed are {string.Join(',', allowed.Contains("GET") ? [.. allowed, "HEAD"] : allowed)}");

    public static JsonObject SaveResult(string id) => new() { ["id"] = id, ["success"] = true, ["errors"] = new JsonArray() };

    /// <summary>Finds a record by a 15- or 18-character id of the right type; a malformed id is MALFORMED_ID, an unknown one NOT_FOUND.</summary>
    public static SRecord FindById(RestContext ctx, ObjectDef type, string id)
    {
        if (!SalesforceId.TryNormalize(id, out var id18))
        {
            if ((id.Length is 15 or 18) && id.All(char.IsAsciiLetterOrDigit))
                throw new SalesforceException(400, "MALFORMED_ID", $"{type.Name} ID: id value of incorrect type: {id}", "Id");
            throw new SalesforceException(404, "NOT_FOUND", $"Provided external ID field does not exist or is not accessible: {id}");
        }
        var record = ctx.Org.Records.Get(id18);
        if (record is null || record.Type != type) throw SalesforceException.NotFound();
        return record;
    }

    public static IReadOnlyList<FieldDef> FieldList(ObjectDef type, string? fields)
    {
        if (string.IsNullOrWhiteSpace(fields)) return type.Fields;
        return fields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => type.Field(f) ?? throw new SalesforceException(400, "INVALID_FIELD",
                $"No such column '{f}' on entity '{type.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", f))
            .ToList();
    }

    public static JsonObject RecordJson(RestContext ctx, SRecord r, IEnumerable<FieldDef> fields)
    {
        var o = new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = r.Type.Name, ["url"] = $"{ctx.DataPath}/sobjects/{r.Type.Name}/{r.Id}" },
        };
        foreach (var f in fields)
        {
            // Blob fields are answered with their URL, as Salesforce does; the bytes are a separate GET.
            o[f.Name] = f.Type == FieldType.Base64 && r[f.Name] is not null
                ? $"{ctx.DataPath}/sobjects/{r.Type.Name}/{r.Id}/{f.Name}"
                : FieldValues.ToJson(f, r[f.Name]);
        }
        return o;
    }

    private static RestResult Query(RestContext ctx, string[] s, IReadOnlyDictionary<string, string> query, bool includeDeleted)
    {
        if (s.Length == 2)
        {
            var next = ctx.State.Cursors.Next(ctx.Org.Key, ctx.UserId, s[1])
                       ?? throw new SalesforceException(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
            return new RestResult(200, QueryPage(ctx, next.Batch, next.TotalSize, next.NextLocator, s[0]));
        }
        if (!query.ContainsKey("q") && query.TryGetValue("explain", out var explain))
        {
            if (string.IsNullOrWhiteSpace(explain)) throw new SalesforceException(400, "MALFORMED_QUERY", "The 'explain' parameter is empty: give a SOQL query or a list view id.");
            // A list view's id explains the query the list view runs.
            return ReplicationAndUi.Explain(ctx, explain.StartsWith("00B", StringComparison.Ordinal) && ListViews.Find(ctx, explain) is { } view ? ListViews.Soql(ctx, view) : explain);
        }
        var soql = Required(query, "q");
        var engine = new SoqlEngine(ctx.Org, ctx.State.Clock, ctx.Version);
        if (query.GetValueOrDefault("columns") == "true") return new RestResult(200, engine.ColumnMetadata(soql));
        var result = engine.Execute(soql, includeDeleted);
        ReplicationAndUi.MarkViewed(ctx, result);
        if (result.IsCount)
            return new RestResult(200, new JsonObject { ["totalSize"] = result.TotalSize, ["done"] = true, ["records"] = new JsonArray() });
        var (batch, locator) = ctx.State.Cursors.Start(ctx.Org.Key, ctx.UserId, result.Records, BatchSize(ctx));
        return new RestResult(200, QueryPage(ctx, batch, result.Records.Count, locator, s[0]));
    }

    /// <summary>Sforce-Query-Options: batchSize=N, between 200 and 2000 (default 2000).</summary>
    private static int BatchSize(RestContext ctx)
    {
        if (!ctx.Headers.TryGetValue("Sforce-Query-Options", out var options)) return 2000;
        foreach (var part in options.Split(',', StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2 && kv[0].Equals("batchSize", StringComparison.OrdinalIgnoreCase) && int.TryParse(kv[1], out var n))
                return Math.Clamp(n, 200, 2000);
        }
        return 2000;
    }

    private static JsonObject QueryPage(RestContext ctx, IReadOnlyList<JsonObject> batch, int totalSize, string? locator, string resource)
    {
        var page = new JsonObject { ["totalSize"] = totalSize, ["done"] = locator is null };
        if (locator is not null) page["nextRecordsUrl"] = $"{ctx.DataPath}/{resource}/{locator}";
        page["records"] = new JsonArray(batch.Select(r => (JsonNode)r.DeepClone()).ToArray());
        return page;
    }

    private static RestResult ParameterizedSearch(RestContext ctx, string method, IReadOnlyDictionary<string, string> query, string? body)
    {
        var searcher = new SoslSearcher(ctx.Org, ctx.State.Clock, ctx.Version);
        if (method == "GET")
        {
            var q = Required(query, "q");
            var defaultFields = query.GetValueOrDefault("fields")?.Split(',', StringSplitOptions.TrimEntries);
            var names = query.GetValueOrDefault("sobject")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
            var sobjects = names.Select(n => (n,
                (IReadOnlyList<string>?)query.GetValueOrDefault($"{n}.fields")?.Split(',', StringSplitOptions.TrimEntries),
                query.TryGetValue($"{n}.limit", out var l) && int.TryParse(l, out var li) ? (int?)li : null,
                query.GetValueOrDefault($"{n}.where"))).ToList();
            var overall = query.TryGetValue("overallLimit", out var o) && int.TryParse(o, out var ol) ? (int?)ol : null;
            if (sobjects.Count == 0) sobjects = DefaultSearchObjects(ctx);
            return new RestResult(200, searcher.ParameterizedSearch(q, query.GetValueOrDefault("in"), sobjects, defaultFields, overall));
        }
        var json = ParseObject(body);
        var text = json["q"]?.GetValue<string>() ?? throw new SalesforceException(400, "INVALID_SEARCH", "The 'q' property is required.");
        static IReadOnlyList<string>? Strings(JsonNode? n) => n is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : null;
        var list = json["sobjects"] is JsonArray arr
            ? arr.Select(x => (x!["name"]!.GetValue<string>(), Strings(x["fields"]), x["limit"]?.GetValue<int>(), x["where"]?.GetValue<string>())).ToList()
            : DefaultSearchObjects(ctx);
        return new RestResult(200, searcher.ParameterizedSearch(text, json["in"]?.GetValue<string>(), list, Strings(json["fields"]), json["overallLimit"]?.GetValue<int>()));
    }

    private static List<(string, IReadOnlyList<string>?, int?, string?)> DefaultSearchObjects(RestContext ctx) =>
        ctx.Org.Schema.Objects.Where(o => o.Searchable && !o.IsPlatformEvent && o.Name is not ("User" or "Profile" or "Organization"))
            .Select(o => (o.Name, (IReadOnlyList<string>?)null, (int?)null, (string?)null)).ToList();
}
