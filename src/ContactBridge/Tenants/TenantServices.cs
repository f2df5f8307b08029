namespace ContactBridge.Tenants;

public static class TenantServices
{
    public static IServiceCollection AddTenants(this IServiceCollection services)
    {
        services.AddSingleton<TenantStore>();
        services.AddSingleton<UserStore>();
        return services;
    }
}
