using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;
using static ContactBridge.Emulator.BulkV1.BulkV1Wire;

namespace ContactBridge.Emulator.BulkV1;

/// <summary>
/// Bulk API 1.0 at <c>/services/async/XX.X</c>: <c>job</c> (create), <c>job/{id}</c> (read; POST a state to close or
/// abort), <c>job/{id}/batch</c> (add a batch; list), <c>batch/{id}</c>, <c>batch/{id}/request</c>, <c>batch/{id}/result</c>
/// and <c>batch/{id}/result/{resultId}</c>. The session is the <c>X-SFDC-Session</c> header (an OAuth access token or a
/// SOAP session id; a bearer token also works). Each request counts against the org's API allowance. Errors are
/// Bulk API 1.0's <c>error</c> (exceptionCode, exceptionMessage), in XML unless the request is JSON.
/// </summary>
public static partial class BulkV1Endpoints
{
    /// <summary>A batch may be at most 10 MB.</summary>
    public const int MaxBatchBytes = 10 * 1024 * 1024;

    /// <summary>A jobInfo or state change is small; anything larger is refused before it is read.</summary>
    private const int MaxJobInfoBytes = 64 * 1024;

    public static void MapBulkV1(this IEndpointRouteBuilder app) =>
        app.MapMethods("/services/async/{version}/{**rest}", ["GET", "POST", "PUT", "PATCH", "DELETE"], Handle).WithTags("Salesforce Bulk API 1.0");

    [GeneratedRegex(@"^\d{2,3}\.\d$")]
    private static partial Regex VersionPattern();

    private static async Task<IResult> Handle(HttpContext context, EmulatorState state, string version, string? rest)
    {
        var segments = (rest ?? "").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var wantsJson = IsJson(context.Request.ContentType) || IsJson(context.Request.Headers.Accept.ToString());
        context.Items[EmulatorMiddleware.LogKindKey] = Classify(context.Request.Method, segments);
        try
        {
            if (!VersionPattern().IsMatch(version) || !RestDispatcher.TryParseVersion("v" + version, out var v))
                throw Error("InvalidUrl", $"{version} is not a supported API version; use one of {RestDispatcher.Versions[0]} … {RestDispatcher.Versions[^1]}.", 404);
            var grant = Authenticate(context, state);
            var host = EmulatorHost.Of(context);
            if (grant is null || (host.Kind == HostKind.MyDomain && host.Org!.Key != grant.OrgKey))
                throw Error("InvalidSessionId", "Invalid session id");
            var org = state.FindOrg(grant.OrgKey)!;
            var now = state.Clock.GetUtcNow();
            if (!org.Api.TryCount(now))
                throw Error("ExceededQuota", "TotalRequests Limit exceeded.", 403);
            context.Items[EmulatorMiddleware.LogCountedKey] = true;
            var ctx = new RestContext(state, org, grant.UserId, grant.ClientId, v) { InstanceUrl = $"{context.Request.Scheme}://{context.Request.Host}" };
            return await RouteAsync(context, state, ctx, segments, wantsJson);
        }
        catch (BulkV1Exception e)
        {
            return ErrorResult(e, wantsJson);
        }
    }

