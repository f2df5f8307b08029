using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.Tests.Support;

/// <summary>A plain HTTP client for a running emulator: tokens from the real token endpoint, REST calls with a bearer token.</summary>
public sealed class EmulatorClient : IDisposable
{
    public const string Version = "62.0";

    private readonly HttpClient _http;

    public EmulatorClient(EmulatorServer server)
    {
        Server = server;
        _http = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    public EmulatorServer Server { get; }
    public HttpClient Http => _http;
    public string? AccessToken { get; set; }

    public static async Task<EmulatorClient> SignedInAsync(EmulatorServer server, string username = WellKnown.AdminUsername, string password = WellKnown.AdminPassword)
    {
        var client = new EmulatorClient(server);
        var token = await client.TokenAsync(new()
        {
            ["grant_type"] = "password", ["client_id"] = WellKnown.ClientId, ["client_secret"] = WellKnown.ClientSecret,
            ["username"] = username, ["password"] = password,
        });
        token.Code.ShouldBe(200, token.Body?.ToJsonString());
        client.AccessToken = token.Object["access_token"]!.GetValue<string>();
        return client;
    }

    public Task<SalesforceResponse> TokenAsync(Dictionary<string, string> form, string host = "") =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{host}/services/oauth2/token") { Content = new FormUrlEncodedContent(form) }, authorize: false);

    public Task<SalesforceResponse> GetAsync(string path, IDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Data(path));
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(k, v);
        return SendAsync(request);
    }

    public Task<SalesforceResponse> QueryAsync(string soql, string resource = "query") => GetAsync($"/{resource}?q={Uri.EscapeDataString(soql)}");

    public Task<SalesforceResponse> PostAsync(string path, object body) => SendJsonAsync(HttpMethod.Post, path, body);
    public Task<SalesforceResponse> PatchAsync(string path, object body) => SendJsonAsync(HttpMethod.Patch, path, body);
    public Task<SalesforceResponse> DeleteAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Delete, Data(path)));

    public Task<SalesforceResponse> PostRawAsync(string path, string raw) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, Data(path)) { Content = new StringContent(raw, Encoding.UTF8, "application/json") });

    /// <summary>Uploads CSV to a Bulk API 2.0 ingest job.</summary>
    public Task<SalesforceResponse> PutCsvAsync(string jobId, string csv) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Put, Data($"/jobs/ingest/{jobId}/batches")) { Content = new StringContent(csv, Encoding.UTF8, "text/csv") });

    /// <summary>Completes when the emulator has finished processing a bulk job, however it ended.</summary>
    public Task BulkJobProcessedAsync(string jobId) =>
        Server.State.Bulk.Find(WellKnown.DefaultOrgKey, jobId)!.Processed.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

    private Task<SalesforceResponse> SendJsonAsync(HttpMethod method, string path, object body)
    {
        var json = body is JsonNode node ? node.ToJsonString() : System.Text.Json.JsonSerializer.Serialize(body);
        return SendAsync(new HttpRequestMessage(method, Data(path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }

    private static string Data(string path) => path.StartsWith("/services/", StringComparison.Ordinal) || path.StartsWith("/orgs/", StringComparison.Ordinal)
        ? path
        : $"/services/data/v{Version}{path}";

    public async Task<SalesforceResponse> SendAsync(HttpRequestMessage request, bool authorize = true)
    {
        if (authorize && AccessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonNode? body = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true) body = JsonNode.Parse(text);
        return new SalesforceResponse(response.StatusCode, body, response);
    }

    /// <summary>Creates a record and returns its id, failing the test with Salesforce's message if it cannot.</summary>
    public async Task<string> CreateAsync(string sobject, object fields)
    {
        var r = await PostAsync($"/sobjects/{sobject}", fields);
        r.Code.ShouldBe(201, r.Body?.ToJsonString());
        return r.Object["id"]!.GetValue<string>();
    }

    public void Dispose() => _http.Dispose();
}
