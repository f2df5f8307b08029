using System.Collections.Concurrent;
using System.Diagnostics;
using ContactBridge.Emulator.Bulk;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;
using ContactBridge.Emulator.Soql;
using static ContactBridge.Emulator.BulkV1.BulkV1Wire;

namespace ContactBridge.Emulator.BulkV1;

/// <summary>
/// Bulk API 1.0 jobs and batches. A batch is queued when it is posted and processed in the background, 200 records
/// at a time under the org's lock, each record through the same writer (validation, change events) as REST and
/// Bulk API 2.0; a Serial job's batches run one after another in the order they came, a Parallel job's side by side.
/// A batch whose content cannot be read fails as a whole with the reason in its stateMessage.
/// </summary>
public sealed class BulkV1Jobs(EmulatorState state)
{
    private static readonly string[] Operations = ["insert", "update", "upsert", "delete", "hardDelete", "query", "queryAll"];
    private static readonly string[] ContentTypes = ["CSV", "XML", "JSON"];

    /// <summary>Salesforce accepts 15,000 batches per org in a rolling 24 hours.</summary>
    public const int DailyBatchAllowance = 15_000;

    /// <summary>Jobs and their batches are kept seven days, as Salesforce keeps them.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, BulkV1Job> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _batchTimes = new(StringComparer.Ordinal);

    /// <summary>Batches are processed two at a time (they take turns on the org's lock anyway), not one waiting thread each.</summary>
    private readonly SemaphoreSlim _workers = new(2);
    private long _counter;

    public BulkV1Job Find(string orgKey, string id) =>
        SalesforceId.TryNormalize(id, out var id18) && _jobs.TryGetValue(id18, out var job) && job.OrgKey == orgKey
            ? job
            : throw Error("InvalidJob", $"Invalid job id: {id}");

    public static BulkV1Batch FindBatch(BulkV1Job job, string id)
    {
        lock (job)
        {
            return SalesforceId.TryNormalize(id, out var id18) && job.Batches.FirstOrDefault(b => b.Id == id18) is { } batch
                ? batch
                : throw Error("InvalidBatch", $"Invalid batch id: {id}");
        }
    }

    public BulkV1Job Create(RestContext ctx, IReadOnlyDictionary<string, string> info)
    {
        string Required(string name) => info.TryGetValue(name, out var v) && v.Length > 0 ? v : throw Error("InvalidJob", $"{name} is required: give it in the jobInfo.");
        var operation = Required("operation");
        if (!Operations.Contains(operation, StringComparer.Ordinal))
            throw Error("InvalidJob", $"Invalid operation: {operation}; use one of {string.Join(", ", Operations)}.");
        var type = ctx.Org.Schema.Find(Required("object")) ?? throw Error("InvalidJob", $"Unable to find object: {info["object"]}");
        var contentType = info.GetValueOrDefault("contentType", "CSV");
        if (!ContentTypes.Contains(contentType, StringComparer.Ordinal))
            throw Error("InvalidJob", $"The emulator takes CSV, XML or JSON batches, not {contentType}.");
        var mode = info.GetValueOrDefault("concurrencyMode", "Parallel");
        if (mode is not ("Parallel" or "Serial")) throw Error("InvalidJob", $"Invalid concurrencyMode: {mode}; use Parallel or Serial.");
        string? external = null;
        if (operation == "upsert")
        {
            external = Required("externalIdFieldName");
            try
            {
                external = RecordWriter.ExternalIdField(type, external).Name;
            }
            catch (SalesforceException e)
            {
                throw Error("InvalidJob", "" + e.Message);
            }
        }
        if (info.TryGetValue("state", out var requested) && requested != "Open") throw Error("InvalidJob", $"A new job is Open, not {requested}.");
        var now = state.Clock.GetUtcNow();
        var job = new BulkV1Job
        {
            Id = SalesforceId.New("750", ctx.Org.Pod, Interlocked.Increment(ref _counter)), OrgKey = ctx.Org.Key, CreatedById = ctx.UserId,
            Operation = operation, Object = type.Name, ExternalIdFieldName = external, AssignmentRuleId = info.GetValueOrDefault("assignmentRuleId"),
            ConcurrencyMode = mode, ContentType = contentType, ApiVersion = ctx.Version, CreatedDate = now, SystemModstamp = now,
        };
        Prune(now);
        _jobs[job.Id] = job;
        return job;
    }

