using Dapper;

namespace ContactBridge.Tests.Support;

/// <summary>
/// The hub's database for a test that runs on both: "sqlite" (the hub's own file, the default) or
/// "postgresql" (a fresh database on the server ./scripts/test.sh starts, dropped afterwards).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _name;

    private TestDatabase(string? connectionString, string? name)
    {
        ConnectionString = connectionString;
        _name = name;
    }

    /// <summary>Null for SQLite: TestHub then uses its own file.</summary>
    public string? ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(string kind)
    {
        if (kind == "sqlite") return new TestDatabase(null, null);
        var name = "cb_hub_" + Guid.NewGuid().ToString("N")[..16];
        await using var admin = new Npgsql.NpgsqlConnection(Storage.PostgreSqlStorageTests.AdminConnectionString);
        await admin.OpenAsync(TestContext.Current.CancellationToken);
        await admin.ExecuteAsync($"CREATE DATABASE {name}");
        return new TestDatabase(new Npgsql.NpgsqlConnectionStringBuilder(Storage.PostgreSqlStorageTests.AdminConnectionString) { Database = name }.ConnectionString, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_name is null) return;
        Npgsql.NpgsqlConnection.ClearAllPools();
        await using var admin = new Npgsql.NpgsqlConnection(Storage.PostgreSqlStorageTests.AdminConnectionString);
        await admin.OpenAsync();
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }
}
