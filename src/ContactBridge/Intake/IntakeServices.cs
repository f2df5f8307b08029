using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ContactBridge.Intake;

/// <summary>
/// How many event posts one instance stores at once. Only posts that passed every check (a whole body, a valid
/// signature, well-formed events) ask for a place, so a client that signs nothing, or sends slowly, cannot keep the
/// places from real contact centers; beyond the places and the queue, a post is refused with 503 at once.
/// </summary>
public sealed class IntakeGate(IOptions<IntakeOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentRequests, QueueLimit = options.Value.MaxQueuedRequests, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public TimeSpan RetryAfter => options.Value.RetryAfter;

    /// <summary>A place to store in; not acquired when every place and queue slot is taken.</summary>
    public ValueTask<RateLimitLease> EnterAsync(CancellationToken ct) => _limiter.AcquireAsync(1, ct);

    /// <summary>The answer to a post refused for lack of a place: nothing of it was stored.</summary>
    public IResult Busy(HttpContext c)
    {
        c.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The hub is busy",
            detail: $"This instance is storing as many events as it can take at once; nothing of this request was stored. Send it again after {(int)RetryAfter.TotalSeconds} s (Retry-After).");
    }

    public void Dispose() => _limiter.Dispose();
}

public static class IntakeServices
{
    public static IServiceCollection AddIntake(this IServiceCollection services)
    {
        services.AddOptions<IntakeOptions>().BindConfiguration(IntakeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IntakeOptions>, HubOptionsValidator>();
        services.AddSingleton<IntakeGate>();
        return services;
    }
}
