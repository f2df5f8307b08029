using Microsoft.Extensions.Options;

namespace ContactBridge.Linking;

/// <summary>
/// Checks every usable link on a schedule, so a revoked grant or a deactivated user shows up as
/// Needs relink in the portal before the next call depends on it.
/// </summary>
public sealed class LinkHealthCheckWorker(IServiceProvider services, IOptions<HubOptions> options, TimeProvider clock, ILogger<LinkHealthCheckWorker> logger) : BackgroundService
{
    public const string LeaseName = "link-health-check";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LinkHealthCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // One instance checks each interval: the lease lasts the interval, so another takes over if that instance dies.
                if (await services.GetRequiredService<Storage.WorkLeases>().TryAcquireAsync(LeaseName, options.Value.LinkHealthCheckInterval, stoppingToken))
                    await CheckAllAsync(services, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The link health check failed; it runs again in {Interval}", options.Value.LinkHealthCheckInterval);
            }
        }
    }

    public static async Task<int> CheckAllAsync(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<LinkStore>();
        var linking = services.GetRequiredService<SalesforceLinkService>();
        var tenants = await store.TenantsWithUsableLinksAsync(ct);
        foreach (var tenantId in tenants) await linking.CheckAsync(tenantId, ct);
        return tenants.Count;
    }
}
