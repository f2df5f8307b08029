using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Salesforce;
using ContactBridge.Tenants;
using Microsoft.Extensions.Options;

namespace ContactBridge.Outbox;

/// <summary>
/// The durable path from events to Salesforce: fold inbox events into interactions → identify
/// callers → plan the writes of ended interactions → send the outbox. Each step reads what the
/// previous one stored and stores what it did, so a restart repeats a step but never skips one.
/// New events wake it at once; otherwise it checks every <see cref="LoggingOptions.IdlePoll"/>.
/// </summary>
public sealed class InteractionPipeline(
    InteractionStore interactions, OutboxStore outbox, OutboxSender sender, SalesforceConnections connections, LinkStore links, TenantStore tenants,
    LoggingSettingsStore settingsStore, SalesforceMetadata metadata, CallerIdentifier identifier, IOptions<LoggingOptions> options, TimeProvider clock,
    ILogger<InteractionPipeline> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool worked;
            try
            {
                worked = await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The interaction pipeline failed a round; it tries again shortly");
                worked = false;
            }
            try
            {
                if (!worked) await _wake.WaitAsync(options.Value.IdlePoll, stoppingToken);
                await Task.Delay(options.Value.BatchWindow, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass of every step; true when something was done (so another pass may find more).</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        try
        {
            var folded = await interactions.FoldAsync(options.Value.BatchSize, ct);
            var identified = await IdentifyAsync(ct);
            var planned = await PlanAsync(ct);
            var sent = await sender.SendAsync(_owner, ct);
            return folded + identified + planned + sent > 0;
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>Runs passes until one finds nothing to do (tests and the demo use this instead of waiting).</summary>
    public async Task RunUntilIdleAsync(CancellationToken ct, int maxPasses = 100)
    {
        for (var i = 0; i < maxPasses && await RunOnceAsync(ct); i++)
        {
        }
    }

    private async Task<int> IdentifyAsync(CancellationToken ct)
    {
        var rows = await interactions.NeedingIdentificationAsync(options.Value.BatchSize, ct);
        var results = new List<(InteractionRow, IdentificationResult)>();
        foreach (var tenantRows in rows.GroupBy(r => r.TenantId))
        {
            var parsed = tenantRows.Select(r => (Row: r, State: r.Parsed)).ToList();
            // No phone, e-mail or IVR input: nothing to look up, no API call.
            results.AddRange(parsed.Where(p => !p.State.HasCallerIdentity && p.State.Ivr.Count == 0)
                .Select(p => (p.Row, new IdentificationResult(IdentificationResult.None, [], null, null, clock.GetUtcNow()))));
            var lookup = parsed.Where(p => p.State.HasCallerIdentity || p.State.Ivr.Count > 0).ToList();
            if (lookup.Count == 0) continue;
            try
            {
                var client = await connections.ClientAsync(tenantRows.Key, ct);
                var settings = await settingsStore.GetAsync(tenantRows.Key, ct);
                var shapes = await metadata.ShapesAsync(tenantRows.Key, client, settings.Identification.Objects.Select(o => o.Object), ct);
                var found = await identifier.IdentifyAsync(client, CallerIdentifier.ForOrg(settings.Identification, shapes), lookup.Select(p => p.State).ToList(), ct);
                results.AddRange(lookup.Select(p => (p.Row, found[p.State.InteractionId])));
            }
            catch (Exception e) when (e is LinkingException or SalesforceApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // The interactions stay unidentified and are tried again next pass; their events are safe in the inbox.
                logger.LogWarning("Could not identify callers for tenant {TenantId}: {Message}", tenantRows.Key, e.Message);
            }
        }
        await interactions.SetIdentificationsAsync(results, ct);
        return results.Count;
    }

    private async Task<int> PlanAsync(CancellationToken ct)
    {
        var rows = await interactions.NeedingPlanAsync(options.Value.BatchSize, ct);
        var added = new List<OutboxStore.NewRow>();
        foreach (var tenantRows in rows.GroupBy(r => r.TenantId))
        {
            var tenantId = tenantRows.Key;
            try
            {
                var tenant = await tenants.GetAsync(tenantId, ct);
                var link = await links.GetAsync(tenantId, ct);
                if (tenant is null || link is null || !link.IsUsable) continue;
                var client = await connections.ClientAsync(tenantId, ct);
                var settings = await settingsStore.GetAsync(tenantId, ct);
                var states = tenantRows.Select(r => (Row: r, State: r.Parsed, Identification: r.ParsedIdentification)).ToList();
                var shapes = await metadata.ShapesAsync(tenantId, client,
                    states.Any(s => s.State.Attachments.Count > 0) ? ["Task", "Case", "Lead", "Contact", "ContentVersion"] : ["Task", "Case", "Lead", "Contact"], ct);
                var owners = await metadata.OwnersAsync(tenantId, client, states.Select(s => s.State.Agent?.Email).Where(e => e is not null).Cast<string>(), ct);
                var current = await CurrentRecordsAsync(client, settings, states.Select(s => s.Identification).ToList(), ct);
                var plannedBefore = await outbox.PlannedBeforeAsync(tenantId, states.Select(s => s.State.InteractionId).ToList(), ct);
                foreach (var (row, state, identification) in states)
                {
                    var owner = state.Agent?.Email is { } email ? owners.GetValueOrDefault(email.Trim().ToLowerInvariant()) : null;
                    var match = identification?.Matches.Count > 0 ? identification.Matches[0] : null;
                    var (plan, problem) = LogPlanner.Plan(new LogPlanner.Inputs(tenantId, tenant.Name, link.ApiVersion, settings, state, identification, owner, shapes,
                        match is null ? null : current.GetValueOrDefault(match.Id)));
                    if (plan is null)
                    {
                        // A setup problem: recorded as a dead letter that says how to fix it; replaying it plans again.
                        added.Add(new OutboxStore.NewRow(tenantId, state.InteractionId,
                            JsonSerializer.Serialize(new LogPlan(tenantId, state.InteractionId, link.ApiVersion, settings.KeyField, []), InteractionStore.Json),
                            row.StateVersion, OutboxState.Dead, OutboxStore.SetupProblem, problem));
                        continue;
                    }
                    // Planned before (late events, a replay): some records may exist, so the first send checks which.
                    added.Add(new OutboxStore.NewRow(tenantId, state.InteractionId, JsonSerializer.Serialize(plan, InteractionStore.Json), row.StateVersion,
                        plan.Nodes.Count == 0 ? OutboxState.Done : OutboxState.Pending, Attempts: plannedBefore.Contains(state.InteractionId) ? 1 : 0));
                }
            }
            catch (Exception e) when (e is LinkingException or SalesforceApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                logger.LogWarning("Could not plan the logging of tenant {TenantId}: {Message}", tenantId, e.Message);
            }
        }
        await outbox.AddAsync(added, ct);
        return added.Count;
    }

    /// <summary>For "fill empty fields only", the matched records' current values: one query per object for the whole batch.</summary>
    private static async Task<Dictionary<string, System.Text.Json.Nodes.JsonObject>> CurrentRecordsAsync(SalesforceRestClient client, LoggingSettings settings,
        IReadOnlyList<IdentificationResult?> identifications, CancellationToken ct)
    {
        var result = new Dictionary<string, System.Text.Json.Nodes.JsonObject>(StringComparer.Ordinal);
        if (settings.UpdatePolicy != "fill_empty") return result;
        foreach (var group in identifications.Where(i => i?.Single is { Object: "Lead" or "Contact" }).Select(i => i!.Single!).GroupBy(m => m.Object))
        {
            var fields = group.Key == "Lead" ? "Id, Phone, Email, FirstName, LastName, Company" : "Id, Phone, Email, FirstName, LastName";
            var ids = string.Join(", ", group.Select(m => Soql.String(m.Id)).Distinct());
            var found = await client.QueryAsync($"SELECT {fields} FROM {group.Key} WHERE Id IN ({ids})", ct);
            foreach (var r in found["records"]?.AsArray() ?? []) result[r!["Id"]!.GetValue<string>()] = r.AsObject();
        }
        return result;
    }
}
