using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Workforce;

namespace ContactBridge.Cli;

/// <summary><c>contactbridge workforce …</c>: a tenant's WFM integrations, set from JSON as the API takes them, and the historical feed as CSV.</summary>
public static class WorkforceCommands
{
    private static readonly Option<string> Group = new("--group") { Description = "The integration's group.", DefaultValueFactory = _ => WorkforceSettingsRules.DefaultGroup };

    public static Command Build()
    {
        var list = new Command("list", "Lists the tenant's integrations: kind, group, on or off, how far the historical feed has computed.") { CliCommands.TenantOption, ConsoleOutput.Json };
        list.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            var views = (await sp.GetRequiredService<WorkforceSettingsStore>().ListAsync(t.Id, ct2)).Select(WorkforceIntegrationView.Of).ToList();
            if (p.GetValue(ConsoleOutput.Json)) ConsoleOutput.WriteJson(views);
            else if (views.Count == 0) Console.WriteLine($"{t.Name} has no workforce integration: add one with `contactbridge workforce set --tenant {t.Slug} --kind historical --settings settings.json`.");
            else ConsoleOutput.Table(["Kind", "Group", "Status", "Computed through", "Revision"],
                views.Select(v => new[] { v.Kind, v.Group, v.Enabled ? "on" : "off", v.ComputedThrough?.ToString("u", CultureInfo.InvariantCulture) ?? "—", v.Revision.ToString(CultureInfo.InvariantCulture) }).ToList(),
                r => string.Join("  ", r));
            return 0;
        }, ct));

        var kind = new Option<string>("--kind") { Required = true, Description = "historical or realtime." };
        var file = new Option<string>("--settings") { Required = true, Description = "The settings as JSON, as the API takes them (a file, or '-' for standard input)." };
        var set = new Command("set", "Creates or replaces an integration from JSON; every setting is checked (against the org too) and a refused one is named, with nothing changed.")
        {
            CliCommands.TenantOption, kind, Group, file,
        };
        set.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            var path = p.GetValue(file)!;
            var text = path == "-" ? await Console.In.ReadToEndAsync(ct2) : await File.ReadAllTextAsync(path, ct2);
            var integrations = sp.GetRequiredService<WorkforceIntegrations>();
            WorkforceSaveOutcome outcome;
            try
            {
                var body = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("the settings are not a JSON object");
                var secret = body["clientSecret"]?.GetValue<string>();
                body.Remove("clientSecret");
                var options = new JsonSerializerOptions(JsonSerializerOptions.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };
                outcome = p.GetValue(kind) switch
                {
                    WorkforceKinds.Historical => await integrations.SaveHistoricalAsync(t.Id, p.GetValue(Group)!, body.Deserialize<HistoricalSettings>(options)!, secret, ct2),
                    WorkforceKinds.RealTime => await integrations.SaveRealTimeAsync(t.Id, p.GetValue(Group)!, body.Deserialize<RealTimeSettings>(options)!, secret, ct2),
                    _ => new WorkforceSaveOutcome(null, [new SettingProblem("kind", "The kind is historical or realtime.")]),
                };
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                Console.Error.WriteLine($"Nothing was changed: the settings could not be read ({e.Message}).");
                return 2;
            }
            if (outcome.Saved is not { } saved)
            {
                Console.Error.WriteLine("Nothing was changed:");
                foreach (var problem in outcome.Problems) Console.Error.WriteLine($"  {problem.Setting}: {problem.Message}");
                return 2;
            }
            Console.WriteLine($"{(saved.Kind == WorkforceKinds.Historical ? "Historical" : "Real-time")} integration \"{saved.Group}\" of {t.Name} saved ({(saved.Enabled ? "on" : "off")}).");
            if (saved.WebhookSecret is not null) Console.WriteLine($"Webhook secret (shown once; set it in the WFM tool): {saved.WebhookSecret}");
            return 0;
        }, ct));

        var what = new Option<string>("--what") { Description = "queues or agents.", DefaultValueFactory = _ => "queues" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "The first interval (ISO 8601; default: a day before --to)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "The end (ISO 8601; default: the last closed interval)." };
        var output = new Option<string?>("--out") { Description = "Where to write the CSV (default: standard output)." };
        var export = new Command("export", "Brings the historical feed up to date, then writes a range of it as CSV (the columns the README documents).")
        {
            CliCommands.TenantOption, Group, what, from, to, output,
        };
        export.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            if (await sp.GetRequiredService<WorkforceSettingsStore>().GetAsync(t.Id, WorkforceKinds.Historical, p.GetValue(Group)!, ct2) is null)
            {
                Console.Error.WriteLine($"{t.Name} has no historical integration \"{p.GetValue(Group)}\": `contactbridge workforce list --tenant {t.Slug}` shows those it has.");
                return 2;
            }
            if (p.GetValue(what) is not ("queues" or "agents"))
            {
                Console.Error.WriteLine("--what is queues or agents.");
                return 2;
            }
            var feed = sp.GetRequiredService<WorkforceFeed>();
            var rows = await ConsoleOutput.WithProgressAsync("Computing the closed intervals", quiet: p.GetValue(output) is null, progress => feed.RunUntilIdleAsync(ct2, progress));
            var integration = (await sp.GetRequiredService<WorkforceSettingsStore>().GetAsync(t.Id, WorkforceKinds.Historical, p.GetValue(Group)!, ct2))!;
            var end = p.GetValue(to) ?? (integration.ComputedThrough is { } through ? DateTimeOffset.FromUnixTimeMilliseconds(through) : DateTimeOffset.UtcNow);
            var start = p.GetValue(from) ?? end.AddDays(-1);
            if (end <= start || end - start > WorkforceEndpoints.MaxRange)
            {
                Console.Error.WriteLine("--to must come after --from, and the range is at most 31 days.");
                return 2;
            }
            var csv = p.GetValue(what) == "queues"
                ? WorkforceEndpoints.QueueCsv(await WorkforceEndpoints.QueueViewsAsync(feed, integration, start, end, null, ct2))
                : WorkforceEndpoints.AgentCsv(await WorkforceEndpoints.AgentViewsAsync(feed, integration, start, end, null, ct2));
            if (p.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, csv, ct2);
                Console.WriteLine($"{csv.Count(ch => ch == '\n') - 1:N0} {p.GetValue(what)} interval row(s) written to {path} ({rows:N0} computed now).");
            }
            else Console.Write(csv);
            return 0;
        }, ct));

        return new Command("workforce", "Workforce management: the historical (interval) and real-time (agent state) integrations, and the feed.") { list, set, export };
    }
}
