using System.Text.Json.Serialization;
using ContactBridge.Linking;
using ContactBridge.Salesforce;
using ContactBridge.Tenants;
using ContactBridge.Web;

namespace ContactBridge.RoutingMaps;

/// <summary>An import as the API asks for it: the users as CSV text, or the users the hub has seen in events.</summary>
public sealed record ImportRequestBody(
    string? CallCenterId, string? MatchBy, string? Existing, bool DryRun, string? Csv, [property: JsonPropertyName("source")] string? Source);

public sealed record CallCenterView(string Id, string Name);

public sealed record ImportView(RoutingMapImport Import, ImportReport? Report);

/// <summary>The routing-map API: call centers, imports (build, validate with dryRun, write), their per-row reports and CSVs, and "keep it mapped".</summary>
public static class RoutingMapEndpoints
{
    public const int MaxCsvBytes = 20 * 1024 * 1024;

    public static void MapRoutingMaps(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}/routing-map").RequireAuthorization().WithTags("Routing map").RequireAntiforgery();
        api.MapGet("/call-centers", CallCenters).WithSummary("The linked org's call centers (contact centers), to choose the one to map.");
        api.MapPost("/imports", Create).Accepts<ImportRequestBody>("application/json").Produces<RoutingMapImport>(202).WithSummary("Builds, validates and (unless dryRun) writes the CallCenterRoutingMap; runs in the background, answers 202 with the import.");
        api.MapGet("/imports", List).WithSummary("Recent imports, newest first.");
        api.MapGet("/imports/{importId}", One).WithSummary("One import: state, progress, counts and each row's outcome.");
        api.MapGet("/imports/{importId}/results.csv", Results).WithSummary("Each row's outcome as CSV (created, updated, unchanged, skipped, failed with Salesforce's message, problem, unmatched).");
        api.MapGet("/imports/{importId}/routing-map.csv", Export).WithSummary("The routing map the import built, in the columns Salesforce documents for importing CallCenterRoutingMap.");
        api.MapGet("/settings", GetSettings).WithSummary("Whether new contact-center users are mapped automatically, to which call center and by which field.");
        api.MapPut("/settings", PutSettings).Accepts<SettingsBody>("application/json").WithSummary("Switches \"keep it mapped\" on or off.");
        api.MapGet("/seen-users", SeenUsers).WithSummary("The contact center's users the hub has seen in events, and what mapping them found.");
    }

    private static IResult Bad(string title, string detail, IEnumerable<string>? errors = null) => Microsoft.AspNetCore.Http.Results.Problem(statusCode: 400, title: title, detail: detail,
        extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors.ToList() });

    private static IResult NotLinked(LinkingException e) => Microsoft.AspNetCore.Http.Results.Problem(statusCode: 409, title: "Not linked to Salesforce", detail: e.Message);

    public static bool TryParseMatchBy(string? value, out MatchBy matchBy)
    {
        matchBy = MatchBy.Email;
        var v = (value ?? "email").Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim();
        if (v.Equals("federationidentifier", StringComparison.OrdinalIgnoreCase)) v = "FederationId";
        return Enum.TryParse(v, ignoreCase: true, out matchBy) && Enum.IsDefined(matchBy);
    }

    public static bool TryParseExisting(string? value, out ExistingMapPolicy policy) =>
        Enum.TryParse((value ?? "skip").Trim(), ignoreCase: true, out policy) && Enum.IsDefined(policy);

    /// <summary>The request's choices and users (the users file as its bytes, to be checked for UTF-8), or what is wrong with them.</summary>
    public static async Task<(RoutingMapRequest? Request, IReadOnlyList<TelephonyUser> Users, string Source, List<string> Errors)> ReadAsync(
        IServiceProvider services, string tenantId, string? callCenterId, string? matchBy, string? existing, bool dryRun, byte[]? csv, string? source, CancellationToken ct)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(callCenterId)) errors.Add("callCenterId is required: the call center (contact center) to map, 15 or 18 characters starting 04v.");
        if (!TryParseMatchBy(matchBy, out var by)) errors.Add($"matchBy '{matchBy}' is not one of email, username, alias, federation_id.");
        if (!TryParseExisting(existing, out var policy)) errors.Add($"existing '{existing}' is not one of skip, update.");
        var src = string.IsNullOrWhiteSpace(source) ? ImportSources.Csv : source.Trim();
        IReadOnlyList<TelephonyUser> users = [];
        if (src == ImportSources.Csv)
        {
            if (csv is null || csv.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) errors.Add("csv is required: the contact center's users with a header row (ExternalId and the match column), or source \"seen_users\".");
            else
            {
                var (parsed, problems) = TelephonyUserCsv.Parse(csv, by);
                errors.AddRange(problems.Select(p => p.Message));
                users = parsed;
            }
        }
        else if (src == ImportSources.SeenUsers)
        {
            var seen = await services.GetRequiredService<RoutingMapStore>().SeenUsersAsync(tenantId, ct);
            if (seen.Count == 0) errors.Add("The hub has not seen any contact-center users in events yet (agent_assigned events name them). Upload a CSV instead.");
            users = TelephonyUser.FromSeen(seen, by);
        }
        else errors.Add($"source '{source}' is not one of csv, seen_users.");
        return (errors.Count == 0 ? new RoutingMapRequest(callCenterId!.Trim(), by, policy, dryRun) : null, users, src, errors);
    }

    private static async Task<IResult> CallCenters(HttpContext c, string tenantId, SalesforceConnections connections)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        try
        {
            return Microsoft.AspNetCore.Http.Results.Ok(await CallCentersAsync(connections, tenantId, c.RequestAborted));
        }
        catch (LinkingException e)
        {
            return NotLinked(e);
        }
        catch (SalesforceApiException e)
        {
            return Microsoft.AspNetCore.Http.Results.Problem(statusCode: 502, title: "Salesforce refused the request", detail: $"{e.ErrorCode}: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !c.RequestAborted.IsCancellationRequested)
        {
            return Microsoft.AspNetCore.Http.Results.Problem(statusCode: 502, title: "Salesforce unreachable", detail: "Salesforce could not be reached; try again.");
        }
    }

    public static async Task<IReadOnlyList<CallCenterView>> CallCentersAsync(SalesforceConnections connections, string tenantId, CancellationToken ct)
    {
        var client = await connections.ClientAsync(tenantId, ct);
        var (records, _) = await client.QueryAllPagesAsync("SELECT Id, Name FROM CallCenter ORDER BY Name", ct);
        return records.Select(r => new CallCenterView(r["Id"]!.GetValue<string>(), r["Name"]?.GetValue<string>() ?? "")).ToList();
    }

    /// <summary>The JSON body, or a problem saying why it could not be read (a 400 with the parser's words, not the framework's generic one).</summary>
    private static async Task<(T? Body, IResult? Problem)> BodyAsync<T>(HttpContext c) where T : class
    {
        if (!c.Request.HasJsonContentType())
            return (null, Microsoft.AspNetCore.Http.Results.Problem(statusCode: 415, title: "Unsupported media type",
                detail: "Send the body as JSON, with Content-Type: application/json (a users file goes in its \"csv\" property as text)."));
        try
        {
            return (await System.Text.Json.JsonSerializer.DeserializeAsync<T>(c.Request.Body, BodyJson, c.RequestAborted), null);
        }
        catch (System.Text.Json.JsonException e)
        {
            return (null, Bad("Malformed JSON", e.Message));
        }
    }

    /// <summary>RFC 8259 JSON for interchange: a name given twice is refused, not read as the last one.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions BodyJson = new(System.Text.Json.JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    private static async Task<IResult> Create(HttpContext c, string tenantId, RoutingMapImporter importer, LinkStore links)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        var (body, problem) = await BodyAsync<ImportRequestBody>(c);
        if (problem is not null) return problem;
        if (body is null) return Bad("Missing import", "Send {\"callCenterId\", \"matchBy\", \"existing\", \"dryRun\", \"csv\"} as JSON.");
        if (body.Csv is { Length: > MaxCsvBytes }) return Bad("File too large", $"The CSV is larger than {MaxCsvBytes / 1024 / 1024} MiB; split it.");
        var (request, users, source, errors) = await ReadAsync(c.RequestServices, tenantId, body.CallCenterId, body.MatchBy, body.Existing, body.DryRun,
            body.Csv is null ? null : System.Text.Encoding.UTF8.GetBytes(body.Csv), body.Source, c.RequestAborted);
        if (request is null) return Bad("Invalid import", $"{errors.Count} problem(s).", errors);
        if ((await links.GetAsync(tenantId, c.RequestAborted)) is not { IsUsable: true })
            return Microsoft.AspNetCore.Http.Results.Problem(statusCode: 409, title: "Not linked to Salesforce", detail: "Link the tenant to its Salesforce org first (the Salesforce link page).");
        var import = await importer.StartAsync(tenantId, source, request, users, "user:" + CurrentUser.From(c.User)!.Email, c.RequestAborted);
        return Microsoft.AspNetCore.Http.Results.Accepted($"/api/v1/tenants/{tenantId}/routing-map/imports/{import.Id}", import);
    }

    private static async Task<IResult> List(HttpContext c, string tenantId, RoutingMapStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Microsoft.AspNetCore.Http.Results.Ok(await store.ListAsync(tenantId, 50, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> One(HttpContext c, string tenantId, string importId, RoutingMapStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId) || await store.GetAsync(tenantId, importId, c.RequestAborted) is not { } import) return TenantAccess.NotFoundProblem($"No import {importId} in this tenant.");
        return Microsoft.AspNetCore.Http.Results.Ok(new ImportView(import, await store.ReportAsync(tenantId, importId, c.RequestAborted)));
    }

    /// <summary>
    /// Each row's outcome, for people: a cell that a spreadsheet would run as a formula (=, +, -, @ first, as agent ids
    /// from events could be) is shown with a leading apostrophe. The routing-map export keeps values exact.
    /// </summary>
    public static string ResultsCsv(ImportReport report) =>
        RoutingMapCsv.Write(["Row", "ExternalId", "MatchValue", "SalesforceUser", "ReferenceRecordId", "DeveloperName", "Outcome", "RecordId", "Message"],
            report.Rows.Select(r => (IReadOnlyList<string?>)[r.Row.ToString(System.Globalization.CultureInfo.InvariantCulture), r.ExternalId, r.MatchValue,
                r.SalesforceUser, r.ReferenceRecordId, r.DeveloperName, r.Outcome, r.RecordId, r.Message]), forSpreadsheets: true);

    private static async Task<IResult> Results(HttpContext c, string tenantId, string importId, RoutingMapStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId) || await store.ReportAsync(tenantId, importId, c.RequestAborted) is not { } report) return TenantAccess.NotFoundProblem($"No finished import {importId} in this tenant.");
        return Microsoft.AspNetCore.Http.Results.File(System.Text.Encoding.UTF8.GetBytes(ResultsCsv(report)), "text/csv; charset=utf-8", $"routing-map-results-{importId}.csv");
    }

    private static async Task<IResult> Export(HttpContext c, string tenantId, string importId, RoutingMapStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId) || await store.ReportAsync(tenantId, importId, c.RequestAborted) is not { } report) return TenantAccess.NotFoundProblem($"No finished import {importId} in this tenant.");
        return Microsoft.AspNetCore.Http.Results.File(System.Text.Encoding.UTF8.GetBytes(RoutingMapCsv.Write(report.Plan)), "text/csv; charset=utf-8", $"CallCenterRoutingMap-{importId}.csv");
    }

    private static async Task<IResult> GetSettings(HttpContext c, string tenantId, RoutingMapStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Microsoft.AspNetCore.Http.Results.Json(await store.GetSettingsAsync(tenantId, c.RequestAborted), RoutingMapStore.Json) : TenantAccess.TenantNotFound(tenantId);

    public sealed record SettingsBody(bool KeepMapped, string? CallCenterId, string? MatchBy);

    /// <summary>The settings, or what is wrong with them.</summary>
    public static (RoutingMapSettings? Settings, string? Error) CheckSettings(bool keepMapped, string? callCenterId, string? matchBy)
    {
        if (!TryParseMatchBy(matchBy, out var by)) return (null, $"matchBy '{matchBy}' is not one of email, username, alias, federation_id.");
        string? center = null;
        if (!string.IsNullOrWhiteSpace(callCenterId))
        {
            if (!SalesforceIds.TryNormalize(callCenterId.Trim(), out var id) || SalesforceIds.Prefix(id) != RoutingMapPlanner.CallCenterPrefix)
                return (null, $"'{callCenterId.Trim()}' is not a call center id (15 or 18 characters starting {RoutingMapPlanner.CallCenterPrefix}).");
            center = id;
        }
        if (keepMapped && center is null) return (null, "Choose the call center new users are mapped in.");
        return (new RoutingMapSettings(keepMapped, center, by), null);
    }

    private static async Task<IResult> PutSettings(HttpContext c, string tenantId, RoutingMapStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        var (body, problem) = await BodyAsync<SettingsBody>(c);
        if (problem is not null) return problem;
        if (body is null) return Bad("Missing settings", "Send {\"keepMapped\", \"callCenterId\", \"matchBy\"} as JSON.");
        var (settings, error) = CheckSettings(body.KeepMapped, body.CallCenterId, body.MatchBy);
        if (settings is null) return Bad("Invalid settings", error!);
        await store.SaveSettingsAsync(tenantId, settings, c.RequestAborted);
        return Microsoft.AspNetCore.Http.Results.Json(settings, RoutingMapStore.Json);
    }

    private static async Task<IResult> SeenUsers(HttpContext c, string tenantId, RoutingMapStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Microsoft.AspNetCore.Http.Results.Ok(await store.SeenUsersAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);
}