    private static async Task<IResult> RouteAsync(HttpContext context, EmulatorState state, RestContext ctx, string[] s, bool wantsJson)
    {
        var method = context.Request.Method;
        var jobs = state.BulkV1;
        if (s.Length == 0 || s[0] != "job") throw Error("InvalidUrl", $"Unknown resource /{string.Join('/', s)}; the resources are job, job/{{id}} and job/{{id}}/batch.", 404);
        if (s.Length == 1)
        {
            Allow(method, "POST");
            var body = await ReadBodyAsync(context, MaxJobInfoBytes);
            var job = jobs.Create(ctx, ReadJobInfo(body, IsJson(context.Request.ContentType)));
            return JobResult(job, wantsJson, 201);
        }
        var found = jobs.Find(ctx.Org.Key, s[1]);
        if (found.CreatedById != ctx.UserId && !ctx.Org.CanModifyAllData(ctx.UserId))
            throw Error("InvalidUser", $"Job {found.Id} was created by another user: only they, or a user with Modify All Data, may use it.");
        var json = wantsJson || (found.ContentType == "JSON" && !IsXml(context.Request.Headers.Accept.ToString()));
        if (s.Length == 2)
        {
            Allow(method, "GET", "POST");
            if (method == "POST")
            {
                var info = ReadJobInfo(await ReadBodyAsync(context, MaxJobInfoBytes), IsJson(context.Request.ContentType));
                jobs.SetState(found, info.TryGetValue("state", out var st) && st.Length > 0 ? st : throw Error("InvalidJob", "Give the new state (Closed or Aborted) in the jobInfo."));
            }
            return JobResult(found, json, 200);
        }
        if (s[2] != "batch") throw Error("InvalidUrl", $"Unknown resource {s[2]} of job {found.Id}.", 404);
        if (s.Length == 3)
        {
            Allow(method, "GET", "POST");
            if (method == "GET")
            {
                List<BulkV1Batch> batches;
                lock (found) batches = [.. found.Batches];
                return json
                    ? Json(200, new JsonObject { ["batchInfo"] = new JsonArray(batches.Select(BatchJson).ToArray()) })
                    : Xml(200, Document(new XElement(Ns + "batchInfoList", batches.Select(BatchXml))));
            }
            CheckBatchContentType(found, context.Request.ContentType);
            var content = await ReadBodyAsync(context, MaxBatchBytes);
            if (content.Trim().Length == 0) throw Error("ClientInputError", "The batch is empty: a batch must contain some content.");
            var batch = jobs.AddBatch(ctx, found, content);
            try
            {
                return BatchResult(batch, json, 201);
            }
            finally
            {
                batch.Release();
            }
        }
        var target = BulkV1Jobs.FindBatch(found, s[3]);
        Allow(method, "GET");
        switch (s.Length)
        {
            case 4:
                return BatchResult(target, json, 200);
            case 5 when s[4] == "request":
                return Text(200, target.Request, MediaType(found.ContentType));
            case 5 when s[4] == "result":
                return Results(found, target);
            case 6 when s[4] == "result":
                return QueryResult(found, target, s[5]);
            default:
                throw Error("InvalidUrl", $"Unknown resource {string.Join('/', s[4..])} of batch {target.Id}.", 404);
        }
    }

    private static IResult Results(BulkV1Job job, BulkV1Batch batch)
    {
        lock (job)
        {
            if (batch.State is "Queued" or "InProgress")
                throw Error("InvalidBatch", $"Batch {batch.Id} is {batch.State}; its results are ready when it is Completed.");
            if (batch.State == "NotProcessed") throw Error("InvalidBatch", $"Batch {batch.Id} was not processed: its job was aborted.");
            if (job.IsQuery)
            {
                if (batch.ResultId is null) throw Error("InvalidBatch", $"Batch {batch.Id} failed: {batch.StateMessage}");
                var (list, listType) = BulkV1Content.WriteResultList(job.ContentType, [batch.ResultId]);
                return Text(200, list, listType);
            }
            var (text, type) = BulkV1Content.WriteResults(job.ContentType, batch.Results);
            return Text(200, text, type);
        }
    }

    private static IResult QueryResult(BulkV1Job job, BulkV1Batch batch, string resultId)
    {
        lock (job)
        {
            if (!job.IsQuery || batch.ResultId is null || !SalesforceId.TryNormalize(resultId, out var id18) || id18 != batch.ResultId)
                throw Error("InvalidBatch", $"Invalid result id: {resultId}");
            var (text, type) = BulkV1Content.WriteQueryResult(job.ContentType, job.Object, batch.QueryColumns!, batch.QueryRecords!);
            return Text(200, text, type);
        }
    }

    private static void CheckBatchContentType(BulkV1Job job, string? contentType)
    {
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var fits = job.ContentType switch
        {
            "CSV" => media == "text/csv",
            "XML" => media is "application/xml" or "text/xml",
            _ => media == "application/json",
        };
        if (!fits)
            throw Error("InvalidBatch", $"The batch's Content-Type ({(media.Length == 0 ? "none" : media)}) does not match the job's content type {job.ContentType}: send it as {MediaType(job.ContentType)}.");
    }

