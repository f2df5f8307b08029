using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator.CallCenters;

/// <summary>The control API's call centers: import a definition file, list them, set the softphone layout, read the Open CTI record.</summary>
public static class CallCenterEndpoints
{
    private const int MaxDefinitionBytes = 128 * 1024;

    public static void MapCallCenterAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/_emulator/orgs/{org}").WithTags("Emulator control");
        admin.MapPost("/call-centers", Import)
            .Accepts<string>("application/xml", "text/xml")
            .WithSummary("Imports a call center definition file (XML), as Setup → Call Centers → Import does; a file with the internal name of an existing call center replaces its definition.");
        admin.MapGet("/call-centers", List).WithSummary("The org's call centers, their softphone settings and users.");
        admin.MapGet("/softphone-layout", (EmulatorState s, string org) =>
            s.FindOrg(org) is { } o ? Results.Ok(o.Console.SoftphoneLayout.Json) : NoOrg(org)).WithSummary("The softphone layout (getSoftphoneLayout's shape).");
        admin.MapPut("/softphone-layout", SetLayout).WithSummary("Replaces the softphone layout: per call type, the objects searched, the fields shown, and what pops for no, one or several matches.");
        admin.MapGet("/voice-calls/{id}/transcript", (EmulatorState s, string org, string id) =>
            {
                if (s.FindOrg(org) is not { } o) return NoOrg(org);
                lock (o.Sync) return Results.Ok(o.Transcripts.Of(Records.SalesforceId.TryNormalize(id, out var id18) ? id18 : id));
            })
            .WithSummary("The transcript telephony providers posted for a voice call (Telephony Integration REST API), in time order.");
        admin.MapPut("/conversation-vendor-infos/{developerName}", PutVendorInfo)
            .WithSummary("Creates or replaces a ConversationVendorInfo: a telephony vendor's connector URL (what Salesforce's voice widget loads for contact centers naming it in reqVendorInfoApiName).");
        admin.MapGet("/conversation-vendor-infos", (EmulatorState s, string org) =>
            {
                if (s.FindOrg(org) is not { } o) return NoOrg(org);
                lock (o.Sync) return Results.Ok(o.Console.VendorInfos.Values.OrderBy(v => v.DeveloperName, StringComparer.Ordinal).ToList());
            })
            .WithSummary("The org's ConversationVendorInfo records.");
        admin.MapGet("/presence-statuses", (EmulatorState s, string org) =>
            {
                if (s.FindOrg(org) is not { } o) return NoOrg(org);
                lock (o.Sync) return Results.Ok(o.Console.PresenceStatuses(o));
            })
            .WithSummary("The Omni-Channel presence statuses agents choose from in the voice widget: their ids, API names, labels, and whether they take calls.");
        admin.MapGet("/open-cti", (EmulatorState s, string org, long? after, string? username) =>
                s.FindOrg(org) is { } o ? Results.Ok(o.Console.OpenCti.Entries(after ?? 0, username)) : NoOrg(org))
            .WithSummary("What softphones did through Open CTI (calls with their answers and effects), and the navigations and clicks to dial that followed, oldest first.");
    }

    private static IResult NoOrg(string org) =>
        Results.Problem(detail: $"No org '{org}' on this emulator; GET /_emulator lists them.", statusCode: 404, title: "Not found");

    private static IResult Bad(string detail) => Results.Problem(detail: detail, statusCode: 400, title: "Invalid request");

    private static async Task<IResult> Import(HttpContext context, EmulatorState state, string org)
    {
        if (state.FindOrg(org) is not { } target) return NoOrg(org);
        var type = context.Request.ContentType ?? "";
        if (!type.StartsWith("application/xml", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("text/xml", StringComparison.OrdinalIgnoreCase))
            return Results.Problem(detail: "Send the call center definition file as application/xml.", statusCode: 415, title: "Unsupported media type");
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxDefinitionBytes) return Results.Problem(detail: $"The file is larger than {MaxDefinitionBytes / 1024} KiB.", statusCode: 413, title: "Too large");
            buffer.Write(chunk, 0, read);
        }
        string xml;
        try
        {
            xml = new UTF8Encoding(false, true).GetString(buffer.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return Bad("The file is not UTF-8 text.");
        }
        try
        {
            var result = CallCenterImport.Import(target, state.Clock, xml);
            var body = new { id = result.Center.Id, internalName = result.Definition.InternalName, displayName = result.Definition.DisplayName, created = result.Created, warnings = result.Definition.Warnings };
            return result.Created ? Results.Created($"/_emulator/orgs/{target.Key}/call-centers", body) : Results.Ok(body);
        }
        catch (CallCenterDefinitionException e)
        {
            return Results.Problem(detail: $"line {e.Line}: {e.Reason}", statusCode: 400, title: "Invalid call center definition",
                extensions: new Dictionary<string, object?> { ["line"] = e.Line, ["reason"] = e.Reason });
        }
        catch (Records.SalesforceException e)
        {
            return Bad($"The call center could not be saved: {e.Message} ({e.ErrorCode}).");
        }
    }

    private static IResult List(EmulatorState state, string org)
    {
        if (state.FindOrg(org) is not { } target) return NoOrg(org);
        lock (target.Sync)
        {
            var users = target.Records.OfType("User").Where(u => !u.IsDeleted).ToList();
            return Results.Ok(target.Records.OfType("CallCenter").Where(c => !c.IsDeleted).Select(c =>
            {
                var definition = CallCenterDefinition.Of(c);
                return new
                {
                    id = c.Id, internalName = c.GetString("InternalName"), displayName = c.GetString("Name"), adapterUrl = definition?.AdapterUrl,
                    lightning = definition?.ForLightning ?? false, softphoneWidth = definition?.SoftphoneWidth, softphoneHeight = definition?.SoftphoneHeight,
                    settings = definition?.Settings(), warnings = definition?.Warnings ?? [],
                    users = users.Where(u => u.GetString("CallCenterId") == c.Id).Select(u => u.GetString("Username")).ToList(),
                };
            }).ToList());
        }
    }

    public sealed record VendorInfoRequest(string? MasterLabel, string? VendorType, string? ConnectorUrl);

    private static readonly string[] VendorTypes = ["ServiceCloudVoicePartner", "BringYourOwnContactCenter"];

    private static async Task<IResult> PutVendorInfo(HttpContext context, EmulatorState state, string org, string developerName)
    {
        if (state.FindOrg(org) is not { } target) return NoOrg(org);
        VendorInfoRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<VendorInfoRequest>(context.Request.Body, JsonSerializerOptions.Web, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return Bad("The body is not JSON: " + e.Message);
        }
        var problems = new List<string>();
        if (!System.Text.RegularExpressions.Regex.IsMatch(developerName, "^[A-Za-z](?:[A-Za-z0-9]|_(?!_)){0,79}$") || developerName.EndsWith('_'))
            problems.Add("The developer name must start with a letter and hold only letters, digits and single underscores (at most 80), not ending in one.");
        if (body?.ConnectorUrl is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var u) || !(u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp && u.IsLoopback))
            problems.Add("connectorUrl must be an absolute https URL (http only on this machine).");
        var type = body?.VendorType ?? "ServiceCloudVoicePartner";
        if (!VendorTypes.Contains(type, StringComparer.Ordinal)) problems.Add($"vendorType must be one of {string.Join(", ", VendorTypes)}.");
        if (body?.MasterLabel is { Length: > 80 }) problems.Add("masterLabel is at most 80 characters.");
        if (problems.Count > 0) return Bad(string.Join(" ", problems));
        var info = new Lightning.VendorInfo(developerName, body!.MasterLabel ?? developerName, type, body.ConnectorUrl!);
        lock (target.Sync) target.Console.VendorInfos[developerName] = info;
        return Results.Ok(info);
    }

    private static async Task<IResult> SetLayout(HttpContext context, EmulatorState state, string org)
    {
        if (state.FindOrg(org) is not { } target) return NoOrg(org);
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            return Bad("The body is not JSON: " + e.Message);
        }
        try
        {
            target.Console.SoftphoneLayout = SoftphoneLayout.Parse(node ?? new JsonObject(), target.Schema);
            return Results.Ok(target.Console.SoftphoneLayout.Json);
        }
        catch (ArgumentException e)
        {
            return Bad(e.Message);
        }
    }
}
