using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// POST /composite: up to 25 subrequests (at most 5 of them queries or sObject collections)
/// run in order in one API call; later ones may reference earlier results; allOrNone rolls
/// everything back when one fails. ("Composite", REST API Developer Guide.)
/// </summary>
public static partial class Composite
{
    public const int MaxSubrequests = 25;
    public const int MaxQueryOrCollectionSubrequests = 5;

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ReferenceIdPattern();

    public static RestResult Run(RestContext ctx, JsonObject body)
    {
        if (body["compositeRequest"] is not JsonArray requests || requests.Count == 0)
            throw new SalesforceException(400, "INVALID_INPUT", "compositeRequest is required and must contain at least one subrequest.");
        if (requests.Count > MaxSubrequests)
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"Composite request can contain at most {MaxSubrequests} subrequests; this one has {requests.Count}.");
        var allOrNone = body["allOrNone"]?.GetValue<bool>() ?? false;
        var subs = requests.Select(ParseSubrequest).ToList();
        var duplicate = subs.GroupBy(s => s.ReferenceId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new SalesforceException(400, "INVALID_INPUT", $"Duplicate referenceId provided in the request: {duplicate.Key}");
        var heavy = subs.Count(s => Regex.IsMatch(s.Url, @"^/services/data/v[\d.]+/(query|queryAll|composite/sobjects)\b"));
        if (heavy > MaxQueryOrCollectionSubrequests)
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"Composite request can contain at most {MaxQueryOrCollectionSubrequests} query or sObject Collections subrequests; this one has {heavy}.");

        using var tx = ctx.Org.Records.Begin();
        var results = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var outcomes = new List<(string Ref, RestResult Result)>();
        var failed = false;
        foreach (var sub in subs)
        {
            if (allOrNone && failed)
            {
                outcomes.Add((sub.ReferenceId, CompositeReferences.Halted(CompositeReferences.RolledBack)));
                continue;
            }
            var result = Execute(ctx, sub, results);
            if (result.IsSuccess) results[sub.ReferenceId] = result.Body ?? new JsonObject();
            else failed = true;
            outcomes.Add((sub.ReferenceId, result));
        }
        if (allOrNone && failed)
        {
            tx.Rollback();
            outcomes = outcomes.Select(o => o.Result.IsSuccess ? (o.Ref, CompositeReferences.Halted(CompositeReferences.RolledBack)) : o).ToList();
        }
        else
        {
            tx.Commit();
        }
        return new RestResult(200, new JsonObject
        {
            ["compositeResponse"] = new JsonArray(outcomes.Select(o => (JsonNode)CompositeReferences.Response(o.Ref, o.Result)).ToArray()),
        });
    }

    public sealed record Subrequest(string Method, string Url, string ReferenceId, JsonNode? Body);

    public static Subrequest ParseSubrequest(JsonNode? node)
    {
        if (node is not JsonObject o) throw SalesforceException.JsonParser("Each subrequest must be a JSON object.");
        var method = o["method"]?.GetValue<string>()?.ToUpperInvariant()
                     ?? throw new SalesforceException(400, "INVALID_INPUT", "Each subrequest needs a method.");
        var url = o["url"]?.GetValue<string>() ?? throw new SalesforceException(400, "INVALID_INPUT", "Each subrequest needs a url.");
        var referenceId = o["referenceId"]?.GetValue<string>() ?? throw new SalesforceException(400, "INVALID_INPUT", "Each subrequest needs a referenceId.");
        if (!ReferenceIdPattern().IsMatch(referenceId))
            throw new SalesforceException(400, "INVALID_INPUT", $"The referenceId {referenceId} may contain only letters, numbers and underscores.");
        if (method is not ("GET" or "POST" or "PATCH" or "PUT" or "DELETE"))
            throw new SalesforceException(400, "INVALID_INPUT", $"Method {method} is not supported in a composite subrequest.");
        return new Subrequest(method, url, referenceId, o["body"]);
    }

    public static RestResult Execute(RestContext ctx, Subrequest sub, IReadOnlyDictionary<string, JsonNode?> results)
    {
        try
        {
            var url = CompositeReferences.InString(sub.Url, results, sub.ReferenceId);
            var body = CompositeReferences.InBody(sub.Body, results, sub.ReferenceId);
            var parsed = CompositeReferences.ParseUrl(url);
            if (parsed.Path.TrimStart('/').StartsWith("composite", StringComparison.Ordinal) && !parsed.Path.Contains("/composite/sobjects", StringComparison.Ordinal))
                throw new SalesforceException(400, "INVALID_URL", "A composite subrequest cannot itself be a composite or graph request.");
            return RestDispatcher.Dispatch(ctx.ForVersion(parsed.Version), sub.Method, parsed.Path, parsed.Query, body?.ToJsonString());
        }
        catch (SalesforceException e)
        {
            return RestResult.Error(e);
        }
    }
}
