using System.Net;
using System.Text;

namespace ContactBridge.Emulator.Lightning;

/// <summary>
/// The frame every Lightning page shares: the global header with search, the navigation bar, the
/// page itself in <c>#main</c>, and the utility bar with the softphone. Navigation swaps only
/// <c>#main</c> (htmx), so the softphone in the utility bar keeps running, as in Lightning.
/// </summary>
internal static class ConsoleLayout
{
    public const string Assets = "/_emulator/assets";
    public static readonly string[] NavObjects = ["Account", "Contact", "Lead", "Case", "Task"];

    public static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    /// <summary>A query value or path segment, escaped for a URL (then HTML-encoded where it lands in an attribute).</summary>
    public static string U(string? s) => Uri.EscapeDataString(s ?? "");

    public static string Icon(string sprite, string name, string css = "slds-icon slds-icon_small", string? basePath = null) =>
        $"""<svg class="{css}" aria-hidden="true"><use href="{E(basePath)}{Assets}/lib/salesforce-ux-design-system/assets/icons/{sprite}-sprite/svg/symbols.svg#{E(name)}"></use></svg>""";

    public static string StandardIcon(string objectName) => objectName switch
    {
        "Account" => "account", "Contact" => "contact", "Lead" => "lead", "Case" => "case", "Task" => "task", "User" => "user",
        "CallCenter" or "VoiceCall" => "call", "ContentDocument" or "ContentVersion" => "file", "Organization" => "home",
        _ => "custom",
    };

