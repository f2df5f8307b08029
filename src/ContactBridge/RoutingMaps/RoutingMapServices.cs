using Microsoft.Extensions.Options;

namespace ContactBridge.RoutingMaps;

public static class RoutingMapServices
{
    /// <summary>Service Cloud Voice user mapping: imports, their reports, and (with workers) the keeper that maps new agents.</summary>
    public static IServiceCollection AddRoutingMaps(this IServiceCollection services, bool runWorkers)
    {
        services.AddOptions<RoutingMapOptions>().BindConfiguration(RoutingMapOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingMapOptions>, HubOptionsValidator>();
        services.AddSingleton<RoutingMapStore>();
        services.AddSingleton<RoutingMapImporter>();
        services.AddSingleton<RoutingMapKeeper>();
        if (runWorkers) services.AddHostedService(sp => sp.GetRequiredService<RoutingMapKeeper>());
        return services;
    }
}