    /// <summary>Drops jobs older than the retention whose batches have all ended.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var old in _jobs.Values.Where(j => j.CreatedDate < now - Retention))
        {
            lock (old)
            {
                if (old.Batches.All(b => b.IsFinished)) _jobs.TryRemove(old.Id, out _);
            }
        }
    }

    /// <summary>Closes (no more batches; those queued still run) or aborts (queued batches are not processed) a job.</summary>
    public void SetState(BulkV1Job job, string newState)
    {
        lock (job)
        {
            switch (newState)
            {
                case "Closed" when job.State == "Open":
                    job.State = "Closed";
                    break;
                case "Aborted" when job.State is "Open" or "Closed":
                    job.State = "Aborted";
                    foreach (var batch in job.Batches.Where(b => b.State == "Queued"))
                    {
                        batch.State = "NotProcessed";
                        batch.SystemModstamp = state.Clock.GetUtcNow();
                    }
                    break;
                default:
                    throw Error("InvalidJobState", $"Job {job.Id} is {job.State}; it cannot become {newState}.");
            }
            job.SystemModstamp = state.Clock.GetUtcNow();
        }
    }

    public BulkV1Batch AddBatch(RestContext ctx, BulkV1Job job, string content)
    {
        BulkV1Batch batch;
        lock (job)
        {
            if (job.State != "Open") throw Error("InvalidJobState", $"Job {job.Id} is {job.State}; batches can only be added to an Open job.");
            var now = state.Clock.GetUtcNow();
            var times = _batchTimes.GetOrAdd(job.OrgKey, _ => new Queue<DateTimeOffset>());
            lock (times)
            {
                while (times.Count > 0 && times.Peek() <= now - TimeSpan.FromHours(24)) times.Dequeue();
                if (times.Count >= DailyBatchAllowance)
                    throw Error("ExceededQuota", $"The org has added {DailyBatchAllowance:N0} batches in the last 24 hours, Salesforce's allowance; try again later.");
                times.Enqueue(now);
            }
            batch = new BulkV1Batch
            {
                Id = SalesforceId.New("751", ctx.Org.Pod, Interlocked.Increment(ref _counter)), Job = job, Request = content, CreatedDate = now, SystemModstamp = now,
            };
            job.Batches.Add(batch);
            // Processing waits for Release, so the answer to the POST shows the batch Queued, as Salesforce's does; a Serial
            // job's batches still run in the order they were added.
            if (job.ConcurrencyMode == "Serial")
                job.SerialTail = job.SerialTail.ContinueWith(_ => RunWhenReleasedAsync(ctx, batch), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            else
                _ = Task.Run(() => RunWhenReleasedAsync(ctx, batch));
        }
        return batch;
    }

    private async Task RunWhenReleasedAsync(RestContext ctx, BulkV1Batch batch)
    {
        await batch.Released.ConfigureAwait(false);
        await _workers.WaitAsync().ConfigureAwait(false);
        try
        {
            Run(ctx, batch);
        }
        finally
        {
            _workers.Release();
        }
    }

    private void Run(RestContext ctx, BulkV1Batch batch)
    {
        var job = batch.Job;
        var sw = Stopwatch.StartNew();
        try
        {
            lock (job)
            {
                if (batch.State != "Queued") return;
                batch.State = "InProgress";
                batch.SystemModstamp = state.Clock.GetUtcNow();
            }
            if (job.IsQuery) RunQuery(ctx, batch);
            else RunIngest(ctx, batch);
            Finish(batch, "Completed", null, sw);
        }
        catch (BulkV1Exception e)
        {
            Finish(batch, "Failed", $"{e.ExceptionCode} : {e.Message}", sw);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or NullReferenceException or KeyNotFoundException or InvalidCastException or OverflowException or SalesforceException)
        {
            // An emulator bug (or an error no row caught) must not leave a batch InProgress for ever: fail it and say why.
            Finish(batch, "Failed", "Unknown : " + e.Message, sw);
        }
        finally
        {
            batch.MarkProcessed();
        }
    }

    private void Finish(BulkV1Batch batch, string batchState, string? message, Stopwatch sw)
    {
        lock (batch.Job)
        {
            if (batch.State == "InProgress")
            {
                batch.State = batchState;
                batch.StateMessage = message;
            }
            batch.TotalProcessingTimeMs = sw.ElapsedMilliseconds;
            batch.SystemModstamp = state.Clock.GetUtcNow();
        }
    }

    private void RunIngest(RestContext ctx, BulkV1Batch batch)
    {
        var job = batch.Job;
        var type = ctx.Org.Schema.Require(job.Object);
        var rows = BulkV1Content.ReadRecords(job.ContentType, batch.Request, type);
        foreach (var chunk in rows.Chunk(200))
        {
            lock (job)
            {
                if (job.State == "Aborted")
                    throw Error("InvalidJobState", $"The job was aborted after {batch.NumberRecordsProcessed} of the batch's {rows.Count} records.");
            }
            // 200 records at a time under the org's lock, as Salesforce processes a bulk batch in chunks of 200.
            var writer = new RecordWriter(ctx.Org, state.Clock) { ChangeOrigin = RestContext.Origin("bulkapi", ctx.Version, ctx.Headers) };
            var results = new List<BulkV1RecordResult>(chunk.Length);
            lock (ctx.Org.Sync)
            {
                foreach (var row in chunk) results.Add(Apply(ctx, job, type, row, writer));
            }
            lock (job)
            {
                batch.Results.AddRange(results);
                batch.NumberRecordsProcessed += results.Count;
                batch.NumberRecordsFailed += results.Count(r => !r.Success);
                batch.SystemModstamp = state.Clock.GetUtcNow();
            }
        }
    }

    private static BulkV1RecordResult Apply(RestContext ctx, BulkV1Job job, Schema.ObjectDef type, BulkV1Content.Row row, RecordWriter writer)
    {
        if (row.Problem is not null) return new BulkV1RecordResult(row.Id, false, false, "INVALID_FIELD", row.Problem, []);
        try
        {
            var (id, created) = BulkJobs.ApplyRow(ctx, writer, type, job.Operation, job.ExternalIdFieldName, row.Id, row.Body);
            return new BulkV1RecordResult(id, true, created);
        }
        catch (SalesforceException e)
        {
            return new BulkV1RecordResult(job.Operation is "insert" ? null : row.Id, false, false, e.ErrorCode, e.Message, e.Fields);
        }
        catch (MultipleMatchesException)
        {
            return new BulkV1RecordResult(null, false, false, "DUPLICATE_EXTERNAL_ID", "More than one record found for external id field", []);
        }
    }

    private void RunQuery(RestContext ctx, BulkV1Batch batch)
    {
        var job = batch.Job;
        SoqlResult result;
        IReadOnlyList<string> columns;
        try
        {
            var query = SoqlParser.Parse(batch.Request);
            if (!query.From.Equals(job.Object, StringComparison.OrdinalIgnoreCase))
                throw Error("InvalidBatch", $"Failed to process query: the query is on {query.From}, the job on {job.Object}.");
            if (query.Select.Any(s => s is SubqueryItem))
                throw Error("InvalidBatch", "Failed to process query: FeatureNotEnabled : Cannot handle nested queries in a bulk query.");
            columns = query.Select.OfType<FieldItem>().Select(f => f.Path.Text).ToList();
            lock (ctx.Org.Sync) result = new SoqlEngine(ctx.Org, state.Clock, ctx.Version) { CompoundRefused = SoqlEngine.BulkCompoundRefusal }.Execute(batch.Request, job.Operation == "queryAll");
            if (result.IsCount || query.Select.Any(s => s is AggregateItem))
                throw Error("InvalidBatch", "Failed to process query: Aggregate Relationship and aggregate functions are not supported in a bulk query.");
        }
        catch (SalesforceException e)
        {
            throw Error("InvalidBatch", $"Failed to process query: {e.ErrorCode}: {e.Message}");
        }
        lock (job)
        {
            batch.QueryColumns = columns;
            batch.QueryRecords = result.Records;
            batch.ResultId = SalesforceId.New("752", ctx.Org.Pod, Interlocked.Increment(ref _counter));
            batch.NumberRecordsProcessed = result.Records.Count;
        }
    }
}
