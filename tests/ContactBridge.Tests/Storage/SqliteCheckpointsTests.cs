using System.Diagnostics;
using ContactBridge.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactBridge.Tests.Storage;

/// <summary>SQLite's write-ahead log copied into the database file in the background, not by the commit that fills it.</summary>
public sealed class SqliteCheckpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task While_checkpoints_run_in_the_background_no_commit_copies_the_log_and_each_tick_does()
    {
        var directory = Directory.CreateTempSubdirectory("cb-checkpoints-").FullName;
        try
        {
            var file = Path.Combine(directory, "hub.db");
            var clock = new FakeTimeProvider();
            var db = new HubDatabase($"Data Source={file}", clock);
            // Never the last connection: the last one to close copies the log itself.
            await using var held = await db.OpenAsync(Ct);
            await held.ExecuteAsync("CREATE TABLE filler (x BLOB)");
            var checkpoints = new SqliteCheckpoints(db, clock, NullLogger<SqliteCheckpoints>.Instance);
            await checkpoints.StartAsync(Ct);
            db.CheckpointsInBackground.ShouldBeTrue();
            await using (var c = await db.OpenAsync(Ct)) (await c.ExecuteScalarAsync<long>("PRAGMA wal_autocheckpoint")).ShouldBe(HubDatabase.BackstopCheckpointPages);

            var before = new FileInfo(file).Length;
            // 8 MiB in 64 commits: about 2,000 pages, twice the log at which a commit copies it by SQLite's default (and under the backstop).
            for (var i = 0; i < 64; i++)
            {
                await using var w = await db.WriteAsync(durable: false, Ct);
                await w.Connection.ExecuteAsync("INSERT INTO filler VALUES (randomblob(131072))", transaction: w.Transaction);
                await w.CommitAsync(Ct);
            }
            new FileInfo(file).Length.ShouldBe(before, "no commit copied the log into the database file");

            // Time passes a tick at a time (its timer may start only now: the service runs its loop in the background) until the log is copied.
            var watch = Stopwatch.StartNew();
            while (new FileInfo(file).Length < before + 8 * 1024 * 1024)
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"The ticks did not copy the log: the file has {new FileInfo(file).Length} bytes.");
                clock.Advance(SqliteCheckpoints.Interval);
                await Task.Delay(10, Ct);
            }
            (await held.QuerySingleAsync<long>("SELECT COUNT(*) FROM filler")).ShouldBe(64);

            await checkpoints.StopAsync(Ct);
            db.CheckpointsInBackground.ShouldBeFalse();
            await using (var c = await db.OpenAsync(Ct)) (await c.ExecuteScalarAsync<long>("PRAGMA wal_autocheckpoint")).ShouldBe(1000, "SQLite's own checkpoints are back");
            checkpoints.Dispose();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
