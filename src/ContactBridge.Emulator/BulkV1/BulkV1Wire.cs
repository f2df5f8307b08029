using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.BulkV1;

/// <summary>
/// Bulk API 1.0's own shapes, in XML (namespace <c>http://www.force.com/2009/06/asyncapi/dataload</c>) or JSON:
/// jobInfo, batchInfo, batchInfoList and error, as the Bulk API Developer Guide gives them.
/// </summary>
public static class BulkV1Wire
{
    public static readonly XNamespace Ns = "http://www.force.com/2009/06/asyncapi/dataload";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>A Bulk API 1.0 error: its exceptionCode (InvalidJob, InvalidBatch, InvalidSessionId …) and HTTP status.</summary>
    public sealed class BulkV1Exception(int status, string exceptionCode, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string ExceptionCode { get; } = exceptionCode;
    }

    public static BulkV1Exception Error(string code, string message, int status = 400) => new(status, code, message);

    public static XDocument ErrorXml(BulkV1Exception e) =>
        Document(new XElement(Ns + "error", new XElement(Ns + "exceptionCode", e.ExceptionCode), new XElement(Ns + "exceptionMessage", e.Message)));

    public static JsonObject ErrorJson(BulkV1Exception e) => new() { ["exceptionCode"] = e.ExceptionCode, ["exceptionMessage"] = e.Message };

    public static XDocument Document(XElement root) => new(new XDeclaration("1.0", "UTF-8", null), root);

    /// <summary>The fields of a jobInfo request, from XML or JSON; element names are case-sensitive as in Salesforce.</summary>
    public static Dictionary<string, string> ReadJobInfo(string body, bool json)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json)
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(body);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw Error("InvalidJob", "The jobInfo is not valid JSON: " + e.Message);
            }
            if (node is not JsonObject o) throw Error("InvalidJob", "The jobInfo must be a JSON object.");
            foreach (var (k, v) in o)
            {
                if (v is JsonValue value) fields[k] = value.ToString();
            }
            return fields;
        }
        var root = ParseXml(body).Root!;
        if (root.Name.LocalName != "jobInfo") throw Error("InvalidXML", $"Expected a jobInfo element, not {root.Name.LocalName}.");
        foreach (var e in root.Elements()) fields[e.Name.LocalName] = e.Value.Trim();
        return fields;
    }

    /// <summary>Parses XML without DTDs or external entities; malformed XML is an InvalidXML error that says where.</summary>
    public static XDocument ParseXml(string text)
    {
        try
        {
            return SafeXml.Parse(text.TrimStart());
        }
        catch (XmlException e)
        {
            throw Error("InvalidXML", $"The XML is not valid: {e.Message}");
        }
    }

    public static JsonNode JobJson(BulkV1Job job)
    {
        var o = new JsonObject();
        foreach (var (name, value) in JobFields(job)) o[name] = value;
        return o;
    }

    public static XElement JobXml(BulkV1Job job) =>
        new(Ns + "jobInfo", JobFields(job).Select(f => new XElement(Ns + f.Name, Text(f.Value))));

    private static List<(string Name, JsonNode? Value)> JobFields(BulkV1Job job)
    {
        lock (job)
        {
            var batches = job.Batches;
            var fields = new List<(string, JsonNode?)>
            {
                ("id", job.Id), ("operation", job.Operation), ("object", job.Object),
            };
            if (job.ExternalIdFieldName is not null) fields.Add(("externalIdFieldName", job.ExternalIdFieldName));
            if (job.AssignmentRuleId is not null) fields.Add(("assignmentRuleId", job.AssignmentRuleId));
            fields.AddRange(
            [
                ("createdById", job.CreatedById), ("createdDate", FieldValues.FormatDateTime(job.CreatedDate)),
                ("systemModstamp", FieldValues.FormatDateTime(job.SystemModstamp)), ("state", job.State),
                ("concurrencyMode", job.ConcurrencyMode), ("contentType", job.ContentType),
                ("numberBatchesQueued", batches.Count(b => b.State == "Queued")),
                ("numberBatchesInProgress", batches.Count(b => b.State == "InProgress")),
                ("numberBatchesCompleted", batches.Count(b => b.State == "Completed")),
                ("numberBatchesFailed", batches.Count(b => b.State == "Failed")),
                ("numberBatchesTotal", batches.Count),
                ("numberRecordsProcessed", batches.Sum(b => b.NumberRecordsProcessed)),
                ("numberRetries", 0),
                ("apiVersion", decimal.Parse(job.ApiVersion, CultureInfo.InvariantCulture)),
                ("numberRecordsFailed", batches.Sum(b => b.NumberRecordsFailed)),
                ("totalProcessingTime", batches.Sum(b => b.TotalProcessingTimeMs)),
                ("apiActiveProcessingTime", batches.Sum(b => b.TotalProcessingTimeMs)),
                ("apexProcessingTime", 0),
            ]);
            return fields;
        }
    }

    public static JsonNode BatchJson(BulkV1Batch batch)
    {
        var o = new JsonObject();
        foreach (var (name, value) in BatchFields(batch)) o[name] = value;
        return o;
    }

    public static XElement BatchXml(BulkV1Batch batch) =>
        new(Ns + "batchInfo", BatchFields(batch).Select(f => new XElement(Ns + f.Name, Text(f.Value))));

    private static List<(string Name, JsonNode? Value)> BatchFields(BulkV1Batch batch)
    {
        lock (batch.Job)
        {
            var fields = new List<(string, JsonNode?)> { ("id", batch.Id), ("jobId", batch.Job.Id), ("state", batch.State) };
            if (batch.StateMessage is not null) fields.Add(("stateMessage", batch.StateMessage));
            fields.AddRange(
            [
                ("createdDate", FieldValues.FormatDateTime(batch.CreatedDate)), ("systemModstamp", FieldValues.FormatDateTime(batch.SystemModstamp)),
                ("numberRecordsProcessed", batch.NumberRecordsProcessed), ("numberRecordsFailed", batch.NumberRecordsFailed),
                ("totalProcessingTime", batch.TotalProcessingTimeMs), ("apiActiveProcessingTime", batch.TotalProcessingTimeMs), ("apexProcessingTime", 0),
            ]);
            return fields;
        }
    }

    /// <summary>A JSON value as XML text (a decimal keeps its scale: apiVersion 62.0).</summary>
    private static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };
}
