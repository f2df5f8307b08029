using System.Net;

namespace ContactBridge.Salesforce;

/// <summary>An error answer from the REST API, with Salesforce's errorCode kept so an admin can look it up.</summary>
public sealed class SalesforceApiException : Exception
{
    public SalesforceApiException(HttpStatusCode status, string errorCode, string message, IReadOnlyList<string>? fields = null)
        : base($"{errorCode}: {message}")
    {
        Status = status;
        ErrorCode = errorCode;
        SalesforceMessage = message;
        Fields = fields ?? [];
    }

    public HttpStatusCode Status { get; }
    public string ErrorCode { get; }
    public string SalesforceMessage { get; }
    public IReadOnlyList<string> Fields { get; }

    public bool IsSessionExpired => Status == HttpStatusCode.Unauthorized;

    /// <summary>Worth retrying later: the org or the network, not the request, was the problem.</summary>
    public bool IsTransient => (int)Status >= 500 || ErrorCode is "REQUEST_LIMIT_EXCEEDED" or "UNABLE_TO_LOCK_ROW" or "SERVER_UNAVAILABLE";
}

/// <summary>An OAuth error answer (RFC 6749 §5.2) from Salesforce's token endpoint.</summary>
public sealed class SalesforceOAuthException(string error, string description, HttpStatusCode status)
    : Exception($"{error}: {description}")
{
    public string Error { get; } = error;
    public string Description { get; } = description;
    public HttpStatusCode Status { get; } = status;

    /// <summary>The grant is gone for good (revoked or expired token, inactive user, wrong client): only a new link helps.</summary>
    public bool RequiresRelink => Error is "invalid_grant" or "inactive_user" or "invalid_client" or "invalid_client_id" or "invalid_app_access" or "inactive_org";
}
