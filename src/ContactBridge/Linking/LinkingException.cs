namespace ContactBridge.Linking;

/// <summary>A link operation that cannot go ahead, with a message that tells the admin what to do.</summary>
public sealed class LinkingException(string code, string message, string? tenantId = null) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>The tenant concerned, when known (a callback with a bad state has none).</summary>
    public string? TenantId { get; } = tenantId;
}
