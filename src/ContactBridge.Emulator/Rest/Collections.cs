using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// sObject collections (/composite/sobjects): create, update, upsert and delete up to 200
/// records, and retrieve up to 2000 by id, in one API call. Results come back in request order;
/// with allOrNone every record rolls back when one fails.
/// </summary>
public static class Collections
{
    public const int MaxRecords = 200;
    public const int MaxRetrieveIds = 2000;

    private static readonly JsonObject RolledBackError = new()
    {
        ["statusCode"] = "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        ["message"] = "Record rolled back because not all records were valid and the request was using AllOrNone header",
        ["fields"] = new JsonArray(),
    };

    public static RestResult Run(RestContext ctx, string method, string[] rest, IReadOnlyDictionary<string, string> query, string? body)
    {
        switch (rest.Length, method)
        {
            case (0, "POST"): return Write(ctx, body, (r, _) => Create(ctx, r), upsert: false);
            case (0, "PATCH"): return Write(ctx, body, (r, _) => Update(ctx, r), upsert: false);
            case (0, "DELETE"): return Delete(ctx, query);
            case (1, "GET"): return Retrieve(ctx, rest[0], Split(query.GetValueOrDefault("ids")), Split(query.GetValueOrDefault("fields")));
            case (1, "POST"):
                var json = RestDispatcher.ParseObject(body);
                return Retrieve(ctx, rest[0], Strings(json["ids"]), Strings(json["fields"]));
            case (2, "PATCH"):
                var type = ctx.Org.Schema.Require(rest[0]);
                var field = RecordWriter.ExternalIdField(type, rest[1]);
                return Write(ctx, body, (r, _) => Upsert(ctx, type, field, r), upsert: true, wouldCreate: r => ctx.Writer.UpsertWouldCreate(type, field, r[field.Name]));
            default:
                throw SalesforceException.NotFound();
        }
    }

