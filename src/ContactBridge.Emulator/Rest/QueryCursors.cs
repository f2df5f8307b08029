using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.Rest;

/// <summary>
/// The rest of a query's rows, kept for queryMore under a locator (<c>01g…-2000</c>: a cursor id
/// and the offset of the next batch), as Salesforce does. Cursors expire after 15 minutes idle.
/// </summary>
public sealed class QueryCursors(TimeProvider clock)
{
    private sealed record Cursor(string OrgKey, string UserId, IReadOnlyList<JsonObject> Records, int BatchSize, DateTimeOffset TouchedAt);

    private readonly ConcurrentDictionary<string, Cursor> _cursors = new(StringComparer.Ordinal);
    private long _counter;

    public static readonly TimeSpan IdleExpiry = TimeSpan.FromMinutes(15);

    /// <summary>Returns the first batch and, when more rows remain, the locator of the next.</summary>
    public (IReadOnlyList<JsonObject> Batch, string? NextLocator) Start(string orgKey, string userId, IReadOnlyList<JsonObject> records, int batchSize)
    {
        if (records.Count <= batchSize) return (records, null);
        var id = "01g" + Interlocked.Increment(ref _counter).ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
        _cursors[id] = new Cursor(orgKey, userId, records, batchSize, clock.GetUtcNow());
        Sweep();
        return (records.Take(batchSize).ToList(), $"{id}-{batchSize}");
    }

    public (IReadOnlyList<JsonObject> Batch, string? NextLocator, int TotalSize)? Next(string orgKey, string userId, string locator)
    {
        var dash = locator.LastIndexOf('-');
        if (dash < 0 || !int.TryParse(locator.AsSpan(dash + 1), out var offset)) return null;
        var id = locator[..dash];
        if (!_cursors.TryGetValue(id, out var cursor) || cursor.OrgKey != orgKey || cursor.UserId != userId) return null;
        if (clock.GetUtcNow() - cursor.TouchedAt > IdleExpiry || offset < 0 || offset > cursor.Records.Count)
        {
            _cursors.TryRemove(id, out _);
            return null;
        }
        _cursors[id] = cursor with { TouchedAt = clock.GetUtcNow() };
        var batch = cursor.Records.Skip(offset).Take(cursor.BatchSize).ToList();
        var next = offset + batch.Count;
        if (next >= cursor.Records.Count)
        {
            _cursors.TryRemove(id, out _);
            return (batch, null, cursor.Records.Count);
        }
        return (batch, $"{id}-{next}", cursor.Records.Count);
    }

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, cursor) in _cursors)
        {
            if (now - cursor.TouchedAt > IdleExpiry) _cursors.TryRemove(id, out _);
        }
    }
}
