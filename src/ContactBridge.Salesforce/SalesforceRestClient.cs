using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContactBridge.Salesforce;

/// <summary>
/// The REST API for one session: refreshes once on 401, tracks Sforce-Limit-Info, and retries
/// with backoff only requests that are safe to repeat (reads) after transient failures.
/// </summary>
public sealed class SalesforceRestClient(HttpClient http, SalesforceSession session, TimeProvider clock)
{
    public const int MaxAttempts = 3;

    public SalesforceSession Session => session;

    public string DataPath => $"/services/data/v{session.ApiVersion}";

    public static async Task<IReadOnlyList<ApiVersionInfo>> VersionsAsync(HttpClient http, Uri instanceUrl, CancellationToken ct)
    {
        using var response = await http.GetAsync(Resolve(instanceUrl, "/services/data"), ct);
        response.EnsureSuccessStatusCode();
        var list = await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct) as JsonArray ?? [];
        return list.Select(v => new ApiVersionInfo(v!["version"]!.GetValue<string>(), v["label"]?.GetValue<string>() ?? "", v["url"]!.GetValue<string>())).ToList();
    }

    public Task<JsonNode?> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public async Task<JsonObject> QueryAsync(string soql, CancellationToken ct) =>
        (JsonObject)(await GetAsync($"{DataPath}/query?q={Uri.EscapeDataString(soql)}", ct))!;

    /// <summary>Every row of a query, following nextRecordsUrl; Calls is how many API calls it took (one per page of up to 2,000).</summary>
    public async Task<(List<JsonObject> Records, int Calls)> QueryAllPagesAsync(string soql, CancellationToken ct)
    {
        var records = new List<JsonObject>();
        var page = await QueryAsync(soql, ct);
        var calls = 1;
        while (true)
        {
            records.AddRange(page["records"]!.AsArray().OfType<JsonObject>());
            if (page["done"]?.GetValue<bool>() != false || page["nextRecordsUrl"]?.GetValue<string>() is not { } next) return (records, calls);
            page = (JsonObject)(await GetAsync(next, ct))!;
            calls++;
        }
    }

    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        var text = await SendTextAsync(method, path, body is null ? null : () => new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>
    /// A path such as /services/data/… on the instance. Salesforce's instance URLs are bare hosts, but one
    /// with a path (an emulated org, a proxy) keeps it, and a path that already carries it is left alone.
    /// </summary>
    public static Uri Resolve(Uri instanceUrl, string path)
    {
        var basePath = instanceUrl.AbsolutePath.TrimEnd('/');
        return new Uri(instanceUrl, basePath.Length == 0 || path.StartsWith(basePath + "/", StringComparison.Ordinal) ? path : basePath + path);
    }

    private void Observe(HttpMethod method, string path, string kind, string outcome, DateTimeOffset at, TimeSpan took, int? status = null)
    {
        SalesforceTelemetry.Record(session.Tenant, kind, outcome, took);
        session.CallObserved?.Invoke(kind, outcome);
        SalesforceCallWatch.Saw(new SalesforceCall(at, method.Method, path.Split('?')[0], kind, outcome, status, took));
    }

    /// <summary>Any request (a CSV upload, a CSV result): the answer's text, with the same refresh, retry and usage tracking.</summary>
    public Task<string> SendTextAsync(HttpMethod method, string path, Func<HttpContent>? content, CancellationToken ct) =>
        SendTextAsync(method, path, content, null, ct);

    /// <summary>Any request, with the successful answer's headers handed to <paramref name="headers"/> (a Bulk API result's Sforce-Locator).</summary>
    public async Task<string> SendTextAsync(HttpMethod method, string path, Func<HttpContent>? content, Action<System.Net.Http.Headers.HttpResponseHeaders>? headers, CancellationToken ct)
    {
        var safeToRepeat = method == HttpMethod.Get || method == HttpMethod.Head;
        var refreshed = false;
        for (var attempt = 1; ; attempt++)
        {
            var token = session.AccessToken;
            using var request = new HttpRequestMessage(method, Resolve(session.InstanceUrl, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (content is not null) request.Content = content();
            HttpResponseMessage response;
            var kind = SalesforceTelemetry.Kind(method.Method, path);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var at = clock.GetUtcNow();
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Observe(method, path, kind, e is TaskCanceledException ? "timeout" : "unreachable", at, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                if (!(safeToRepeat && attempt < MaxAttempts && !ct.IsCancellationRequested)) throw;
                await Backoff(attempt, ct);
                continue;
            }
            using (response)
            {
                if (response.Headers.TryGetValues("Sforce-Limit-Info", out var limit))
                    session.LastApiUsage = ApiUsage.Parse(string.Join(",", limit), clock.GetUtcNow()) ?? session.LastApiUsage;
                var text = await response.Content.ReadAsStringAsync(ct);
                var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if ((int)response.StatusCode < 500) session.LastAnsweredAt = clock.GetUtcNow();
                if (response.IsSuccessStatusCode)
                {
                    Observe(method, path, kind, "ok", at, took, (int)response.StatusCode);
                    headers?.Invoke(response.Headers);
                    return text;
                }
                var error = Error(response.StatusCode, text);
                Observe(method, path, kind, error.ErrorCode, at, took, (int)response.StatusCode);
                if (error.IsSessionExpired && !refreshed)
                {
                    refreshed = true;
                    await session.RefreshAsync(token, ct);
                    continue;
                }
                if (safeToRepeat && (int)response.StatusCode >= 500 && attempt < MaxAttempts)
                {
                    await Backoff(attempt, ct);
                    continue;
                }
                throw error;
            }
        }
    }

    /// <summary>Exponential backoff with jitter: about 200 ms, then 400 ms.</summary>
    private Task Backoff(int attempt, CancellationToken ct) =>
        Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Pow(2, attempt) * (0.5 + Random.Shared.NextDouble())), clock, ct);

    public static SalesforceApiException Error(HttpStatusCode status, string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonArray { Count: > 0 } errors && errors[0] is JsonObject first)
            {
                return new SalesforceApiException(status, first["errorCode"]?.GetValue<string>() ?? "UNKNOWN", first["message"]?.GetValue<string>() ?? "",
                    first["fields"] is JsonArray f ? f.Select(x => x!.GetValue<string>()).ToList() : null);
            }
        }
        catch (JsonException)
        {
            // Not Salesforce's error array (a proxy's HTML page, say): reported below as it is.
        }
        return new SalesforceApiException(status, "HTTP_" + (int)status, text.Length > 300 ? text[..300] : text);
    }
}
