using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator;

public enum HostKind
{
    /// <summary>An org's My Domain: its instance URL, which also serves OAuth for that org.</summary>
    MyDomain,
    /// <summary>The production login host (login.salesforce.com).</summary>
    ProductionLogin,
    /// <summary>The sandbox login host (test.salesforce.com).</summary>
    SandboxLogin,
}

/// <summary>
/// Which Salesforce host a request is addressed to. One port serves them all, told apart by a
/// path prefix: <c>/login</c> and <c>/test</c> are the production and sandbox login hosts,
/// <c>/orgs/{key}</c> an org's My Domain, and the root the default org's My Domain.
/// </summary>
public sealed record EmulatorHost(HostKind Kind, SalesforceOrg? Org, string BaseUrl)
{
    public const string ItemKey = "cb.emulator.host";

    public static EmulatorHost Of(HttpContext context) => (EmulatorHost)context.Items[ItemKey]!;

    /// <summary>Whether a user of this org may sign in on this host.</summary>
    public bool Serves(SalesforceOrg org) => Kind switch
    {
        HostKind.MyDomain => Org == org,
        HostKind.ProductionLogin => !org.IsSandbox,
        _ => org.IsSandbox,
    };

    public static string Origin(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    public static string InstanceUrl(HttpContext context, SalesforceOrg org) =>
        Origin(context) + (org.Key == WellKnown.DefaultOrgKey ? "" : "/orgs/" + org.Key);
}
