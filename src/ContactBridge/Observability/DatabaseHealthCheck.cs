using ContactBridge.Storage;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContactBridge.Observability;

/// <summary>Ready: the database answers and holds every migration this build knows.</summary>
public sealed class DatabaseHealthCheck(HubDatabase db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var c = await db.OpenAsync(durable: false, cancellationToken);
            var applied = await c.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_migrations");
            var latest = db.Migrations()[^1].Version;
            return applied >= latest
                ? HealthCheckResult.Healthy($"{db.Provider} at schema version {applied}.")
                : HealthCheckResult.Unhealthy($"The database is at schema version {applied?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; this hub needs {latest}. Start the hub once to migrate it.");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The database does not answer: {e.Message}");
        }
    }
}
