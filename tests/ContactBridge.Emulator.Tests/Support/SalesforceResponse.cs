using System.Net;
using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.Tests.Support;

public sealed record SalesforceResponse(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Raw)
{
    public int Code => (int)Status;

    /// <summary>The first errorCode of a REST error array.</summary>
    public string? ErrorCode => Body is JsonArray a && a.Count > 0 ? a[0]?["errorCode"]?.GetValue<string>() : null;

    public string? ErrorMessage => Body is JsonArray a && a.Count > 0 ? a[0]?["message"]?.GetValue<string>() : null;

    public JsonObject Object => Body as JsonObject ?? throw new InvalidOperationException($"Expected a JSON object, got {(int)Status}: {Body?.ToJsonString()}");

    public JsonArray Records => (JsonArray)Object["records"]!;

    public string Header(string name) => Raw.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : Raw.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";
}