    public static IResult Page(ConsoleContext ctx, string title, string main, int status = 200)
    {
        var b = ctx.Base;
        var center = ctx.CallCenter;
        var voice = center is { IsVoice: true };
        var voiceScript = voice ? $"""<script src="{E(b)}{Assets}/lightning/voice.js" defer></script>""" : "";
        var softphone = voice ? VoiceWidget.Html(ctx, center!) : center is { ForLightning: true }
            ? $"""
              <footer class="slds-utility-bar_container cb-utility-bar" aria-label="Utility Bar">
                <h2 class="slds-assistive-text">Utility Bar</h2>
                <ul class="slds-utility-bar">
                  <li class="slds-utility-bar__item">
                    <button type="button" class="slds-button slds-utility-bar__action" id="softphone-item" aria-pressed="false" aria-controls="softphone-panel">
                      <span id="softphone-item-icon">{Icon("utility", "call", "slds-button__icon slds-button__icon_left", b)}</span>
                      <span class="slds-utility-bar__text" id="softphone-item-label">Phone</span>
                    </button>
                  </li>
                </ul>
              </footer>
              <section class="slds-utility-panel slds-grid slds-grid_vertical cb-softphone-panel" role="dialog" aria-labelledby="softphone-panel-label" id="softphone-panel" hidden
                data-adapter-url="{E(center.AdapterUrl)}" data-standby-url="{E(center.StandbyUrl)}" data-timeout-ms="{(int?)center.StandbyTimeout?.TotalMilliseconds}"
                data-call-center="{E(center.InternalName)}" style="width:{center.SoftphoneWidth}px">
                <div class="slds-utility-panel__header slds-grid slds-shrink-none">
                  <div class="slds-media slds-media_center">
                    <div class="slds-media__figure slds-m-right_x-small" id="softphone-panel-icon">{Icon("utility", "call", "slds-icon slds-icon_x-small slds-icon-text-default", b)}</div>
                    <div class="slds-media__body"><h2 id="softphone-panel-label">Phone</h2></div>
                  </div>
                  <div class="slds-col_bump-left">
                    <button type="button" class="slds-button slds-button_icon slds-button_icon" id="softphone-minimize" title="Minimize">
                      {Icon("utility", "minimize_window", "slds-button__icon", b)}<span class="slds-assistive-text">Minimize</span>
                    </button>
                  </div>
                </div>
                <div class="slds-utility-panel__body cb-softphone-body" id="softphone-body" style="height:{center.SoftphoneHeight}px"></div>
              </section>
              """
            : "";
        var nav = string.Join("", NavObjects.Select(o =>
        {
            var type = ctx.Org.Schema.Find(o);
            return type is null ? "" : $"""<li class="slds-context-bar__item"><a href="{E(b)}/lightning/o/{o}/home" class="slds-context-bar__label-action" title="{E(type.LabelPlural)}"><span class="slds-truncate">{E(type.LabelPlural)}</span></a></li>""";
        }));
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>{{E(title)}} | Salesforce</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="htmx-config" content='{"historyCacheSize":0,"refreshOnHistoryMiss":false,"responseHandling":[{"code":"204","swap":false},{"code":"...","swap":true}]}'>
            <link rel="stylesheet" href="{{E(b)}}{{Assets}}/lib/salesforce-ux-design-system/assets/styles/salesforce-lightning-design-system.min.css">
            <link rel="stylesheet" href="{{E(b)}}{{Assets}}/lightning/console.css">
            <script src="{{E(b)}}{{Assets}}/lib/htmx/htmx.min.js" defer></script>
            <script src="{{E(b)}}{{Assets}}/lightning/console.js" defer></script>
            {{voiceScript}}
            </head>
            <body class="cb-console" hx-boost="true" hx-target="#main" hx-select="#main" hx-swap="outerHTML" data-base="{{E(b)}}" data-csrf="{{E(ctx.Csrf)}}">
            <header class="slds-global-header_container cb-header">
              <div class="slds-global-header slds-grid slds-grid_align-spread">
                <div class="slds-global-header__item"><a href="{{E(b)}}/lightning/page/home" class="cb-logo">{{Icon("standard", "service_contract", "slds-icon slds-icon_small", b)}} <span>{{E(ctx.Org.Name)}}</span></a></div>
                <div class="slds-global-header__item slds-global-header__item_search">
                  <form role="search" method="get" action="{{E(b)}}/lightning/search" class="slds-form-element" id="global-search-form">
                    <label class="slds-assistive-text" for="global-search">Search</label>
                    <div class="slds-form-element__control slds-input-has-icon slds-input-has-icon_left">
                      {{Icon("utility", "search", "slds-icon slds-input__icon slds-input__icon_left slds-icon-text-default", b)}}
                      <input type="search" id="global-search" name="q" class="slds-input" placeholder="Search..." autocomplete="off">
                    </div>
                  </form>
                </div>
                <div class="slds-global-header__item cb-user">
                  <span id="user-name">{{E(ctx.DisplayName)}}</span>
                  <a href="{{E(b)}}/secur/logout.jsp" hx-boost="false" class="slds-m-left_small" id="log-out">Log Out</a>
                </div>
              </div>
              <div class="slds-context-bar">
                <div class="slds-context-bar__primary"><div class="slds-context-bar__item slds-no-hover"><span class="slds-context-bar__label-action slds-context-bar__app-name"><span class="slds-truncate">Service Console</span></span></div></div>
                <nav class="slds-context-bar__secondary" role="navigation"><ul class="slds-grid">
                  <li class="slds-context-bar__item"><a href="{{E(b)}}/lightning/page/home" class="slds-context-bar__label-action"><span class="slds-truncate">Home</span></a></li>
                  {{nav}}
                </ul></nav>
              </div>
            </header>
            <main id="main" class="cb-main" hx-history-elt data-title="{{E(title)}}">
            {{main}}
            </main>
            <div id="modal-root"></div>
            {{softphone}}
            </body></html>
            """);
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>Salesforce's error page, inside the console: what went wrong and where to go instead.</summary>
    public static IResult Error(ConsoleContext ctx, string heading, string message, int status = 404) => Page(ctx, heading, $"""
        <div class="slds-illustration slds-illustration_large cb-error" role="alert" id="error-page">
          <div class="slds-text-longform">
            <h1 class="slds-text-heading_large slds-m-bottom_small">{E(heading)}</h1>
            <p class="slds-text-body_regular" id="error-message">{E(message)}</p>
            <p class="slds-m-top_medium"><a href="{E(ctx.Base)}/lightning/page/home">Go to Home</a></p>
          </div>
        </div>
        """, status);
}
