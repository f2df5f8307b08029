using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.CallCenters;
using static ContactBridge.Emulator.Lightning.ConsoleLayout;

namespace ContactBridge.Emulator.Lightning;

/// <summary>
/// The Omni-Channel-like voice widget for users of a Service Cloud Voice contact center: the utility bar's Phone, which loads
/// the vendor's connector (its ConversationVendorInfo's ConnectorUrl) in a hidden frame, hands it the call center's settings
/// over a MessageChannel (SETUP_CONNECTOR), and then drives it as Salesforce's widget does (<c>voice.js</c>).
/// </summary>
internal static class VoiceWidget
{
    public static string Html(ConsoleContext ctx, CallCenterDefinition center)
    {
        var b = ctx.Base;
        VendorInfo? vendor;
        IReadOnlyList<PresenceStatus> statuses;
        string? callCenterId;
        lock (ctx.Org.Sync)
        {
            vendor = center.VendorInfoApiName is { } name && ctx.Org.Console.VendorInfos.TryGetValue(name, out var v) ? v : null;
            statuses = ctx.Org.Console.PresenceStatuses(ctx.Org);
            callCenterId = ctx.User.GetString("CallCenterId");
        }
        var config = new JsonObject();
        foreach (var (key, value) in center.Settings()) config[key] = value;
        var instance = ctx.Host.BaseUrl;
        config["organizationId"] = ctx.Org.Id;
        config["callCenterId"] = callCenterId;
        config["userId"] = ctx.User.Id;
        config["userName"] = ctx.Username;
        config["orgDomainName"] = new Uri(instance).Host;
        config["scrtUrl"] = instance;
        config["isACWAllowed"] = true;
        config["phoneServiceChannelName"] = "sfdc_phone";
        config["callCenterType"] = "PartnerTelephony";
        var statusJson = JsonSerializer.Serialize(statuses.Select(s => new { statusId = s.Id, statusApiName = s.DeveloperName, statusName = s.MasterLabel, online = s.Online }));
        var options = string.Join("", statuses.Select(s => $"""<option value="{E(s.Id)}">{E(s.MasterLabel)}</option>"""));
        var missing = vendor is null
            ? $"""<p class="slds-text-color_error" id="voice-setup-error">The contact center names the vendor “{E(center.VendorInfoApiName ?? "(none)")}”, which has no ConversationVendorInfo in this org: its connector cannot load.</p>"""
            : "";
        return $"""
            <footer class="slds-utility-bar_container cb-utility-bar" aria-label="Utility Bar">
              <h2 class="slds-assistive-text">Utility Bar</h2>
              <ul class="slds-utility-bar">
                <li class="slds-utility-bar__item">
                  <button type="button" class="slds-button slds-utility-bar__action" id="voice-item" aria-pressed="false" aria-controls="voice-panel">
                    {Icon("utility", "call", "slds-button__icon slds-button__icon_left", b)}
                    <span class="slds-utility-bar__text">Phone · <span id="voice-item-status">Offline</span></span>
                  </button>
                </li>
              </ul>
            </footer>
            <section class="slds-utility-panel slds-grid slds-grid_vertical cb-softphone-panel cb-voice-panel" role="dialog" aria-labelledby="voice-panel-label" id="voice-panel" hidden
              data-connector-url="{E(vendor?.ConnectorUrl)}" data-config="{E(config.ToJsonString())}" data-statuses="{E(statusJson)}">
              <div class="slds-utility-panel__header slds-grid slds-shrink-none">
                <div class="slds-media slds-media_center">
                  <div class="slds-media__figure slds-m-right_x-small">{Icon("utility", "call", "slds-icon slds-icon_x-small slds-icon-text-default", b)}</div>
                  <div class="slds-media__body"><h2 id="voice-panel-label">Phone</h2></div>
                </div>
                <div class="slds-col_bump-left">
                  <button type="button" class="slds-button slds-button_icon" id="voice-minimize" title="Minimize">{Icon("utility", "minimize_window", "slds-button__icon", b)}<span class="slds-assistive-text">Minimize</span></button>
                </div>
              </div>
              <div class="slds-utility-panel__body slds-p-around_small cb-voice-body">
                {missing}
                <div class="slds-form-element">
                  <label class="slds-form-element__label" for="voice-status">Status</label>
                  <div class="slds-form-element__control"><div class="slds-select_container">
                    <select class="slds-select" id="voice-status" disabled><option value="">Offline</option>{options}</select>
                  </div></div>
                </div>
                <p id="voice-message" class="slds-m-top_x-small slds-text-body_small" role="status">Connecting to the phone system…</p>
                <ul id="voice-errors" class="slds-m-top_x-small slds-text-color_error" role="alert"></ul>
                <div id="voice-call" class="slds-box slds-box_x-small slds-m-top_small" hidden>
                  <div><strong id="voice-call-name"></strong> <span class="slds-badge" id="voice-call-state"></span></div>
                  <div id="voice-call-number"></div>
                  <div class="slds-m-top_x-small" id="voice-call-queue"></div>
                  <div class="slds-button-group slds-m-top_x-small cb-voice-controls" role="group">
                    <button type="button" class="slds-button slds-button_success" id="voice-accept">Accept</button>
                    <button type="button" class="slds-button slds-button_destructive" id="voice-decline">Decline</button>
                    <button type="button" class="slds-button slds-button_neutral" id="voice-mute">Mute</button>
                    <button type="button" class="slds-button slds-button_neutral" id="voice-hold">Hold</button>
                    <button type="button" class="slds-button slds-button_neutral" id="voice-transfer">Transfer</button>
                    <button type="button" class="slds-button slds-button_neutral" id="voice-swap">Swap</button>
                    <button type="button" class="slds-button slds-button_neutral" id="voice-merge">Merge</button>
                    <button type="button" class="slds-button slds-button_destructive" id="voice-end">End Call</button>
                  </div>
                  <div class="slds-m-top_x-small" id="voice-keypad-row" hidden>
                    <input class="slds-input cb-voice-digits" id="voice-digits" maxlength="32" aria-label="Digits to send" placeholder="Digits">
                    <button type="button" class="slds-button slds-button_neutral" id="voice-send-digits">Send</button>
                  </div>
                  <div id="voice-transfer-panel" class="slds-m-top_x-small" hidden>
                    <input class="slds-input" id="voice-contact-search" aria-label="Search agents, queues and numbers" placeholder="Search agents, queues, numbers">
                    <ul id="voice-contacts" class="slds-m-top_x-small"></ul>
                  </div>
                </div>
                <div id="voice-acw" class="slds-box slds-box_x-small slds-m-top_small" hidden>
                  <p>After-call work</p>
                  <button type="button" class="slds-button slds-button_brand slds-m-top_x-small" id="voice-close-work">Close Work</button>
                </div>
                <div class="slds-m-top_small" id="voice-dialer">
                  <input class="slds-input" id="voice-number" maxlength="40" aria-label="Number to call" placeholder="Number to call">
                  <button type="button" class="slds-button slds-button_brand slds-m-top_x-small" id="voice-dial">Call</button>
                </div>
                <iframe id="voice-connector" class="cb-voice-frame" title="Phone system" allow="microphone; autoplay"></iframe>
              </div>
            </section>
            """;
    }
}
