using Microsoft.Data.Sqlite;
using Npgsql;

namespace ContactBridge.Storage;

public enum StorageProblem { Unreachable, Full }

/// <summary>A stretch of time this instance could not use its database, and how many requests it refused meanwhile.</summary>
public sealed record StorageOutage(StorageProblem Problem, DateTimeOffset Since, DateTimeOffset? Ended, string LastError, long Refused)
{
    public string Kind => Problem == StorageProblem.Full ? IncidentKinds.StorageFull : IncidentKinds.StorageUnreachable;
}

/// <summary>The kinds of incident the Activity page explains.</summary>
public static class IncidentKinds
{
    public const string SalesforceUnreachable = "salesforce_unreachable";
    public const string StorageUnreachable = "storage_unreachable";
    public const string StorageFull = "storage_full";
}

/// <summary>
/// Whether this instance can use its database right now. Every failure to open a connection or commit
/// that means the database is out of reach (PostgreSQL down or restarting, the network cut) or full
/// (SQLite's disk, PostgreSQL's disk_full) starts an outage; the first commit that succeeds ends it, and
/// the outage is then recorded as an incident for the Activity page. Failures again within a minute of
/// the end reopen the same outage, so a disk that frees a little space now and then is one incident.
/// After a PostgreSQL failure the connection pool is emptied: a restarted server leaves every pooled
/// connection broken, and each would otherwise fail one more request.
/// </summary>
public sealed class StorageHealth(TimeProvider clock, string? sqliteFile = null)
{
    /// <summary>Below this much free space on the SQLite file's disk, an I/O error is taken for a full disk.</summary>
    private const long NearlyFull = 1024 * 1024;

    private static readonly TimeSpan Merge = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PoolClearInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private volatile StorageOutage? _current;
    private StorageOutage? _lastEnded;
    private long? _lastIncidentId;
    private volatile bool _toRecord;
    private DateTimeOffset _poolClearedAt;

    /// <summary>The outage going on now, if any.</summary>
    public StorageOutage? Current
    {
        get
        {
            lock (_gate) return _current;
        }
    }

    private static bool IsSqliteIoError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: 10 }) return true;
        }
        return false;
    }

    private bool SqliteDiskNearlyFull()
    {
        if (sqliteFile is null) return false;
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(sqliteFile));
            return directory is not null && new DriveInfo(directory).AvailableFreeSpace < NearlyFull;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Which storage problem an exception means, if any (looking through wrapping exceptions).</summary>
    public static StorageProblem? Classify(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: 13 }: // SQLITE_FULL: the disk (or the file's size limit) is full.
                    return StorageProblem.Full;
                case SqliteException { SqliteErrorCode: 10 or 14 }: // SQLITE_IOERR, SQLITE_CANTOPEN.
                    return StorageProblem.Unreachable;
                case PostgresException { SqlState: "53100" }: // disk_full
                    return StorageProblem.Full;
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03" or "53300":
                    return StorageProblem.Unreachable; // connection failures, the server shutting down, crashed or starting, too many connections.
                case PostgresException:
                    return null; // The server answered: a statement failed, not the storage.
                case NpgsqlException n when n.IsTransient || n.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException:
                    return StorageProblem.Unreachable;
            }
        }
        return null;
    }

    /// <summary>Notes a failure; true when it is a storage problem (and an outage is now going on).</summary>
    public bool Observe(Exception e)
    {
        if (Classify(e) is not { } problem) return false;
        // A full disk does not always reach SQLite as SQLITE_FULL: a write of its journal or WAL can fail as SQLITE_IOERR.
        if (problem == StorageProblem.Unreachable && IsSqliteIoError(e) && SqliteDiskNearlyFull()) problem = StorageProblem.Full;
        var now = clock.GetUtcNow();
        var clearPool = false;
        lock (_gate)
        {
            if (_current is null)
            {
                var reopen = _lastEnded is { Ended: { } ended } && now - ended < Merge;
                _current = reopen ? _lastEnded! with { Ended = null } : new StorageOutage(problem, now, null, "", 0);
                if (!reopen) _lastIncidentId = null;
            }
            _current = _current with { Problem = problem, LastError = Short(e) };
            if (e is NpgsqlException && now - _poolClearedAt >= PoolClearInterval)
            {
                _poolClearedAt = now;
                clearPool = true;
            }
        }
        if (clearPool) NpgsqlConnection.ClearAllPools();
        return true;
    }

    /// <summary>A request was refused because of the outage going on (its sender is told to try again).</summary>
    public void Refused()
    {
        lock (_gate)
        {
            if (_current is not null) _current = _current with { Refused = _current.Refused + 1 };
        }
    }

    /// <summary>A commit succeeded: the outage (if any) is over. Returns an ended outage to record now, at most one caller at a time.</summary>
    internal (StorageOutage Outage, long? IncidentId)? Committed()
    {
        if (_current is null && !_toRecord) return null; // Nearly always: nothing to lock for.
        lock (_gate)
        {
            if (_current is not null)
            {
                _lastEnded = _current with { Ended = clock.GetUtcNow() };
                _current = null;
                _toRecord = true;
            }
            if (!_toRecord || _lastEnded is null) return null;
            _toRecord = false;
            return (_lastEnded, _lastIncidentId);
        }
    }

    /// <summary>The ended outage was recorded (as this incident), or could not be and is to be tried again.</summary>
    internal void Recorded(long? incidentId)
    {
        lock (_gate)
        {
            if (incidentId is null) _toRecord = true;
            else _lastIncidentId = incidentId;
        }
    }

    private static string Short(Exception e)
    {
        var message = (e.InnerException is { } inner && e is NpgsqlException && e.Message.StartsWith("Exception while", StringComparison.Ordinal) ? inner : e).Message;
        message = message.TrimEnd('.');
        return message.Length > 300 ? message[..300] : message;
    }
}
