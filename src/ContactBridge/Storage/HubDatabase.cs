using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ContactBridge.Storage;

public enum DatabaseProvider { Sqlite, PostgreSql }

/// <summary>
/// The hub's database: SQLite (one file, the default) or PostgreSQL, chosen by the connection
/// string. One schema, written once per dialect as numbered SQL files, applied in order at start
/// and recorded in schema_migrations.
/// </summary>
public sealed class HubDatabase
{
    static HubDatabase()
    {
        SQLitePCL.Batteries_V2.Init();
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public HubDatabase(string connectionString, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConnectionString = connectionString;
        _clock = clock ?? TimeProvider.System;
        Provider = connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase) || connectionString.StartsWith("postgres", StringComparison.OrdinalIgnoreCase)
            ? DatabaseProvider.PostgreSql
            : DatabaseProvider.Sqlite;
        var sqlite = Provider == DatabaseProvider.Sqlite ? new SqliteConnectionStringBuilder(connectionString) : null;
        Health = new StorageHealth(_clock, sqlite?.DataSource);
        CanFlushLogAfterCommit = sqlite is { Mode: not SqliteOpenMode.Memory, DataSource: { Length: > 0 } file } && file != ":memory:";
    }

    /// <summary>
    /// Whether a writer may commit with <c>durable: false</c> and make its commit durable afterwards with <see cref="FlushLog"/>: SQLite
    /// in a file. Others commit durably.
    /// </summary>
    public bool CanFlushLogAfterCommit { get; }

    /// <summary>The database file and its write-ahead log, as SQLite names them (read once).</summary>
    private (string Database, string Log)? _sqliteFiles;

    /// <summary>
    /// Makes every commit made so far survive a power loss, for a writer whose commit must be seen at once but answered only once it is
    /// safe (the intake: the fold reads its events at once, the contact center's 202 waits for this). The write-ahead log is flushed to
    /// disk; a checkpoint that started the log over had flushed what it copied into the database file, and a log that is gone was all
    /// copied there. SQLite holds no locks on the log file, so opening and closing it here releases none of SQLite's.
    /// </summary>
    public void FlushLog()
    {
        if (!CanFlushLogAfterCommit) return;
        var (database, log) = _sqliteFiles ??= SqliteFiles();
        try
        {
            using var handle = File.OpenHandle(log, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            RandomAccess.FlushToDisk(handle);
        }
        catch (FileNotFoundException) when (File.Exists(database))
        {
            // No log: everything committed is in the database file, synced by the checkpoint that emptied the log.
        }
    }

    /// <summary>The main database's file as SQLite opened it (a relative path, a file: URI or |DataDirectory| resolved), and its log.</summary>
    private (string, string) SqliteFiles()
    {
        using var c = Open();
        var file = c.ExecuteScalar<string>("SELECT file FROM pragma_database_list WHERE name = 'main'");
        if (string.IsNullOrEmpty(file)) throw new InvalidOperationException("The hub's SQLite database has no file to flush; it is opened in memory.");
        return (file, file + "-wal");
    }

    private readonly TimeProvider _clock;

    public string ConnectionString { get; }
    public DatabaseProvider Provider { get; }

    /// <summary>Whether this instance can use the database now, and the outage going on if not.</summary>
    public StorageHealth Health { get; }

    /// <summary>Names this instance in the incidents it records.</summary>
    public string Instance { get; set; } = Environment.MachineName;

    /// <summary>
    /// "column is one of the list @parameter": Dapper expands a list into IN (…) for SQLite, but hands
    /// PostgreSQL the array itself, which takes = ANY(…).
    /// </summary>
    public string AnyOf(string column, string parameter) =>
        Provider == DatabaseProvider.PostgreSql ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>
    /// A write transaction. On SQLite it begins IMMEDIATE (Microsoft.Data.Sqlite's default), so it takes
    /// the write lock at once instead of failing on upgrade; this instance's writers take turns before
    /// it, and a writer of another process is waited for by SQLite's busy handler (busy_timeout).
    /// </summary>
    public Task<WriteScope> WriteAsync(bool durable = true, CancellationToken ct = default) => WriteAsync(durable, urgent: false, ct);

    /// <param name="urgent">Goes before this instance's other SQLite writers waiting (someone waits on it: the fold).</param>
    public async Task<WriteScope> WriteAsync(bool durable, bool urgent, CancellationToken ct)
    {
        // SQLite's busy handler polls with growing sleeps (up to 100 ms), so writers of this instance queue here instead, each
        // starting the moment the last one ends. Past the busy timeout the writer goes on to SQLite's own wait, as before (a writer of
        // another process, or one transaction nested in another, is never made to wait forever here).
        var gated = Provider == DatabaseProvider.Sqlite && await _sqliteWriters.EnterAsync(urgent, SqliteBusyTimeout, ct);
        try
        {
            var connection = await OpenAsync(durable, ct);
            try
            {
                return new WriteScope(this, connection, await connection.BeginTransactionAsync(ct), gated ? _sqliteWriters : null);
            }
            catch (Exception e)
            {
                Health.Observe(e);
                await connection.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (gated) _sqliteWriters.Exit();
            throw;
        }
    }

    private readonly WriterGate _sqliteWriters = new();
    private static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A write transaction that also holds a named lock across every hub instance until it ends, for
    /// work two instances must not interleave (folding events into interactions, refreshing a tenant's
    /// token). PostgreSQL: a transaction-scoped advisory lock, let go at commit, rollback or a dropped
    /// connection, so a killed instance never leaves it held. SQLite: the IMMEDIATE transaction already
    /// excludes every other writer.
    /// </summary>
    public Task<WriteScope> WriteExclusiveAsync(string lockName, bool durable = true, CancellationToken ct = default) => WriteExclusiveAsync(lockName, durable, urgent: false, ct);

    /// <param name="urgent">Goes before this instance's other SQLite writers waiting (see <see cref="WriteAsync(bool, bool, CancellationToken)"/>).</param>
    public async Task<WriteScope> WriteExclusiveAsync(string lockName, bool durable, bool urgent, CancellationToken ct)
    {
        var scope = await WriteAsync(durable, urgent, ct);
        try
        {
            if (Provider == DatabaseProvider.PostgreSql)
                await scope.Connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@lockName, 0))", new { lockName }, scope.Transaction, cancellationToken: ct));
            return scope;
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _localLocks = new(StringComparer.Ordinal);

    /// <summary>
    /// A named lock across every hub instance, held until disposed, for work that must not run twice at
    /// once but talks to the network meanwhile (refreshing a tenant's token), so it cannot hold a write
    /// transaction. PostgreSQL: an advisory lock in a transaction of its own connection (let go when the
    /// instance dies). SQLite serves one instance, so a lock in this process is the same thing.
    /// </summary>
    public async Task<IAsyncDisposable> LockAsync(string name, CancellationToken ct)
    {
        if (Provider == DatabaseProvider.PostgreSql)
        {
            var scope = await WriteAsync(durable: false, ct);
            try
            {
                await scope.Connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@name, 0))", new { name }, scope.Transaction, cancellationToken: ct));
                return scope;
            }
            catch
            {
                await scope.DisposeAsync();
                throw;
            }
        }
        var local = _localLocks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await local.WaitAsync(ct);
        return new LocalLock(local);
    }