    private static string MediaType(string contentType) => contentType switch { "CSV" => "text/csv", "XML" => "application/xml", _ => "application/json" };

    private static void Allow(string method, params string[] allowed)
    {
        if (!allowed.Contains(method, StringComparer.Ordinal))
            throw Error("InvalidUrl", $"HTTP method '{method}' is not allowed here. Allowed are {string.Join(",", allowed)}", 405);
    }

    /// <summary>The session: X-SFDC-Session as Bulk API 1.0 clients send it, or a bearer token.</summary>
    private static AccessGrant? Authenticate(HttpContext context, EmulatorState state)
    {
        var session = context.Request.Headers["X-SFDC-Session"].ToString().Trim();
        if (session.Length == 0) return OAuthEndpoints.Authenticate(context, state);
        if (OAuthEndpoints.GrantOf(session, state) is not { } grant) return null;
        context.Items[EmulatorMiddleware.LogOrgKey] = grant.OrgKey;
        context.Items[EmulatorMiddleware.LogUserKey] = grant.UserId;
        context.Items[EmulatorMiddleware.LogClientKey] = grant.ClientId;
        return grant;
    }

    /// <summary>Reads the body (gzip when Content-Encoding says so) up to a limit; a larger body is refused, not cut.</summary>
    private static async Task<string> ReadBodyAsync(HttpContext context, int limit)
    {
        var source = context.Request.Body;
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (gzip) source = new GZipStream(source, CompressionMode.Decompress);
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw Error("ClientInputError", $"Content-Encoding {encoding} is not supported: send the body as it is, or gzip it.");
        try
        {
            // The limit is on what the body holds: a gzip body's length says nothing of it.
            return await RequestBodies.ReadAsync(source, gzip ? null : context.Request.ContentLength, limit, () => TooLarge(limit), context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            throw Error("ClientInputError", "The body is not valid gzip, as its Content-Encoding says.");
        }
    }

    private static BulkV1Exception TooLarge(int limit) => limit == MaxBatchBytes
        ? Error("InvalidBatch", "The batch is larger than 10 MB: split the records into several batches of at most 10 MB and 10,000 records.")
        : Error("InvalidJob", $"The jobInfo is larger than {limit / 1024} KB: it names an operation, an object and a few options only.");

    private static bool IsJson(string? mediaType) => mediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;

    private static bool IsXml(string? mediaType) => mediaType?.Contains("xml", StringComparison.OrdinalIgnoreCase) == true;

    private static IResult JobResult(BulkV1Job job, bool json, int status) => json ? Json(status, JobJson(job)) : Xml(status, Document(JobXml(job)));

    private static IResult BatchResult(BulkV1Batch batch, bool json, int status) => json ? Json(status, BatchJson(batch)) : Xml(status, Document(BatchXml(batch)));

    private static IResult ErrorResult(BulkV1Exception e, bool json) => json ? Json(e.Status, ErrorJson(e)) : Xml(e.Status, ErrorXml(e));

    private static IResult Json(int status, JsonNode body) => Text(status, body.ToJsonString(SalesforceJsonResult.WireJson), "application/json");

    private static IResult Xml(int status, XDocument document) => Text(status, SafeXml.Serialize(document), "application/xml");

    private static IResult Text(int status, string text, string mediaType) => Microsoft.AspNetCore.Http.Results.Text(text, mediaType + "; charset=UTF-8", Encoding.UTF8, status);

    private static string Classify(string method, string[] s) => s.Length switch
    {
        <= 1 => "bulk1.job.create",
        2 => method == "POST" ? "bulk1.job.state" : "bulk1.job.info",
        3 => method == "POST" ? "bulk1.batch.create" : "bulk1.batch.list",
        4 => "bulk1.batch.info",
        5 when s[4] == "request" => "bulk1.batch.request",
        _ => "bulk1.batch.result",
    };
}
