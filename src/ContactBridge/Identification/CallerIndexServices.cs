using System.Security.Cryptography.X509Certificates;
using ContactBridge.Salesforce.PubSub;
using Microsoft.Extensions.Options;

namespace ContactBridge.Identification;

public static class CallerIndexServices
{
    /// <summary>The caller indexes of this instance, the Pub/Sub API connection that keeps them current, and (with workers) the feed.</summary>
    public static IServiceCollection AddCallerIndex(this IServiceCollection services, bool runWorkers)
    {
        services.AddSingleton<IValidateOptions<CallerIndexOptions>, CallerIndexOptionsValidator>();
        services.AddOptions<CallerIndexOptions>().BindConfiguration(CallerIndexOptions.Section).ValidateOnStart();
        services.AddSingleton<CallerIndexes>();
        services.AddSingleton<CallerIndexSnapshots>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SalesforceOptions>>().Value;
            return new PubSubConnection(o.PubSubEndpoint, string.IsNullOrEmpty(o.PubSubCertificate) ? null : X509Certificate2.CreateFromPem(File.ReadAllText(o.PubSubCertificate)));
        });
        services.AddSingleton<CallerIndexFeed>();
        if (runWorkers) services.AddHostedService(sp => sp.GetRequiredService<CallerIndexFeed>());
        return services;
    }
}
