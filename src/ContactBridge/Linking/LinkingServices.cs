using Microsoft.Extensions.Options;

namespace ContactBridge.Linking;

public static class LinkingServices
{
    /// <summary>Tenants' links to their orgs: OAuth, stored tokens, authenticated clients, and (with workers) the periodic health check.</summary>
    public static IServiceCollection AddLinking(this IServiceCollection services, bool runWorkers)
    {
        services.AddOptions<SalesforceOptions>().BindConfiguration(SalesforceOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SalesforceOptions>, HubOptionsValidator>();
        services.AddSingleton<LinkStore>();
        services.AddSingleton<SalesforceConnections>();
        services.AddSingleton<SalesforceLinkService>();
        services.AddHttpClient(SalesforceConnections.HttpClientName)
            .ConfigureHttpClient((sp, c) => c.Timeout = sp.GetRequiredService<IOptions<SalesforceOptions>>().Value.RequestTimeout);
        if (runWorkers) services.AddHostedService<LinkHealthCheckWorker>();
        return services;
    }
}
