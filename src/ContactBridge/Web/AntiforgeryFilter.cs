using Microsoft.AspNetCore.Antiforgery;

namespace ContactBridge.Web;

/// <summary>
/// Validates the antiforgery token on every unsafe request of a group, whether or not the
/// endpoint binds a form (ASP.NET Core only checks endpoints that do, which would leave a bare
/// POST such as Unlink unprotected).
/// </summary>
public static class AntiforgeryFilter
{
    public static RouteGroupBuilder RequireAntiforgery(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
                && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
            {
                return http.Request.Path.StartsWithSegments("/api")
                    ? Results.Problem(statusCode: 400, title: "Missing or invalid CSRF token", detail: "Send the X-CSRF-TOKEN header the portal gives you.")
                    : PortalPage.Message("This form expired", "Go back, reload the page and try again.", StatusCodes.Status400BadRequest);
            }
            return await next(context);
        });
        return group;
    }
}
