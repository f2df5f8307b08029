using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Bulk;

/// <summary>One Bulk API 2.0 job (ingest or query) and what it produced.</summary>
public sealed class BulkJob
{
    public required string Id { get; init; }
    public required string OrgKey { get; init; }
    public required string CreatedById { get; init; }
    public required bool IsQuery { get; init; }
    public required string Operation { get; init; }
    public string? Object { get; init; }
    public string? ExternalIdFieldName { get; init; }
    public string? Query { get; init; }
    public string ColumnDelimiter { get; init; } = "COMMA";
    public string LineEnding { get; init; } = "LF";
    public required string ApiVersion { get; init; }
    public DateTimeOffset CreatedDate { get; init; }
    public DateTimeOffset SystemModstamp { get; set; }
    public string State { get; set; } = "Open";
    public string? ErrorMessage { get; set; }
    public List<string> Uploads { get; } = [];
    public long UploadedBytes { get; set; }
    public int NumberRecordsProcessed { get; set; }
    public int NumberRecordsFailed { get; set; }
    public long TotalProcessingTimeMs { get; set; }
    public List<string>? Header { get; set; }
    public List<(string Id, bool Created, List<string> Row)> Successes { get; } = [];
    public List<(string? Id, string Error, List<string> Row)> Failures { get; } = [];
    public List<List<string>> Unprocessed { get; } = [];
    /// <summary>Query results: the CSV header and rows.</summary>
    public List<List<string?>> QueryRows { get; } = [];

    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when background processing of the job has ended, however it ended.</summary>
    public Task Processed => _finished.Task;

    internal void MarkProcessed() => _finished.TrySetResult();

    public char Delimiter => BulkCsv.Delimiters[ColumnDelimiter];
    public string NewLine => LineEnding == "CRLF" ? "\r\n" : "\n";

    public JsonObject Info()
    {
        var o = new JsonObject
        {
            ["id"] = Id,
            ["operation"] = Operation,
            ["object"] = Object,
            ["createdById"] = CreatedById,
            ["createdDate"] = FieldValues.FormatDateTime(CreatedDate),
            ["systemModstamp"] = FieldValues.FormatDateTime(SystemModstamp),
            ["state"] = State,
            ["concurrencyMode"] = "Parallel",
            ["contentType"] = "CSV",
            ["apiVersion"] = double.Parse(ApiVersion, System.Globalization.CultureInfo.InvariantCulture),
            ["lineEnding"] = LineEnding,
            ["columnDelimiter"] = ColumnDelimiter,
        };
        if (IsQuery)
        {
            o["query"] = Query;
            o["jobType"] = "V2Query";
            o["numberRecordsProcessed"] = NumberRecordsProcessed;
            o["retries"] = 0;
            o["totalProcessingTime"] = TotalProcessingTimeMs;
        }
        else
        {
            if (ExternalIdFieldName is not null) o["externalIdFieldName"] = ExternalIdFieldName;
            o["jobType"] = "V2Ingest";
            o["contentUrl"] = $"services/data/v{ApiVersion}/jobs/ingest/{Id}/batches";
            o["numberRecordsProcessed"] = NumberRecordsProcessed;
            o["numberRecordsFailed"] = NumberRecordsFailed;
            o["retries"] = 0;
            o["totalProcessingTime"] = TotalProcessingTimeMs;
            o["apiActiveProcessingTime"] = TotalProcessingTimeMs;
            o["apexProcessingTime"] = 0;
        }
        if (ErrorMessage is not null) o["errorMessage"] = ErrorMessage;
        return o;
    }
}
