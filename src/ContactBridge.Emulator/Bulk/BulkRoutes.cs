using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;

namespace ContactBridge.Emulator.Bulk;

/// <summary>
/// <c>/services/data/vXX.X/jobs/ingest</c> and <c>/jobs/query</c>: create, list, read, close, abort and
/// delete jobs; upload CSV; read successful, failed and unprocessed rows; page query results with Sforce-Locator.
/// </summary>
public static class BulkRoutes
{
    /// <summary>Query results are served in pages; Salesforce picks the page size when maxRecords is absent.</summary>
    public const int DefaultPageSize = 50_000;

    public static string Classify(string method, string[] s) => s.Length switch
    {
        2 => method == "POST" ? "bulk.create" : "bulk.list",
        3 => method switch { "PATCH" => "bulk.state", "DELETE" => "bulk.delete", _ => "bulk.info" },
        _ => s[3] == "batches" ? "bulk.upload" : "bulk.results",
    };

    public static RestResult Route(RestContext ctx, string method, string[] s, IReadOnlyDictionary<string, string> query, string? body)
    {
        if (s.Length < 2 || s[1] is not ("ingest" or "query")) throw SalesforceException.NotFound();
        var isQuery = s[1] == "query";
        var jobs = ctx.State.Bulk;
        if (s.Length == 2)
        {
            return method switch
            {
                "POST" => new RestResult(200, jobs.Create(ctx, RestDispatcher.ParseObject(body), isQuery).Info()),
                "GET" => new RestResult(200, new JsonObject
                {
                    ["done"] = true, ["nextRecordsUrl"] = null,
                    ["records"] = new JsonArray(jobs.ForOrg(ctx.Org.Key, isQuery).Where(j => Visible(ctx, j)).Select(j => { lock (j) return (JsonNode)j.Info(); }).ToArray()),
                }),
                _ => throw RestDispatcher.MethodNotAllowed(method, "GET", "POST"),
            };
        }
        var job = jobs.Find(ctx.Org.Key, s[2]);
        if (job is null || job.IsQuery != isQuery || !Visible(ctx, job)) throw new SalesforceException(404, "NOT_FOUND", $"Could not find job {s[2]}.");
        if (s.Length == 3)
        {
            switch (method)
            {
                case "GET":
                    lock (job) return new RestResult(200, job.Info());
                case "PATCH":
                    var state = RestDispatcher.ParseObject(body)["state"]?.GetValue<string>()
                                ?? throw new SalesforceException(400, "INVALIDJOBSTATE", "The request must give a state.");
                    jobs.SetState(ctx, job, state);
                    lock (job) return new RestResult(200, job.Info());
                case "DELETE":
                    jobs.Delete(job);
                    return new RestResult(204, null);
                default:
                    throw RestDispatcher.MethodNotAllowed(method, "GET", "PATCH", "DELETE");
            }
        }
        if (s.Length != 4) throw SalesforceException.NotFound();
        switch (s[3])
        {
            case "batches" when !isQuery && method == "PUT":
                // An empty upload is taken (a client loading no records, as jsforce does for an empty input): it adds no rows.
                jobs.Upload(job, body ?? "");
                return new RestResult(201, null);
            case "successfulResults" when !isQuery && method == "GET":
                return Csv(job, ["sf__Id", "sf__Created"], () => job.Successes.Select(r => Row([r.Id, r.Created ? "true" : "false"], r.Row)));
            case "failedResults" when !isQuery && method == "GET":
                return Csv(job, ["sf__Id", "sf__Error"], () => job.Failures.Select(r => Row([r.Id ?? "", r.Error], r.Row)));
            case "unprocessedrecords" when !isQuery && method == "GET":
                return Csv(job, [], () => job.Unprocessed.Select(r => Row([], r)));
            case "results" when isQuery && method == "GET":
                return QueryPage(job, query);
        }
        throw SalesforceException.NotFound();
    }

    /// <summary>A job is its creator's, and visible to users with Modify All Data; to anyone else it does not exist.</summary>
    private static bool Visible(RestContext ctx, BulkJob job) => job.CreatedById == ctx.UserId || ctx.Org.CanModifyAllData(ctx.UserId);

    private static IReadOnlyList<string?> Row(string[] prefix, List<string> row) => [.. prefix, .. row];

    private static RestResult Csv(BulkJob job, string[] prefix, Func<IEnumerable<IReadOnlyList<string?>>> rows)
    {
        lock (job)
        {
            if (job.State is "Open" or "UploadComplete")
                throw new SalesforceException(400, "INVALIDJOBSTATE", $"Job {job.Id} has not been processed yet ({job.State}).");
            var header = (IReadOnlyList<string?>)[.. prefix, .. job.Header ?? []];
            var text = BulkCsv.Write(rows().Prepend(header), job.Delimiter, job.NewLine, quoteAll: true);
            return new RestResult(200, null, Binary: Encoding.UTF8.GetBytes(text), ContentType: "text/csv");
        }
    }

    private static RestResult QueryPage(BulkJob job, IReadOnlyDictionary<string, string> query)
    {
        lock (job)
        {
            if (job.State != "JobComplete")
                throw new SalesforceException(400, "INVALIDJOBSTATE", $"Job {job.Id} is {job.State}; results are ready when it is JobComplete.");
            var offset = 0;
            if (query.TryGetValue("locator", out var locator) && locator.Length > 0 && locator != "null"
                && (!int.TryParse(locator, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > job.QueryRows.Count - 1))
                throw new SalesforceException(400, "INVALID_LOCATOR", $"The locator '{locator}' is not valid for job {job.Id}.");
            var size = DefaultPageSize;
            if (query.TryGetValue("maxRecords", out var max) && max.Length > 0
                && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1))
                throw new SalesforceException(400, "INVALID_MAX_RECORDS", "maxRecords must be a positive whole number.");
            var data = job.QueryRows.Skip(1).ToList();
            var page = data.Skip(offset).Take(size).ToList();
            var next = offset + page.Count;
            var text = BulkCsv.Write(page.Prepend(job.QueryRows[0]), job.Delimiter, job.NewLine, quoteAll: true);
            return new RestResult(200, null, new Dictionary<string, string>
            {
                ["Sforce-Locator"] = next < data.Count ? next.ToString(CultureInfo.InvariantCulture) : "null",
                ["Sforce-NumberOfRecords"] = page.Count.ToString(CultureInfo.InvariantCulture),
            }, Encoding.UTF8.GetBytes(text), "text/csv");
        }
    }
}
