using Dapper;
using Microsoft.Data.Sqlite;

namespace ContactBridge.Storage;

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background. Left to itself, SQLite does it inside the commit that
/// fills the log past 1,000 pages: that commit (an event's durable write, or the fold that answers a screen pop) then also copies the
/// pages and waits for the file's fsync, a few milliseconds about once a second under load. While this runs, the hub's connections
/// leave the log to it (a commit copies it only past <see cref="HubDatabase.BackstopCheckpointPages"/>, a backstop should the log
/// never be copied whole between commits) and a passive checkpoint every second does the copying alongside the writers, never
/// holding the write lock. When it stops, SQLite's own checkpoints are back.
/// </summary>
public sealed class SqliteCheckpoints(HubDatabase db, TimeProvider clock, ILogger<SqliteCheckpoints> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before any of the hub's work begins: from now on its connections leave the log to this.
        if (db.Provider == DatabaseProvider.Sqlite) db.CheckpointsInBackground = true;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (db.Provider != DatabaseProvider.Sqlite) return;
        try
        {
            using var timer = new PeriodicTimer(Interval, clock);
            while (await timer.WaitForNextTickAsync(stoppingToken)) await CheckpointAsync("PASSIVE", stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (db.Provider != DatabaseProvider.Sqlite) return;
        db.CheckpointsInBackground = false;
        await CheckpointAsync("PASSIVE", CancellationToken.None);
    }

    /// <summary>One checkpoint on a connection of its own; a failure (a busy database, a full disk) is logged and the next tick tries again.</summary>
    private async Task CheckpointAsync(string mode, CancellationToken ct)
    {
        try
        {
            await using var c = (SqliteConnection)await db.OpenAsync(durable: true, ct);
            var (busy, log, copied) = await c.QuerySingleAsync<(long, long, long)>(new CommandDefinition($"PRAGMA wal_checkpoint({mode})", cancellationToken: ct));
            if (busy != 0 || copied < log) logger.LogDebug("SQLite checkpoint ({Mode}) copied {Copied} of {Log} log pages", mode, copied, log);
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            logger.LogWarning("The SQLite checkpoint ({Mode}) failed; the next one tries again: {Error}", mode, e.Message);
        }
    }
}
