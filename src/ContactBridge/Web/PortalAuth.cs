using Microsoft.AspNetCore.Authentication.Cookies;

namespace ContactBridge.Web;

/// <summary>Cookie sign-in for the portal and antiforgery for every form.</summary>
public static class PortalAuth
{
    public static IServiceCollection AddPortalAuth(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "contactbridge.session";
            o.Cookie.HttpOnly = true;
            // Lax, not Strict: the browser must send the session on the top-level redirect back from Salesforce's authorize page.
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.LoginPath = "/login";
            o.LogoutPath = "/logout";
            o.AccessDeniedPath = "/login";
            o.Events.OnRedirectToLogin = context =>
            {
                // The JSON API answers 401 problem details instead of redirecting to a page.
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return context.Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails
                    {
                        Status = 401, Title = "Sign-in required", Detail = "Sign in to the ContactBridge portal first.",
                    }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
                }
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
        });
        services.AddAuthorization();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "contactbridge.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.HeaderName = "X-CSRF-TOKEN";
        });
        return services;
    }
}
