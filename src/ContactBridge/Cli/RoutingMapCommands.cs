using System.CommandLine;
using System.Globalization;
using ContactBridge.Linking;
using ContactBridge.RoutingMaps;

namespace ContactBridge.Cli;

/// <summary>
/// <c>contactbridge routing-map …</c>: list call centers, then build, validate, export and import a tenant's
/// CallCenterRoutingMap from a CSV of contact-center users (or the users seen in events).
/// </summary>
public static class RoutingMapCommands
{
    private const int RowsPrinted = 20;

    private static readonly Option<string?> Users = new("--users") { Description = "CSV of contact-center users: ExternalId, the match column (Email, Username, Alias or FederationId), optional QuickConnect and ReferenceRecordId. '-' reads standard input." };
    private static readonly Option<bool> SeenUsers = new("--seen-users") { Description = "Use the contact-center users the hub has seen in events instead of a file." };
    private static readonly Option<string> CallCenter = new("--call-center") { Required = true, Description = "The call center (contact center) id, 15 or 18 characters starting 04v; see 'routing-map call-centers'." };
    private static readonly Option<string> MatchByOption = new("--match-by") { Description = "email, username, alias or federation_id.", DefaultValueFactory = _ => "email" };
    private static readonly Option<string> Existing = new("--existing") { Description = "Users already mapped in the call center: skip (leave them) or update (their ExternalId and QuickConnect).", DefaultValueFactory = _ => "skip" };

