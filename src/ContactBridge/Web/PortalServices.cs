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
        services.AddRazorComponents();
        // Templates encode markup characters; letters of every script stay readable in the page source.
        services.AddWebEncoders(o => o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddDataProtection().SetApplicationName("ContactBridge");
        services.AddSingleton<DatabaseKeyRing>();
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<DatabaseKeyRing>((o, ring) => o.XmlRepository = ring);
        return services;
    }
}
