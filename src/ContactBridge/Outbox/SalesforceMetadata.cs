using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ContactBridge.Logging;
using ContactBridge.Salesforce;

namespace ContactBridge.Outbox;

/// <summary>
/// Per-tenant caches of what rarely changes in an org: object describes (an hour) and which active
/// user has an agent's e-mail (ten minutes), so planning costs no API call in the steady state.
/// </summary>
public sealed class SalesforceMetadata(TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string Tenant, string Object), (ObjectShape Shape, DateTimeOffset At)> _shapes = new();
    private readonly ConcurrentDictionary<(string Tenant, string Email), (string? UserId, DateTimeOffset At)> _owners = new();

    public static readonly TimeSpan DescribeLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan OwnerLifetime = TimeSpan.FromMinutes(10);

    public void Forget(string tenantId)
    {
        foreach (var k in _shapes.Keys.Where(k => k.Tenant == tenantId)) _shapes.TryRemove(k, out _);
        foreach (var k in _owners.Keys.Where(k => k.Tenant == tenantId)) _owners.TryRemove(k, out _);
    }

    public async Task<IReadOnlyDictionary<string, ObjectShape>> ShapesAsync(string tenantId, SalesforceRestClient client, IEnumerable<string> objects, CancellationToken ct)
    {
        var result = new Dictionary<string, ObjectShape>(StringComparer.Ordinal);
        foreach (var obj in objects.Distinct())
        {
            if (_shapes.TryGetValue((tenantId, obj), out var cached) && clock.GetUtcNow() - cached.At < DescribeLifetime)
            {
                result[obj] = cached.Shape;
                continue;
            }
            var describe = await client.GetAsync($"{client.DataPath}/sobjects/{obj}/describe", ct);
            var fields = (describe?["fields"]?.AsArray() ?? []).ToDictionary(
                f => f!["name"]!.GetValue<string>(),
                f => (f!["length"]?.GetValue<int>() ?? 0, f["createable"]?.GetValue<bool>() ?? false, f["updateable"]?.GetValue<bool>() ?? false,
                    f["type"]?.GetValue<string>() ?? "string", f["externalId"]?.GetValue<bool>() ?? false), StringComparer.Ordinal);
            var labels = (describe?["fields"]?.AsArray() ?? []).Where(f => f!["label"] is JsonValue)
                .ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["label"]!.GetValue<string>(), StringComparer.Ordinal);
            var shape = new ObjectShape(obj, fields, labels);
            _shapes[(tenantId, obj)] = (shape, clock.GetUtcNow());
            result[obj] = shape;
        }
        return result;
    }

    /// <summary>Active users by e-mail, for the agents given; unknown e-mails are looked up together in one query.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> OwnersAsync(string tenantId, SalesforceRestClient client, IEnumerable<string> emails, CancellationToken ct)
    {
        var wanted = emails.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Contains('@', StringComparison.Ordinal)).Distinct().ToList();
        var now = clock.GetUtcNow();
        var missing = wanted.Where(e => !_owners.TryGetValue((tenantId, e), out var c) || now - c.At >= OwnerLifetime).ToList();
        if (missing.Count > 0)
        {
            foreach (var chunk in Identification.CallerIdentifier.Chunks(missing, 200))
            {
                var list = string.Join(", ", chunk.Select(Soql.String));
                var users = await client.QueryAsync($"SELECT Id, Email FROM User WHERE IsActive = true AND Email IN ({list})", ct);
                var found = (users["records"]?.AsArray() ?? []).GroupBy(u => u!["Email"]!.GetValue<string>().ToLowerInvariant())
                    .ToDictionary(g => g.Key, g => g.First()!["Id"]!.GetValue<string>());
                foreach (var e in chunk) _owners[(tenantId, e)] = (found.GetValueOrDefault(e), now);
            }
        }
        return wanted.ToDictionary(e => e, e => _owners.TryGetValue((tenantId, e), out var c) ? c.UserId : null);
    }

    public static JsonObject? RecordFrom(JsonNode? node) => node as JsonObject;
}
