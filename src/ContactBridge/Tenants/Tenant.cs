namespace ContactBridge.Tenants;

/// <summary>One contact-center account: everything it owns carries its id.</summary>
public sealed record Tenant(string Id, string Name, string Slug, long CreatedAt);

public static class Roles
{
    /// <summary>Manages every tenant and the platform-wide Salesforce connected app.</summary>
    public const string SystemAdmin = "system_admin";

    /// <summary>Manages one tenant only.</summary>
    public const string TenantAdmin = "tenant_admin";
}

public sealed record HubUser(string Id, string Email, string PasswordHash, string Role, string? TenantId, long FailedSignIns, long? LockedUntil, long CreatedAt)
{
    public bool IsSystemAdmin => Role == Roles.SystemAdmin;

    /// <summary>Whether this user may see and act on a tenant's data.</summary>
    public bool CanAccess(string tenantId) => IsSystemAdmin || TenantId == tenantId;
}