    private static List<string> Split(string? csv) => csv?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];

    private static List<string> Strings(JsonNode? node) => node is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : [];

    private static (string Id, bool Created) Create(RestContext ctx, JsonObject r)
    {
        var type = TypeOf(ctx, r);
        if (r.ContainsKey("Id") || r.ContainsKey("id"))
            throw new SalesforceException(400, "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", "Id");
        return (ctx.Writer.Create(ctx.UserId, type, r).Id, true);
    }

    private static (string Id, bool Created) Update(RestContext ctx, JsonObject r)
    {
        var type = TypeOf(ctx, r);
        var id = (r["Id"] ?? r["id"])?.GetValue<string>() ?? throw new SalesforceException(400, "MISSING_ARGUMENT", "Id not specified in an update call", "Id");
        var record = RestDispatcher.FindById(ctx, type, id);
        ctx.Writer.Update(ctx.UserId, record, r);
        return (record.Id, false);
    }

    private static (string Id, bool Created) Upsert(RestContext ctx, ObjectDef type, FieldDef field, JsonObject r)
    {
        var value = FieldValues.ToText(FieldValues.FromJson(field, r[field.Name]))
                    ?? throw new SalesforceException(400, "MISSING_ARGUMENT", $"{field.Name} not specified", field.Name);
        var copy = (JsonObject)r.DeepClone();
        copy.Remove(field.Name);
        var (record, created) = ctx.Writer.Upsert(ctx.UserId, type, field.Name, value, copy, ctx.DataPath);
        return (record.Id, created);
    }

    private static ObjectDef TypeOf(RestContext ctx, JsonObject r)
    {
        var name = r["attributes"]?["type"]?.GetValue<string>()
                   ?? throw new SalesforceException(400, "INVALID_TYPE", "Must specify a type in the attributes of each record");
        return ctx.Org.Schema.Require(name);
    }

    private static RestResult Write(RestContext ctx, string? body, Func<JsonObject, int, (string Id, bool Created)> op, bool upsert, Func<JsonObject, bool>? wouldCreate = null)
    {
        var json = RestDispatcher.ParseObject(body);
        if (json["records"] is not JsonArray records)
            throw new SalesforceException(400, "INVALID_INPUT", "The request body needs a records array.");
        if (records.Count > MaxRecords)
            throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", $"Maximum size of request reached. Maximum size of request is {MaxRecords} records.");
        var allOrNone = json["allOrNone"]?.GetValue<bool>() ?? false;
        using var tx = ctx.Org.Records.Begin();
        var results = new List<JsonObject>();
        var failed = false;
        for (var i = 0; i < records.Count; i++)
        {
            try
            {
                if (records[i] is not JsonObject r) throw SalesforceException.JsonParser("Each record must be a JSON object.");
                var (id, created) = op(r, i);
                var ok = new JsonObject { ["id"] = id, ["success"] = true, ["errors"] = new JsonArray() };
                if (upsert) ok["created"] = created;
                results.Add(ok);
            }
            catch (Exception e) when (e is SalesforceException or MultipleMatchesException)
            {
                failed = true;
                var error = e is SalesforceException se
                    ? se.ToCollectionError()
                    : new JsonObject { ["statusCode"] = "DUPLICATE_EXTERNAL_ID", ["message"] = "More than one record found for external id field", ["fields"] = new JsonArray() };
                var failure = new JsonObject { ["success"] = false, ["errors"] = new JsonArray(error) };
                if (upsert && records[i] is JsonObject record) failure["created"] = wouldCreate!(record);
                results.Add(failure);
            }
        }
        if (allOrNone && failed)
        {
            tx.Rollback();
            results = results.Select(r =>
            {
                if (!r["success"]!.GetValue<bool>()) return r;
                var rolledBack = new JsonObject { ["id"] = null, ["success"] = false, ["errors"] = new JsonArray(RolledBackError.DeepClone()) };
                // An upsert result keeps whether the record would have been created.
                if (upsert) rolledBack["created"] = r["created"]!.DeepClone();
                return rolledBack;
            }).ToList();
        }
        else
        {
            tx.Commit();
        }
        return new RestResult(200, new JsonArray(results.Cast<JsonNode>().ToArray()));
    }

    private static RestResult Delete(RestContext ctx, IReadOnlyDictionary<string, string> query)
    {
        var ids = Split(query.GetValueOrDefault("ids"));
        if (ids.Count == 0) throw new SalesforceException(400, "MISSING_ARGUMENT", "The ids parameter is required.");
        if (ids.Count > MaxRecords)
            throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", $"Maximum size of request reached. Maximum size of request is {MaxRecords} records.");
        var allOrNone = query.GetValueOrDefault("allOrNone") == "true";
        using var tx = ctx.Org.Records.Begin();
        var results = new List<JsonObject>();
        var failed = false;
        foreach (var id in ids)
        {
            try
            {
                var record = SalesforceId.TryNormalize(id, out var id18) ? ctx.Org.Records.Get(id18) : null;
                if (record is null) throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
                ctx.Writer.Delete(record, ctx.UserId);
                results.Add(new JsonObject { ["id"] = record.Id, ["success"] = true, ["errors"] = new JsonArray() });
            }
            catch (SalesforceException e)
            {
                failed = true;
                results.Add(new JsonObject { ["id"] = id, ["success"] = false, ["errors"] = new JsonArray(e.ToCollectionError()) });
            }
        }
        if (allOrNone && failed)
        {
            tx.Rollback();
            results = results.Select(r => r["success"]!.GetValue<bool>()
                ? new JsonObject { ["id"] = r["id"]!.DeepClone(), ["success"] = false, ["errors"] = new JsonArray(RolledBackError.DeepClone()) }
                : r).ToList();
        }
        else
        {
            tx.Commit();
        }
        return new RestResult(200, new JsonArray(results.Cast<JsonNode>().ToArray()));
    }

    private static RestResult Retrieve(RestContext ctx, string objectName, List<string> ids, List<string> fields)
    {
        var type = ctx.Org.Schema.Require(objectName);
        if (ids.Count == 0) throw new SalesforceException(400, "MISSING_ARGUMENT", "The ids parameter is required.");
        if (fields.Count == 0) throw new SalesforceException(400, "MISSING_ARGUMENT", "The fields parameter is required.");
        if (ids.Count > MaxRetrieveIds) throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", $"Too many ids: at most {MaxRetrieveIds} may be retrieved at once.");
        var fieldDefs = RestDispatcher.FieldList(type, string.Join(',', fields));
        var output = new JsonArray();
        foreach (var id in ids)
        {
            var record = SalesforceId.TryNormalize(id, out var id18) ? ctx.Org.Records.Get(id18) : null;
            output.Add(record is null || record.IsDeleted || record.Type != type ? null : RestDispatcher.RecordJson(ctx, record, fieldDefs));
        }
        return new RestResult(200, output);
    }
}
