using ContactBridge.Linking;
using ContactBridge.Salesforce;

namespace ContactBridge.Outbox;

/// <summary>
/// What is worth trying again, and when. Transient: the org or the way to it failed (unreachable,
/// timed out, 5xx, REQUEST_LIMIT_EXCEEDED, an expired session whose refresh failed on the network):
/// retried with capped backoff until <see cref="LoggingOptions.RetryHorizon"/>. Anything else is about
/// the request itself and goes to the dead-letter list with Salesforce's code and message.
/// </summary>
public static class RetryPolicy
{
    public static bool IsTransient(Exception e, CancellationToken ct) => e switch
    {
        OperationCanceledException when ct.IsCancellationRequested => false,
        HttpRequestException or TaskCanceledException or TimeoutException or IOException => true,
        SalesforceApiException api => api.IsTransient || api.IsSessionExpired,
        SalesforceOAuthException oauth => !oauth.RequiresRelink,
        _ => false,
    };

    /// <summary>An error of the org's or of the way to it, as a short code for the dead-letter list and the Activity page.</summary>
    public static string Code(Exception e) => e switch
    {
        SalesforceApiException api => api.ErrorCode,
        SalesforceOAuthException oauth => oauth.Error,
        LinkingException => "NOT_LINKED",
        TaskCanceledException or TimeoutException => "TIMEOUT",
        HttpRequestException or IOException => "UNREACHABLE",
        _ => "HUB_ERROR",
    };

    /// <summary>The code and Salesforce's own words (or the exception's), once each: "SERVER_UNAVAILABLE: Server is temporarily unavailable."</summary>
    public static string Describe(Exception e) => e switch
    {
        SalesforceApiException api => $"{api.ErrorCode}: {api.SalesforceMessage}",
        SalesforceOAuthException oauth => $"{oauth.Error}: {oauth.Description}",
        _ => $"{Code(e)}: {e.Message}",
    };

    /// <summary>2^failures seconds, ±20 % so that many waiting writes do not retry in step, at most <paramref name="max"/>.</summary>
    public static TimeSpan Delay(long failures, TimeSpan max) =>
        TimeSpan.FromSeconds(Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(failures, 20))) * (0.8 + Random.Shared.NextDouble() * 0.4));
}
