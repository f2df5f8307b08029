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
    public const string Commitment = "commitment";
    public const string AddressBook = "address_book";
    /// <summary>A message for an agent: its id is the event's.</summary>
    public const string Message = "message";
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

    private readonly ConcurrentDictionary<Guid, Subscription> _subscribers = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _listening;
    private readonly object _sync = new();

    public bool UsesNotify => db.Provider == DatabaseProvider.PostgreSql;

    /// <summary>One subscriber's changes. Disposing it ends the subscription.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly Action _remove;
        private int _dropped;

        internal Subscription(string tenantId, Action<Subscription> remove)
        {
            TenantId = tenantId;
            _remove = () => remove(this);
            // A slow reader loses old changes rather than holding memory, and is then told to read everything again.
            Channel = System.Threading.Channels.Channel.CreateBounded<PictureChange>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest },
                _ => Interlocked.Exchange(ref _dropped, 1));
        }

        public string TenantId { get; }

        internal Channel<PictureChange> Channel { get; }

        /// <summary>
        /// The next change and every other one already waiting (each once, in order): a reader that fell behind catches up in one
        /// step instead of one read per change. Only a resync when changes were dropped.
        /// </summary>
        public async ValueTask<IReadOnlyList<PictureChange>> ReadAvailableAsync(CancellationToken ct, int max = 1000)
        {
            var changes = new List<PictureChange> { await Channel.Reader.ReadAsync(ct) };
            while (changes.Count < max && Channel.Reader.TryRead(out var more)) changes.Add(more);
            if (Interlocked.Exchange(ref _dropped, 0) == 1) return [new PictureChange(TenantId, PictureChange.Resync, "")];
            return changes.Distinct().ToList();
        }

        public void Dispose()
        {
            _remove();
            Channel.Writer.TryComplete();
        }
    }

    /// <summary>The changes of one tenant's picture from now on, until the subscription is disposed.</summary>
    public Subscription Subscribe(string tenantId)
    {
        var id = Guid.NewGuid();
        var subscription = new Subscription(tenantId, _ => _subscribers.TryRemove(id, out var _));
        _subscribers[id] = subscription;
        if (UsesNotify) EnsureListening();
        return subscription;
    }

    /// <summary>How many subscriptions this instance holds (none left behind by a stream that ended).</summary>
    public int Subscribers => _subscribers.Count;

    /// <summary>Tells this instance's subscribers of the tenant (all of them for a resync of every tenant, whose tenant is "").</summary>
    public void Publish(PictureChange change)
    {
        foreach (var subscription in _subscribers.Values)
            if (change.TenantId.Length == 0 || subscription.TenantId == change.TenantId)
                subscription.Channel.Writer.TryWrite(change.TenantId.Length == 0 ? change with { TenantId = subscription.TenantId } : change);
    }

    private static string Payload(PictureChange change) => JsonSerializer.Serialize(change);

    /// <summary>
    /// Part of the transaction that makes the changes: with several instances (PostgreSQL), a NOTIFY each, delivered
    /// to every listening instance at commit and not at all on rollback.
    /// </summary>
    public async Task NotifyAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, IEnumerable<PictureChange> changes)
    {
        if (!UsesNotify) return;
        foreach (var change in changes)
            await Dapper.SqlMapper.ExecuteAsync(connection, "SELECT pg_notify(@channel, @payload)", new { channel = ChannelName, payload = Payload(change) }, transaction);
    }

    /// <summary>After the commit: with one instance (SQLite), this instance's subscribers are told directly.</summary>
    public void Committed(IEnumerable<PictureChange> changes)
    {
        if (UsesNotify) return;
        foreach (var change in changes) Publish(change);
    }

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
                // Its own connection, out of the pool, with keepalives: a half-open connection is noticed instead of waited on for ever.
                var settings = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false, KeepAlive = 30, TcpKeepAlive = true };
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) =>
                {
                    try
                    {
                        if (JsonSerializer.Deserialize<PictureChange>(e.Payload) is { TenantId: not null, Kind: not null, Id: not null } change) Publish(change);
                    }
                    catch (JsonException ex)
                    {
                        logger.LogWarning("A live picture notification could not be read: {Message}", ex.Message);
                    }
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
