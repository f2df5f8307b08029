using Dapper;

namespace ContactBridge.Tests.Support;

/// <summary>
/// The hub's database for a test that runs on both: "sqlite" (the hub's own file, the default) or
/// "postgresql" (a fresh database on the server ./scripts/test.sh starts, dropped afterwards).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _name;
    private readonly string _server;

    private TestDatabase(string? connectionString, string? name, string server)
    {
        ConnectionString = connectionString;
        _name = name;
        _server = server;
    }

    /// <summary>Null for SQLite: TestHub then uses its own file.</summary>
    public string? ConnectionString { get; }

    /// <param name="kind">"sqlite" or "postgresql".</param>
    /// <param name="server">For PostgreSQL, the server's admin connection string: the shared throwaway server unless given.</param>
    public static async Task<TestDatabase> CreateAsync(string kind, string? server = null)
    {
        if (kind == "sqlite") return new TestDatabase(null, null, "");
        server ??= Storage.PostgreSqlStorageTests.AdminConnectionString;
        var name = "cb_hub_" + Guid.NewGuid().ToString("N")[..16];
        await using var admin = new Npgsql.NpgsqlConnection(server);
        await admin.OpenAsync(TestContext.Current.CancellationToken);
        await admin.ExecuteAsync($"CREATE DATABASE {name}");
        return new TestDatabase(new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString, name, server);
    }

    public async ValueTask DisposeAsync()
    {
        if (_name is null) return;
        Npgsql.NpgsqlConnection.ClearAllPools();
        await using var admin = new Npgsql.NpgsqlConnection(_server);
        await admin.OpenAsync();
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }
}
