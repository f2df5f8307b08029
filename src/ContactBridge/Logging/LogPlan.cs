using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ContactBridge.Logging;

/// <summary>One upsert in a plan: an object, its ContactBridge key, the fields, and which of them Salesforce only accepts on create.</summary>
public sealed record PlanNode(string ReferenceId, string Object, string Key, JsonObject Fields, IReadOnlyList<string> CreateOnlyFields)
{
    /// <summary>Set for an update of a record found by identification: PATCH by its id instead of an upsert by key.</summary>
    public string? RecordId { get; init; }

    public JsonObject ToSubrequest(string apiVersion, string keyField, bool exists)
    {
        var body = (JsonObject)Fields.DeepClone();
        if (exists) foreach (var f in CreateOnlyFields) body.Remove(f);
        return new JsonObject
        {
            ["method"] = "PATCH",
            ["url"] = RecordId is not null
                ? $"/services/data/v{apiVersion}/sobjects/{Object}/{RecordId}"
                : $"/services/data/v{apiVersion}/sobjects/{Object}/{keyField}/{Uri.EscapeDataString(Key)}",
            ["referenceId"] = ReferenceId,
            ["body"] = body,
        };
    }
}

/// <summary>Everything one interaction should write, as one all-or-nothing composite graph.</summary>
public sealed record LogPlan(string TenantId, string InteractionId, string ApiVersion, string KeyField, IReadOnlyList<PlanNode> Nodes)
{
    /// <summary>When the interaction ended, for the ended → record latency.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>
    /// A key unique to the tenant and what the record stands for. Salesforce compares unique external
    /// ids without regard to case, so ids from outside are used as they are only when they hold no
    /// capital letter (and are short and plain); any other id is hashed exactly as sent, so "Call-A" and
    /// "call-a" get different keys. The "cb2-" prefix keeps these apart from the "cb-" keys of earlier
    /// versions, which interactions written with them go on using (<see cref="WithKeysOf"/>).
    /// </summary>
    public static string Key(string tenantId, string kind, string natural)
    {
        var plain = natural.Length is > 0 and <= 120 && natural.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.' or '@' or '+');
        var part = plain ? natural : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(natural)))[..40];
        return $"cb2-{tenantId[..Math.Min(8, tenantId.Length)]}-{kind}-{part}";
    }

    /// <summary>
    /// This plan with the keys an earlier, successful plan of the same interaction used for the same
    /// records, so records written under an older key scheme are updated rather than created again.
    /// </summary>
    public LogPlan WithKeysOf(LogPlan? written)
    {
        if (written is null) return this;
        var keys = written.Nodes.Where(n => n.Key.Length > 0).GroupBy(n => (n.Object, n.ReferenceId)).ToDictionary(g => g.Key, g => g.First().Key);
        return this with { Nodes = Nodes.Select(n => n.Key.Length > 0 && keys.TryGetValue((n.Object, n.ReferenceId), out var k) ? n with { Key = k } : n).ToList() };
    }
}
