using System.Net;

namespace ContactBridge.Emulator.OAuth;

/// <summary>The HTML the authorize endpoint shows: login, "Allow Access?", and error pages.</summary>
internal static class LoginPages
{
    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string Layout(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}
        main{max-width:380px;margin:60px auto;background:#fff;border:1px solid #ddd;border-radius:6px;padding:24px}
        h1{font-size:20px;margin-top:0} label{display:block;margin-top:12px;font-size:14px}
        input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;margin-top:4px}
        button{margin-top:16px;padding:8px 16px;font-size:15px} .error{color:#c23934} .muted{color:#666;font-size:13px}
        </style></head><body><main>{{body}}</main></body></html>
        """;

    public static string Login(string hostLabel, string action, string query, string? error, string? username) =>
        Login(hostLabel, action, ("oauth_query", query), error, username);

    /// <summary>The sign-in form; <paramref name="carried"/> is the hidden field that says where to go next.</summary>
    public static string Login(string hostLabel, string action, (string Name, string Value) carried, string? error, string? username) => Layout("Login | Salesforce", $"""
        <h1>Log in to {E(hostLabel)}</h1>
        {(error is null ? "" : $"<p class=\"error\" role=\"alert\" id=\"error\">{E(error)}</p>")}
        <form method="post" action="{E(action)}" id="login_form">
          <input type="hidden" name="{E(carried.Name)}" value="{E(carried.Value)}">
          <label for="username">Username</label>
          <input type="text" id="username" name="username" value="{E(username)}" autocomplete="username">
          <label for="password">Password</label>
          <input type="password" id="password" name="pw" autocomplete="current-password">
          <button type="submit" id="Login" name="Login">Log In</button>
        </form>
        <p class="muted">ContactBridge Salesforce emulator · <a href="/_emulator">control API</a></p>
        """);

    public static string Consent(string appName, string username, IEnumerable<string> scopes, string action, string query, string sessionId) => Layout("Allow Access?", $"""
        <h1>Allow Access?</h1>
        <p><strong>{E(appName)}</strong> is asking to:</p>
        <ul>{string.Join("", scopes.Select(s => $"<li>{E(ScopeText(s))}</li>"))}</ul>
        <p class="muted">Signed in as {E(username)}.</p>
        <form method="post" action="{E(action)}" id="oauth_consent">
          <input type="hidden" name="oauth_query" value="{E(query)}">
          <input type="hidden" name="sid" value="{E(sessionId)}">
          <button type="submit" name="decision" value="deny" id="oaapprove_deny">Deny</button>
          <button type="submit" name="decision" value="allow" id="oaapprove">Allow</button>
        </form>
        """);

    public static string Error(string error, string description) => Layout("OAuth Error", $"""
        <h1>OAuth Error</h1>
        <p class="error" id="error">error={E(error)}&amp;error_description={E(description)}</p>
        <p>We can't authorize you because of an OAuth error. For more information, contact your Salesforce administrator.</p>
        """);

    private static string ScopeText(string scope) => scope switch
    {
        "api" => "Manage user data via APIs (api)",
        "refresh_token" or "offline_access" => "Perform requests at any time (refresh_token, offline_access)",
        "id" or "openid" or "profile" or "email" => $"Access the identity URL service ({scope})",
        "web" => "Manage user data via Web browsers (web)",
        "full" => "Full access (full)",
        _ => scope,
    };
}
