using System.Security.Cryptography;
using ContactBridge.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ContactBridge.Tenants;

public static class AccountEndpoints
{
    public static void MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").ExcludeFromDescription().RequireAntiforgery();
        group.MapGet("/login", (HttpContext c) => LoginPage(c, null, null));
        group.MapPost("/login", SignIn);
        group.MapPost("/logout", async (HttpContext c) =>
        {
            await c.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        });
    }

    /// <summary>The sign-in form posts back to where the visitor was going, when that is a page of this site.</summary>
    private static string FormAction(HttpContext c) =>
        IsLocalPath(c.Request.Query["ReturnUrl"].ToString()) ? $"/login?ReturnUrl={Uri.EscapeDataString(c.Request.Query["ReturnUrl"].ToString())}" : "/login";

    private static IResult LoginPage(HttpContext c, string? error, string? email, int status = 200) =>
        PortalPage.Render<SignInPage>(new { FormAction = FormAction(c), Email = email, Error = error }, status);

    private static async Task<IResult> SignIn(HttpContext c, IFormCollection form, UserStore users, IConfiguration configuration)
    {
        var email = form["email"].ToString();
        // No account has a control character in its e-mail (and PostgreSQL cannot even compare a NUL): wrong, without a lookup.
        if (email.Any(char.IsControl)) return LoginPage(c, "Wrong e-mail or password.", email, 401);
        var (outcome, user) = await users.SignInAsync(email, form["password"].ToString(), c.RequestAborted);
        switch (outcome)
        {
            case SignInOutcome.LockedOut:
                var minutes = (int)Math.Ceiling(configuration.GetValue($"{HubOptions.Section}:SignInLockout", TimeSpan.FromMinutes(15)).TotalMinutes);
                return LoginPage(c, $"Too many failed sign-ins. This account is locked for {minutes} minutes.", email, 429);
            case SignInOutcome.Failed:
                return LoginPage(c, "Wrong e-mail or password.", email, 401);
        }
        var sessionId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var returnUrl = c.Request.Query["ReturnUrl"].ToString();
        var target = IsLocalPath(returnUrl) ? returnUrl : "/";
        // Given explicitly, so the cookie handler never reads ReturnUrl from the query itself.
        await c.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, CurrentUser.Principal(user!, sessionId), new AuthenticationProperties { RedirectUri = target });
        return Results.Redirect(target);
    }

    /// <summary>
    /// A path on this site only: "/x", never "//host" or "/\host" (browsers read both as another host),
    /// nor any control character (browsers drop tabs and new lines, so "/\t/host" is "//host").
    /// </summary>
    public static bool IsLocalPath(string url) =>
        url.Length > 0 && url[0] == '/' && (url.Length == 1 || url[1] is not ('/' or '\\')) && url.All(c => c is > ' ' and < '\u007f');
}
