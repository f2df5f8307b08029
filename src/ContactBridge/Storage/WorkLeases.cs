using Dapper;

namespace ContactBridge.Storage;

/// <summary>This hub process among the instances sharing one database: the owner named on the leases and outbox rows it holds.</summary>
public sealed class HubInstance
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}

public sealed record WorkLease(string Name, string Owner, long AcquiredAt, long ExpiresAt);

/// <summary>
/// Named leases in the database, for work that one hub instance at a time must do (a tenant's
/// pipeline lane, a worker's round, a running import). A lease is taken when it is free or has
/// expired, renewed by its holder, and released when the work ends; an instance that dies simply
/// stops renewing, and another takes the work over once the lease has expired.
/// </summary>
public sealed class WorkLeases(HubDatabase db, HubInstance instance, TimeProvider clock, ILogger<WorkLeases> logger)
{
    public string Owner => instance.Id;

    /// <summary>Takes the lease (or renews it, when this instance holds it) until <paramref name="ttl"/> from now; false when another instance holds it.</summary>
    public async Task<bool> TryAcquireAsync(string name, TimeSpan ttl, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var w = await db.WriteAsync(durable: false, ct);
        var taken = await w.Connection.ExecuteAsync("""
            INSERT INTO work_leases (name, owner, acquired_at, expires_at) VALUES (@name, @owner, @now, @until)
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
                acquired_at = CASE WHEN work_leases.owner = excluded.owner THEN work_leases.acquired_at ELSE excluded.acquired_at END
            WHERE work_leases.owner = excluded.owner OR work_leases.expires_at < excluded.acquired_at
            """, new { name, owner = Owner, now, until = now + (long)ttl.TotalMilliseconds }, w.Transaction);
        await w.CommitAsync(ct);
        return taken == 1;
    }

    public async Task ReleaseAsync(string name, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("DELETE FROM work_leases WHERE name = @name AND owner = @owner", new { name, owner = Owner }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>Who holds what: every lease not yet expired.</summary>
    public async Task<IReadOnlyList<WorkLease>> LiveAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(durable: false, ct);
        return (await c.QueryAsync<WorkLease>("SELECT name, owner, acquired_at, expires_at FROM work_leases WHERE expires_at >= @now ORDER BY name",
            new { now = clock.GetUtcNow().ToUnixTimeMilliseconds() })).ToList();
    }

    /// <summary>Whether a live lease of that name exists (held by any instance).</summary>
    public async Task<bool> IsHeldAsync(string name, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(durable: false, ct);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM work_leases WHERE name = @name AND expires_at >= @now",
            new { name, now = clock.GetUtcNow().ToUnixTimeMilliseconds() }) > 0;
    }

    /// <summary>
    /// Takes the lease and keeps renewing it (every third of <paramref name="ttl"/>) until disposed, when
    /// it is released; null when another instance holds it. <see cref="HeldLease.Lost"/> is cancelled if a
    /// renewal finds the lease taken over (this instance stalled longer than the lease), so the work stops.
    /// </summary>
    public async Task<HeldLease?> HoldAsync(string name, TimeSpan ttl, CancellationToken ct)
    {
        if (!await TryAcquireAsync(name, ttl, ct)) return null;
        return new HeldLease(this, name, ttl, clock, logger);
    }

    public sealed class HeldLease : IAsyncDisposable
    {
        private readonly WorkLeases _leases;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        internal HeldLease(WorkLeases leases, string name, TimeSpan ttl, TimeProvider clock, ILogger logger)
        {
            _leases = leases;
            Name = name;
            _renewing = RenewAsync(ttl, clock, logger);
        }

        public string Name { get; }

        /// <summary>Cancelled when the lease was lost: whatever it guards must stop.</summary>
        public CancellationToken Lost => _lost.Token;

        private async Task RenewAsync(TimeSpan ttl, TimeProvider clock, ILogger logger)
        {
            var deadline = clock.GetUtcNow() + ttl;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(ttl / 3, clock, _stop.Token);
                    if (await _leases.TryAcquireAsync(Name, ttl, _stop.Token))
                    {
                        deadline = clock.GetUtcNow() + ttl;
                        continue;
                    }
                    logger.LogWarning("The lease {Lease} was taken over by another instance; this instance stops that work", Name);
                    await _lost.CancelAsync();
                    return;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
                {
                    // The database is away: keep the work while the lease still stands, stop once it may have passed to another instance.
                    if (clock.GetUtcNow() >= deadline)
                    {
                        logger.LogWarning(e, "The lease {Lease} could not be renewed before it expired; this instance stops that work", Name);
                        await _lost.CancelAsync();
                        return;
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewing;
            if (!_lost.IsCancellationRequested)
            {
                try
                {
                    await _leases.ReleaseAsync(Name, CancellationToken.None);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
                {
                    // Not released: it expires on its own.
                }
            }
            _lost.Dispose();
            _stop.Dispose();
        }
    }
}
