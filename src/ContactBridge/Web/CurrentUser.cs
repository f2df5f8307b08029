using System.Security.Claims;
using ContactBridge.Tenants;

namespace ContactBridge.Web;

/// <summary>The signed-in portal user, as the sign-in cookie describes them.</summary>
public sealed record CurrentUser(string UserId, string Email, string Role, string? TenantId, string SessionId)
{
    public const string SessionClaim = "cb_sid";
    public const string TenantClaim = "cb_tenant";

    public bool IsSystemAdmin => Role == Roles.SystemAdmin;

    public bool CanAccess(string tenantId) => IsSystemAdmin || string.Equals(TenantId, tenantId, StringComparison.Ordinal);

    public static CurrentUser? From(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return null;
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var sid = principal.FindFirstValue(SessionClaim);
        if (id is null || sid is null) return null;
        return new CurrentUser(id, principal.FindFirstValue(ClaimTypes.Email) ?? "", principal.FindFirstValue(ClaimTypes.Role) ?? "", principal.FindFirstValue(TenantClaim), sid);
    }

    public static ClaimsPrincipal Principal(HubUser user, string sessionId)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Email, user.Email), new(ClaimTypes.Role, user.Role), new(SessionClaim, sessionId),
        };
        if (user.TenantId is not null) claims.Add(new Claim(TenantClaim, user.TenantId));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "cookie"));
    }
}
