using System.CommandLine;
using ContactBridge.Linking;
using ContactBridge.Tenants;

namespace ContactBridge.Cli;

/// <summary>
/// The command-line verbs. Each one that is not the server opens the same database and key file
/// as the server would (from appsettings.json, CONTACTBRIDGE_ variables or the options below).
/// </summary>
public static class CliCommands
{
    public static readonly Option<string?> DataDir = new("--data-dir") { Description = "Directory for the SQLite file and the key file (default: ./data).", Recursive = true };
    public static readonly Option<string?> Database = new("--database") { Description = "A SQLite or PostgreSQL connection string.", Recursive = true };
    public static readonly Option<string?> PublicUrl = new("--public-url") { Description = "The URL browsers reach the hub at (builds the Salesforce callback URL).", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("ContactBridge: connects a contact center to Salesforce.");
        root.Options.Add(DataDir);
        root.Options.Add(Database);
        root.Options.Add(PublicUrl);
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(Admin());
        root.Subcommands.Add(Tenant());
        root.Subcommands.Add(SystemApp());
        root.Subcommands.Add(Link());
        root.Subcommands.Add(Events());
        root.Subcommands.Add(ContactCenterConnectionCommands.Build());
        root.Subcommands.Add(RoutingMapCommands.Build());
        root.Subcommands.Add(WorkforceCommands.Build());
        return root;
    }

    public static Dictionary<string, string?> Settings(ParseResult p)
    {
        var settings = new Dictionary<string, string?>();
        if (p.GetValue(DataDir) is { } dir) settings[$"{HubOptions.Section}:DataDirectory"] = dir;
        if (p.GetValue(Database) is { } db) settings[$"{HubOptions.Section}:Database"] = db;
        if (p.GetValue(PublicUrl) is { } url) settings[$"{HubOptions.Section}:PublicUrl"] = url;
        return settings;
    }

    /// <summary>Runs a verb against the hub's services without serving HTTP; errors a user can fix print as one line.</summary>
    internal static async Task<int> WithServicesAsync(ParseResult p, Func<IServiceProvider, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        await using var app = HubServer.Build(new HubServerOptions { Settings = Settings(p), RunBackgroundWorkers = false, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning) });
        try
        {
            await HubServer.PrepareAsync(app.Services, ct);
            return await action(app.Services, ct);
        }
        catch (Exception e) when (e is ArgumentException or LinkingException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static string Secret(string? value, string what)
    {
        if (value is "-")
        {
            var line = Console.ReadLine();
            return string.IsNullOrEmpty(line) ? throw new ArgumentException($"No {what} on standard input.") : line.Trim();
        }
        return value ?? throw new ArgumentException($"Give the {what}, or '-' to read it from standard input.");
    }

    private static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5180" };
        var command = new Command("serve", "Runs the hub: HTTP API, admin portal and background workers.") { urls };
        command.SetAction(async (p, ct) =>
        {
            await using var server = await HubServer.StartAsync(new HubServerOptions { Urls = p.GetValue(urls)!, Settings = Settings(p) }, ct);
            Console.WriteLine($"ContactBridge is serving the portal at {server.BaseUri} (OpenAPI: {server.BaseUri}openapi/v1.json). Press Ctrl+C to stop.");
            await server.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static Command Admin()
    {
        var email = new Option<string>("--email") { Required = true, Description = "The administrator's e-mail." };
        var password = new Option<string?>("--password") { Description = "At least 12 characters; '-' reads it from standard input." };
        var create = new Command("create", "Creates a system administrator (the first one, or another).") { email, password };
        create.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var user = await sp.GetRequiredService<UserStore>().CreateAsync(p.GetValue(email)!, Secret(p.GetValue(password), "password"), Roles.SystemAdmin, null, ct2);
            Console.WriteLine($"System administrator {user.Email} created. Sign in to the portal with it.");
            return 0;
        }, ct));
        return new Command("admin", "Manages system administrators.") { create };
    }

    internal static readonly Option<string> TenantOption = new("--tenant") { Required = true, Description = "The tenant's id or slug." };

    internal static async Task<Tenant> TenantAsync(IServiceProvider sp, ParseResult p, CancellationToken ct) =>
        await sp.GetRequiredService<TenantStore>().GetAsync(p.GetValue(TenantOption)!, ct)
        ?? throw new ArgumentException($"No tenant '{p.GetValue(TenantOption)}'. List them with: contactbridge tenant list");

