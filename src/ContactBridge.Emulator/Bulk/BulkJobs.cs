using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;
using ContactBridge.Emulator.Soql;

namespace ContactBridge.Emulator.Bulk;

/// <summary>
/// Bulk API 2.0 (the "Bulk API 2.0 and Bulk API Developer Guide"): ingest jobs go Open → UploadComplete →
/// InProgress → JobComplete (or Failed / Aborted) and are processed in the background, each row through the
/// same record writer as REST, so a bad row fails with the same error code; query jobs run a SOQL query and
/// serve its rows as CSV pages with Sforce-Locator.
/// </summary>
public sealed class BulkJobs(EmulatorState state)
{
    /// <summary>Salesforce accepts up to 150 MB per job upload.</summary>
    public const long MaxUploadBytes = 150L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, BulkJob> _jobs = new(StringComparer.Ordinal);
    private long _counter;

    public BulkJob? Find(string orgKey, string id) =>
        SalesforceId.TryNormalize(id, out var id18) && _jobs.TryGetValue(id18, out var job) && job.OrgKey == orgKey ? job : null;

    public IEnumerable<BulkJob> ForOrg(string orgKey, bool query) => _jobs.Values.Where(j => j.OrgKey == orgKey && j.IsQuery == query).OrderBy(j => j.CreatedDate);

