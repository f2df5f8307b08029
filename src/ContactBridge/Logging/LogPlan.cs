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
    /// <summary>
    /// A key unique to the tenant and what the record stands for. Ids from outside are used as they
    /// are when short and plain, hashed otherwise, so a key always fits the 255-character field and a URL.
    /// </summary>
    public static string Key(string tenantId, string kind, string natural)
    {
        var plain = natural.Length <= 120 && natural.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or '+');
        var part = plain ? natural : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(natural)))[..40];
        return $"cb-{tenantId[..Math.Min(8, tenantId.Length)]}-{kind}-{part}";
    }
}