    private static Command Tenant()
    {
        var name = new Option<string>("--name") { Required = true, Description = "The tenant's name." };
        var create = new Command("create", "Creates a tenant.") { name };
        create.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await sp.GetRequiredService<TenantStore>().CreateAsync(p.GetValue(name)!, ct2);
            Console.WriteLine($"Tenant '{t.Name}' created: id {t.Id}, slug {t.Slug}.");
            return 0;
        }, ct));
        var list = new Command("list", "Lists tenants and their Salesforce link status.") { ConsoleOutput.Json };
        list.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var links = sp.GetRequiredService<LinkStore>();
            var rows = new List<(Tenant Tenant, string Status)>();
            foreach (var t in await sp.GetRequiredService<TenantStore>().ListAsync(ct2)) rows.Add((t, (await links.GetAsync(t.Id, ct2))?.Status ?? LinkStatus.Unlinked));
            if (p.GetValue(ConsoleOutput.Json))
                ConsoleOutput.WriteJson(rows.Select(r => new { r.Tenant.Id, r.Tenant.Slug, r.Tenant.Name, linkStatus = r.Status }));
            else
                ConsoleOutput.Table(["Slug", "Id", "Salesforce link", "Name"], rows.Select(r => new[] { r.Tenant.Slug, r.Tenant.Id, LinkStatus.Label(r.Status), r.Tenant.Name }).ToList(),
                    c => $"{c[0],-30} {c[1]}  {c[2]}  {c[3]}");
            return 0;
        }, ct));
        var email = new Option<string>("--email") { Required = true };
        var password = new Option<string?>("--password") { Description = "At least 12 characters; '-' reads it from standard input." };
        var addAdmin = new Command("add-admin", "Creates a tenant administrator, who manages that tenant only.") { TenantOption, email, password };
        addAdmin.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var user = await sp.GetRequiredService<UserStore>().CreateAsync(p.GetValue(email)!, Secret(p.GetValue(password), "password"), Roles.TenantAdmin, t.Id, ct2);
            Console.WriteLine($"Tenant administrator {user.Email} created for '{t.Name}'.");
            return 0;
        }, ct));
        return new Command("tenant", "Manages tenants.") { create, list, addAdmin };
    }

    private static Command SystemApp()
    {
        var clientId = new Option<string>("--client-id") { Required = true, Description = "The connected app's consumer key." };
        var clientSecret = new Option<string>("--client-secret") { Required = true, Description = "The consumer secret, or '-' to read it from standard input." };
        var set = new Command("set", "Sets the platform's Salesforce connected app (system configuration).") { clientId, clientSecret };
        set.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            await sp.GetRequiredService<SalesforceLinkService>().SetSystemAppAsync(p.GetValue(clientId)!, Secret(p.GetValue(clientSecret), "client secret"), ct2);
            Console.WriteLine("The platform's connected app is saved (the secret is encrypted).");
            return 0;
        }, ct));
        return new Command("system-app", "The platform-wide Salesforce connected app.") { set };
    }

    private static Command Events()
    {
        var secret = new Command("secret", "Creates a new event-signing secret for a tenant; the previous one stays valid until the next rotation.") { TenantOption };
        secret.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var value = await sp.GetRequiredService<ContactBridge.Intake.IntakeSecrets>().RotateAsync(t.Id, ct2);
            Console.WriteLine($"New signing secret for {t.Name} (shown once; store it in the contact-center platform):");
            Console.WriteLine(value);
            Console.WriteLine($"Events go to POST /api/v1/tenants/{t.Id}/events, signed with {ContactBridge.Intake.EventSignature.Header}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>.");
            return 0;
        }, ct));
        return new Command("events", "The signed event API through which the contact center reports interactions.") { secret };
    }

    private static void PrintStatus(Tenant t, SalesforceLink? link)
    {
        var v = LinkingEndpoints.Describe(t.Id, link);
        if (ConsoleOutput.Interactive)
        {
            string[][] rows =
            [
                ["Tenant", t.Name], ["Status", v.StatusLabel + (v.StatusReason is null ? "" : $" — {v.StatusReason}")], ["User", v.Username ?? ""], ["Org", v.OrgId ?? ""],
                ["Environment", v.Environment is null ? "" : $"{v.Environment} ({v.Flow})"], ["API version", v.ApiVersion ?? ""], ["Instance", v.InstanceUrl ?? ""],
            ];
            ConsoleOutput.Table(["", ""], rows.Where(r => r[1].Length > 0).ToList(), r => string.Join(": ", r), showHeaders: false);
            return;
        }
        Console.WriteLine($"{t.Name}: {v.StatusLabel}{(v.StatusReason is null ? "" : $" — {v.StatusReason}")}");
        if (v.Username is not null) Console.WriteLine($"  {v.Username} in org {v.OrgId} ({v.Environment}, {v.Flow}), API {v.ApiVersion}, {v.InstanceUrl}");
    }

    private static Command Link()
    {
        var status = new Command("status", "Shows a tenant's link.") { TenantOption, ConsoleOutput.Json };
        status.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var link = await sp.GetRequiredService<LinkStore>().GetAsync(t.Id, ct2);
            if (p.GetValue(ConsoleOutput.Json)) ConsoleOutput.WriteJson(LinkingEndpoints.Describe(t.Id, link));
            else PrintStatus(t, link);
            return 0;
        }, ct));

        var check = new Command("check", "Checks a tenant's link now (one API call); a refused grant moves it to Needs relink.") { TenantOption };
        check.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var link = await sp.GetRequiredService<SalesforceLinkService>().CheckAsync(t.Id, ct2);
            PrintStatus(t, link);
            return link?.IsUsable == true ? 0 : 3;
        }, ct));

        var environment = new Option<string>("--environment") { Description = "production, sandbox or my_domain.", DefaultValueFactory = _ => SalesforceEnvironment.Production };
        environment.AcceptOnlyFromAmong(SalesforceEnvironment.Production, SalesforceEnvironment.Sandbox, SalesforceEnvironment.MyDomain);
        var myDomain = new Option<string?>("--my-domain") { Description = "The My Domain URL, with --environment my_domain." };
        var custom = new Option<bool>("--custom") { Description = "Use the tenant's own connected app (custom configuration)." };
        var apiVersion = new Option<string?>("--api-version") { Description = "62.0 or v62.0." };
        var web = new Command("web", "Links with the web-server flow: open the printed URL, allow access, then paste the address the browser lands on.")
            { TenantOption, environment, myDomain, custom, apiVersion };
        web.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var service = sp.GetRequiredService<SalesforceLinkService>();
            var session = "cli-" + Guid.NewGuid().ToString("N");
            var url = await service.StartWebLinkAsync(t.Id, session, p.GetValue(environment)!, p.GetValue(myDomain),
                p.GetValue(custom) ? AppConfiguration.Custom : AppConfiguration.System, p.GetValue(apiVersion), ct2);
            Console.WriteLine("Open this URL, sign in as the Salesforce API user and choose Allow:");
            Console.WriteLine();
            Console.WriteLine("  " + url);
            Console.WriteLine();
            Console.Write("Then paste the full address your browser was sent to: ");
            var pasted = (Console.ReadLine() ?? "").Trim();
            if (!Uri.TryCreate(pasted, UriKind.Absolute, out var callback)) throw new ArgumentException("That is not the address the browser was sent to (it starts with the callback URL).");
            var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(callback.Query);
            var (_, what) = await service.CompleteWebLinkAsync(session, q.GetValueOrDefault("state"), q.GetValueOrDefault("code"), q.GetValueOrDefault("error"),
                q.GetValueOrDefault("error_description"), ct2);
            Console.WriteLine($"{t.Name}: {what}.");
            PrintStatus(t, await sp.GetRequiredService<LinkStore>().GetAsync(t.Id, ct2));
            return 0;
        }, ct));

        var tokenUrl = new Option<string?>("--token-url") { Description = "Default: https://login.salesforce.com/services/oauth2/token (use your My Domain's)." };
        var clientId = new Option<string>("--client-id") { Required = true };
        var clientSecret = new Option<string>("--client-secret") { Required = true, Description = "Or '-' to read it from standard input." };
        var cc = new Command("client-credentials", "Links server-to-server with the client-credentials flow.") { TenantOption, tokenUrl, clientId, clientSecret, apiVersion };
        cc.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var what = await sp.GetRequiredService<SalesforceLinkService>().LinkWithClientCredentialsAsync(t.Id, p.GetValue(tokenUrl), p.GetValue(clientId)!,
                Secret(p.GetValue(clientSecret), "client secret"), p.GetValue(apiVersion), ct2);
            Console.WriteLine($"{t.Name}: {what}.");
            PrintStatus(t, await sp.GetRequiredService<LinkStore>().GetAsync(t.Id, ct2));
            return 0;
        }, ct));

        var username = new Option<string>("--username") { Required = true };
        var password = new Option<string>("--password") { Required = true, Description = "Password followed by the security token, or '-' to read it from standard input." };
        var legacy = new Command("import-legacy", "Imports a link made with a username and password (shown as Legacy; relink with OAuth to replace it).")
            { TenantOption, environment, myDomain, clientId, clientSecret, username, password, apiVersion };
        legacy.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            var secret = Secret(p.GetValue(clientSecret), "client secret");
            await sp.GetRequiredService<SalesforceLinkService>().ImportLegacyAsync(t.Id, p.GetValue(environment)!, p.GetValue(myDomain), p.GetValue(clientId)!, secret,
                p.GetValue(username)!, Secret(p.GetValue(password), "password"), p.GetValue(apiVersion), ct2);
            PrintStatus(t, await sp.GetRequiredService<LinkStore>().GetAsync(t.Id, ct2));
            Console.WriteLine("The password is stored encrypted. Salesforce is retiring this flow: relink with OAuth soon.");
            return 0;
        }, ct));

        var unlink = new Command("unlink", "Revokes the tokens at Salesforce and forgets them.") { TenantOption };
        unlink.SetAction((p, ct) => WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await TenantAsync(sp, p, ct2);
            await sp.GetRequiredService<SalesforceLinkService>().UnlinkAsync(t.Id, "command line", ct2);
            Console.WriteLine($"{t.Name}: unlinked. {SalesforceLinkService.UnlinkConsequences}");
            return 0;
        }, ct));
        return new Command("link", "Links tenants to Salesforce orgs.") { status, check, web, cc, legacy, unlink };
    }
}
