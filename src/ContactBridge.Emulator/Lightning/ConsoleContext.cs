using System.Security.Cryptography;
using System.Text;
using ContactBridge.Emulator.CallCenters;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Lightning;

/// <summary>
/// Who is using the Lightning console on this request: the org of the host, the signed-in user,
/// their session, and the call center they belong to. Pages and Open CTI calls start here.
/// </summary>
public sealed class ConsoleContext
{
    public const string CsrfField = "cb_csrf";
    public const string CsrfHeader = "X-CB-CSRF";

    private ConsoleContext(EmulatorState state, EmulatorHost host, SalesforceOrg org, SRecord user, LoginSession session, string basePath, string userName, string? firstName)
    {
        DisplayName = userName;
        FirstName = firstName;
        State = state;
        Host = host;
        Org = org;
        User = user;
        Session = session;
        Base = basePath;
    }

    public EmulatorState State { get; }
    public EmulatorHost Host { get; }
    public SalesforceOrg Org { get; }
    public SRecord User { get; }
    public LoginSession Session { get; }

    /// <summary>The path prefix of this org's pages: "" for the default org, "/orgs/{key}" for others.</summary>
    public string Base { get; }

    public string DisplayName { get; }
    public string? FirstName { get; }
    public string Username { get; private init; } = "";

    /// <summary>A form token tied to the session: a page from another site cannot know it.</summary>
    public string Csrf => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("csrf:" + Session.Id)));

    public bool CsrfMatches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Csrf));

    private string? _callCenterId;
    private CallCenterDefinition? _callCenter;

    /// <summary>The user's call center and its definition, when the user is in one.</summary>
    public CallCenterDefinition? CallCenter
    {
        get
        {
            lock (Org.Sync)
            {
                var id = User.GetString("CallCenterId");
                if (id is not null && _callCenterId == id && _callCenter is not null) return _callCenter;
                _callCenterId = id;
                return _callCenter = id is not null && Org.Records.Get(id) is { IsDeleted: false } center ? CallCenterDefinition.Of(center) : null;
            }
        }
    }

    /// <summary>The console for a signed-in user on an org's host; null when the browser has no session there.</summary>
    public static ConsoleContext? Of(HttpContext context)
    {
        var state = context.RequestServices.GetRequiredService<EmulatorState>();
        var host = EmulatorHost.Of(context);
        if (host.Kind != HostKind.MyDomain || host.Org is null) return null;
        if (BrowserSignIn.Current(context, state, host) is not { } session) return null;
        var org = host.Org;
        lock (org.Sync)
        {
            // API-only users have no browser session here, however they got one (an OAuth login page, frontdoor.jsp).
            if (org.Records.Get(session.UserId) is not { } user || !SalesforceOrg.IsActive(user) || org.IsApiOnly(user)) return null;
            var username = user.GetString("Username") ?? user.Id;
            return new ConsoleContext(state, host, org, user, session, context.Request.PathBase.Value ?? "", user.GetString("Name") ?? username, user.GetString("FirstName"))
            {
                Username = username,
            };
        }
    }
}
