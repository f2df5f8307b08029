using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// Composite subrequest plumbing shared by composite and composite graph: parsing a subrequest's
/// URL, and replacing <c>@{refId.path}</c> references (<c>@{newAccount.id}</c>,
/// <c>@{q.records[0].Id}</c>) with values from earlier results.
/// </summary>
public static partial class CompositeReferences
{
    [GeneratedRegex(@"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")]
    private static partial Regex Reference();

    public sealed record SubrequestUrl(string Version, string Path, Dictionary<string, string> Query);

    public static SubrequestUrl ParseUrl(string url)
    {
        var m = Regex.Match(url, @"^/services/data/v(\d+\.\d)(/[^?]*)?(?:\?(.*))?$");
        if (!m.Success || !RestDispatcher.TryParseVersion("v" + m.Groups[1].Value, out var version))
            throw new SalesforceException(400, "INVALID_URL", $"The URL {url} is not valid for a composite subrequest; it must start with /services/data/vXX.X/.");
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (m.Groups[3].Success)
        {
            foreach (var (k, v) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(m.Groups[3].Value)) query[k] = v.ToString();
        }
        return new SubrequestUrl(version, m.Groups[2].Success ? m.Groups[2].Value : "/", query);
    }

    /// <summary>Replaces references in a string; throws when one names an unknown or failed result.</summary>
    public static string InString(string text, IReadOnlyDictionary<string, JsonNode?> results, string currentRef) =>
        Reference().Replace(text, m => Uri.EscapeDataString(Lookup(m, results, currentRef)?.ToString() ?? "").Replace("%40", "@", StringComparison.Ordinal));

    public static JsonNode? InBody(JsonNode? node, IReadOnlyDictionary<string, JsonNode?> results, string currentRef)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o) copy[k] = InBody(v, results, currentRef);
                return copy;
            case JsonArray a:
                return new JsonArray(a.Select(x => InBody(x, results, currentRef)).ToArray());
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Contains("@{", StringComparison.Ordinal):
                var whole = Reference().Match(s);
                if (whole.Success && whole.Length == s.Length) return Lookup(whole, results, currentRef)?.DeepClone();
                return JsonValue.Create(Reference().Replace(s, m => Lookup(m, results, currentRef)?.ToString() ?? ""));
            default:
                return node?.DeepClone();
        }
    }

    public static IEnumerable<string> Referenced(string? url, JsonNode? body)
    {
        var text = (url ?? "") + " " + (body?.ToJsonString() ?? "");
        return Reference().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal);
    }

    private static JsonNode? Lookup(Match m, IReadOnlyDictionary<string, JsonNode?> results, string currentRef)
    {
        var refId = m.Groups[1].Value;
        if (!results.TryGetValue(refId, out var node))
            throw new SalesforceException(400, "PROCESSING_HALTED",
                $"Invalid reference specified. No value for {refId}{m.Groups[2].Value} found in {refId}. Provided referenceId ({refId}) must be a previously completed successful subrequest in {currentRef}.");
        foreach (Match step in Regex.Matches(m.Groups[2].Value, @"\.([A-Za-z0-9_]+)|\[(\d+)\]"))
        {
            node = step.Groups[1].Success
                ? node is JsonObject o ? o.FirstOrDefault(kv => kv.Key.Equals(step.Groups[1].Value, StringComparison.OrdinalIgnoreCase)).Value : null
                : node is JsonArray a && int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) < a.Count ? a[int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)] : null;
            if (node is null)
                throw new SalesforceException(400, "PROCESSING_HALTED",
                    $"Invalid reference specified. No value for {refId}{m.Groups[2].Value} found in {refId}. Provided referenceId ({refId}) must be a previously completed successful subrequest in {currentRef}.");
        }
        return node;
    }

    public static JsonObject Response(string referenceId, RestResult result) => new()
    {
        ["body"] = result.Body?.DeepClone(),
        ["httpHeaders"] = new JsonObject(result.Headers?.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value))) ?? []),
        ["httpStatusCode"] = result.Status,
        ["referenceId"] = referenceId,
    };

    public static RestResult Halted(string message) =>
        new(400, new JsonArray(new JsonObject { ["errorCode"] = "PROCESSING_HALTED", ["message"] = message }));

    public const string RolledBack = "The transaction was rolled back since another operation in the same transaction failed.";
}
