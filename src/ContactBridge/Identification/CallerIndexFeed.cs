using System.Diagnostics;
using System.Threading.Channels;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.Salesforce;
using ContactBridge.Salesforce.PubSub;
using Microsoft.Extensions.Options;

namespace ContactBridge.Identification;

/// <summary>
/// Builds and keeps current the caller index of every tenant that asked for one (Identification rules → "answer screen pops from a
/// caller index"), in this instance. Per tenant: first the change streams of the rules' objects are opened over the Pub/Sub API
/// (/data/ContactChangeEvent, …: Change Data Capture), then the index is loaded by Bulk API query, then every change is applied in
/// the order it came, those that came during the load included (an event older than what the load read changes nothing). A change
/// the event cannot tell whole (a gap, a renamed person, a record that just got its first number) is read again by one query per
/// object; a GAP_OVERFLOW, a replay id past retention or a change of rules loads the index again. A refused subscription, a malformed
/// event or a token that cannot be renewed puts the index aside with the reason on the tenant's page; the search answers meanwhile.
/// </summary>
public sealed class CallerIndexFeed(
    CallerIndexes indexes, Tenants.TenantStore tenants, LoggingSettingsStore settings, LinkStore links, SalesforceConnections connections, SalesforceMetadata metadata,
    PubSubConnection pubSub, IOptions<CallerIndexOptions> options, TimeProvider clock, ILogger<CallerIndexFeed> logger) : BackgroundService, IAsyncDisposable
{
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Run, string Fingerprint)> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>The topic of an object's change events: /data/ContactChangeEvent, /data/Thing__ChangeEvent.</summary>
    public static string TopicOf(string sobject) =>
        "/data/" + (sobject.EndsWith("__c", StringComparison.OrdinalIgnoreCase) ? sobject[..^3] + "__ChangeEvent" : sobject + "ChangeEvent");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Checking which caller indexes to keep failed; it tries again shortly: {Error}", e.Message);
            }
            try
            {
                await Task.Delay(options.Value.CheckInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await StopAllAsync();
    }

    /// <summary>Starts the index of each tenant that wants one and has a usable link, rebuilds those whose rules changed, and stops the rest.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tenant in await tenants.ListAsync(ct))
        {
            var rules = (await settings.GetAsync(tenant.Id, ct)).Identification;
            if (!rules.CallerIndex || rules.Objects.Count == 0) continue;
            if (await links.GetAsync(tenant.Id, ct) is not { IsUsable: true }) continue;
            wanted[tenant.Id] = CallerIndexes.Fingerprint(rules);
        }
        List<Task> stopping = [];
        lock (_running)
        {
            foreach (var (tenantId, run) in _running.ToList())
            {
                if (wanted.TryGetValue(tenantId, out var fingerprint) && fingerprint == run.Fingerprint && !run.Run.IsCompleted) continue;
                run.Stop.Cancel();
                stopping.Add(run.Run);
                _running.Remove(tenantId);
            }
        }
        await Task.WhenAll(stopping.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        lock (_running)
        {
            foreach (var (tenantId, fingerprint) in wanted)
            {
                if (_running.ContainsKey(tenantId)) continue;
                var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
                var entry = indexes.Begin(tenantId, fingerprint);
                _running[tenantId] = (stop, Task.Run(() => RunTenantAsync(tenantId, entry, stop.Token), CancellationToken.None), fingerprint);
            }
        }
    }

    /// <summary>One tenant's index for as long as it is wanted: built, kept current, and built again after what needs it.</summary>
    private async Task RunTenantAsync(string tenantId, CallerIndexes.Entry entry, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await BuildAndFollowAsync(tenantId, entry, ct);
                    // Returned: something asked for a new load (GAP_OVERFLOW, a replay id past retention).
                    continue;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    entry.State = CallerIndexStatus.Unavailable;
                    entry.Reason = Explain(e);
                    entry.Index = null;
                    logger.LogWarning("The caller index of tenant {TenantId} is set aside, screen pops use the search meanwhile: {Reason}", tenantId, entry.Reason);
                }
                await Task.Delay(options.Value.RetryDelay, clock, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            indexes.End(tenantId, entry);
        }
    }

    /// <summary>What the tenant's page says of a failure: what went wrong and what to do.</summary>
    private static string Explain(Exception e) => e switch
    {
        PubSubException { IsRefused: true } p => $"Salesforce refused the change events ({p.Message}). Select the rules' objects for Change Data Capture in Setup → Change Data Capture, and give the integration user the View All permission on them.",
        PubSubException { IsAuthError: true } p => $"Salesforce refused the hub's token for the change events ({p.Message}). Relink the tenant if this lasts.",
        PubSubException p => p.Message,
        FormatException f => $"A change event could not be read ({f.Message}); the index is loaded again.",
        LinkingException l => l.Message,
        SalesforceApiException s => $"The index could not be loaded: {s.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private async Task BuildAndFollowAsync(string tenantId, CallerIndexes.Entry entry, CancellationToken ct)
    {
        entry.State = CallerIndexStatus.Loading;
        var client = await connections.ClientAsync(tenantId, ct);
        var link = await links.GetAsync(tenantId, ct) ?? throw new LinkingException("not_linked", "This tenant is not linked to Salesforce.");
        var saved = (await settings.GetAsync(tenantId, ct)).Identification;
        var shapes = await metadata.ShapesAsync(tenantId, client, saved.Objects.Select(o => o.Object), ct);
        var rules = CallerIdentifier.ForOrg(saved, shapes);
        var orgId = link.OrgId ?? throw new LinkingException("not_linked", "The link does not say which org it is: relink the tenant.");
        Task<PubSubCredentials> Credentials(CancellationToken _) => Task.FromResult(new PubSubCredentials(client.Session.AccessToken, client.Session.InstanceUrl.ToString().TrimEnd('/'), orgId));

        // The streams first, so that no change made while the index loads is missed; their events wait until it is loaded.
        var changes = Channel.CreateUnbounded<StreamItem>(new UnboundedChannelOptions { SingleReader = true });
        using var streams = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var opened = new List<Task>();
        foreach (var rule in rules.Objects)
        {
            var topic = TopicOf(rule.Object);
            await pubSub.TopicAsync(await Credentials(ct), topic, ct);
            var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            opened.Add(requested.Task);
            _ = Task.Run(() => FollowTopicAsync(client, Credentials, topic, entry, changes.Writer, requested, streams.Token), CancellationToken.None);
        }
        await Task.WhenAll(opened).WaitAsync(ct);

        var watch = Stopwatch.StartNew();
        var (index, calls) = await CallerIndex.LoadAsync(client, rules, clock, options.Value.BulkPollInterval, ct);
        entry.LoadTook = watch.Elapsed;
        entry.LoadApiCalls += calls;
        entry.LoadedAt = clock.GetUtcNow();
        entry.InstanceUrl = client.Session.InstanceUrl.ToString();
        entry.Index = index;
        entry.Reason = null;
        entry.State = CallerIndexStatus.Ready;
        logger.LogInformation("The caller index of tenant {TenantId} holds {Records} records ({Calls} API calls, {Seconds:F1} s); screen pops are answered from it",
            tenantId, index.Records, calls, watch.Elapsed.TotalSeconds);

        try
        {
            var reread = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            while (await changes.Reader.WaitToReadAsync(ct))
            {
                while (changes.Reader.TryRead(out var item))
                {
                    if (item.Failure is PubSubException { IsReplayGone: true } gone)
                    {
                        logger.LogInformation("The change stream of tenant {TenantId} cannot resume ({Error}): the caller index is loaded again", tenantId, gone.Message);
                        return;
                    }
                    if (item.Failure is not null) throw item.Failure;
                    var change = ChangeEvent.Read(item.Event!.Payload);
                    var outcome = index.Apply(change);
                    if (outcome.Reload)
                    {
                        logger.LogInformation("Salesforce sent a GAP_OVERFLOW for {Object} of tenant {TenantId}: the caller index is loaded again", outcome.Object, tenantId);
                        return;
                    }
                    if (outcome.Reread.Count > 0)
                    {
                        if (!reread.TryGetValue(outcome.Object!, out var ids)) reread[outcome.Object!] = ids = new HashSet<string>(StringComparer.Ordinal);
                        ids.UnionWith(outcome.Reread);
                    }
                    Interlocked.Increment(ref entry.ChangesApplied);
                    entry.LastChangeAt = clock.GetUtcNow();
                }
                // Everything that came is applied: what the events could not tell is read now, one query per object.
                foreach (var (sobject, ids) in reread)
                {
                    entry.RereadApiCalls += await RereadAsync(client, index, rules.Objects.First(o => o.Object.Equals(sobject, StringComparison.OrdinalIgnoreCase)), ids, ct);
                }
                reread.Clear();
            }
        }
        finally
        {
            await streams.CancelAsync();
        }
    }

    /// <summary>Reads records again by id (at most 200 a query) and puts them in the index, or takes out those the org no longer has.</summary>
    private async Task<int> RereadAsync(SalesforceRestClient client, CallerIndex index, ObjectRule rule, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var calls = 0;
        foreach (var chunk in ids.Chunk(200))
        {
            var readAt = clock.GetUtcNow();
            var result = await client.QueryAsync(
                $"SELECT {string.Join(", ", CallerIndex.FieldsOf(rule).Select(Soql.Name))} FROM {Soql.Name(rule.Object)} WHERE Id IN ({string.Join(", ", chunk.Select(Soql.String))})", ct);
            calls++;
            var rows = (result["records"]?.AsArray() ?? []).OfType<System.Text.Json.Nodes.JsonObject>()
                .ToDictionary(r => r["Id"]!.GetValue<string>(), r => (IReadOnlyDictionary<string, string?>)r.Where(kv => kv.Value is System.Text.Json.Nodes.JsonValue)
                    .ToDictionary(kv => kv.Key, kv => kv.Value?.ToString(), StringComparer.OrdinalIgnoreCase), StringComparer.Ordinal);
            foreach (var id in chunk) index.Refresh(rule, id, rows.GetValueOrDefault(id), readAt);
        }
        return calls;
    }

    private sealed record StreamItem(ReceivedEvent? Event, Exception? Failure);

    /// <summary>
    /// One topic's change events into the tenant's queue, resumed after the last one (or the latest replay id a keep-alive gave) when
    /// the stream drops; a token refused is renewed once; what cannot be resumed (refused topic, replay id past retention) ends the
    /// tenant's index with the reason.
    /// </summary>
    private async Task FollowTopicAsync(SalesforceRestClient client, Func<CancellationToken, Task<PubSubCredentials>> credentials, string topic, CallerIndexes.Entry entry,
        ChannelWriter<StreamItem> changes, TaskCompletionSource requested, CancellationToken ct)
    {
        byte[]? replay = null;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var batch in pubSub.SubscribeAsync(credentials, topic, replay, 100, () => requested.TrySetResult(), ct).WithCancellation(ct))
                {
                    foreach (var e in batch.Events)
                    {
                        await changes.WriteAsync(new StreamItem(e, null), ct);
                        replay = e.ReplayId;
                    }
                    if (batch.Events.Count == 0 && batch.LatestReplayId.Length > 0) replay = batch.LatestReplayId;
                    failures = 0;
                    entry.StreamDownSince = null;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (PubSubException e) when (e.IsAuthError && failures == 0)
            {
                failures++;
                await client.Session.RefreshAsync(client.Session.AccessToken, ct);
                continue;
            }
            catch (PubSubException e) when (e.IsTransient)
            {
                failures++;
                entry.StreamDownSince ??= clock.GetUtcNow();
                logger.LogInformation("The change stream {Topic} dropped ({Error}); it resumes from its last replay id", topic, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6)) / 2)), clock, ct);
                continue;
            }
            catch (Exception e)
            {
                requested.TrySetResult();
                changes.TryWrite(new StreamItem(null, e));
                return;
            }
        }
    }

    private async Task StopAllAsync()
    {
        List<Task> runs;
        lock (_running)
        {
            foreach (var run in _running.Values) run.Stop.Cancel();
            runs = _running.Values.Select(r => r.Run).ToList();
            _running.Clear();
        }
        await Task.WhenAll(runs.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await StopAllAsync();
        _disposed.Dispose();
        Dispose();
    }
}
