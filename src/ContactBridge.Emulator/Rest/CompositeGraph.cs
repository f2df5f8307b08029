using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// POST /composite/graph: each graph is all-or-nothing. Limits ("Composite Graph Limits"):
/// 75 graphs and 500 nodes per payload, 500 nodes per graph, depth 15, 15 different node kinds
/// (API version × HTTP method × object); once 14 graphs have failed the rest are PROCESSING_HALTED.
/// Nodes may only be sObject create, get/patch/delete by id, or by external id.
/// </summary>
public static partial class CompositeGraph
{
    public const int MaxGraphs = 75;
    public const int MaxNodes = 500;
    public const int MaxDepth = 15;
    public const int MaxNodeKinds = 15;
    public const int MaxFailedGraphs = 14;

    [GeneratedRegex(@"^/services/data/v(\d+\.\d)/sobjects/([A-Za-z0-9_]+)(?:/([^/?]+))?(?:/([^/?]+))?/?(?:\?.*)?$")]
    private static partial Regex NodeUrl();

    private sealed record Graph(string Id, List<Composite.Subrequest> Nodes);

    public static RestResult Run(RestContext ctx, JsonObject body)
    {
        if (body["graphs"] is not JsonArray graphsJson || graphsJson.Count == 0)
            throw new SalesforceException(400, "INVALID_INPUT", "graphs is required and must contain at least one graph.");
        if (graphsJson.Count > MaxGraphs)
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"A composite graph request can contain at most {MaxGraphs} graphs; this one has {graphsJson.Count}.");
        var graphs = new List<Graph>();
        foreach (var g in graphsJson)
        {
            var id = g?["graphId"]?.GetValue<string>() ?? throw new SalesforceException(400, "INVALID_INPUT", "Each graph needs a graphId.");
            if (!Regex.IsMatch(id, "^[A-Za-z0-9][A-Za-z0-9_]{0,39}$"))
                throw new SalesforceException(400, "INVALID_INPUT", $"The graphId {id} must start with a letter or number and hold at most 40 letters, numbers or underscores.");
            if (g["compositeRequest"] is not JsonArray nodes || nodes.Count == 0)
                throw new SalesforceException(400, "INVALID_INPUT", $"Graph {id} has no compositeRequest nodes.");
            if (nodes.Count > MaxNodes)
                throw new SalesforceException(400, "LIMIT_EXCEEDED", $"Graph {id} has {nodes.Count} nodes; a graph can have at most {MaxNodes}.");
            graphs.Add(new Graph(id, nodes.Select(Composite.ParseSubrequest).ToList()));
        }
        var dup = graphs.GroupBy(g => g.Id, StringComparer.Ordinal).FirstOrDefault(x => x.Count() > 1);
        if (dup is not null) throw new SalesforceException(400, "INVALID_INPUT", $"Duplicate graphId provided in the request: {dup.Key}");
        var total = graphs.Sum(g => g.Nodes.Count);
        if (total > MaxNodes)
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"A composite graph request can contain at most {MaxNodes} nodes in all; this one has {total}.");

        var kinds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var g in graphs)
        {
            var depth = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var node in g.Nodes)
            {
                var m = NodeUrl().Match(node.Url);
                var shapeOk = m.Success && (m.Groups[3].Success ? node.Method is "GET" or "PATCH" or "DELETE" || (m.Groups[4].Success && node.Method == "POST") : node.Method == "POST");
                if (!shapeOk)
                    throw new SalesforceException(400, "INVALID_INPUT",
                        $"Graph {g.Id} node {node.ReferenceId}: {node.Method} {node.Url} is not allowed in a graph. Only sObject create, get/patch/delete by id, and sObject by external id are supported.");
                kinds.Add($"{m.Groups[1].Value}|{node.Method}|{m.Groups[2].Value}");
                var refs = CompositeReferences.Referenced(node.Url, node.Body).ToList();
                depth[node.ReferenceId] = 1 + refs.Select(r => depth.GetValueOrDefault(r)).DefaultIfEmpty(0).Max();
                if (depth[node.ReferenceId] > MaxDepth)
                    throw new SalesforceException(400, "LIMIT_EXCEEDED", $"Graph {g.Id} is {depth[node.ReferenceId]} nodes deep; the maximum depth is {MaxDepth}.");
            }
        }
        if (kinds.Count > MaxNodeKinds)
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"A composite graph request can use at most {MaxNodeKinds} different kinds of node (API version, method and object); this one uses {kinds.Count}.");

        var failures = 0;
        var output = new JsonArray();
        foreach (var g in graphs)
        {
            List<(string Ref, RestResult Result)> outcomes;
            bool ok;
            if (failures >= MaxFailedGraphs)
            {
                outcomes = g.Nodes.Select(n => (n.ReferenceId, CompositeReferences.Halted(
                    $"Processing halted: more than {MaxFailedGraphs} graphs failed in this request."))).ToList();
                ok = false;
            }
            else
            {
                (outcomes, ok) = RunGraph(ctx, g);
            }
            if (!ok) failures++;
            output.Add(new JsonObject
            {
                ["graphId"] = g.Id,
                ["graphResponse"] = new JsonObject
                {
                    ["compositeResponse"] = new JsonArray(outcomes.Select(o => (JsonNode)CompositeReferences.Response(o.Ref, o.Result)).ToArray()),
                },
                ["isSuccessful"] = ok,
            });
        }
        return new RestResult(200, new JsonObject { ["graphs"] = output });
    }

    private static (List<(string Ref, RestResult Result)> Outcomes, bool Ok) RunGraph(RestContext ctx, Graph g)
    {
        using var tx = ctx.Org.Records.Begin();
        var results = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var outcomes = new List<(string Ref, RestResult Result)>();
        var failed = false;
        foreach (var node in g.Nodes)
        {
            if (failed)
            {
                outcomes.Add((node.ReferenceId, CompositeReferences.Halted(CompositeReferences.RolledBack)));
                continue;
            }
            var result = Composite.Execute(ctx, node, results);
            if (result.IsSuccess) results[node.ReferenceId] = result.Body ?? new JsonObject();
            else failed = true;
            outcomes.Add((node.ReferenceId, result));
        }
        if (!failed)
        {
            tx.Commit();
            return (outcomes, true);
        }
        tx.Rollback();
        return (outcomes.Select(o => o.Result.IsSuccess ? (o.Ref, CompositeReferences.Halted(CompositeReferences.RolledBack)) : o).ToList(), false);
    }
}
