using System.Diagnostics;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator;

/// <summary>
/// The emulator's request pipeline before routing: resolve the host from the path prefix,
/// fold double slashes (the Salesforce CLI sends <c>//services/data</c>), log the request,
/// and apply scripted faults.
/// </summary>
public sealed class EmulatorMiddleware(RequestDelegate next, EmulatorState state)
{
    public const string LogKindKey = "cb.emulator.kind";
    public const string LogOrgKey = "cb.emulator.org";
    public const string LogUserKey = "cb.emulator.user";
    public const string LogClientKey = "cb.emulator.client";
    public const string LogCountedKey = "cb.emulator.counted";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        while (path.Contains("//", StringComparison.Ordinal)) path = path.Replace("//", "/", StringComparison.Ordinal);
        var origin = EmulatorHost.Origin(context);
        EmulatorHost host;
        string rest;
        if (Lightning.LightningHosts.OrgKey(context.Request.Host.Host) is { } lightningOrg)
        {
            // An org's Lightning host (https://{org}.lightning.force.com): the same org as its My Domain, at the host's root.
            if (state.FindOrg(lightningOrg) is not { } org)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new JsonArray(new JsonObject { ["errorCode"] = "NOT_FOUND", ["message"] = "No such org on this emulator." }));
                return;
            }
            host = new EmulatorHost(HostKind.MyDomain, org, origin);
        }
        else if (StartsWithSegment(path, "/login", out rest))
        {
            host = new EmulatorHost(HostKind.ProductionLogin, null, origin + "/login");
            context.Request.PathBase = "/login";
            path = rest;
        }
        else if (StartsWithSegment(path, "/test", out rest))
        {
            host = new EmulatorHost(HostKind.SandboxLogin, null, origin + "/test");
            context.Request.PathBase = "/test";
            path = rest;
        }
        else if (StartsWithSegment(path, "/orgs", out rest))
        {
            var parts = rest.Split('/', 3, StringSplitOptions.None);
            var org = parts.Length > 1 ? state.FindOrg(parts[1]) : null;
            if (org is null)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new JsonArray(new JsonObject { ["errorCode"] = "NOT_FOUND", ["message"] = "No such org on this emulator." }));
                return;
            }
            context.Request.PathBase = "/orgs/" + org.Key;
            host = new EmulatorHost(HostKind.MyDomain, org, origin + "/orgs/" + org.Key);
            path = parts.Length > 2 ? "/" + parts[2] : "/";
        }
        else
        {
            host = new EmulatorHost(HostKind.MyDomain, state.DefaultOrg, origin);
        }
        context.Request.Path = path;
        context.Items[EmulatorHost.ItemKey] = host;

        if (path.StartsWith("/_emulator", StringComparison.Ordinal) || path == "/favicon.ico")
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var fired = state.Faults.Fire(path, Uri.UnescapeDataString(context.Request.QueryString.Value ?? ""));
            if (!await ApplyFaultsAsync(context, fired))
            {
                if (fired.Any(r => r.Kind == FaultKind.DropResponse))
                {
                    // The work is done, the answer is lost: the connection closes before a byte is sent.
                    context.Items[LogKindKey + ".dropped"] = true;
                    var original = context.Response.Body;
                    context.Response.Body = new MemoryStream();
                    await next(context);
                    context.Response.Body = original;
                    context.Abort();
                }
                else
                {
                    await next(context);
                }
            }
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var items = context.Items;
            state.Log.Add(seq => new RequestLogEntry(
                seq, state.Clock.GetUtcNow(), items[LogOrgKey] as string ?? host.Org?.Key, items[LogClientKey] as string, items[LogUserKey] as string,
                context.Request.Method, context.Request.PathBase + path + context.Request.QueryString, items[LogKindKey] as string ?? Classify(path),
                context.Response.StatusCode, items[LogCountedKey] is true, elapsed));
        }
    }

    private static string Classify(string path) =>
        path.StartsWith("/services/oauth2/", StringComparison.Ordinal) ? "oauth." + path["/services/oauth2/".Length..].Split('/')[0]
        : path.StartsWith("/id/", StringComparison.Ordinal) ? "oauth.identity"
        : path.StartsWith("/services/data", StringComparison.Ordinal) ? "rest"
        : "other";

    private static bool StartsWithSegment(string path, string segment, out string rest)
    {
        if (path.Equals(segment, StringComparison.Ordinal))
        {
            rest = "/";
            return true;
        }
        if (path.StartsWith(segment + "/", StringComparison.Ordinal))
        {
            rest = path[segment.Length..];
            return true;
        }
        rest = path;
        return false;
    }

    /// <summary>Returns true when a fault answered the request.</summary>
    private async Task<bool> ApplyFaultsAsync(HttpContext context, IReadOnlyList<FaultRule> fired)
    {
        if (fired.Count == 0) return false;
        foreach (var rule in fired.Where(r => r.Kind == FaultKind.Latency))
        {
            var jitter = rule.Jitter.TotalMilliseconds * (Random.Shared.NextDouble() * 2 - 1);
            var delay = TimeSpan.FromMilliseconds(Math.Max(0, rule.Latency.TotalMilliseconds + jitter));
            await Task.Delay(delay, context.RequestAborted);
        }
        if (fired.Any(r => r.Kind == FaultKind.Hang))
        {
            context.Items[LogKindKey] = "fault.hang";
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Faults.ReleaseToken);
            state.Faults.OnHeld();
            try
            {
                await Task.Delay(Timeout.Infinite, linked.Token);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // Released by clearing the faults: answer normally.
                return false;
            }
            catch (OperationCanceledException)
            {
                context.Response.StatusCode = 499;
                return true;
            }
            finally
            {
                state.Faults.OnReleased();
            }
        }
        if (fired.FirstOrDefault(r => r.Kind == FaultKind.Status) is { } status)
        {
            context.Items[LogKindKey] = "fault.status";
            context.Response.StatusCode = status.Status;
            var body = status.Status == 503
                ? new JsonObject { ["errorCode"] = "SERVER_UNAVAILABLE", ["message"] = "Server is temporarily unavailable. Please try again later." }
                : new JsonObject { ["errorCode"] = "UNKNOWN_EXCEPTION", ["message"] = $"An unexpected error occurred. Please include this ErrorId if you contact support: {Random.Shared.Next(100000000, 999999999)}-{Random.Shared.Next(10000, 99999)} (-{Random.Shared.Next(100000000, 999999999)})" };
            await context.Response.WriteAsJsonAsync(new JsonArray(body));
            return true;
        }
        if (fired.Any(r => r.Kind == FaultKind.RequestLimitExceeded))
        {
            context.Items[LogKindKey] = "fault.limit";
            context.Response.StatusCode = 403;
            await context.Response.WriteAsJsonAsync(new JsonArray(new JsonObject { ["errorCode"] = "REQUEST_LIMIT_EXCEEDED", ["message"] = "TotalRequests Limit exceeded." }));
            return true;
        }
        return false;
    }
}
