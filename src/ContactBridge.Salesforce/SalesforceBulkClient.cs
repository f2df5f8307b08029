using System.Text;
using System.Text.Json.Nodes;

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
        var total = Math.Max(0, CsvRows.Parse(csv).Count - 1);
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
                var parsed = CsvRows.Parse(text);
                if (parsed.Count == 0) continue;
                var header = parsed[0];
                foreach (var r in parsed.Skip(1))
                {
                    var row = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    for (var i = 2; i < header.Count && i < r.Count; i++) row[header[i]] = r[i];
                    var recordId = r[0].Length == 0 ? null : r[0];
                    rows.Add(success ? new BulkRowResult(recordId, r[1] == "true", null, row) : new BulkRowResult(recordId, false, r[1], row));
                }
            }
        }
        return new BulkIngestResult(id, state, job["errorMessage"]?.GetValue<string>(), rows, calls);
    }
}

/// <summary>RFC 4180 CSV, as Bulk API 2.0 reads and writes it (quoted fields, doubled quotes, line breaks inside quotes).</summary>
public static class CsvRows
{
    /// <summary>Rows as CSV with LF line endings, quoting only the fields that need it.</summary>
    public static string Write(IEnumerable<IReadOnlyList<string?>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder();
        foreach (var row in rows) sb.AppendJoin(',', row.Select(Field)).Append('\n');
        return sb.ToString();
    }

    private static string Field(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    public static List<List<string>> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"':
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    row.Add(field.ToString());
                    rows.Add(row);
                    row = [];
                    field.Clear();
                    any = false;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        if (any || field.Length > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }
        return rows;
    }
}