    private sealed class LocalLock(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release();
            return ValueTask.CompletedTask;
        }
    }

    public sealed class WriteScope : IAsyncDisposable
    {
        private readonly HubDatabase _db;
        private WriterGate? _writer;

        internal WriteScope(HubDatabase db, DbConnection connection, DbTransaction transaction, WriterGate? writer = null)
        {
            _db = db;
            Connection = connection;
            Transaction = transaction;
            _writer = writer;
        }

        public DbConnection Connection { get; }
        public DbTransaction Transaction { get; }

        /// <summary>Commits; a failure that means the storage is unusable starts an outage, and a success ends one.</summary>
        public async Task CommitAsync(CancellationToken ct = default)
        {
            try
            {
                await Transaction.CommitAsync(ct);
            }
            catch (Exception e)
            {
                _db.Health.Observe(e);
                throw;
            }
            if (_db.Health.Committed() is { } ended) await _db.RecordAsync(ended.Outage, ended.IncidentId);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Transaction.DisposeAsync();
                await Connection.DisposeAsync();
            }
            finally
            {
                Interlocked.Exchange(ref _writer, null)?.Exit();
            }
        }
    }

    /// <summary>
    /// A connection. Durable ones (the default) survive a power loss once committed; others, for work
    /// that can be derived again from durable data, skip the SQLite fsync for speed (WAL mode keeps them
    /// safe from corruption, and the next durable commit flushes them too).
    /// </summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct = default) => await OpenAsync(durable: true, ct);

    public async Task<DbConnection> OpenAsync(bool durable, CancellationToken ct = default)
    {
        DbConnection connection = Provider == DatabaseProvider.PostgreSql ? new NpgsqlConnection(ConnectionString) : new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            if (connection is SqliteConnection) await connection.ExecuteAsync(SqlitePragmas(durable));
            return connection;
        }
        catch (Exception e)
        {
            Health.Observe(e);
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>WAL lets readers and the single writer work at once; busy_timeout waits for the writer instead of failing.</summary>
    private string SqlitePragmas(bool durable) =>
        $"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={(int)SqliteBusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys=ON; PRAGMA synchronous={(durable ? "FULL" : "NORMAL")}; " +
        $"PRAGMA wal_autocheckpoint={(CheckpointsInBackground ? BackstopCheckpointPages : 1000)}; PRAGMA journal_size_limit={WalSizeLimit};";

    /// <summary>
    /// While checkpoints run in the background, a commit still copies the log once it passes this many pages (40 MiB): the log is
    /// started over only after a checkpoint that copied all of it, and commits that keep landing during the background ones could
    /// otherwise let it grow without end.
    /// </summary>
    internal const int BackstopCheckpointPages = 10_000;

    /// <summary>The log file is cut back to this size (64 MiB) when it is started over, so one busy hour does not leave a large file behind.</summary>
    internal const long WalSizeLimit = 64L * 1024 * 1024;

    /// <summary>
    /// How many rows a batch writes per transaction. SQLite has one writer at a time: a batch is written a few rows per turn, so that
    /// an urgent writer (an event's durable write, the fold that offers contacts with their screen pops) never waits long behind it.
    /// PostgreSQL locks rows, not the database: a batch is one transaction.
    /// </summary>
    public int RowsPerWriteTurn => Provider == DatabaseProvider.Sqlite ? 8 : 1000;

    /// <summary>
    /// Whether <see cref="SqliteCheckpoints"/> copies the write-ahead log into the database file in the background, so that no commit
    /// does it (connections opened meanwhile leave it to that, up to <see cref="BackstopCheckpointPages"/>; SQLite's default, every
    /// 1,000 pages, otherwise).
    /// </summary>
    public bool CheckpointsInBackground { get; set; }

    /// <summary>Records an outage that just ended as an incident (or updates the one it reopened); tried again on a later commit if this fails.</summary>
    private async Task RecordAsync(StorageOutage outage, long? incidentId)
    {
        long? recorded = null;
        try
        {
            await using var c = await OpenAsync(durable: false);
            recorded = await ContactBridge.Incidents.IncidentLog.SaveAsync(c, incidentId, new ContactBridge.Incidents.Incident(
                incidentId ?? 0, null, outage.Kind, outage.Since.ToUnixTimeMilliseconds(), (outage.Ended ?? _clock.GetUtcNow()).ToUnixTimeMilliseconds(),
                outage.LastError, outage.Refused, Instance));
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            // Still failing: the next commit that succeeds tries again.
        }
        finally
        {
            Health.Recorded(recorded);
        }
    }

    /// <summary>A connection opened synchronously, for the few callers whose interface is synchronous (the cookie key ring).</summary>
    public DbConnection Open()
    {
        if (Provider == DatabaseProvider.PostgreSql)
        {
            var pg = new NpgsqlConnection(ConnectionString);
            pg.Open();
            return pg;
        }
        var sqlite = new SqliteConnection(ConnectionString);
        sqlite.Open();
        sqlite.Execute(SqlitePragmas(durable: true));
        return sqlite;
    }

    public sealed record Migration(int Version, string Name, string Sql);

    public IReadOnlyList<Migration> Migrations()
    {
        var folder = Provider == DatabaseProvider.PostgreSql ? "PostgreSql" : "Sqlite";
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"migrations/{folder}/";
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[prefix.Length..^4];
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                var version = int.Parse(file.Split('_')[0], System.Globalization.CultureInfo.InvariantCulture);
                return new Migration(version, file, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
        if (migrations.Count == 0) throw new InvalidOperationException($"No {folder} migrations are embedded in {assembly.GetName().Name}; the build is broken.");
        return migrations;
    }

    /// <summary>Applies every migration not yet recorded, each in its own transaction; returns the ones applied.</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(TimeProvider clock, CancellationToken ct = default)
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            // Caller data and password hashes: readable by the hub's own user only.
            var builder = new SqliteConnectionStringBuilder(ConnectionString);
            if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
            {
                PrivateFiles.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                PrivateFiles.EnsureFile(Path.GetFullPath(file));
            }
        }
        await using var connection = await OpenAsync(ct);
        // Instances starting together: one migrates, the others wait for it and find nothing left to do.
        if (Provider == DatabaseProvider.PostgreSql) await connection.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended('contactbridge:migrations', 0))");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        var done = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
        var applied = new List<Migration>();
        foreach (var migration in Migrations().Where(m => !done.Contains(m.Version)))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(migration.Sql, transaction: tx);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
                new { migration.Version, migration.Name, At = clock.GetUtcNow().ToUnixTimeMilliseconds() }, tx);
            await tx.CommitAsync(ct);
            applied.Add(migration);
        }
        if (Provider == DatabaseProvider.PostgreSql) await connection.ExecuteAsync("SELECT pg_advisory_unlock_all()");
        return applied;
    }
}
