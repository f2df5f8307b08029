using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.OAuth;

/// <summary>
/// A person signing in with a browser: the same users and passwords as the API, and the browser
/// session cookie ("sid") both the OAuth pages and the Lightning console use. The cookie is never
/// an API credential: the API reads only the Authorization header.
/// </summary>
public static class BrowserSignIn
{
    public const string SessionCookie = "sid";

    public const string BadCredentials = "Please check your username and password. If you still can't log in, contact your Salesforce administrator.";

    /// <summary>The user, or the message the login page shows.</summary>
    public static (SalesforceOrg Org, SRecord User)? Check(EmulatorState state, EmulatorHost host, string username, string password, out string? error)
    {
        error = BadCredentials;
        if (state.FindUser(username) is not { } hit || !host.Serves(hit.Org)) return null;
        var (org, user) = hit;
        UserCredential? credential;
        lock (org.Sync) credential = org.Credentials.GetValueOrDefault(user.Id);
        if (credential is null || !EmulatorState.CheckPassword(credential, password)) return null;
        if (!SalesforceOrg.IsActive(user))
        {
            error = "Your user account is inactive. Contact your Salesforce administrator.";
            return null;
        }
        error = null;
        return hit;
    }

    /// <summary>Starts a session for <paramref name="hostBase"/> and sets its cookie on <paramref name="cookiePath"/>.</summary>
    public static LoginSession Start(HttpContext context, EmulatorState state, SalesforceOrg org, string userId, string hostBase, string cookiePath)
    {
        var session = state.OAuth.NewSession(org.Key, userId, hostBase);
        context.Response.Cookies.Append(SessionCookie, session.Id, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Path = cookiePath, Secure = context.Request.IsHttps,
        });
        return session;
    }

    /// <summary>The session for this host, if the browser has one. Browsers send the most specific path's cookie first.</summary>
    public static LoginSession? Current(HttpContext context, EmulatorState state, EmulatorHost host)
    {
        foreach (var header in context.Request.Headers.Cookie)
        {
            foreach (var part in (header ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || part[..eq] != SessionCookie) continue;
                if (state.OAuth.FindSession(part[(eq + 1)..]) is { } session && session.HostBase == host.BaseUrl) return session;
            }
        }
        return null;
    }
}