    public static Command Build()
    {
        var centers = new Command("call-centers", "Lists the linked org's call centers (contact centers) and their ids.") { CliCommands.TenantOption, ConsoleOutput.Json };
        centers.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            var list = await RoutingMapEndpoints.CallCentersAsync(sp.GetRequiredService<SalesforceConnections>(), t.Id, ct2);
            if (p.GetValue(ConsoleOutput.Json))
            {
                ConsoleOutput.WriteJson(list);
                return 0;
            }
            if (list.Count == 0) Console.WriteLine($"{t.Name}'s org has no call centers. Create one in Setup → Contact Centers.");
            else ConsoleOutput.Table(["Id", "Name"], list.Select(c => new[] { c.Id, c.Name }).ToList(), r => $"{r[0]}  {r[1]}");
            return 0;
        }, ct));

        var build = Verb("build", "Matches the users and shows the routing map that would be written, row by row (writes nothing).");
        build.SetAction((p, ct) => RunAsync(p, dryRun: true, (import, report) =>
        {
            if (PrintedAsJson(p, import, report)) return import.State == ImportStates.Invalid ? 2 : 0;
            PrintSummary(import, report);
            PrintRows(report, _ => true);
            return import.State == ImportStates.Invalid ? 2 : 0;
        }, ct));

        var validate = Verb("validate", "Checks every row (ids, users, call center, duplicates, already-mapped users, lengths) and lists the problems; exit code 2 if there are any.");
        validate.SetAction((p, ct) => RunAsync(p, dryRun: true, (import, report) =>
        {
            if (PrintedAsJson(p, import, report)) return import.State == ImportStates.Invalid ? 2 : 0;
            PrintSummary(import, report);
            PrintRows(report, r => r.Outcome is Outcomes.Problem or Outcomes.Unmatched);
            if (import.State == ImportStates.Invalid) return 2;
            Console.WriteLine("Valid: nothing stops an import.");
            return 0;
        }, ct));

        var output = new Option<string?>("--out") { Description = "Where to write the CSV (default: standard output)." };
        var newOnly = new Option<bool>("--new-only") { Description = "Only the maps that do not exist yet (to import with another tool)." };
        var export = Verb("export", "Writes the routing map as CSV in the columns Salesforce documents: ExternalId, ReferenceRecordId, CallCenterId, DeveloperName, QuickConnect, MasterLabel.");
        export.Options.Add(output);
        export.Options.Add(newOnly);
        export.SetAction((p, ct) => RunAsync(p, dryRun: true, (import, report) =>
        {
            if (import.State == ImportStates.Invalid)
            {
                PrintSummary(import, report, Console.Error);
                Console.Error.WriteLine("Nothing exported: fix the problems first ('routing-map validate' lists them).");
                return 2;
            }
            var rows = report.Plan.Where(r => !p.GetValue(newOnly) || r.Action == RowAction.Create).ToList();
            var csv = RoutingMapCsv.Write(rows);
            if (p.GetValue(output) is { } path)
            {
                File.WriteAllText(path, csv);
                Console.WriteLine($"{rows.Count:N0} routing map row(s) written to {path}.");
            }
            else Console.Write(csv);
            return 0;
        }, ct, quiet: p.GetValue(output) is null));

        var dryRunOption = new Option<bool>("--dry-run") { Description = "Check and show what would be written; write nothing." };
        var results = new Option<string>("--results") { Description = "Where to save each row's outcome as CSV.", DefaultValueFactory = _ => "routing-map-results.csv" };
        var import = Verb("import", "Builds, validates and writes the routing map (sObject collections up to 200 rows, else Bulk API 2.0), with each row's outcome saved as CSV.");
        import.Options.Add(dryRunOption);
        import.Options.Add(results);
        import.SetAction((p, ct) => RunAsync(p, dryRun: p.GetValue(dryRunOption), (imp, report) =>
        {
            File.WriteAllText(p.GetValue(results)!, RoutingMapEndpoints.ResultsCsv(report));
            if (!PrintedAsJson(p, imp, report))
            {
                PrintSummary(imp, report);
                PrintRows(report, r => r.Outcome is not (Outcomes.Unchanged or Outcomes.Created or Outcomes.Updated or Outcomes.WouldCreate or Outcomes.WouldUpdate) || imp.DryRun);
                Console.WriteLine($"Each row's outcome: {p.GetValue(results)}");
            }
            return imp.State switch { ImportStates.Done or ImportStates.DryRun => 0, ImportStates.Invalid => 2, _ => 3 };
        }, ct));

        return new Command("routing-map", "Service Cloud Voice user mapping: the CallCenterRoutingMap between Salesforce users and telephony users.")
            { centers, build, validate, export, import };
    }

    private static Command Verb(string name, string description) =>
        new(name, description) { CliCommands.TenantOption, Users, SeenUsers, CallCenter, MatchByOption, Existing, ConsoleOutput.Json };

    /// <summary>With --json: the import (state, counts, API calls) and every row's outcome, as the API gives them.</summary>
    private static bool PrintedAsJson(ParseResult p, RoutingMapImport import, ImportReport report)
    {
        if (!p.GetValue(ConsoleOutput.Json)) return false;
        ConsoleOutput.WriteJson(new { import, rows = report.Rows, unmappedSalesforceUsers = report.UnmappedSalesforceUsers });
        return true;
    }

    private static Task<int> RunAsync(ParseResult p, bool dryRun, Func<RoutingMapImport, ImportReport, int> show, CancellationToken ct, bool quiet = false) =>
        CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            var file = p.GetValue(Users);
            if (file is null == !p.GetValue(SeenUsers)) throw new ArgumentException("Give the users either as --users <file.csv> or with --seen-users.");
            byte[]? csv = null;
            if (file is not null)
            {
                if (file != "-" && !File.Exists(file)) throw new ArgumentException($"No file {Path.GetFullPath(file)}.");
                csv = file == "-" ? await StandardInputAsync(ct2) : await File.ReadAllBytesAsync(file, ct2);
            }
            var (request, users, source, errors) = await RoutingMapEndpoints.ReadAsync(sp, t.Id, p.GetValue(CallCenter), p.GetValue(MatchByOption), p.GetValue(Existing), dryRun, csv,
                file is null ? ImportSources.SeenUsers : ImportSources.Csv, ct2);
            if (request is null) throw new ArgumentException(string.Join(Environment.NewLine + "error: ", errors));
            var import = await ConsoleOutput.WithProgressAsync("Routing map", quiet || p.GetValue(ConsoleOutput.Json), progress =>
                sp.GetRequiredService<RoutingMapImporter>().ImportAsync(t.Id, source, request, users, "cli:" + Environment.UserName, progress, ct2));
            if (import.State is ImportStates.Failed or ImportStates.Interrupted)
            {
                await Console.Error.WriteLineAsync($"error: {import.Error}");
                return 3;
            }
            var report = (await sp.GetRequiredService<RoutingMapStore>().ReportAsync(t.Id, import.Id, ct2))!;
            return show(import, report);
        }, ct);

    /// <summary>The bytes as piped in, not decoded with the console's encoding, so the file's own encoding is checked.</summary>
    private static async Task<byte[]> StandardInputAsync(CancellationToken ct)
    {
        using var input = Console.OpenStandardInput();
        using var bytes = new MemoryStream();
        await input.CopyToAsync(bytes, ct);
        return bytes.ToArray();
    }

    private static void PrintSummary(RoutingMapImport import, ImportReport report, TextWriter? to = null)
    {
        to ??= Console.Out;
        to.WriteLine($"{report.Rows.Count:N0} row(s): {RoutingMapPages.SummaryText(import)}.");
        if (import.Method is not null) to.WriteLine($"Written by {import.Method} in {import.ApiCalls:N0} Salesforce API call(s) (reading included).");
        else to.WriteLine($"Salesforce API calls: {import.ApiCalls:N0} (reading users, call center and existing maps).");
        if (import.Error is not null) to.WriteLine($"error: {import.Error}");
        if (import.State == ImportStates.Invalid) to.WriteLine("Nothing was written: every problem below must be fixed first (rows are counted from the first line after the header).");
        if (report.UnmappedSalesforceUsers.Count > 0)
        {
            to.WriteLine($"{report.UnmappedSalesforceUsers.Count:N0} active user(s) of the call center have no routing map and no row: " +
                         string.Join(", ", report.UnmappedSalesforceUsers.Take(10)) + (report.UnmappedSalesforceUsers.Count > 10 ? ", …" : ""));
        }
    }

    private static void PrintRows(ImportReport report, Func<RowOutcome, bool> which)
    {
        var rows = report.Rows.Where(which).ToList();
        if (rows.Count == 0) return;
        Console.WriteLine();
        if (!ConsoleOutput.Interactive) Console.WriteLine($"{"Row",5}  {"ExternalId",-24} {"Salesforce user",-30} {"Outcome",-13} Message");
        ConsoleOutput.Table(["Row", "ExternalId", "Salesforce user", "Outcome", "Message"],
            rows.Take(RowsPrinted).Select(r => new[] { r.Row.ToString(CultureInfo.InvariantCulture), r.ExternalId ?? "", r.SalesforceUser ?? r.MatchValue ?? "", r.Outcome, r.Message ?? "" }).ToList(),
            c => $"{c[0],5}  {Cut(c[1], 24),-24} {Cut(c[2], 30),-30} {c[3],-13} {c[4]}");
        if (rows.Count > RowsPrinted) Console.WriteLine($"… and {rows.Count - RowsPrinted:N0} more row(s).");
    }

    private static string Cut(string? s, int n) => s is null ? "" : s.Length <= n ? s : s[..(n - 1)] + "…";
}