    public BulkJob Create(RestContext ctx, JsonObject body, bool query)
    {
        string? Str(string name) => body[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var operation = Str("operation") ?? throw new SalesforceException(400, "INVALIDJOB", "InvalidJob : Operation is required");
        var delimiter = Str("columnDelimiter") ?? "COMMA";
        var lineEnding = Str("lineEnding") ?? "LF";
        if (!BulkCsv.Delimiters.ContainsKey(delimiter)) throw new SalesforceException(400, "INVALIDJOB", $"InvalidJob : Invalid column delimiter: {delimiter}");
        if (lineEnding is not ("LF" or "CRLF")) throw new SalesforceException(400, "INVALIDJOB", $"InvalidJob : Invalid line ending: {lineEnding}");
        if ((Str("contentType") ?? "CSV") != "CSV") throw new SalesforceException(400, "INVALIDJOB", "InvalidJob : Only CSV is supported");
        string? obj = null, ext = null, soql = null;
        SoqlResult? queryResult = null;
        if (query)
        {
            if (operation is not ("query" or "queryAll")) throw new SalesforceException(400, "INVALIDJOB", $"InvalidJob : Invalid operation: {operation}");
            soql = Str("query") ?? throw new SalesforceException(400, "INVALIDJOB", "InvalidJob : Query is required");
            // Run now, under the caller's hold on the org: a bad query is refused when the job is created, as
            // Salesforce does, and the rows are a snapshot of that moment. The job completes in the background.
            queryResult = new SoqlEngine(ctx.Org, state.Clock, ctx.Version) { CompoundRefused = SoqlEngine.BulkCompoundRefusal }.Execute(soql, operation == "queryAll");
        }
        else
        {
            if (operation is not ("insert" or "update" or "upsert" or "delete" or "hardDelete"))
                throw new SalesforceException(400, "INVALIDJOB", $"InvalidJob : Invalid operation: {operation}");
            obj = ctx.Org.Schema.Require(Str("object") ?? throw new SalesforceException(400, "INVALIDJOB", "InvalidJob : Object is required")).Name;
            if (operation == "upsert")
            {
                ext = Str("externalIdFieldName") ?? throw new SalesforceException(400, "INVALIDJOB", "InvalidJob : External ID was blank for " + obj);
                RecordWriter.ExternalIdField(ctx.Org.Schema.Require(obj), ext);
            }
        }
        var now = state.Clock.GetUtcNow();
        var job = new BulkJob
        {
            Id = SalesforceId.New("750", ctx.Org.Pod, Interlocked.Increment(ref _counter)), OrgKey = ctx.Org.Key, CreatedById = ctx.UserId, IsQuery = query,
            Operation = operation, Object = obj, ExternalIdFieldName = ext, Query = soql, ColumnDelimiter = delimiter, LineEnding = lineEnding,
            ApiVersion = ctx.Version, CreatedDate = now, SystemModstamp = now, State = query ? "UploadComplete" : "Open",
        };
        _jobs[job.Id] = job;
        if (queryResult is not null) Start(job, () => RunQuery(job, queryResult));
        return job;
    }

    public void Upload(BulkJob job, string csv)
    {
        lock (job)
        {
            if (job.State != "Open") throw new SalesforceException(409, "INVALIDJOBSTATE", $"Job {job.Id} is {job.State}; data can only be uploaded to an Open job.");
            if (job.UploadedBytes + csv.Length > MaxUploadBytes) throw new SalesforceException(400, "EXCEEDED_QUOTA", "A job's data may not exceed 150 MB.");
            job.Uploads.Add(csv);
            job.UploadedBytes += csv.Length;
        }
    }

    public void SetState(RestContext ctx, BulkJob job, string newState)
    {
        lock (job)
        {
            switch (newState)
            {
                case "UploadComplete" when job.State == "Open" && !job.IsQuery:
                    job.State = "UploadComplete";
                    job.SystemModstamp = state.Clock.GetUtcNow();
                    Start(job, () => RunIngest(ctx, job));
                    return;
                case "Aborted" when job.State is "Open" or "UploadComplete" or "InProgress":
                    job.State = "Aborted";
                    job.SystemModstamp = state.Clock.GetUtcNow();
                    return;
                default:
                    throw new SalesforceException(400, "INVALIDJOBSTATE", $"Job {job.Id} cannot go from {job.State} to {newState}.");
            }
        }
    }

    public void Delete(BulkJob job)
    {
        lock (job)
        {
            if (job.State is "Open" or "InProgress")
                throw new SalesforceException(400, "INVALIDJOBSTATE", $"Job {job.Id} is {job.State}; abort it or let it finish before deleting it.");
        }
        _jobs.TryRemove(job.Id, out _);
    }

    /// <summary>CSV carries text; booleans and numbers become JSON values so the writer checks them as REST does.</summary>
    internal static JsonNode? FromCsv(Schema.FieldDef field, string value) => field.Type switch
    {
        Schema.FieldType.Boolean when bool.TryParse(value, out var b) => b,
        Schema.FieldType.Boolean when value is "1" or "0" => value == "1",
        Schema.FieldType.Int when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        Schema.FieldType.Double or Schema.FieldType.Currency or Schema.FieldType.Percent
            when decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => value,
    };

    private static void Start(BulkJob job, Action run) => Task.Run(() =>
    {
        var sw = Stopwatch.StartNew();
        try
        {
            run();
        }
        catch (SalesforceException e)
        {
            lock (job)
            {
                job.State = "Failed";
                job.ErrorMessage = $"{e.ErrorCode} : {e.Message}";
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or NullReferenceException or KeyNotFoundException or OverflowException)
        {
            // An emulator bug must not leave a job InProgress forever: fail it and say why.
            lock (job)
            {
                job.State = "Failed";
                job.ErrorMessage = "UNKNOWN_EXCEPTION : " + e.Message;
            }
        }
        lock (job) job.TotalProcessingTimeMs = sw.ElapsedMilliseconds;
        job.MarkProcessed();
    });

    private void RunIngest(RestContext ctx, BulkJob job)
    {
        lock (job)
        {
            if (job.State == "Aborted") return;
            job.State = "InProgress";
        }
        var rows = new List<List<string>>();
        try
        {
            foreach (var upload in job.Uploads)
            {
                var parsed = BulkCsv.Parse(upload, job.Delimiter);
                if (parsed.Count == 0) continue;
                job.Header ??= parsed[0];
                if (!parsed[0].SequenceEqual(job.Header)) throw new SalesforceException(400, "InvalidBatch", "InvalidBatch : Every upload of a job must have the same columns.");
                rows.AddRange(parsed.Skip(1));
            }
        }
        catch (FormatException e)
        {
            throw new SalesforceException(400, "InvalidBatch", "InvalidBatch : " + e.Message);
        }
        if (job.Header is null && job.Uploads.Count == 0) throw new SalesforceException(400, "InvalidBatch", "InvalidBatch : The job has no data.");
        if (job.Header is null)
        {
            // Only empty uploads: nothing to load, and nothing failed.
            lock (job)
            {
                job.Header = [];
                job.State = "JobComplete";
                job.SystemModstamp = state.Clock.GetUtcNow();
            }
            return;
        }
        var type = ctx.Org.Schema.Require(job.Object!);
        var header = job.Header.Select(h => h.Trim()).ToList();
        foreach (var column in header)
        {
            if (type.Field(column) is null && !(column.Equals("Id", StringComparison.OrdinalIgnoreCase)))
                throw new SalesforceException(400, "InvalidBatch", $"InvalidBatch : Field name not found : {column}");
        }
        // Rows go in chunks of 200 under the org's lock, so REST callers are not held up by a large job.
        foreach (var chunk in rows.Chunk(200))
        {
            lock (job)
            {
                if (job.State == "Aborted")
                {
                    job.Unprocessed.AddRange(rows.Skip(job.NumberRecordsProcessed));
                    return;
                }
            }
            // Each chunk is one transaction, as Salesforce commits a bulk job 200 rows at a time.
            var writer = new RecordWriter(ctx.Org, state.Clock) { ChangeOrigin = RestContext.Origin("bulkapi", ctx.Version, ctx.Headers) };
            lock (ctx.Org.Sync)
            {
                foreach (var row in chunk) Process(ctx, job, type, header, row, writer);
            }
        }
        lock (job)
        {
            job.State = "JobComplete";
            job.SystemModstamp = state.Clock.GetUtcNow();
        }
    }

    private static void Process(RestContext ctx, BulkJob job, Schema.ObjectDef type, List<string> header, List<string> row, RecordWriter writer)
    {
        string? id = null;
        try
        {
            if (row.Count != header.Count)
                throw new SalesforceException(400, "INVALID_FIELD", $"The row has {row.Count} values; the header has {header.Count} columns.");
            var body = new JsonObject();
            for (var i = 0; i < header.Count; i++)
            {
                var value = row[i];
                if (header[i].Equals("Id", StringComparison.OrdinalIgnoreCase))
                {
                    id = value;
                    continue;
                }
                // Bulk API: an empty value leaves the field alone; #N/A sets it to null.
                if (value.Length == 0) continue;
                var field = type.Field(header[i])!;
                body[field.Name] = value == "#N/A" ? null : FromCsv(field, value);
            }
            var (writtenId, created) = ApplyRow(ctx, writer, type, job.Operation, job.ExternalIdFieldName, id, body);
            lock (job)
            {
                job.Successes.Add((writtenId, created, row));
                job.NumberRecordsProcessed++;
            }
        }
        catch (Exception e) when (e is SalesforceException or MultipleMatchesException)
        {
            lock (job)
            {
                job.Failures.Add((id, RowError(e), row));
                job.NumberRecordsProcessed++;
                job.NumberRecordsFailed++;
            }
        }
    }

    /// <summary>
    /// One row of an ingest job, Bulk API 1.0 or 2.0: insert, update, upsert (on an external id or on Id), delete or
    /// hardDelete, through the same record writer as REST. Returns the record's Id and whether it was created.
    /// </summary>
    internal static (string Id, bool Created) ApplyRow(RestContext ctx, RecordWriter writer, Schema.ObjectDef type, string operation, string? externalIdField, string? id, JsonObject body)
    {
        switch (operation)
        {
            case "insert":
                return (writer.Create(ctx.UserId, type, body).Id, true);
            case "update":
                var existing = RestDispatcher.FindById(ctx, type, string.IsNullOrEmpty(id) ? throw new SalesforceException(400, "MISSING_ARGUMENT", "Id not specified in an update call", "Id") : id);
                writer.Update(ctx.UserId, existing, body);
                return (existing.Id, false);
            case "upsert" when externalIdField!.Equals("Id", StringComparison.OrdinalIgnoreCase):
                // Upsert on Id: a row with an Id updates that record; a row without one (or a file with no Id column) inserts.
                if (string.IsNullOrEmpty(id)) return (writer.Create(ctx.UserId, type, body).Id, true);
                var (byId, createdById) = writer.Upsert(ctx.UserId, type, "Id", id, body, ctx.DataPath);
                return (byId.Id, createdById);
            case "upsert":
                var keyField = body.Select(kv => kv.Key).FirstOrDefault(k => k.Equals(externalIdField, StringComparison.OrdinalIgnoreCase));
                var key = keyField is null ? null : body[keyField]?.ToString();
                if (key is null) throw new SalesforceException(400, "MISSING_ARGUMENT", $"{externalIdField} not specified", externalIdField);
                body.Remove(keyField!);
                var (record, created) = writer.Upsert(ctx.UserId, type, externalIdField, key, body, ctx.DataPath);
                return (record.Id, created);
            default:
                var target = RestDispatcher.FindById(ctx, type, string.IsNullOrEmpty(id) ? throw new SalesforceException(400, "MISSING_ARGUMENT", "Id not specified in a delete call", "Id") : id);
                writer.Delete(target, ctx.UserId);
                return (target.Id, false);
        }
    }

    /// <summary>A row's error as bulk results give it: <c>CODE:message:fields --</c>.</summary>
    internal static string RowError(Exception e) => e is SalesforceException se
        ? $"{se.ErrorCode}:{se.Message}:{string.Join(",", se.Fields)} --"
        : "DUPLICATE_EXTERNAL_ID:More than one record found for external id field:-- ";

    private void RunQuery(BulkJob job, SoqlResult result)
    {
        lock (job)
        {
            if (job.State == "Aborted") return;
            job.State = "InProgress";
        }
        var q = SoqlParser.Parse(job.Query!);
        var columns = q.Select.OfType<FieldItem>().Select(f => f.Path.Text).ToList();
        var rows = result.Records.Select(r => (List<string?>)columns.Select(c => Flatten(r, c)).ToList()).ToList();
        lock (job)
        {
            job.QueryRows.Add(columns.Cast<string?>().ToList());
            job.QueryRows.AddRange(rows);
            job.NumberRecordsProcessed = rows.Count;
            job.State = "JobComplete";
            job.SystemModstamp = state.Clock.GetUtcNow();
        }
    }

    /// <summary>A value at a dotted path of a query row (Account.Name), as the CSV shows it.</summary>
    internal static string? Flatten(JsonObject record, string path)
    {
        JsonNode? node = record;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o.FirstOrDefault(kv => kv.Key.Equals(part, StringComparison.OrdinalIgnoreCase)).Value : null;
            if (node is null) return "";
        }
        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();
    }
}
