using System.Net;
using Microsoft.AspNetCore.Antiforgery;

namespace ContactBridge.Web;

/// <summary>Server-rendered portal pages: a layout, HTML encoding, and the antiforgery field every form carries.</summary>
public static class Html
{
    public static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    /// <summary>A browser asking for a portal page (not the API): it gets an HTML answer, even for an error.</summary>
    public static bool WantsPage(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    public static string Antiforgery(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    public static IResult Page(HttpContext context, string title, string body, int status = 200)
    {
        var user = CurrentUser.From(context.User);
        var nav = user is null ? "" : $"""
            <nav>
              {(user.IsSystemAdmin ? "<a href=\"/tenants\">Tenants</a> <a href=\"/system/salesforce-app\">System → Salesforce app</a>" : $"<a href=\"/tenants/{E(user.TenantId)}/salesforce\">Salesforce</a>")}
              <span class="who">{E(user.Email)}</span>
              <form method="post" action="/logout" class="inline">{Antiforgery(context)}<button type="submit" id="sign-out">Sign out</button></form>
            </nav>
            """;
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · ContactBridge</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
            header{background:#12355b;color:#fff;padding:10px 24px;display:flex;justify-content:space-between;align-items:center}
            header a{color:#fff} nav a{margin-right:14px} nav .who{margin:0 12px;opacity:.8}
            main{max-width:900px;margin:24px auto;padding:0 24px} section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px 20px;margin-bottom:18px}
            h1{font-size:22px} h2{font-size:17px;margin-top:0} label{display:block;margin:10px 0 4px} input[type=text],input[type=password],input[type=email],input[type=url],select{padding:6px;width:100%;max-width:420px;box-sizing:border-box}
            button{padding:6px 14px;margin-top:10px} .inline{display:inline} table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;font-size:14px}
            .status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600} .status-linked{background:#d7f5dd;color:#145c23} .status-unlinked{background:#eceff3}
            .status-legacy{background:#fff1c2;color:#6b4e00} .status-needs_relink{background:#ffd9d6;color:#8a1c12}
            .notice{padding:10px 14px;border-radius:6px;margin-bottom:16px} .ok{background:#e3f6e8} .error{background:#fde5e2} .warn{background:#fff4d1}
            code{background:#eef1f4;padding:2px 4px}
            </style></head>
            <body><header><a href="/"><strong>ContactBridge</strong></a>{{nav}}</header><main>{{body}}</main></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    /// <summary>The links between a tenant's pages.</summary>
    public static string TenantTabs(string tenantId) =>
        $"<p class=\"tabs\"><a href=\"/tenants/{E(tenantId)}/salesforce\">Salesforce link</a> · <a href=\"/tenants/{E(tenantId)}/logging\">Logging settings</a> · " +
        $"<a href=\"/tenants/{E(tenantId)}/routing-map\">User mapping</a> · <a href=\"/tenants/{E(tenantId)}/activity\">Activity</a></p>";

    public static string Notice(string kind, string? text) => text is null ? "" : $"<div class=\"notice {kind}\" role=\"{(kind == "error" ? "alert" : "status")}\" id=\"notice\">{E(text)}</div>";

    public static string When(long? unixMs) => unixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
