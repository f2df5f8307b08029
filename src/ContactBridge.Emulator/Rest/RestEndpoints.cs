using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// <c>/services/data</c>: the version list (no sign-in), and every versioned resource behind a
/// bearer token, counted against the org's daily allowance and answered with Sforce-Limit-Info.
/// </summary>
public static class RestEndpoints
{
    public static void MapRest(this IEndpointRouteBuilder app)
    {
        app.MapGet("/services/data", () => Json(200, RestDispatcher.VersionList())).WithTags("Salesforce REST");
        app.MapMethods("/services/data/{version}/{**rest}", ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"], Handle).WithTags("Salesforce REST");
    }

    private static IResult Json(int status, JsonNode? body, IReadOnlyDictionary<string, string>? headers = null) =>
        new SalesforceJsonResult(status, body, headers);

    private static async Task<IResult> Handle(HttpContext context, EmulatorState state, string version, string? rest)
    {
        if (!RestDispatcher.TryParseVersion(version, out var v)) return Json(404, SalesforceException.NotFound().ToBody());
        var path = "/" + (rest ?? "");
        var method = context.Request.Method == "HEAD" ? "GET" : context.Request.Method;
        context.Items[EmulatorMiddleware.LogKindKey] = RestDispatcher.Classify(method, path);
        var grant = OAuthEndpoints.Authenticate(context, state);
        var host = EmulatorHost.Of(context);
        if (grant is null || (host.Kind == HostKind.MyDomain && host.Org!.Key != grant.OrgKey))
        {
            context.Response.Headers.WWWAuthenticate = "Token";
            return Json(401, new SalesforceException(401, "INVALID_SESSION_ID", "Session expired or invalid").ToBody());
        }
        var org = state.FindOrg(grant.OrgKey)!;
        var now = state.Clock.GetUtcNow();
        if (!org.Api.TryCount(now))
        {
            var (u, m) = org.Api.Snapshot(now);
            return Json(403, new SalesforceException(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.").ToBody(),
                new Dictionary<string, string> { ["Sforce-Limit-Info"] = $"api-usage={u}/{m}" });
        }
        context.Items[EmulatorMiddleware.LogCountedKey] = true;

        string? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in new[] { "Sforce-Query-Options", "Sforce-Auto-Assign", "Sforce-Call-Options" })
        {
            if (context.Request.Headers.TryGetValue(name, out var hv)) headers[name] = hv.ToString();
        }
        var ctx = new RestContext(state, org, grant.UserId, grant.ClientId, v)
        {
            Headers = headers, InstanceUrl = $"{context.Request.Scheme}://{context.Request.Host}", IdentityUrl = $"{grant.LoginBase}/id/{org.Id}/{grant.UserId}",
        };
        RestResult result;
        try
        {
            lock (org.Sync) result = RestDispatcher.Dispatch(ctx, method, path, query, body);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or NullReferenceException or KeyNotFoundException or InvalidCastException or OverflowException)
        {
            // A bug in the emulator, not the caller's fault: answer as Salesforce does for its own errors, and say so in the log.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ContactBridge.Emulator").LogError(e, "Unexpected error answering {Method} {Path}", method, path);
            result = new RestResult(500, new SalesforceException(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred in the emulator: " + e.Message).ToBody());
        }

        var (used, max) = org.Api.Snapshot(now);
        var responseHeaders = new Dictionary<string, string>(result.Headers ?? new Dictionary<string, string>()) { ["Sforce-Limit-Info"] = $"api-usage={used}/{max}" };
        if (result.Binary is not null)
        {
            foreach (var (k, hv) in responseHeaders) context.Response.Headers[k] = hv;
            return Results.Bytes(result.Binary, result.ContentType ?? "application/octet-stream");
        }
        return Json(result.Status, result.Body, responseHeaders);
    }
}

/// <summary>Writes a JSON body as Salesforce does (application/json;charset=UTF-8), with extra headers.</summary>
public sealed class SalesforceJsonResult(int status, JsonNode? body, IReadOnlyDictionary<string, string>? headers) : IResult
{
    /// <summary>Salesforce writes quotes, plus signs and non-ASCII text as they are, not as \u escapes.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions WireJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = status;
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) httpContext.Response.Headers[k] = v;
        if (status == 204 || body is null && status != 200) return;
        httpContext.Response.ContentType = "application/json;charset=UTF-8";
        if (httpContext.Request.Method == "HEAD") return;
        await httpContext.Response.WriteAsync(body?.ToJsonString(WireJson) ?? "null", httpContext.RequestAborted);
    }
}
