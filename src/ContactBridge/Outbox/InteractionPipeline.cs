using System.Diagnostics;
using System.Text.Json;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Salesforce;
using ContactBridge.Storage;
using ContactBridge.Tenants;
using Microsoft.Extensions.Options;

namespace ContactBridge.Outbox;

/// <summary>
/// The durable path from events to Salesforce: fold inbox events into interactions → identify
/// callers → plan the writes of ended interactions → send the outbox. Each step reads what the
/// previous one stored and stores what it did, so a restart repeats a step but never skips one.
/// Folding is shared (one fold at a time across instances); everything that talks to Salesforce runs
/// in one lane per tenant, so a tenant whose org hangs or fails never holds up another. A lane runs in
/// one instance at a time, under a lease the others take over if that instance dies. An event, interaction or write that makes a step
/// fail is set aside with the reason (a quarantined event, an unidentified caller, a dead letter)
/// while the rest flow on. New events wake it at once; otherwise it checks every
/// <see cref="LoggingOptions.IdlePoll"/>.
/// </summary>
public sealed class InteractionPipeline(
    InteractionStore interactions, OutboxStore outbox, OutboxSender sender, SalesforceConnections connections, LinkStore links, TenantStore tenants,
    LoggingSettingsStore settingsStore, SalesforceMetadata metadata, CallerIdentifier identifier, SalesforceOutages outages, IOptions<LoggingOptions> options,
    Storage.WorkLeases leases, TimeProvider clock, Observability.HubMetrics metrics, SalesforceRequestLog requests, CallerIndexes callerIndexes,
    Intake.InboxStore inbox, ILogger<InteractionPipeline> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _foldWake = new(0, 1);
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly SemaphoreSlim _folding = new(1, 1);
    private readonly Dictionary<string, Task<int>> _lanes = new(StringComparer.Ordinal);

    public void Wake()
    {
        foreach (var wake in new[] { _wake, _foldWake })
        {
            if (wake.CurrentCount == 0)
            {
                try
                {
                    wake.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already woken.
                }
            }
        }
    }

    /// <summary>
    /// New events are folded as soon as they are stored, whatever the rounds are doing, so an agent's softphone shows a ringing contact
    /// at once and a tenant with a caller index has its screen pop in the same step; Salesforce's work still waits for the batch window.
    /// </summary>
    private async Task FoldOnWakeAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _foldWake.WaitAsync(ct);
                await FoldAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Folding new events failed; the next round tries again: {Error}", e.Message);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The fold runs on a thread of its own, woken by the inbox's writer the moment new events are committed.
        var folding = DedicatedThread.Run("contactbridge-fold", () => FoldOnWakeAsync(stoppingToken));
        inbox.InteractionEventsStored += Wake;
        try
        {
            await RunRoundsAsync(stoppingToken);
        }
        finally
        {
            inbox.InteractionEventsStored -= Wake;
        }
        Task[] running;
        lock (_lanes) running = [.. _lanes.Values, folding];
        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    /// <summary>The pipeline's rounds, until the hub stops.</summary>
    private async Task RunRoundsAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool worked;
            try
            {
                worked = await RunRoundAsync(waitForLanes: false, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (StorageHealth.Classify(e) is not null) logger.LogWarning("The interaction pipeline waits for the hub's database: {Error}", e.Message);
                else logger.LogError(e, "The interaction pipeline failed a round; it tries again shortly");
                worked = false;
            }
            try
            {
                // Idle until new events come (they are folded at once by the fold loop); Salesforce's work then waits for the batch
                // window, to share its searches and writes.
                if (!worked) await _wake.WaitAsync(options.Value.IdlePoll, stoppingToken);
                await Task.Delay(options.Value.BatchWindow, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass of every step, waiting for every tenant's lane; true when something was done (so another pass may find more).</summary>
    public Task<bool> RunOnceAsync(CancellationToken ct) => RunRoundAsync(waitForLanes: true, ct);

    /// <summary>Runs passes until one finds nothing to do (tests and the demo use this instead of waiting).</summary>
    public async Task RunUntilIdleAsync(CancellationToken ct, int maxPasses = 100)
    {
        for (var i = 0; i < maxPasses && await RunOnceAsync(ct); i++)
        {
        }
    }

    private async Task<bool> RunRoundAsync(bool waitForLanes, CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        List<Task<int>> started = [];
        int folded;
        try
        {
            folded = await FoldAsync(ct);
            await outbox.RecoverExpiredLeasesAsync(ct);
            var down = await outages.ActiveAsync(ct);
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            lock (_lanes)
            {
                foreach (var done in _lanes.Where(l => l.Value.IsCompleted).Select(l => l.Key).ToList()) _lanes.Remove(done);
            }
            // Tenants with work, and tenants whose org is due a try (to learn it is back even with nothing waiting).
            var due = (await interactions.TenantsWithWorkAsync(ct)).Union(down.Values.Where(o => o.RetryAt <= now).Select(o => o.TenantId), StringComparer.Ordinal);
            foreach (var tenantId in due)
            {
                var outage = down.GetValueOrDefault(tenantId);
                // An org that is down is tried again only when its backoff says so.
                if (outage is not null && outage.RetryAt > now) continue;
                lock (_lanes)
                {
                    // Already running here (the background loop's lane): a test's round waits for it rather than reading too early.
                    if (_lanes.TryGetValue(tenantId, out var running))
                    {
                        if (waitForLanes) started.Add(running);
                        continue;
                    }
                    var lane = Task.Run(() => RunLaneAsync(tenantId, outage, repeat: !waitForLanes, ct), ct);
                    _lanes[tenantId] = lane;
                    started.Add(lane);
                }
            }
        }
        finally
        {
            _running.Release();
        }
        if (!waitForLanes) return folded > 0;
        var counts = await Task.WhenAll(started);
        return folded + counts.Sum() > 0;
    }

    /// <summary>
    /// One tenant's lane. In the background it keeps passing, a batch window apart, while it finds work
    /// (so the interactions of that window share one search and one graph call), and ends when idle or
    /// when the org fails; a test's round makes one pass.
    /// </summary>
    private async Task<int> RunLaneAsync(string tenantId, SalesforceOutage? outage, bool repeat, CancellationToken stoppingToken)
    {
        var total = 0;
        Storage.WorkLeases.HeldLease? lease = null;
        try
        {
            // Another instance runs this tenant's lane: it finds the new work on its next pass.
            lease = await leases.HoldAsync(LaneLeaseName(tenantId), options.Value.LaneLease, stoppingToken);
            if (lease is null) return 0;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
            var ct = linked.Token;
            while (true)
            {
                if (total > 0) await FoldAsync(ct);
                var (work, down) = await RunLanePassAsync(tenantId, outage, ct);
                total += work;
                if (down) return total;
                outage = null;
                if (!repeat || work == 0) return total;
                await Task.Delay(callerIndexes.IsReady(tenantId) ? options.Value.IndexedBatchWindow : options.Value.BatchWindow, clock, ct);
            }
        }
        catch (OperationCanceledException) when (lease is { Lost.IsCancellationRequested: true } && !stoppingToken.IsCancellationRequested)
        {
            // The lease passed to another instance (this one stalled past it): that instance carries on.
            return total;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (StorageHealth.Classify(e) is not null) logger.LogWarning("The pipeline lane of tenant {TenantId} waits for the hub's database: {Error}", tenantId, e.Message);
            else logger.LogError(e, "The pipeline lane of tenant {TenantId} failed; it starts again on the next round", tenantId);
            return total;
        }
        finally
        {
            if (lease is not null) await lease.DisposeAsync();
        }
    }

    /// <summary>The lease a tenant's lane runs under (one instance at a time).</summary>
    public static string LaneLeaseName(string tenantId) => $"pipeline:{tenantId}";

    /// <summary>Folds what has arrived (one fold at a time: two would both count the same events as changes).</summary>
    private async Task<int> FoldAsync(CancellationToken ct)
    {
        await _folding.WaitAsync(ct);
        try
        {
            return await interactions.FoldAsync(options.Value.BatchSize, IndexAnswersInFoldAsync, ct);
        }
        finally
        {
            _folding.Release();
        }
    }

    /// <summary>
    /// The tenant's ready caller index as an answerer for its interactions (null when it has none that may answer now): the rules of
    /// now, for the org the tenant is linked to now (a relink to another org makes another index). Reads the settings and the link,
    /// both stored locally, and never calls Salesforce.
    /// </summary>
    private async ValueTask<Func<InteractionState, IdentificationResult?>?> IndexAnswersAsync(string tenantId, CancellationToken ct)
    {
        if (!callerIndexes.IsReady(tenantId)) return null;
        var rules = (await settingsStore.GetAsync(tenantId, ct)).Identification;
        Uri linked;
        try
        {
            linked = (await connections.SessionAsync(tenantId)).InstanceUrl;
        }
        catch (LinkingException)
        {
            return null; // Not linked any more: the feed drops the index; the lane says why it cannot look up.
        }
        if (callerIndexes.Ready(tenantId, rules, linked) is not { } ready) return null;
        return state => FromIndex(ready, rules, state);
    }

    /// <summary>
    /// The screen pop of a tenant with a ready caller index, in the fold that offers its interaction (no batch window, no API call,
    /// no write of its own). A failure here never holds up the fold: its lane answers instead.
    /// </summary>
    private async ValueTask<Func<InteractionState, IdentificationResult?>?> IndexAnswersInFoldAsync(string tenantId, CancellationToken ct)
    {
        Func<InteractionState, IdentificationResult?>? answers;
        try
        {
            answers = await IndexAnswersAsync(tenantId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Answering screen pops of tenant {TenantId} from its caller index failed; its lane identifies them: {Error}", tenantId, e.Message);
            return null;
        }
        if (answers is null) return null;
        return state =>
        {
            try
            {
                return answers(state);
            }
            catch (Exception e)
            {
                logger.LogWarning("The caller index of tenant {TenantId} could not answer for interaction {InteractionId}; its lane identifies it: {Error}", tenantId,
                    state.InteractionId, e.Message);
                return null;
            }
        };
    }

    /// <summary>The index's answer for an interaction, or null when it cannot give one (an IVR rule applies: the search answers).</summary>
    private IdentificationResult? FromIndex((CallerIndex Index, string InstanceUrl) ready, IdentificationRules rules, InteractionState state)
    {
        if (!state.HasCallerIdentity && state.Ivr.Count == 0) return NoLookup(clock.GetUtcNow());
        return ready.Index.Serves(state, rules) ? ready.Index.Identify(state, ready.InstanceUrl, clock.GetUtcNow(), rules) : null;
    }

    /// <summary>
    /// Identify, plan and send for one tenant; a failure here is this tenant's alone. Returns the work
    /// done and whether the org is down (the outage is then recorded; an earlier one ends once the org
    /// answers).
    /// </summary>
    private async Task<(int Work, bool Down)> RunLanePassAsync(string tenantId, SalesforceOutage? outage, CancellationToken ct)
    {
        var health = new LaneHealth();
        var passStarted = clock.GetUtcNow();
        var work = 0;
        try
        {
            work += await IdentifyAsync(tenantId, health, ct);
            work += await PlanAsync(tenantId, health, ct);
            if (health.Down is null)
            {
                // Nothing goes to Salesforce before the events it comes from are on disk (SQLite flushes its log just after the commit).
                await inbox.WhenFlushedAsync(ct);
                var report = await sender.SendAsync(leases.Owner, tenantId, ct);
                work += report.Rows;
                health.Down ??= report.TransientError;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && StorageHealth.Classify(e) is null)
        {
            // (The hub's own database failing is not the org's outage: that ends the lane, to start again when the database is back.)
            logger.LogError(e, "The pipeline failed for tenant {TenantId}; other tenants are not affected and it tries again shortly", tenantId);
            health.Down ??= $"HUB_ERROR: {e.Message}";
        }
        var reached = await AnsweredSinceAsync(tenantId, passStarted, ct);
        // A lookup that failed in passing is an outage only if nothing else this pass reached the org.
        var down = health.Down ?? (reached ? null : health.LookupDown);
        if (down is not null)
        {
            await outages.FailedAsync(tenantId, down, ct);
            if (outage is null) logger.LogWarning("Salesforce is failing for tenant {TenantId}: {Error}; its interactions wait and are retried", tenantId, down);
            return (work, true);
        }
        if (outage is not null)
        {
            if (!reached && !await ProbeAsync(tenantId, ct))
            {
                // Still down: the next try waits for the backoff, even with nothing waiting.
                await outages.FailedAsync(tenantId, outage.LastError, ct);
                return (work, true);
            }
            await outages.RecoveredAsync(tenantId, ct);
            logger.LogInformation("Salesforce answers tenant {TenantId} again after failing since {Since}; the waiting interactions follow", tenantId, outage.SinceTime);
            work++;
        }
        return (work, false);
    }

    /// <summary>Whether the org answered any request of this tenant's session since then (a cached answer does not count).</summary>
    private async Task<bool> AnsweredSinceAsync(string tenantId, DateTimeOffset since, CancellationToken ct)
    {
        try
        {
            return (await connections.ClientAsync(tenantId, ct)).Session.LastAnsweredAt >= since;
        }
        catch (LinkingException)
        {
            return false;
        }
    }

    /// <summary>Whether the org answers at all: its API versions (no API call counted). Tells an outage from one request's trouble, and that an org is back.</summary>
    private async Task<bool> ProbeAsync(string tenantId, CancellationToken ct)
    {
        try
        {
            var client = await connections.ClientAsync(tenantId, ct);
            await client.GetAsync("/services/data", ct);
            return true;
        }
        catch (Exception e) when (e is LinkingException or SalesforceApiException || RetryPolicy.IsTransient(e, ct))
        {
            return false;
        }
    }

    /// <summary>What a lane learned of its org: whether it answered, and the transient error that stopped the lane.</summary>
    private sealed class LaneHealth
    {
        /// <summary>A transient error that stopped planning or sending: the org is down.</summary>
        public string? Down { get; set; }
        /// <summary>A transient error of the caller lookup alone: an outage only if nothing else reached the org.</summary>
        public string? LookupDown { get; set; }
    }

    private static IdentificationResult NoLookup(DateTimeOffset at) => new(IdentificationResult.None, [], null, null, at);

    private async Task<int> IdentifyAsync(string tenantId, LaneHealth health, CancellationToken ct)
    {
        var rows = await interactions.NeedingIdentificationAsync(tenantId, options.Value.BatchSize, ct);
        if (rows.Count == 0) return 0;
        var results = new List<(InteractionRow Row, IdentificationResult Result)>();
        var lookup = new List<(InteractionRow Row, InteractionState State)>();
        foreach (var row in rows)
        {
            InteractionState state;
            try
            {
                state = row.Parsed;
            }
            catch (JsonException e)
            {
                results.Add((row, new IdentificationResult(IdentificationResult.Unidentified, [], null, null, clock.GetUtcNow(), $"The stored interaction could not be read: {e.Message}")));
                continue;
            }
            // No phone, e-mail or IVR input: nothing to look up, no API call.
            if (state.HasCallerIdentity || state.Ivr.Count > 0) lookup.Add((row, state));
            else results.Add((row, NoLookup(clock.GetUtcNow())));
        }
        var startedAt = lookup.ToDictionary(l => l.Row.InteractionId, l => l.State.StartedAt, StringComparer.Ordinal);
        // A ready caller index answers whom it can, from memory (those it cannot, the search answers).
        if (lookup.Count > 0 && await IndexAnswersAsync(tenantId, ct) is { } fromIndex)
        {
            foreach (var item in lookup.ToList())
            {
                if (fromIndex(item.State) is not { } answer) continue;
                results.Add((item.Row, answer));
                lookup.Remove(item);
            }
        }
        var run = new LookupRun(results);
        var failed = run.Failed;
        // One span for the shared lookup (its Salesforce calls are its children), linked from each interaction's trace.
        ActivityLink[]? lookupSpan = null;
        if (lookup.Count > 0)
        {
            using var batch = Observability.HubMetrics.Activities.StartActivity("caller lookup", ActivityKind.Internal, default(ActivityContext),
                links: Observability.ObservabilityExtensions.LinksTo(lookup.Select(p => p.Row.TraceParent)));
            batch?.SetTag("contactbridge.tenant", tenantId).SetTag("contactbridge.interactions", lookup.Count);
            if (batch is not null) lookupSpan = [new ActivityLink(batch.Context)];
            try
            {
                var client = await connections.ClientAsync(tenantId, ct);
                var settings = await settingsStore.GetAsync(tenantId, ct);
                IReadOnlyDictionary<string, ObjectShape> shapes;
                using (var watch = SalesforceCallWatch.Start())
                {
                    try
                    {
                        shapes = await metadata.ShapesAsync(tenantId, client, settings.Identification.Objects.Select(o => o.Object), ct);
                    }
                    finally
                    {
                        // The describes (rare: they are cached for an hour) are made for the whole batch.
                        await requests.AddAsync(tenantId, lookup.Select(p => p.Row.InteractionId).ToList(), SalesforceRequestLog.Identify, watch.Calls, CancellationToken.None);
                    }
                }
                await LookUpAsync(client, CallerIdentifier.ForOrg(settings.Identification, shapes), lookup, run, ct);
            }
            catch (LinkingException e)
            {
                // Not linked: the interactions stay unidentified until a link exists; their events are safe in the inbox.
                logger.LogDebug("Tenant {TenantId} is not linked: {Message}", tenantId, e.Message);
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e, ct))
            {
                health.LookupDown = RetryPolicy.Describe(e);
            }
        }
        var waiting = new List<InteractionRow>();
        if (failed.FirstOrDefault(f => IsOrgWide(f.Error)) is { Error: { } orgWide })
        {
            // The daily limit, a timeout, an unreachable org: nobody's attempts count, the lane reports the org.
            health.LookupDown = RetryPolicy.Describe(orgWide);
            if (RetryPolicy.Code(orgWide) == "REQUEST_LIMIT_EXCEEDED") health.Down = health.LookupDown;
        }
        else if (failed.Count > 0 && !run.AnyAnswered && failed.All(f => RetryPolicy.IsTransient(f.Error, ct)) && !await ProbeAsync(tenantId, ct))
        {
            // Every lookup failed in passing and the org does not answer at all: the org, not the callers. Nobody's attempts are counted.
            health.LookupDown = RetryPolicy.Describe(failed[0].Error);
        }
        else
        {
            foreach (var (row, error) in failed)
            {
                if (row.IdentifyAttempts + 1 < options.Value.MaxAttemptsAlone) waiting.Add(row);
                else results.Add((row, new IdentificationResult(IdentificationResult.Unidentified, [], null, null, clock.GetUtcNow(),
                    $"The caller lookup failed {row.IdentifyAttempts + 1} times ({RetryPolicy.Describe(error)}); logged without identifying the caller.")));
            }
        }
        await interactions.IdentifyFailedAsync(waiting, options.Value.RetryDelay, ct);
        var stored = await interactions.SetIdentificationsAsync(results, ct);
        foreach (var (row, result) in results.Where(r => stored.Contains(r.Row.InteractionId)))
        {
            metrics.Identified(tenantId, result.Outcome, result.At - startedAt.GetValueOrDefault(row.InteractionId));
            using var step = Observability.ObservabilityExtensions.StartStep("interaction.identify", row.TraceParent, lookupSpan);
            step?.SetTag("contactbridge.tenant", tenantId).SetTag("contactbridge.interaction", row.InteractionId).SetTag("contactbridge.identification.outcome", result.Outcome);
        }
        return results.Count + waiting.Count;
    }

    /// <summary>
    /// One shared lookup for all the callers; when it fails, the two halves are looked up apart, and so
    /// on, so a caller whose lookup fails costs a few calls and holds up nobody else. A timeout, an
    /// unreachable org or the daily limit is the org's, not a caller's: nothing is split. A server error
    /// is split only once the org has shown it answers (one half succeeded): when both halves fail too,
    /// the org is down and nobody's attempts count.
    /// </summary>
    private async Task LookUpAsync(SalesforceRestClient client, IdentificationRules rules, List<(InteractionRow Row, InteractionState State)> group,
        LookupRun run, CancellationToken ct)
    {
        if (await TryLookUpAsync(client, rules, group, run, ct) is { } error) await SplitAsync(client, rules, group, error, run, ct);
    }

    /// <summary>A group whose lookup failed with <paramref name="error"/>: its halves are tried apart, each lookup made once.</summary>
    private async Task SplitAsync(SalesforceRestClient client, IdentificationRules rules, List<(InteractionRow Row, InteractionState State)> group,
        Exception error, LookupRun run, CancellationToken ct)
    {
        if (group.Count == 1 || IsOrgWide(error))
        {
            run.Failed.AddRange(group.Select(p => (p.Row, error)));
            return;
        }
        logger.LogWarning("The caller lookup of {Count} interactions failed ({Message}); looking them up in halves", group.Count, error.Message);
        var transient = RetryPolicy.IsTransient(error, ct);
        var answeredBefore = run.AnyAnswered;
        var stillFailing = new List<(List<(InteractionRow Row, InteractionState State)> Half, Exception Error)>();
        foreach (var half in new[] { group[..(group.Count / 2)], group[(group.Count / 2)..] })
            if (await TryLookUpAsync(client, rules, half, run, ct) is { } e) stillFailing.Add((half, e));
        // Both halves failed as the whole did, and nothing has answered: the org's trouble (or a rule every lookup breaks), not one caller's.
        var sameForAll = stillFailing.Count == 2 && !answeredBefore && !run.AnyAnswered
            && (transient || stillFailing.All(f => RetryPolicy.Code(f.Error) == RetryPolicy.Code(error)));
        if (sameForAll)
        {
            foreach (var (half, e) in stillFailing) run.Failed.AddRange(half.Select(p => (p.Row, e)));
            return;
        }
        foreach (var (half, e) in stillFailing) await SplitAsync(client, rules, half, e, run, ct);
    }

    /// <summary>Errors that are the org's whoever the caller: an unreachable or slow org, the daily limit, a session that cannot be renewed.</summary>
    private static bool IsOrgWide(Exception e) =>
        RetryPolicy.Code(e) is "TIMEOUT" or "UNREACHABLE" or "REQUEST_LIMIT_EXCEEDED" || e is SalesforceApiException { IsSessionExpired: true };

    private async Task<Exception?> TryLookUpAsync(SalesforceRestClient client, IdentificationRules rules, List<(InteractionRow Row, InteractionState State)> group,
        LookupRun run, CancellationToken ct)
    {
        using var watch = SalesforceCallWatch.Start();
        try
        {
            var found = await identifier.IdentifyAsync(client, rules, group.Select(p => p.State).ToList(), ct);
            run.Results.AddRange(group.Select(p => (p.Row, found[p.State.InteractionId])));
            run.AnyAnswered = true;
            return null;
        }
        catch (Exception e) when (e is not (LinkingException or OperationCanceledException) || e is TaskCanceledException && !ct.IsCancellationRequested)
        {
            return e;
        }
        finally
        {
            await requests.AddAsync(group[0].Row.TenantId, group.Select(p => p.Row.InteractionId).ToList(), SalesforceRequestLog.Identify, watch.Calls, CancellationToken.None);
        }
    }

    /// <summary>What one lane's caller lookup found, what failed and why, and whether any part of it got an answer.</summary>
    private sealed class LookupRun(List<(InteractionRow, IdentificationResult)> results)
    {
        public List<(InteractionRow, IdentificationResult)> Results { get; } = results;
        public List<(InteractionRow Row, Exception Error)> Failed { get; } = [];
        public bool AnyAnswered { get; set; }
    }

    private async Task<int> PlanAsync(string tenantId, LaneHealth health, CancellationToken ct)
    {
        var rows = await interactions.NeedingPlanAsync(tenantId, options.Value.BatchSize, ct);
        if (rows.Count == 0) return 0;
        var added = new List<OutboxStore.NewRow>();
        try
        {
            var tenant = await tenants.GetAsync(tenantId, ct);
            var link = await links.GetAsync(tenantId, ct);
            if (tenant is null || link is null || !link.IsUsable) return 0;
            var client = await connections.ClientAsync(tenantId, ct);
            var settings = await settingsStore.GetAsync(tenantId, ct);
            var states = new List<(InteractionRow Row, InteractionState State, IdentificationResult? Identification)>();
            foreach (var r in rows)
            {
                try
                {
                    states.Add((r, r.Parsed, r.ParsedIdentification));
                }
                catch (JsonException e)
                {
                    added.Add(Dead(r, "HUB_ERROR", $"The stored interaction could not be read: {e.Message}"));
                }
            }
            IReadOnlyDictionary<string, ObjectShape> shapes;
            IReadOnlyDictionary<string, string?> owners;
            IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonObject> current;
            using (var watch = SalesforceCallWatch.Start())
            {
                try
                {
                    shapes = await metadata.ShapesAsync(tenantId, client,
                        states.Any(s => s.State.Attachments.Count > 0) ? ["Task", "Case", "Lead", "Contact", "ContentVersion"] : ["Task", "Case", "Lead", "Contact"], ct);
                    owners = await metadata.OwnersAsync(tenantId, client, states.Select(s => s.State.Agent?.Email).Where(e => e is not null).Cast<string>(), ct);
                    current = await CurrentRecordsAsync(client, settings, states.Select(s => s.Identification).ToList(), ct);
                }
                finally
                {
                    await requests.AddAsync(tenantId, states.Select(s => s.State.InteractionId).ToList(), SalesforceRequestLog.Plan, watch.Calls, CancellationToken.None);
                }
            }
            var ids = states.Select(s => s.State.InteractionId).ToList();
            var plannedBefore = await outbox.PlannedBeforeAsync(tenantId, ids, ct);
            var written = plannedBefore.Count > 0 ? await outbox.WrittenPlansAsync(tenantId, plannedBefore, ct) : [];
            var sent = plannedBefore.Count > 0 ? await outbox.LastSentPlansAsync(tenantId, plannedBefore, ct) : [];
            foreach (var (row, state, identification) in states)
            {
                try
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
                    // Records already written keep the keys they were written with (earlier versions used other keys).
                    var before = written.GetValueOrDefault(state.InteractionId);
                    if (before is not null) plan = plan.WithKeysOf(JsonSerializer.Deserialize<LogPlan>(before, InteractionStore.Json));
                    // Late events that change nothing written (the agent's wrap-up ending, a hold after the end …) send nothing again.
                    var planned = JsonSerializer.Serialize(plan, InteractionStore.Json);
                    var unchanged = sent.TryGetValue(state.InteractionId, out var lastSent) && string.Equals(lastSent, planned, StringComparison.Ordinal);
                    // Planned before (late events, a replay): some records may exist, so the first send checks which.
                    added.Add(new OutboxStore.NewRow(tenantId, state.InteractionId, planned, row.StateVersion,
                        plan.Nodes.Count == 0 || unchanged ? OutboxState.Done : OutboxState.Pending, Attempts: plannedBefore.Contains(state.InteractionId) ? 1 : 0,
                        TraceParent: row.TraceParent));
                    using var step = Observability.ObservabilityExtensions.StartStep("interaction.plan", row.TraceParent);
                    step?.SetTag("contactbridge.tenant", tenantId).SetTag("contactbridge.interaction", state.InteractionId).SetTag("contactbridge.records", plan.Nodes.Count);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Planning is pure, so trying again gives the same failure: this interaction is set aside as a dead letter; Replay plans it again.
                    logger.LogWarning(e, "Interaction {InteractionId} of tenant {TenantId} could not be planned", state.InteractionId, tenantId);
                    added.Add(new OutboxStore.NewRow(tenantId, state.InteractionId,
                        JsonSerializer.Serialize(new LogPlan(tenantId, state.InteractionId, link.ApiVersion, settings.KeyField, []), InteractionStore.Json),
                        row.StateVersion, OutboxState.Dead, "HUB_ERROR", $"The hub could not plan this interaction: {e.Message}"));
                }
            }
        }
        catch (LinkingException e)
        {
            logger.LogDebug("Tenant {TenantId} is not linked: {Message}", tenantId, e.Message);
        }
        catch (Exception e) when (RetryPolicy.IsTransient(e, ct))
        {
            health.Down = RetryPolicy.Describe(e);
        }
        catch (SalesforceApiException e)
        {
            // Salesforce refuses what every plan of this batch needs (a describe, the owners): each becomes a dead letter saying so; Replay once fixed.
            logger.LogWarning("Planning for tenant {TenantId} failed: {Error}", tenantId, RetryPolicy.Describe(e));
            added.Clear();
            added.AddRange(rows.Select(r => Dead(r, e.ErrorCode, e.SalesforceMessage)));
        }
        await outbox.AddAsync(added, ct);
        metrics.Planned(tenantId, added.Count(a => a.State != OutboxState.Dead));
        foreach (var dead in added.Where(a => a.State == OutboxState.Dead)) metrics.DeadLettered(tenantId, dead.ErrorCode);
        return added.Count;
    }

    private static OutboxStore.NewRow Dead(InteractionRow row, string code, string error) =>
        new(row.TenantId, row.InteractionId, JsonSerializer.Serialize(new LogPlan(row.TenantId, row.InteractionId, "", "", []), InteractionStore.Json),
            row.StateVersion, OutboxState.Dead, code, error, TraceParent: row.TraceParent);

    /// <summary>For "fill empty fields only", the matched records' current values: one query per object for the whole batch.</summary>
    private static async Task<Dictionary<string, System.Text.Json.Nodes.JsonObject>> CurrentRecordsAsync(SalesforceRestClient client, LoggingSettings settings,
        IReadOnlyList<IdentificationResult?> identifications, CancellationToken ct)
    {
        var result = new Dictionary<string, System.Text.Json.Nodes.JsonObject>(StringComparer.Ordinal);
        if (settings.UpdatePolicy != "fill_empty") return result;
        foreach (var group in identifications.Where(i => i?.Single is { Object: "Lead" or "Contact" }).Select(i => i!.Single!).GroupBy(m => m.Object))
        {
            var fields = group.Key == "Lead" ? "Id, Phone, Email, FirstName, LastName, Company" : "Id, Phone, Email, FirstName, LastName";
            foreach (var chunk in CallerIdentifier.Chunks(group.Select(m => m.Id).Distinct(), 200))
            {
                var found = await client.QueryAsync($"SELECT {fields} FROM {group.Key} WHERE Id IN ({string.Join(", ", chunk.Select(Soql.String))})", ct);
                foreach (var r in found["records"]?.AsArray() ?? []) result[r!["Id"]!.GetValue<string>()] = r.AsObject();
            }
        }
        return result;
    }
}
