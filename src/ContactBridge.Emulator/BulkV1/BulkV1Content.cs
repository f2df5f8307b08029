using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using ContactBridge.Emulator.Bulk;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Schema;
using static ContactBridge.Emulator.BulkV1.BulkV1Wire;

namespace ContactBridge.Emulator.BulkV1;

/// <summary>
/// A Bulk API 1.0 batch's records in and results out, in the job's content type: CSV (a header of field names,
/// <c>#N/A</c> for null), XML (<c>sObjects</c> of <c>sObject</c>, <c>fieldsToNull</c>, <c>xsi:nil</c>) or JSON (an array of objects).
/// </summary>
public static class BulkV1Content
{
    /// <summary>A batch holds at most 10,000 records.</summary>
    public const int MaxRecords = 10_000;

    /// <summary>One record of a batch: its Id (when the request gave one) and its field values, or why it cannot be read.</summary>
    public sealed record Row(string? Id, JsonObject Body, string? Problem = null);

    /// <summary>The records of an ingest batch; a problem with the batch as a whole (an unknown field, malformed content) is an InvalidBatch error.</summary>
    public static List<Row> ReadRecords(string contentType, string text, ObjectDef type) => contentType switch
    {
        "CSV" => ReadCsv(text, type),
        "XML" => ReadXml(text, type),
        _ => ReadJson(text, type),
    };

    private static FieldDef Field(ObjectDef type, string name) => type.Field(name) ?? throw UnknownField(name);

    private static BulkV1Exception UnknownField(string name) => Error("InvalidBatch", $"Field name not found : {name}");

    private static List<Row> ReadCsv(string text, ObjectDef type)
    {
        List<List<string>> parsed;
        try
        {
            // The header and one row more than a batch may hold: enough to refuse it, without reading millions of rows first.
            parsed = BulkCsv.Parse(text, ',', MaxRecords + 2);
        }
        catch (FormatException e)
        {
            throw Error("InvalidBatch", "" + e.Message);
        }
        if (parsed.Count == 0) throw Error("InvalidBatch", "The batch has no header row.");
        var header = parsed[0].Select(h => h.Trim()).ToList();
        var fields = header.Select(h => h.Equals("Id", StringComparison.OrdinalIgnoreCase) ? null : Field(type, h)).ToList();
        CheckCount(parsed.Count - 1);
        var rows = new List<Row>(parsed.Count - 1);
        foreach (var values in parsed.Skip(1))
        {
            if (values.Count != header.Count)
            {
                rows.Add(new Row(null, [], $"The row has {values.Count} values; the header has {header.Count} columns."));
                continue;
            }
            string? id = null;
            var body = new JsonObject();
            for (var i = 0; i < header.Count; i++)
            {
                if (fields[i] is not { } field)
                {
                    id = values[i].Length == 0 ? null : values[i];
                    continue;
                }
                // An empty value leaves the field alone; #N/A sets it to null.
                if (values[i].Length == 0) continue;
                body[field.Name] = values[i] == "#N/A" ? null : BulkJobs.FromCsv(field, values[i]);
            }
            rows.Add(new Row(id, body));
        }
        return rows;
    }

    private static List<Row> ReadXml(string text, ObjectDef type)
    {
        var root = ParseXml(text).Root!;
        if (root.Name.LocalName != "sObjects") throw Error("InvalidBatch", $"Expected sObjects as the root element, not {root.Name.LocalName}.");
        var records = root.Elements().Where(e => e.Name.LocalName == "sObject").ToList();
        CheckCount(records.Count);
        var rows = new List<Row>(records.Count);
        foreach (var record in records)
        {
            var (id, body) = SObjectXml.Read(type, record, UnknownField);
            rows.Add(new Row(id, body));
        }
        return rows;
    }

