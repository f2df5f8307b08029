using Microsoft.Extensions.Options;

namespace ContactBridge.Storage;

public static class StorageServices
{
    /// <summary>
    /// The database (SQLite or PostgreSQL), this instance's name, leases for work one instance does, what a request gets while storage
    /// is down, and with <paramref name="workers"/> SQLite's checkpoints in the background.
    /// </summary>
    public static IServiceCollection AddHubStorage(this IServiceCollection services, bool workers)
    {
        if (workers) services.AddHostedService<SqliteCheckpoints>();
        services.AddSingleton<HubInstance>();
        services.AddSingleton(sp => new HubDatabase(sp.GetRequiredService<IOptions<HubOptions>>().Value.DatabaseConnectionString, sp.GetRequiredService<TimeProvider>())
        {
            Instance = sp.GetRequiredService<HubInstance>().Id,
        });
        services.AddSingleton<WorkLeases>();
        services.AddSingleton<ContactBridge.Incidents.IncidentLog>();
        services.AddExceptionHandler<StorageUnavailableHandler>();
        return services;
    }
}
