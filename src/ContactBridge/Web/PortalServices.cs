using ContactBridge.Security;
using Microsoft.AspNetCore.DataProtection;

namespace ContactBridge.Web;

public static class PortalServices
{
    /// <summary>
    /// Sign-in for the portal. Its cookies (and antiforgery tokens) are protected by a key ring kept in
    /// the database: it survives a restart and every instance shares it.
    /// </summary>
    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
        services.AddPortalAuth();
        services.AddDataProtection().SetApplicationName("ContactBridge");
        services.AddSingleton<DatabaseKeyRing>();
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<DatabaseKeyRing>((o, ring) => o.XmlRepository = ring);
        return services;
    }
}
