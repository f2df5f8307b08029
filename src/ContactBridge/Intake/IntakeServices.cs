using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ContactBridge.Intake;

public static class IntakeServices
{
    /// <summary>The rate-limiter policy on the events endpoint: a bounded number of posts at once, a bounded queue, 503 beyond.</summary>
    public const string LoadShedding = "intake";

    public static IServiceCollection AddIntake(this IServiceCollection services)
    {
        services.AddOptions<IntakeOptions>().BindConfiguration(IntakeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IntakeOptions>, HubOptionsValidator>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(LoadShedding, context =>
            {
                var o = context.RequestServices.GetRequiredService<IOptions<IntakeOptions>>().Value;
                // One partition: the limit protects the instance, whichever tenant the load comes from.
                return RateLimitPartition.GetConcurrencyLimiter("events", _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = o.MaxConcurrentRequests, QueueLimit = o.MaxQueuedRequests, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            limiter.OnRejected = async (rejected, ct) =>
            {
                var http = rejected.HttpContext;
                var o = http.RequestServices.GetRequiredService<IOptions<IntakeOptions>>().Value;
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = ((int)o.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: 503, title: "The hub is busy",
                    detail: $"This instance is storing as many events as it can take at once; nothing of this request was stored. Send it again after {(int)o.RetryAfter.TotalSeconds} s (Retry-After).")
                    .ExecuteAsync(http);
            };
        });
        return services;
    }
}
