using System.Text;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.Lightning;

/// <summary>
/// Signing in to Lightning Experience with a browser: the login page at an org's My Domain (or
/// the production and sandbox login hosts), logout, and frontdoor.jsp, which turns an access token
/// into a browser session as <c>sf org open</c> does. The session cookie works for pages only.
/// </summary>
internal static class ConsoleSignIn
{
    private const string Home = "/lightning/page/home";
    public const string ApiOnlyMessage = "This user has the API Only User permission and can't log in to Salesforce in a browser. Use an API client, or another user.";

    public static void MapConsoleSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", LoginPage).ExcludeFromDescription();
        app.MapPost("/", SignIn).ExcludeFromDescription();
        app.MapGet("/secur/logout.jsp", LogOut).ExcludeFromDescription();
        app.MapGet("/secur/frontdoor.jsp", FrontDoor).ExcludeFromDescription();
    }

    /// <summary>Only a path on this host: a login page must not send people elsewhere (open redirect).</summary>
    private static string SafeStart(string? startUrl) => IsLocalPath(startUrl) ? startUrl! : Home;

    /// <summary>
    /// A path on this host: "/" then printable ASCII, never "//" or "/\" (another host to a browser);
    /// tabs and other controls are refused because browsers drop them ("/\t/evil" becomes "//evil").
    /// </summary>
    public static bool IsLocalPath(string? url) =>
        url is { Length: > 0 } s && s[0] == '/' && (s.Length == 1 || s[1] is not ('/' or '\\')) && s.All(c => c is > ' ' and < (char)127);

    private static string Label(EmulatorHost host) => host.Kind switch
    {
        HostKind.ProductionLogin => "Salesforce (production)",
        HostKind.SandboxLogin => "Salesforce (sandbox)",
        _ => host.Org!.Name,
    };

    private static IResult Show(EmulatorHost host, string start, string? error, string? username, int status = 200) =>
        Results.Content(LoginPages.Login(Label(host), host.BaseUrl + "/", ("startURL", start), error, username), "text/html; charset=utf-8", Encoding.UTF8, status);

    private static IResult LoginPage(HttpContext context, string? startURL)
    {
        RecordPages.NoFraming(context);
        var host = EmulatorHost.Of(context);
        var start = SafeStart(startURL);
        if (host.Kind == HostKind.MyDomain && ConsoleContext.Of(context) is not null) return Results.Redirect(context.Request.PathBase + start);
        return Show(host, start, null, context.Request.Query["un"]);
    }

    private static async Task<IResult> SignIn(HttpContext context, EmulatorState state)
    {
        var host = EmulatorHost.Of(context);
        if (!context.Request.HasFormContentType) return Show(host, Home, "Send the login form as application/x-www-form-urlencoded.", null, 415);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var username = form["username"].ToString().Trim();
        var start = SafeStart(form["startURL"]);
        if (BrowserSignIn.Check(state, host, username, form["pw"].ToString(), out var error) is not { } hit) return Show(host, start, error, username);
        var (org, user) = hit;
        bool apiOnly;
        lock (org.Sync) apiOnly = org.IsApiOnly(user);
        if (apiOnly) return Show(host, start, ApiOnlyMessage, username);
        // Whichever host the form was on, the session belongs to the org's My Domain, where the pages are.
        var instance = EmulatorHost.InstanceUrl(context, org);
        var path = org.Key == WellKnown.DefaultOrgKey ? "/" : "/orgs/" + org.Key;
        BrowserSignIn.Start(context, state, org, user.Id, instance, path);
        return Results.Redirect(instance + start);
    }

    private static IResult LogOut(HttpContext context, EmulatorState state)
    {
        var host = EmulatorHost.Of(context);
        if (BrowserSignIn.Current(context, state, host) is { } session) state.OAuth.EndSession(session.Id);
        context.Response.Cookies.Delete(BrowserSignIn.SessionCookie, new CookieOptions { Path = string.IsNullOrEmpty(context.Request.PathBase) ? "/" : context.Request.PathBase.Value });
        return Results.Redirect(context.Request.PathBase + "/");
    }

    private static IResult FrontDoor(HttpContext context, EmulatorState state, string? sid, string? retURL)
    {
        var host = EmulatorHost.Of(context);
        var grant = sid is null ? null : state.OAuth.FindAccess(sid);
        if (host.Kind != HostKind.MyDomain || grant is null || grant.Revoked || grant.ExpiresAt <= state.Clock.GetUtcNow() || grant.OrgKey != host.Org!.Key)
            return Show(host, SafeStart(retURL), "The session in this link is invalid or has expired. Log in.", null, 401);
        bool apiOnly;
        lock (host.Org!.Sync) apiOnly = host.Org.Records.Get(grant.UserId) is { } user && host.Org.IsApiOnly(user);
        if (apiOnly) return Show(host, SafeStart(retURL), ApiOnlyMessage, null, 403);
        BrowserSignIn.Start(context, state, host.Org!, grant.UserId, host.BaseUrl, string.IsNullOrEmpty(context.Request.PathBase) ? "/" : context.Request.PathBase.Value!);
        return Results.Redirect(context.Request.PathBase + SafeStart(retURL));
    }
}
