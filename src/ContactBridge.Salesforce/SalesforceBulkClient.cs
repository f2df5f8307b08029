using System.Text;
using System.Text.Json.Nodes;
using CsvHelper;

namespace ContactBridge.Salesforce;

/// <summary>Where a Bulk API 2.0 job stands, for a progress bar.</summary>
public sealed record BulkProgress(string JobId, string State, int Processed, int Failed, int Total);

/// <summary>One row's outcome: the record id (when it was written), whether it was created, Salesforce's error, and the row as sent.</summary>
public sealed record BulkRowResult(string? Id, bool Created, string? Error, IReadOnlyDictionary<string, string> Row)
{
    public bool Success => Error is null;
}

public sealed record BulkIngestResult(string JobId, string State, string? ErrorMessage, IReadOnlyList<BulkRowResult> Rows, int ApiCalls);

/// <summary>
/// Bulk API 2.0 ingest: create a job, upload the CSV once, close it, poll until Salesforce has processed it,
/// then read the successful and failed rows. A handful of API calls whatever the number of rows.
/// </summary>
public sealed class SalesforceBulkClient(SalesforceRestClient rest, TimeProvider clock)
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    public async Task<BulkIngestResult> IngestAsync(string sobject, string operation, string csv, string? externalIdField, IProgress<BulkProgress>? progress, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(csv);
        var calls = 0;
        var total = CountRows(csv);
        var body = new JsonObject { ["object"] = sobject, ["operation"] = operation, ["contentType"] = "CSV", ["lineEnding"] = "LF", ["columnDelimiter"] = "COMMA" };
        if (externalIdField is not null) body["externalIdFieldName"] = externalIdField;
        var job = (JsonObject)(await rest.SendAsync(HttpMethod.Post, $"{rest.DataPath}/jobs/ingest", body, ct))!;
        calls++;
        var id = job["id"]!.GetValue<string>();
        await rest.SendTextAsync(HttpMethod.Put, $"{rest.DataPath}/jobs/ingest/{id}/batches", () => new StringContent(csv, Encoding.UTF8, "text/csv"), ct);
        await rest.SendAsync(HttpMethod.Patch, $"{rest.DataPath}/jobs/ingest/{id}", new JsonObject { ["state"] = "UploadComplete" }, ct);
        calls += 2;
        var started = clock.GetUtcNow();
        string state;
        while (true)
        {
            job = (JsonObject)(await rest.GetAsync($"{rest.DataPath}/jobs/ingest/{id}", ct))!;
            calls++;
            state = job["state"]!.GetValue<string>();
            progress?.Report(new BulkProgress(id, state, job["numberRecordsProcessed"]?.GetValue<int>() ?? 0, job["numberRecordsFailed"]?.GetValue<int>() ?? 0, total));
            if (state is "JobComplete" or "Failed" or "Aborted") break;
            if (clock.GetUtcNow() - started > Timeout)
                throw new TimeoutException($"Bulk job {id} was still {state} after {Timeout.TotalMinutes:0} minutes; it keeps running in Salesforce (Setup → Bulk Data Load Jobs).");
            await Task.Delay(PollInterval, clock, ct);
        }
        var rows = new List<BulkRowResult>();
        if (state == "JobComplete")
        {
            foreach (var (kind, success) in new[] { ("successfulResults", true), ("failedResults", false) })
            {
                var text = await rest.SendTextAsync(HttpMethod.Get, $"{rest.DataPath}/jobs/ingest/{id}/{kind}", null, ct);
                calls++;
                using var reader = CsvReader.FromText(text, JobCsv);
                var header = reader.Headers;
                while (reader.Read())
                {
                    var row = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    for (var i = 2; i < header.Count && i < reader.FieldCount; i++) row[header[i]] = reader.GetString(i);
                    var recordId = reader.GetString(0) is { Length: > 0 } written ? written : null;
                    rows.Add(success ? new BulkRowResult(recordId, reader.GetString(1) == "true", null, row) : new BulkRowResult(recordId, false, reader.GetString(1), row));
                }
            }
        }
        return new BulkIngestResult(id, state, job["errorMessage"]?.GetValue<string>(), rows, calls);
    }

    /// <summary>
    /// Bulk API 2.0 query: create the job, poll until Salesforce has run it, then read the rows page by page (Sforce-Locator).
    /// Each row maps the query's columns (relationship fields as Parent.Field) to their text; an empty field is "". A handful of API
    /// calls whatever the number of rows.
    /// </summary>
    public async Task<(List<Dictionary<string, string>> Rows, int Calls)> QueryAsync(string soql, IProgress<BulkProgress>? progress, CancellationToken ct)
    {
        var rows = new List<Dictionary<string, string>>();
        var calls = await QueryAsync(soql, page =>
        {
            rows.AddRange(page);
            return Task.CompletedTask;
        }, progress, ct);
        return (rows, calls);
    }

    /// <summary>The same query, each page of rows handed to <paramref name="page"/> as it arrives (a large result is never held whole); returns the API calls.</summary>
    public async Task<int> QueryAsync(string soql, Func<List<Dictionary<string, string>>, Task> page, IProgress<BulkProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentException.ThrowIfNullOrEmpty(soql);
        var job = (JsonObject)(await rest.SendAsync(HttpMethod.Post, $"{rest.DataPath}/jobs/query",
            new JsonObject { ["operation"] = "query", ["query"] = soql, ["contentType"] = "CSV", ["columnDelimiter"] = "COMMA", ["lineEnding"] = "LF" }, ct))!;
        var calls = 1;
        var id = job["id"]!.GetValue<string>();
        var started = clock.GetUtcNow();
        while (true)
        {
            var state = job["state"]?.GetValue<string>();
            progress?.Report(new BulkProgress(id, state ?? "", job["numberRecordsProcessed"]?.GetValue<int>() ?? 0, 0, 0));
            if (state == "JobComplete") break;
            if (state is "Failed" or "Aborted")
                throw new SalesforceApiException(System.Net.HttpStatusCode.BadRequest, "BULK_QUERY_" + state.ToUpperInvariant(),
                    $"Bulk query job {id} {state.ToLowerInvariant()}: {job["errorMessage"]?.GetValue<string>()}");
            if (clock.GetUtcNow() - started > Timeout)
                throw new TimeoutException($"Bulk query job {id} was still {state} after {Timeout.TotalMinutes:0} minutes.");
            await Task.Delay(PollInterval, clock, ct);
            job = (JsonObject)(await rest.GetAsync($"{rest.DataPath}/jobs/query/{id}", ct))!;
            calls++;
        }
        string? locator = null;
        do
        {
            var path = $"{rest.DataPath}/jobs/query/{id}/results?maxRecords=50000" + (locator is null ? "" : "&locator=" + Uri.EscapeDataString(locator));
            string? next = null;
            var text = await rest.SendTextAsync(HttpMethod.Get, path, null, h => next = h.TryGetValues("Sforce-Locator", out var v) ? v.FirstOrDefault() : null, ct);
            calls++;
            var rows = new List<Dictionary<string, string>>();
            using (var reader = CsvReader.FromText(text, JobCsv))
            {
                var header = reader.Headers;
                while (reader.Read())
                {
                    var row = new Dictionary<string, string>(header.Count, StringComparer.OrdinalIgnoreCase);
                    for (var i = 0; i < header.Count && i < reader.FieldCount; i++) row[header[i]] = reader.GetString(i);
                    rows.Add(row);
                }
            }
            await page(rows);
            locator = next is null or "null" or "" ? null : next;
        } while (locator is not null);
        return calls;
    }

    /// <summary>The CSV the job declares (columnDelimiter COMMA), with a header row; Salesforce's result files quote every field.</summary>
    private static readonly CsvReaderOptions JobCsv = CsvReaderOptions.Default with { Separator = ',', HasHeader = true };

    private static int CountRows(string csv)
    {
        using var reader = CsvReader.FromText(csv, JobCsv);
        var rows = 0;
        while (reader.Read()) rows++;
        return rows;
    }
}