    private static List<Row> ReadJson(string text, ObjectDef type)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Error("InvalidBatch", "The batch is not valid JSON: " + e.Message);
        }
        if (node is not JsonArray array) throw Error("InvalidBatch", "A JSON batch must be an array of records.");
        CheckCount(array.Count);
        var rows = new List<Row>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonObject record)
            {
                rows.Add(new Row(null, [], "Each element of the batch must be a JSON object."));
                continue;
            }
            string? id = null;
            var body = new JsonObject();
            foreach (var (name, value) in record)
            {
                if (name == "attributes") continue;
                if (name.Equals("Id", StringComparison.OrdinalIgnoreCase))
                {
                    id = value?.ToString() is { Length: > 0 } v ? v : null;
                    continue;
                }
                body[Field(type, name).Name] = value?.DeepClone();
            }
            rows.Add(new Row(id, body));
        }
        return rows;
    }

    private static void CheckCount(int count)
    {
        if (count > MaxRecords)
            throw Error("InvalidBatch", $"Records in a single batch exceed the limit of {MaxRecords:N0} ({count:N0}): split them into several batches.");
    }

    /// <summary>The results of an ingest batch in the job's content type, one per request record in its order.</summary>
    public static (string Text, string MediaType) WriteResults(string contentType, IReadOnlyList<BulkV1RecordResult> results)
    {
        switch (contentType)
        {
            case "CSV":
                var rows = results.Select(r => (IReadOnlyList<string?>)[r.Id ?? "", r.Success ? "true" : "false", r.Created ? "true" : "false", r.ErrorText ?? ""]);
                return (BulkCsv.Write(rows.Prepend(["Id", "Success", "Created", "Error"]), ',', "\n", quoteAll: true), "text/csv");
            case "XML":
                var xml = new XElement(Ns + "results", results.Select(r => new XElement(Ns + "result",
                    r.Id is null ? null : new XElement(Ns + "id", r.Id),
                    r.Success ? null : new XElement(Ns + "errors",
                        (r.Fields ?? []).Select(f => new XElement(Ns + "fields", f)),
                        new XElement(Ns + "message", r.Message), new XElement(Ns + "statusCode", r.StatusCode)),
                    new XElement(Ns + "success", r.Success ? "true" : "false"),
                    new XElement(Ns + "created", r.Created ? "true" : "false"))));
                return (SafeXml.Serialize(Document(xml)), "application/xml");
            default:
                var json = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["success"] = r.Success, ["created"] = r.Created, ["id"] = r.Id,
                    ["errors"] = r.Success ? new JsonArray() : new JsonArray(new JsonObject
                    {
                        ["message"] = r.Message, ["fields"] = new JsonArray((r.Fields ?? []).Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()), ["statusCode"] = r.StatusCode,
                    }),
                }).ToArray());
                return (json.ToJsonString(), "application/json");
        }
    }

    /// <summary>The list of a query batch's result ids: XML for CSV and XML jobs, a JSON array for JSON jobs.</summary>
    public static (string Text, string MediaType) WriteResultList(string contentType, IEnumerable<string> ids) => contentType == "JSON"
        ? (new JsonArray(ids.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()).ToJsonString(), "application/json")
        : (SafeXml.Serialize(Document(new XElement(Ns + "result-list", ids.Select(i => new XElement(Ns + "result", i))))), "application/xml");

    /// <summary>One query result: CSV with a header of the selected fields, XML queryResult, or a JSON array of records.</summary>
    public static (string Text, string MediaType) WriteQueryResult(string contentType, string objectName, IReadOnlyList<string> columns, IReadOnlyList<JsonObject> records)
    {
        switch (contentType)
        {
            case "CSV":
                // Bulk API 1.0 answers a CSV query that matched nothing with this line instead of a header.
                if (records.Count == 0) return ("Records not found for this query", "text/csv");
                var rows = records.Select(r => (IReadOnlyList<string?>)columns.Select(c => BulkJobs.Flatten(r, c)).ToList());
                return (BulkCsv.Write(rows.Prepend([.. columns]), ',', "\n", quoteAll: true), "text/csv");
            case "XML":
                var xml = new XElement(Ns + "queryResult", new XAttribute(XNamespace.Xmlns + "xsi", Xsi),
                    records.Select(r => RecordXml("records", objectName, r)));
                return (SafeXml.Serialize(Document(xml)), "application/xml");
            default:
                return (new JsonArray(records.Select(r => r.DeepClone()).ToArray()).ToJsonString(), "application/json");
        }
    }

    private static XElement RecordXml(string elementName, string objectName, JsonObject record)
    {
        var element = new XElement(Ns + elementName, new XAttribute(Xsi + "type", "sObject"), new XElement(Ns + "type", record["attributes"]?["type"]?.ToString() ?? objectName));
        foreach (var (name, value) in record)
        {
            if (name == "attributes") continue;
            element.Add(value switch
            {
                null => new XElement(Ns + name, new XAttribute(Xsi + "nil", "true")),
                JsonObject nested => RecordXml(name, name, nested),
                JsonValue v when v.TryGetValue<string>(out var s) => new XElement(Ns + name, s),
                _ => new XElement(Ns + name, value.ToJsonString()),
            });
        }
        return element;
    }

}
