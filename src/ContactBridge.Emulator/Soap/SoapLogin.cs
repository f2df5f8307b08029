using System.Xml.Linq;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using static ContactBridge.Emulator.Soap.SoapWire;

namespace ContactBridge.Emulator.Soap;

/// <summary>
/// SOAP login: a username and password (with the user's security token at its end when the user has one) give a session id
/// (the same kind of session an OAuth access token is), the serverUrl to call and the user's information.
/// </summary>
public static class SoapLogin
{
    private const string Invalid = "Invalid username, password, security token; or user locked out.";

    public static XDocument Login(HttpContext context, EmulatorState state, string version, XElement operation)
    {
        string Arg(string name) => operation.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        var username = Arg("username").Trim();
        var password = Arg("password");
        if (username.Length == 0 || password.Length == 0) throw new SoapFaultException("INVALID_LOGIN", Invalid);
        var host = EmulatorHost.Of(context);
        if (state.FindUser(username) is not { } hit || !host.Serves(hit.Org)) throw new SoapFaultException("INVALID_LOGIN", Invalid);
        var (org, user) = hit;
        UserCredential? credential;
        lock (org.Sync) credential = org.Credentials.GetValueOrDefault(user.Id);
        var token = credential?.SecurityToken ?? "";
        if (credential is null || !password.EndsWith(token, StringComparison.Ordinal) || !EmulatorState.CheckPassword(credential, password[..^token.Length]))
            throw new SoapFaultException("INVALID_LOGIN", Invalid);
        if (!SalesforceOrg.IsActive(user)) throw new SoapFaultException("INVALID_LOGIN", Invalid);
        context.Items[EmulatorMiddleware.LogOrgKey] = org.Key;
        context.Items[EmulatorMiddleware.LogUserKey] = user.Id;
        var access = state.OAuth.IssueAccess(org.Id, org.Key, user.Id, "SOAP API", host.BaseUrl, null, state.SessionTimeout);
        var instance = EmulatorHost.InstanceUrl(context, org);
        var result = new XElement(Partner + "result",
            new XElement(Partner + "metadataServerUrl", $"{instance}/services/Soap/m/{version}/{org.Id}"),
            new XElement(Partner + "passwordExpired", "false"),
            new XElement(Partner + "sandbox", org.IsSandbox ? "true" : "false"),
            new XElement(Partner + "serverUrl", $"{instance}/services/Soap/u/{version}/{org.Id}"),
            new XElement(Partner + "sessionId", access.Token),
            new XElement(Partner + "userId", user.Id),
            UserInfo(org, user, state.SessionTimeout));
        return Envelope(null, new XElement(Partner + "loginResponse", result));
    }

    /// <summary>The userInfo of login and getUserInfo.</summary>
    public static XElement UserInfo(SalesforceOrg org, SRecord user, TimeSpan sessionTimeout, string elementName = "userInfo")
    {
        XElement E(string name, object? value) => value is null
            ? new XElement(Partner + name, new XAttribute(Xsi + "nil", "true"))
            : new XElement(Partner + name, value is bool b ? (b ? "true" : "false") : value);
        return new XElement(Partner + elementName,
            E("accessibilityMode", false), E("chatterExternal", false), E("currencySymbol", "$"), E("orgAttachmentFileSizeLimit", 5242880),
            E("orgDefaultCurrencyIsoCode", "USD"), E("orgDefaultCurrencyLocale", "en_US"), E("orgDisallowHtmlAttachments", false), E("orgHasPersonAccounts", false),
            E("organizationId", org.Id), E("organizationMultiCurrency", false), E("organizationName", org.Name), E("profileId", user.GetString("ProfileId")),
            E("roleId", null), E("sessionSecondsValid", (int)sessionTimeout.TotalSeconds), E("userDefaultCurrencyIsoCode", null),
            E("userEmail", user.GetString("Email")), E("userFullName", user.GetString("Name")), E("userId", user.Id),
            E("userLanguage", user.GetString("LanguageLocaleKey") ?? "en_US"), E("userLocale", user.GetString("LocaleSidKey") ?? "en_US"),
            E("userName", user.GetString("Username")), E("userTimeZone", user.GetString("TimeZoneSidKey")), E("userType", user.GetString("UserType") ?? "Standard"),
            E("userUiSkin", "Theme3"));
    }
}
