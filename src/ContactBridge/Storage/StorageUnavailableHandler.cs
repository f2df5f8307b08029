using System.Globalization;
using ContactBridge.Web;
using Microsoft.AspNetCore.Diagnostics;

namespace ContactBridge.Storage;

/// <summary>
/// A request that failed because the hub's database is out of reach or full gets a 503 that says so,
/// with Retry-After: nothing of it was stored, and its sender (a contact center retries; a person
/// reloads) should send it again shortly. API callers get problem+json, browsers a short page.
/// The outage is logged once when it starts, not once per refused request.
/// </summary>
public sealed class StorageUnavailableHandler(HubDatabase db, IProblemDetailsService problems, ILogger<StorageUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var wasDown = db.Health.Current is not null;
        if (!db.Health.Observe(exception) || db.Health.Current is not { } outage) return false;
        db.Health.Refused();
        if (!wasDown)
            logger.LogWarning("The hub's database is {Problem} since {Since:u}: {Error}. Requests are refused with 503 until it is back", Describe(outage.Problem), outage.Since, outage.LastError);

        var (title, detail) = Explain(outage);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        if (Html.WantsPage(httpContext.Request))
        {
            await PortalPage.Render<StorageOutagePage>(new { Title = title, Detail = detail, RetryAfterSeconds }, StatusCodes.Status503ServiceUnavailable)
                .ExecuteAsync(httpContext);
            return true;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = title, Detail = detail },
        });
    }

    private static string Describe(StorageProblem problem) => problem == StorageProblem.Full ? "full" : "unreachable";

    public static (string Title, string Detail) Explain(StorageOutage outage) => (
        outage.Problem == StorageProblem.Full ? "The hub's disk is full" : "The hub's database is unreachable",
        $"Since {outage.Since.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC the hub cannot store anything " +
        $"({outage.LastError}). Nothing in this request was stored: send it again in a few seconds. " +
        (outage.Problem == StorageProblem.Full ? "An administrator should free disk space where the hub keeps its data. " : "") +
        "Everything the hub accepted before is safe and is logged once the database is back.");
}
