using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using ContactBridge.Storage;
using Npgsql;

namespace ContactBridge.ContactCenter;

/// <summary>What changed in a tenant's picture: an agent or a queue (by id), or everything ("resync": read it all again).</summary>
public sealed record PictureChange(string TenantId, string Kind, string Id)
{
    public const string Agent = "agent";
    public const string Queue = "queue";
    public const string Resync = "resync";
}

/// <summary>
/// Tells subscribers (the softphone, an admin's page) of this instance what changed in a tenant's live picture.
/// On SQLite (one instance) the store tells it after each commit; on PostgreSQL the store sends a NOTIFY in its
/// transaction, and every instance with subscribers LISTENs, so a change reaches a subscriber whichever instance
/// took the event. When the listening connection is lost, subscribers are told to read everything again.
/// </summary>
public sealed class LivePictureFeed(HubDatabase db, ILogger<LivePictureFeed> logger) : IAsyncDisposable
{
    public const string ChannelName = "contactbridge_picture";

    private readonly ConcurrentDictionary<Guid, (string TenantId, Channel<PictureChange> Channel)> _subscribers = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _listening;
    private readonly object _sync = new();

    public bool UsesNotify => db.Provider == DatabaseProvider.PostgreSql;

    /// <summary>The changes of one tenant's picture from now on, until <paramref name="ct"/> ends.</summary>
    public ChannelReader<PictureChange> Subscribe(string tenantId, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        // A slow reader loses old changes rather than holding memory: a resync follows, so it reads the picture again.
        var channel = Channel.CreateBounded<PictureChange>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        _subscribers[id] = (tenantId, channel);
        ct.Register(() =>
        {
            _subscribers.TryRemove(id, out _);
            channel.Writer.TryComplete();
        });
        if (UsesNotify) EnsureListening();
        return channel.Reader;
    }

    /// <summary>Tells this instance's subscribers of the tenant.</summary>
    public void Publish(PictureChange change)
    {
        foreach (var (_, (tenantId, channel)) in _subscribers)
            if (tenantId == change.TenantId || change.TenantId.Length == 0) channel.Writer.TryWrite(change.TenantId.Length == 0 ? change with { TenantId = tenantId } : change);
    }

    public static string Payload(PictureChange change) => JsonSerializer.Serialize(change);

    private void EnsureListening()
    {
        lock (_sync) _listening ??= Task.Run(() => ListenAsync(_stop.Token));
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(db.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) =>
                {
                    if (JsonSerializer.Deserialize<PictureChange>(e.Payload) is { } change) Publish(change);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection)) await listen.ExecuteNonQueryAsync(ct);
                // Whatever happened while not listening is read again.
                Publish(new PictureChange("", PictureChange.Resync, ""));
                delay = TimeSpan.FromMilliseconds(200);
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Listening for live picture changes failed ({Message}); listening again in {Delay} ms", e.Message, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listening is not null)
        {
            try
            {
                await _listening;
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
        }
        _stop.Dispose();
    }
}
