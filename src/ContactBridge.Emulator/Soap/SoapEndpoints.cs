using System.Globalization;
using System.Text;
using System.Xml.Linq;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;
using static ContactBridge.Emulator.Soap.SoapWire;

namespace ContactBridge.Emulator.Soap;

/// <summary>
/// The SOAP API's partner endpoint, <c>/services/Soap/u/XX.X</c> (and <c>/u/XX.X/{orgId}</c>, the serverUrl login gives):
/// login and logout, getUserInfo, query, queryAll and queryMore, create, update, upsert, delete, undelete, retrieve,
/// search, describeGlobal, describeSObject(s), convertLead and merge. The session is the SessionHeader's sessionId (a
/// login's, or an OAuth access token); each call but login counts against the org's API allowance. Errors are SOAP
/// faults with Salesforce's exception codes (HTTP 500), per-record errors are in each result.
/// </summary>
public static class SoapEndpoints
{
    /// <summary>Salesforce refuses SOAP requests over 50 MB.</summary>
    public const int MaxRequestBytes = 50 * 1024 * 1024;

    public static void MapSoap(this IEndpointRouteBuilder app)
    {
        app.MapPost("/services/Soap/u/{version}", Handle).WithTags("Salesforce SOAP API");
        app.MapPost("/services/Soap/u/{version}/{orgId}", (HttpContext c, EmulatorState s, string version, string orgId) => Handle(c, s, version)).WithTags("Salesforce SOAP API");
    }

    private static async Task<IResult> Handle(HttpContext context, EmulatorState state, string version)
    {
        try
        {
            if (!RestDispatcher.TryParseVersion("v" + version, out var v))
                throw new SoapFaultException("UNSUPPORTED_API_VERSION", $"Invalid Api version specified on URL: {version}; use {RestDispatcher.Versions[0]} to {RestDispatcher.LatestVersion}.");
            var text = await RequestBodies.ReadAsync(context.Request.Body, context.Request.ContentLength, MaxRequestBytes, TooLarge, context.RequestAborted);
            var envelope = Parse(text).Root;
            if (envelope is null || envelope.Name != Env + "Envelope")
                throw new SoapFaultException("Client", $"Expected a SOAP 1.1 envelope ({{{Env.NamespaceName}}}Envelope), not {envelope?.Name.ToString() ?? "nothing"}.", client: true);
            var operation = envelope.Element(Env + "Body")?.Elements().FirstOrDefault()
                            ?? throw new SoapFaultException("Client", "The envelope has no Body with an operation.", client: true);
            if (operation.Name.Namespace != Partner)
                throw new SoapFaultException("Client", $"No operation available for request {operation.Name}; the partner API's namespace is {Partner.NamespaceName}.", client: true);
            context.Items[EmulatorMiddleware.LogKindKey] = "soap." + operation.Name.LocalName;
            if (operation.Name.LocalName == "login") return Xml(200, SoapLogin.Login(context, state, v, operation));

            var sessionId = envelope.Element(Env + "Header")?.Descendants().FirstOrDefault(e => e.Name.LocalName == "sessionId")?.Value.Trim();
            var grant = OAuthEndpoints.GrantOf(sessionId, state);
            var host = EmulatorHost.Of(context);
            if (grant is null || (host.Kind == HostKind.MyDomain && host.Org!.Key != grant.OrgKey))
                throw new SoapFaultException("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session");
            context.Items[EmulatorMiddleware.LogOrgKey] = grant.OrgKey;
            context.Items[EmulatorMiddleware.LogUserKey] = grant.UserId;
            context.Items[EmulatorMiddleware.LogClientKey] = grant.ClientId;
            var org = state.FindOrg(grant.OrgKey)!;
            var now = state.Clock.GetUtcNow();
            if (!org.Api.TryCount(now)) throw new SoapFaultException("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
            context.Items[EmulatorMiddleware.LogCountedKey] = true;
            var ctx = new RestContext(state, org, grant.UserId, grant.ClientId, v) { InstanceUrl = $"{context.Request.Scheme}://{context.Request.Host}" };
            XElement result;
            lock (org.Sync)
            {
                try
                {
                    result = SoapOperations.Run(ctx, operation, sessionId!);
                }
                catch (SalesforceException e)
                {
                    throw SoapFaultException.From(e);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or NullReferenceException or KeyNotFoundException or InvalidCastException or OverflowException)
                {
                    // A bug in the emulator, not the caller's fault: a fault as Salesforce gives for its own errors, and the log says so.
                    context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ContactBridge.Emulator").LogError(e, "Unexpected error answering SOAP {Operation}", operation.Name.LocalName);
                    throw new SoapFaultException("UNKNOWN_EXCEPTION", "An unexpected error occurred in the emulator: " + e.Message);
                }
            }
            var (used, max) = org.Api.Snapshot(now);
            var limits = new XElement(Partner + "LimitInfoHeader", new XElement(Partner + "limitInfo",
                new XElement(Partner + "current", used.ToString(CultureInfo.InvariantCulture)), new XElement(Partner + "limit", max.ToString(CultureInfo.InvariantCulture)),
                new XElement(Partner + "type", "API REQUESTS")));
            return Xml(200, Envelope(limits, result));
        }
        catch (SoapFaultException fault)
        {
            return Results.Text(SafeXml.Serialize(FaultEnvelope(fault)), "text/xml; charset=utf-8", Encoding.UTF8, 500);
        }
    }

    private static SoapFaultException TooLarge() => new("Client", "The request is larger than 50 MB: send fewer records a call.", client: true);

    private static IResult Xml(int status, XDocument document) => Results.Text(SafeXml.Serialize(document), "text/xml; charset=utf-8", Encoding.UTF8, status);
}
