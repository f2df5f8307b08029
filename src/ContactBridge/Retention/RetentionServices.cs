using Microsoft.Extensions.Options;

namespace ContactBridge.Retention;

public static class RetentionServices
{
    public static IServiceCollection AddRetention(this IServiceCollection services, bool runWorkers)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, HubOptionsValidator>();
        services.AddSingleton<RetentionWorker>();
        if (runWorkers) services.AddHostedService(sp => sp.GetRequiredService<RetentionWorker>());
        return services;
    }
}
