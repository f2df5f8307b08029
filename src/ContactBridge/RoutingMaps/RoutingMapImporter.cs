using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ContactBridge.Linking;
using ContactBridge.Salesforce;
using Microsoft.Extensions.Options;

namespace ContactBridge.RoutingMaps;

/// <summary>What to import. With SkipInvalidRows, rows with a problem are reported and the valid ones written (keeping maps up to
/// date automatically); without it (an admin's import) any problem stops the import before anything is written.</summary>
public sealed record RoutingMapRequest(string CallCenterId, MatchBy MatchBy, ExistingMapPolicy Existing, bool DryRun, bool SkipInvalidRows = false);

/// <summary>Where an import stands: reading Salesforce, writing (rows processed of the rows to write), done.</summary>
public sealed record ImportProgress(string Stage, int Done, int Total);

public static class ImportSources
{
    public const string Csv = "csv";
    public const string SeenUsers = "seen_users";
    public const string KeepMapped = "keep_mapped";

    public static string Label(string source) => source switch
    {
        Csv => "CSV file",
        SeenUsers => "users seen in events",
        KeepMapped => "kept mapped automatically",
        _ => source,
    };
}

/// <summary>
/// Builds a tenant's CallCenterRoutingMap from Salesforce's own data and writes it: reads the call center, the users
/// (Standard users, every page) and the existing maps; plans and validates every row; writes nothing if any row has a
/// problem; otherwise creates and updates maps through sObject collections (small imports) or one Bulk API 2.0 job
/// per operation, and stores each row's outcome. Running it again finds the maps in place and writes nothing.
/// </summary>
public sealed class RoutingMapImporter(
    SalesforceConnections connections, RoutingMapStore store, IOptions<RoutingMapOptions> options, IHostApplicationLifetime lifetime, Storage.WorkLeases leases,
    TimeProvider clock, Observability.HubMetrics metrics, ILogger<RoutingMapImporter> logger)
{
    public const string MapObject = "CallCenterRoutingMap";
    private readonly ConcurrentDictionary<string, Task> _background = new(StringComparer.Ordinal);

    /// <summary>Runs an import to its end (the command line, and the keep-it-mapped worker).</summary>
    public async Task<RoutingMapImport> ImportAsync(string tenantId, string source, RoutingMapRequest request, IReadOnlyList<TelephonyUser> users, string? createdBy,
        IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var import = await store.CreateAsync(tenantId, source, request, createdBy, ct);
        await RunAsync(import, request, users, progress, ct);
        return (await store.GetAsync(tenantId, import.Id, CancellationToken.None))!;
    }

    /// <summary>Starts an import in the background (the portal), returning at once; its page shows progress and the outcome.</summary>
    public async Task<RoutingMapImport> StartAsync(string tenantId, string source, RoutingMapRequest request, IReadOnlyList<TelephonyUser> users, string? createdBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var import = await store.CreateAsync(tenantId, source, request, createdBy, ct);
        var stopping = lifetime.ApplicationStopping;
        _background[import.Id] = Task.Run(async () =>
        {
            try
            {
                await RunAsync(import, request, users, null, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Recorded as interrupted by RunAsync.
            }
            finally
            {
                _background.TryRemove(import.Id, out _);
            }
        }, CancellationToken.None);
        return import;
    }

    /// <summary>Completes when a background import has finished (or at once if it is not running here).</summary>
    public Task WhenFinishedAsync(string importId) => _background.TryGetValue(importId, out var task) ? task : Task.CompletedTask;

    /// <summary>A running import holds this lease; one whose lease has lapsed was running in an instance that died.</summary>
    public static string LeaseName(string importId) => $"import:{importId}";

    private async Task RunAsync(RoutingMapImport import, RoutingMapRequest request, IReadOnlyList<TelephonyUser> users, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        await using var running = await leases.HoldAsync(LeaseName(import.Id), RoutingMapStore.ImportLease, ct);
        var calls = 0;
        string? method = null;
        async Task Report(string stage, int done, int total)
        {
            progress?.Report(new ImportProgress(stage, done, total));
            await store.ProgressAsync(import.Id, stage, done, total, ct);
        }
        try
        {
            await Report("reading Salesforce", 0, users.Count);
            var client = await connections.ClientAsync(import.TenantId, ct);
            var (plan, readCalls) = await PlanAsync(client, request, users, ct);
            calls += readCalls;
            var outcomes = PlannedOutcomes(plan, users, request);
            var fileProblems = plan.Problems.Where(p => p.Row == 0).Select(p => p.Message).ToList();
            if (fileProblems.Count > 0 || (!plan.IsValid && !request.SkipInvalidRows))
            {
                await FinishAsync(import, ImportStates.Invalid, null, plan, outcomes, fileProblems.Count > 0 ? string.Join(" ", fileProblems) : null, calls);
                return;
            }
            var creates = plan.Rows.Where(r => r.Action == RowAction.Create).ToList();
            var updates = plan.Rows.Where(r => r.Action == RowAction.Update).ToList();
            if (request.DryRun || creates.Count + updates.Count == 0)
            {
                await FinishAsync(import, request.DryRun ? ImportStates.DryRun : ImportStates.Done, null, plan, outcomes, null, calls);
                return;
            }
            var total = creates.Count + updates.Count;
            await Report("writing", 0, total);
            var written = new Dictionary<int, (string? Id, string? Error)>();
            var limit = options.Value.CollectionsUpTo;
            if (creates.Count <= limit && updates.Count <= limit)
            {
                method = "sObject collections";
                calls += await WriteByCollectionsAsync(client, creates, updates, written, ct);
            }
            else
            {
                method = "Bulk API 2.0";
                var bulk = new SalesforceBulkClient(client, clock) { PollInterval = options.Value.BulkPollInterval };
                var before = 0;
                async Task Job(string operation, List<RoutingMapRow> rows)
                {
                    if (rows.Count == 0) return;
                    var offset = before;
                    var result = await bulk.IngestAsync(MapObject, operation, BulkCsv(operation, rows), null,
                        new InlineProgress<BulkProgress>(p => progress?.Report(new ImportProgress("writing", offset + p.Processed, total))), ct);
                    calls += result.ApiCalls;
                    Match(operation, rows, result, written);
                    before += rows.Count;
                    await Report("writing", before, total);
                }
                await Job("insert", creates);
                await Job("update", updates);
            }
            foreach (var (i, o) in outcomes.Select((o, i) => (i, o)).ToList())
            {
                if (o.Outcome is not (RoutingMaps.Outcomes.Created or RoutingMaps.Outcomes.Updated) || !written.TryGetValue(o.Row, out var w)) continue;
                outcomes[i] = w.Error is null ? o with { RecordId = w.Id } : o with { Outcome = Outcomes.Failed, Message = w.Error, RecordId = w.Id };
            }
            var failed = outcomes.Count(o => o.Outcome == Outcomes.Failed);
            await FinishAsync(import, failed > 0 ? ImportStates.DoneWithFailures : ImportStates.Done, method, plan, outcomes, null, calls);
            logger.LogInformation("Routing map import {ImportId} of tenant {TenantId}: {Written} written by {Method}, {Failed} failed, {Calls} API calls",
                import.Id, import.TenantId, total - failed, method, failed, calls);
        }
        catch (Exception e) when (e is SalesforceApiException or LinkingException or HttpRequestException or TimeoutException)
        {
            var message = e switch
            {
                SalesforceApiException s => $"Salesforce refused the import ({s.ErrorCode}: {s.Message}).",
                LinkingException l => l.Message,
                TimeoutException t => t.Message,
                _ => $"Salesforce could not be reached ({e.Message}). Run the import again: maps already written are left unchanged.",
            };
            await store.FinishAsync(import.Id, ImportStates.Failed, method, null, null, message, calls, CancellationToken.None);
            logger.LogWarning("Routing map import {ImportId} of tenant {TenantId} failed: {Message}", import.Id, import.TenantId, message);
        }
        catch (OperationCanceledException)
        {
            await store.FinishAsync(import.Id, ImportStates.Interrupted, method, null, null, "Stopped before it finished. Run it again: maps already written are left unchanged.", calls,
                CancellationToken.None);
            throw;
        }
    }

    /// <summary>The plan from Salesforce's data, and the API calls reading it took (one per page).</summary>
    public static async Task<(RoutingMapPlan Plan, int Calls)> PlanAsync(SalesforceRestClient client, RoutingMapRequest request, IReadOnlyList<TelephonyUser> users,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        if (!SalesforceIds.TryNormalize(request.CallCenterId?.Trim(), out var center) || SalesforceIds.Prefix(center) != RoutingMapPlanner.CallCenterPrefix)
            return (RoutingMapPlanner.Build(users, [], request.CallCenterId ?? "", [], request.MatchBy, request.Existing), 0);
        var calls = 0;
        var (centers, c1) = await client.QueryAllPagesAsync($"SELECT Id, Name FROM CallCenter WHERE Id = {Soql.String(center)}", ct);
        calls += c1;
        if (centers.Count == 0)
        {
            return (new RoutingMapPlan([], [new RoutingMapProblem(0, $"The linked org has no call center {center}: list its call centers with " +
                                                                      "'contactbridge routing-map call-centers', or copy the id from Setup → Contact Centers.")], [], []), calls);
        }
        var (userRecords, c2) = await client.QueryAllPagesAsync(
            "SELECT Id, Username, Email, Alias, FederationIdentifier, IsActive, CallCenterId FROM User WHERE UserType = 'Standard' ORDER BY Username", ct);
        var (mapRecords, c3) = await client.QueryAllPagesAsync(
            $"SELECT Id, DeveloperName, ExternalId, ReferenceRecordId, QuickConnect FROM {MapObject} WHERE CallCenterId = {Soql.String(center)}", ct);
        calls += c2 + c3;
        static string? S(JsonObject o, string f) => o[f]?.GetValue<string>();
        var sfUsers = userRecords.Select(u => new SalesforceUser(S(u, "Id")!, S(u, "Username")!, S(u, "Email"), S(u, "Alias"), S(u, "FederationIdentifier"),
            u["IsActive"]?.GetValue<bool>() ?? false, S(u, "CallCenterId"))).ToList();
        var existing = mapRecords.Select(m => new ExistingRoutingMap(S(m, "Id")!, S(m, "DeveloperName")!, S(m, "ExternalId") ?? "", S(m, "ReferenceRecordId") ?? "", S(m, "QuickConnect")))
            .ToList();
        return (RoutingMapPlanner.Build(users, sfUsers, center, existing, request.MatchBy, request.Existing), calls);
    }

    /// <summary>Each input row's outcome before writing: what would be done, or why not.</summary>
    private static List<RowOutcome> PlannedOutcomes(RoutingMapPlan plan, IReadOnlyList<TelephonyUser> users, RoutingMapRequest request)
    {
        var byRow = users.ToDictionary(u => u.Row);
        var list = new List<RowOutcome>();
        foreach (var r in plan.Rows)
        {
            var (outcome, message) = r.Action switch
            {
                RowAction.Create => (request.DryRun ? Outcomes.WouldCreate : Outcomes.Created, (string?)null),
                RowAction.Update => (request.DryRun ? Outcomes.WouldUpdate : Outcomes.Updated, null),
                RowAction.Unchanged => (Outcomes.Unchanged, "Already mapped exactly so."),
                _ => (Outcomes.Skipped, "The user already has a routing map in this call center; choose 'update' to replace its ExternalId and QuickConnect."),
            };
            list.Add(new RowOutcome(r.Row, r.ExternalId, byRow[r.Row].MatchValue, r.Username, r.ReferenceRecordId, r.DeveloperName, outcome, r.ExistingId, message));
        }
        foreach (var p in plan.Problems.Where(p => p.Row > 0))
            list.Add(new RowOutcome(p.Row, byRow.TryGetValue(p.Row, out var u) ? u.ExternalId : "", u?.MatchValue, null, null, null, Outcomes.Problem, null, p.Message));
        var field = RoutingMapPlanner.FieldLabel(request.MatchBy);
        foreach (var t in plan.UnmatchedTelephonyUsers)
        {
            list.Add(new RowOutcome(t.Row, t.ExternalId, t.MatchValue, null, null, null, Outcomes.Unmatched, null,
                $"No Salesforce user has the {field} '{t.MatchValue.Trim()}': add the user in Salesforce, correct the row, or match by another field."));
        }
        return list.OrderBy(o => o.Row).ToList();
    }

    private async Task FinishAsync(RoutingMapImport import, string state, string? method, RoutingMapPlan plan, List<RowOutcome> outcomes, string? error, int calls)
    {
        int N(string outcome) => outcomes.Count(o => o.Outcome == outcome);
        var summary = new ImportSummary(outcomes.Count, N(Outcomes.Created), N(Outcomes.Updated), N(Outcomes.Unchanged),
            N(Outcomes.Skipped), N(Outcomes.Failed), N(Outcomes.Problem) + plan.Problems.Count(p => p.Row == 0), N(Outcomes.Unmatched),
            N(Outcomes.WouldCreate), N(Outcomes.WouldUpdate), plan.UnmappedSalesforceUsers.Count);
        var report = new ImportReport(outcomes, plan.UnmappedSalesforceUsers.Select(u => u.Username).ToList(), plan.Rows);
        await store.FinishAsync(import.Id, state, method, summary, report, error, calls, CancellationToken.None);
        foreach (var byOutcome in outcomes.GroupBy(o => o.Outcome)) metrics.RoutingMapRows(import.TenantId, byOutcome.Key, byOutcome.Count());
    }

    private static JsonObject Attributes() => new() { ["type"] = MapObject };

    private static async Task<int> WriteByCollectionsAsync(SalesforceRestClient client, List<RoutingMapRow> creates, List<RoutingMapRow> updates,
        Dictionary<int, (string? Id, string? Error)> written, CancellationToken ct)
    {
        var calls = 0;
        async Task Send(HttpMethod verb, List<RoutingMapRow> rows, Func<RoutingMapRow, JsonObject> body)
        {
            if (rows.Count == 0) return;
            var records = new JsonArray(rows.Select(r => (JsonNode)body(r)).ToArray());
            var answer = (JsonArray)(await client.SendAsync(verb, $"{client.DataPath}/composite/sobjects", new JsonObject { ["allOrNone"] = false, ["records"] = records }, ct))!;
            calls++;
            for (var i = 0; i < rows.Count && i < answer.Count; i++)
            {
                var a = (JsonObject)answer[i]!;
                var ok = a["success"]?.GetValue<bool>() == true;
                var errors = a["errors"] as JsonArray ?? [];
                var error = ok ? null : string.Join("; ", errors.OfType<JsonObject>().Select(e => $"{e["statusCode"]}: {e["message"]}"));
                written[rows[i].Row] = (a["id"]?.GetValue<string>() ?? rows[i].ExistingId, error);
            }
        }
        await Send(HttpMethod.Post, creates, r => new JsonObject
        {
            ["attributes"] = Attributes(), ["ExternalId"] = r.ExternalId, ["ReferenceRecordId"] = r.ReferenceRecordId, ["CallCenterId"] = r.CallCenterId,
            ["DeveloperName"] = r.DeveloperName, ["MasterLabel"] = r.MasterLabel, ["QuickConnect"] = r.QuickConnect,
        });
        await Send(HttpMethod.Patch, updates, r => new JsonObject
        {
            ["attributes"] = Attributes(), ["Id"] = r.ExistingId, ["ExternalId"] = r.ExternalId, ["QuickConnect"] = r.QuickConnect,
        });
        return calls;
    }

    /// <summary>Bulk CSV: an empty cell leaves a field alone, so an update that clears QuickConnect says #N/A.</summary>
    private static string BulkCsv(string operation, List<RoutingMapRow> rows) => operation == "insert"
        ? RoutingMapCsv.Write(rows)
        : RoutingMapCsv.Write(["Id", "ExternalId", "QuickConnect"], rows.Select(r => (IReadOnlyList<string?>)[r.ExistingId, r.ExternalId, r.QuickConnect ?? "#N/A"]));

    private static void Match(string operation, List<RoutingMapRow> rows, BulkIngestResult result, Dictionary<int, (string? Id, string? Error)> written)
    {
        var key = operation == "insert" ? "DeveloperName" : "Id";
        var byKey = rows.ToDictionary(r => operation == "insert" ? r.DeveloperName : r.ExistingId!, StringComparer.OrdinalIgnoreCase);
        foreach (var r in result.Rows)
        {
            if (r.Row.TryGetValue(key, out var k) && byKey.TryGetValue(k, out var row))
                written[row.Row] = (r.Id ?? row.ExistingId, r.Error);
        }
        var why = result.State == "JobComplete"
            ? "Salesforce returned no result for this row; check the job in Setup → Bulk Data Load Jobs."
            : $"The Bulk API job {result.JobId} ended {result.State}: {result.ErrorMessage}";
        foreach (var row in rows.Where(r => !written.ContainsKey(r.Row)))
            written[row.Row] = (row.ExistingId, why);
    }

    /// <summary>Progress reported on the reporting thread, so a progress bar keeps pace with the work.</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
