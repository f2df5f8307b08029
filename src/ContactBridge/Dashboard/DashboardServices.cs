namespace ContactBridge.Dashboard;

public static class DashboardServices
{
    /// <summary>The tenant dashboard, and the count of Salesforce calls it shows (flushed to the database by a worker).</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, bool runWorkers)
    {
        services.AddSingleton<SalesforceCallLedger>();
        services.AddSingleton<TenantDashboard>();
        if (runWorkers) services.AddHostedService(sp => sp.GetRequiredService<SalesforceCallLedger>());
        return services;
    }
}
