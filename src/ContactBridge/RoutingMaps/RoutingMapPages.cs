using System.Globalization;
using ContactBridge.Linking;
using ContactBridge.Tenants;
using ContactBridge.Web;

namespace ContactBridge.RoutingMaps;

/// <summary>
/// The portal's user-mapping pages: upload the contact center's users (or use those seen in events), choose the call
/// center, match field and what to do with users already mapped, then follow the import and download its outcome.
/// </summary>
public static class RoutingMapPages
{
    public const int RowsShown = 1000;

    public static void MapRoutingMapPages(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}/routing-map").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("", (HttpContext c, string tenantId) => PageAsync(c, tenantId, null, null));
        portal.MapPost("/imports", StartImport);
        portal.MapGet("/imports/{importId}", ImportPageAsync);
        portal.MapPost("/settings", SaveSettings);
    }

    private static async Task<IResult> PageAsync(HttpContext c, string tenantId, string? ok, string? error, int status = 200)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.NotFoundPage();
        var sp = c.RequestServices;
        var store = sp.GetRequiredService<RoutingMapStore>();
        var settings = await store.GetSettingsAsync(tenantId, c.RequestAborted);
        IReadOnlyList<CallCenterView> centers = [];
        string? linkProblem = null;
        try
        {
            centers = await RoutingMapEndpoints.CallCentersAsync(sp.GetRequiredService<SalesforceConnections>(), tenantId, c.RequestAborted);
        }
        catch (LinkingException e)
        {
            linkProblem = e.Message;
        }
        catch (ContactBridge.Salesforce.SalesforceApiException e)
        {
            linkProblem = $"Salesforce did not list the call centers ({e.ErrorCode}: {e.Message}). Type the call center id instead.";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !c.RequestAborted.IsCancellationRequested)
        {
            linkProblem = "Salesforce could not be reached to list the call centers. Type the call center id instead, or try again.";
        }
        return PortalPage.Render<RoutingMapPage>(new
        {
            Tenant = tenant, Settings = settings, Centers = centers, SeenUsers = (await store.SeenUsersAsync(tenantId, c.RequestAborted)).Count,
            Imports = await store.ListAsync(tenantId, 20, c.RequestAborted), LinkProblem = linkProblem, Ok = ok, Error = error,
        }, status);
    }

    public static string StateLabel(RoutingMapImport i) => i.State switch
    {
        ImportStates.Running => "running",
        ImportStates.Done => "done",
        ImportStates.DoneWithFailures => "done, some rows failed",
        ImportStates.Invalid => "not written: problems found",
        ImportStates.DryRun => "dry run",
        ImportStates.Failed => "failed",
        _ => i.State,
    };

    public static string SummaryText(RoutingMapImport i)
    {
        if (i.Summary is not { } s) return i.Error ?? "";
        var parts = new List<string>();
        void Add(int n, string what)
        {
            if (n > 0) parts.Add($"{n.ToString("N0", CultureInfo.InvariantCulture)} {what}");
        }
        Add(s.Created, "created");
        Add(s.Updated, "updated");
        Add(s.WouldCreate, "would be created");
        Add(s.WouldUpdate, "would be updated");
        Add(s.Unchanged, "unchanged");
        Add(s.Skipped, "skipped (already mapped)");
        Add(s.Failed, "failed");
        Add(s.Problems, "with problems");
        Add(s.Unmatched, "unmatched");
        return parts.Count == 0 ? "no rows" : string.Join(", ", parts);
    }

    private static async Task<IResult> StartImport(HttpContext c, string tenantId, RoutingMapImporter importer, LinkStore links)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage();
        if (!c.Request.HasFormContentType) return await PageAsync(c, tenantId, null, "Send the users file with this page's form (multipart/form-data).", 415);
        IFormCollection form;
        try
        {
            form = await c.Request.ReadFormAsync(c.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException && !c.RequestAborted.IsCancellationRequested)
        {
            // Past the form reader's limits (fields, sizes), a multipart body that ends early, or a %00 in a field.
            return await PageAsync(c, tenantId, null, $"The form could not be read ({e.Message}). Choose the file again and resubmit the page's form.", 400);
        }
        var source = form["source"].ToString();
        byte[]? csv = null;
        if (source != ImportSources.SeenUsers)
        {
            var file = form.Files.GetFile("file");
            if (file is null || file.Length == 0) return await PageAsync(c, tenantId, null, "Choose the CSV file of contact-center users first.", 400);
            if (file.Length > RoutingMapEndpoints.MaxCsvBytes) return await PageAsync(c, tenantId, null, $"The file is larger than {RoutingMapEndpoints.MaxCsvBytes / 1024 / 1024} MiB; split it.", 400);
            using var bytes = new MemoryStream((int)file.Length);
            await file.CopyToAsync(bytes, c.RequestAborted);
            csv = bytes.ToArray();
        }
        var (request, users, src, errors) = await RoutingMapEndpoints.ReadAsync(c.RequestServices, tenantId, form["callCenterId"], form["matchBy"], form["existing"],
            form["dryRun"] == "true", csv, source, c.RequestAborted);
        if (request is null) return await PageAsync(c, tenantId, null, string.Join(" ", errors), 400);
        if ((await links.GetAsync(tenantId, c.RequestAborted)) is not { IsUsable: true })
            return await PageAsync(c, tenantId, null, "Link the tenant to its Salesforce org first (the Salesforce link page).", 409);
        var import = await importer.StartAsync(tenantId, src, request, users, "user:" + CurrentUser.From(c.User)!.Email, c.RequestAborted);
        return Results.Redirect($"/tenants/{tenantId}/routing-map/imports/{import.Id}");
    }

    private static async Task<IResult> ImportPageAsync(HttpContext c, string tenantId, string importId, RoutingMapStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant || await store.GetAsync(tenantId, importId, c.RequestAborted) is not { } import)
            return TenantAccess.NotFoundPage("tenant or import");
        var report = import.Finished ? await store.ReportAsync(tenantId, importId, c.RequestAborted) : null;
        return PortalPage.Render<ImportPage>(new { Tenant = tenant, Import = import, Report = report });
    }

    private static async Task<IResult> SaveSettings(HttpContext c, string tenantId, IFormCollection f, RoutingMapStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.NotFoundPage();
        var (settings, error) = RoutingMapEndpoints.CheckSettings(f["keepMapped"] == "true", f["callCenterId"], f["matchBy"]);
        if (settings is null) return await PageAsync(c, tenantId, null, error, 400);
        await store.SaveSettingsAsync(tenantId, settings, c.RequestAborted);
        return await PageAsync(c, tenantId, settings.KeepMapped ? "New contact-center users will be mapped automatically." : "Automatic mapping is off.", null);
    }
}
