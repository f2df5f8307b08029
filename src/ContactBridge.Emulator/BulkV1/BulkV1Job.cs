using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.BulkV1;

/// <summary>
/// One Bulk API 1.0 job (<c>/services/async/XX.X/job</c>): an operation on one object in one content type
/// (CSV, XML or JSON), Open until closed or aborted, its batches processed one at a time (Serial) or side by side (Parallel).
/// </summary>
public sealed class BulkV1Job
{
    public required string Id { get; init; }
    public required string OrgKey { get; init; }
    public required string CreatedById { get; init; }
    public required string Operation { get; init; }
    public required string Object { get; init; }
    public string? ExternalIdFieldName { get; init; }
    public string? AssignmentRuleId { get; init; }
    public required string ConcurrencyMode { get; init; }
    public required string ContentType { get; init; }
    public required string ApiVersion { get; init; }
    public DateTimeOffset CreatedDate { get; init; }
    public DateTimeOffset SystemModstamp { get; set; }
    public string State { get; set; } = "Open";
    public List<BulkV1Batch> Batches { get; } = [];

    /// <summary>The last batch queued in a Serial job: the next one starts when it ends.</summary>
    internal Task SerialTail { get; set; } = Task.CompletedTask;

    public bool IsQuery => Operation is "query" or "queryAll";
}

/// <summary>One batch of a Bulk API 1.0 job: its request as sent, its state, and per-record results or query results.</summary>
public sealed class BulkV1Batch
{
    public required string Id { get; init; }
    public required BulkV1Job Job { get; init; }
    public required string Request { get; init; }
    public DateTimeOffset CreatedDate { get; init; }
    public DateTimeOffset SystemModstamp { get; set; }
    public string State { get; set; } = "Queued";
    public string? StateMessage { get; set; }
    public int NumberRecordsProcessed { get; set; }
    public int NumberRecordsFailed { get; set; }
    public long TotalProcessingTimeMs { get; set; }

    /// <summary>Ingest results, one per record of the request in its order.</summary>
    public List<BulkV1RecordResult> Results { get; } = [];

    /// <summary>Query results: the selected columns and the rows (records as REST gives them), under one result id.</summary>
    public string? ResultId { get; set; }
    public IReadOnlyList<string>? QueryColumns { get; set; }
    public IReadOnlyList<JsonObject>? QueryRecords { get; set; }

    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the batch may be processed (after its creation has been answered).</summary>
    internal Task Released => _released.Task;

    /// <summary>Lets the batch be processed.</summary>
    internal void Release() => _released.TrySetResult();

    /// <summary>Completes when the batch has ended, however it ended (Completed, Failed or NotProcessed).</summary>
    public Task Processed => _finished.Task;

    internal void MarkProcessed() => _finished.TrySetResult();

    public bool IsFinished => State is "Completed" or "Failed" or "NotProcessed";
}

/// <summary>What happened to one record of an ingest batch; a failure carries Salesforce's status code, message and fields.</summary>
public sealed record BulkV1RecordResult(string? Id, bool Success, bool Created, string? StatusCode = null, string? Message = null, IReadOnlyList<string>? Fields = null)
{
    /// <summary>The error as the CSV result's Error column gives it: <c>CODE:message:fields --</c>.</summary>
    public string? ErrorText => Success ? null : $"{StatusCode}:{Message}:{string.Join(",", Fields ?? [])} --";
}
