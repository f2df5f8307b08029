using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Rest;

/// <summary>What one REST call (or one composite subrequest) answers.</summary>
public sealed record RestResult(int Status, JsonNode? Body, IReadOnlyDictionary<string, string>? Headers = null, byte[]? Binary = null, string? ContentType = null)
{
    public static RestResult Error(SalesforceException e) => new(e.Status, e.ToBody());
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>Who is calling which org at which API version; shared by a request and its subrequests.</summary>
public sealed class RestContext(EmulatorState state, SalesforceOrg org, string userId, string? clientId, string version)
{
    public EmulatorState State { get; } = state;
    public SalesforceOrg Org { get; } = org;
    public string UserId { get; } = userId;
    public string? ClientId { get; } = clientId;
    public string Version { get; } = version;
    public string DataPath => $"/services/data/v{Version}";
    public RecordWriter Writer => _writer ??= new(Org, State.Clock) { ChangeOrigin = Origin("rest", Version, Headers) };
    private RecordWriter? _writer;

    /// <summary>changeOrigin of change events: <c>com/salesforce/api/{api}/{version}</c>, plus <c>;client=</c> from Sforce-Call-Options.</summary>
    public static string Origin(string api, string version, IReadOnlyDictionary<string, string> headers)
    {
        var client = headers.TryGetValue("Sforce-Call-Options", out var options)
            ? options.Split(',').Select(o => o.Trim()).FirstOrDefault(o => o.StartsWith("client=", StringComparison.Ordinal))
            : null;
        return $"com/salesforce/api/{api}/{version}" + (client is null ? "" : ";" + client);
    }
    /// <summary>Request headers that shape answers (Sforce-Query-Options …).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The address the request came to (scheme and host): the base of the absolute URLs some resources give.</summary>
    public string InstanceUrl { get; init; } = "";

    /// <summary>The signed-in user's identity URL (on the login host the token was issued by), as the resource list names it.</summary>
    public string? IdentityUrl { get; init; }

    public RestContext ForVersion(string version) => new(State, Org, UserId, ClientId, version) { Headers = Headers };
}
