using System.Diagnostics;
using System.Threading.Channels;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Outbox;
using ContactBridge.Salesforce;
using ContactBridge.Salesforce.PubSub;
using ContactBridge.Storage;
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
    CallerIndexes indexes, CallerIndexSnapshots snapshots, Tenants.TenantStore tenants, LoggingSettingsStore settings, LinkStore links, SalesforceConnections connections,
    SalesforceMetadata metadata, PubSubConnection pubSub, IHttpClientFactory httpFactory, IOptions<CallerIndexOptions> options, TimeProvider clock,
    ILogger<CallerIndexFeed> logger)
    : BackgroundService, IAsyncDisposable
{
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Run, string Key)> _running = new(StringComparer.Ordinal);
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
        var unread = new List<string>();
        foreach (var tenant in await tenants.ListAsync(ct))
        {
            try
            {
                var rules = (await settings.GetAsync(tenant.Id, ct)).Identification;
                if (!rules.CallerIndex || rules.Objects.Count == 0) continue;
                if (await links.GetAsync(tenant.Id, ct) is not { IsUsable: true } link) continue;
                // A relink to another org (or another instance of it) is another index, as is a change of the rules' objects, fields or country.
                wanted[tenant.Id] = $"{CallerIndexes.Fingerprint(rules)}\n{link.OrgId}\n{link.InstanceUrl}";
            }
            catch (Exception e) when (e is not OperationCanceledException && StorageHealth.Classify(e) is null)
            {
                // One tenant whose settings cannot be read keeps what it has here; the others go on.
                unread.Add(tenant.Id);
                logger.LogWarning("The caller index settings of tenant {TenantId} could not be read; its index is left as it is: {Error}", tenant.Id, e.Message);
            }
        }
        lock (_running)
        {
            foreach (var tenantId in unread)
                if (_running.TryGetValue(tenantId, out var run)) wanted[tenantId] = run.Key;
        }
        await snapshots.KeepOnlyAsync([.. wanted.Keys, .. unread], ct);
        List<(CancellationTokenSource Stop, Task Run)> stopping = [];
        lock (_running)
        {
            foreach (var (tenantId, run) in _running.ToList())
            {
                if (wanted.TryGetValue(tenantId, out var key) && key == run.Key && !run.Run.IsCompleted) continue;
                run.Stop.Cancel();
                stopping.Add((run.Stop, run.Run));
                _running.Remove(tenantId);
            }
        }
        foreach (var (stop, run) in stopping)
        {
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
        }
        lock (_running)
        {
            if (_disposed.IsCancellationRequested) return;
            foreach (var (tenantId, key) in wanted)
            {
                if (_running.ContainsKey(tenantId)) continue;
                var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
                var entry = indexes.Begin(tenantId, key[..key.IndexOf('\n', StringComparison.Ordinal)]);
                _running[tenantId] = (stop, Task.Run(() => RunTenantAsync(tenantId, entry, stop.Token), CancellationToken.None), key);
            }
        }
    }

    /// <summary>One tenant's index for as long as it is wanted: built, kept current, and built again after what needs it.</summary>
    private async Task RunTenantAsync(string tenantId, CallerIndexes.Entry entry, CancellationToken ct)
    {
        try
        {
            var fromSnapshot = true;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await BuildAndFollowAsync(tenantId, entry, fromSnapshot, ct);
                    // Returned: something asked for a new load from the org (GAP_OVERFLOW, a replay id past retention).
                    fromSnapshot = false;
                    continue;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // What failed may be the snapshot's fault (an event it cannot take): the next try loads from the org.
                    fromSnapshot = false;
                    entry.SetAside(Explain(e));
                    logger.LogWarning("The caller index of tenant {TenantId} is set aside, screen pops use the search meanwhile: {Reason}", tenantId, entry.Reason);
                }
                // Tried again after the delay, or as soon as an administrator asks (the page's "Load it again now").
                using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    await Task.WhenAny(Task.Delay(options.Value.RetryDelay, clock, waiting.Token), entry.RetryRequested);
                    await waiting.CancelAsync();
                }
                ct.ThrowIfCancellationRequested();
                entry.RetryTaken();
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
        PubSubException { Status: Grpc.Core.StatusCode.DataLoss } p => $"A change event could not be read ({p.Message}); the next try loads the index from Salesforce again.",
        PubSubException p => p.Message,
        Salesforce.Streaming.StreamingApiException x => $"Salesforce refused the change events ({x.Message}). Select the rules' objects for Change Data Capture in Setup → Change Data Capture.",
        FormatException f => $"A change event could not be read ({f.Message}); the index is loaded again.",
        LinkingException l => l.Message,
        SalesforceApiException s => $"The index could not be loaded: {s.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private async Task BuildAndFollowAsync(string tenantId, CallerIndexes.Entry entry, bool fromSnapshot, CancellationToken ct)
    {
        entry.State = CallerIndexStatus.Loading;
        var client = await connections.ClientAsync(tenantId, ct);
        var link = await links.GetAsync(tenantId, ct) ?? throw new LinkingException("not_linked", "This tenant is not linked to Salesforce.");
        var saved = (await settings.GetAsync(tenantId, ct)).Identification;
        var shapes = await metadata.ShapesAsync(tenantId, client, saved.Objects.Select(o => o.Object), ct);
        var rules = CallerIdentifier.ForOrg(saved, shapes);
        var fingerprint = CallerIndexes.Fingerprint(rules);
        var orgId = link.OrgId ?? throw new LinkingException("not_linked", "The link does not say which org it is: relink the tenant.");
        Task<PubSubCredentials> Credentials(CancellationToken _) => Task.FromResult(new PubSubCredentials(client.Session.AccessToken, client.Session.InstanceUrl.ToString().TrimEnd('/'), orgId));
        // The Pub/Sub API, or CometD: forced by the settings, or when the Pub/Sub API cannot be reached at all (a firewall, a proxy).
        var cometd = options.Value.Transport == "cometd";
        entry.Transport = cometd ? "cometd" : "pubsub";
        if (!cometd)
        {
            foreach (var rule in rules.Objects)
            {
                try
                {
                    await pubSub.TopicAsync(await Credentials(ct), TopicOf(rule.Object), ct);
                }
                catch (PubSubException e) when (e.IsTransient && options.Value.Transport == "auto")
                {
                    cometd = true;
                    entry.Transport = $"cometd (the Pub/Sub API could not be reached: {e.Message})";
                    logger.LogWarning("The Pub/Sub API could not be reached for tenant {TenantId} ({Error}); its caller index follows changes over CometD", tenantId, e.Message);
                    break;
                }
            }
        }
        // Replay ids of the two are not interchangeable: a snapshot's are kept under the transport's own keys.
        var topics = rules.Objects.ToDictionary(o => (cometd ? "cometd:" : "") + TopicOf(o.Object), o => o, StringComparer.Ordinal);

        // An index stored by this or another instance, for these rules and this org, recent enough for its streams to resume.
        var snapshot = fromSnapshot ? await snapshots.LoadAsync(tenantId, fingerprint, orgId, rules, clock.GetUtcNow(), options.Value.SnapshotMaxAge, ct) : null;
        if (snapshot is not null && !topics.Keys.All(snapshot.ReplayIds.ContainsKey)) snapshot = null;

        // The streams first (after the snapshot's replay ids, or from now), so that no change made while the index loads is missed;
        // their events wait until it is loaded.
        var changes = Channel.CreateUnbounded<StreamItem>(new UnboundedChannelOptions { SingleReader = true });
        using var streams = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var followers = new List<Task>();
        try
        {
            var opened = new List<Task>();
            foreach (var (key, rule) in topics)
            {
                var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                opened.Add(requested.Task);
                var from = snapshot?.ReplayIds[key];
                var topic = TopicOf(rule.Object);
                followers.Add(cometd
                    ? Task.Run(() => FollowOverCometdAsync(client, key, topic, from, entry, changes.Writer, requested, streams.Token), CancellationToken.None)
                    : Task.Run(() => FollowTopicAsync(client, Credentials, key, topic, from, entry, changes.Writer, requested, streams.Token), CancellationToken.None));
            }
            await Task.WhenAll(opened).WaitAsync(ct);
            await FollowAsync(tenantId, entry, client, rules, fingerprint, orgId, topics, snapshot, changes.Reader, ct);
        }
        finally
        {
            // Every stream of this build ends with it, whatever ended it.
            await streams.CancelAsync();
            await Task.WhenAll(followers.Select(f => f.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>
    /// Loads the index (or takes the snapshot's), applies what the streams brought meanwhile, then answers from it while applying every
    /// change as it comes; returns when the index must be loaded again from the org.
    /// </summary>
    private async Task FollowAsync(string tenantId, CallerIndexes.Entry entry, SalesforceRestClient client, IdentificationRules rules, string fingerprint, string orgId,
        Dictionary<string, ObjectRule> topics, CallerIndexSnapshots.Snapshot? snapshot, ChannelReader<StreamItem> changes, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        CallerIndex index;
        if (snapshot is not null)
        {
            index = snapshot.Index;
            entry.Source = "snapshot";
            entry.SnapshotAt = snapshot.TakenAt;
        }
        else
        {
            (index, var calls) = await CallerIndex.LoadAsync(client, rules, clock, options.Value.BulkPollInterval, ct);
            entry.LoadApiCalls += calls;
            entry.Source = "bulk";
        }
        entry.InstanceUrl = client.Session.InstanceUrl.ToString();
        entry.Index = index;

        // Where each stream's applied changes reach: what a snapshot may resume from.
        var applied = new Dictionary<string, byte[]>(snapshot?.ReplayIds ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        var changedSinceSnapshot = snapshot is null;
        var lastSnapshot = snapshot?.TakenAt ?? DateTimeOffset.MinValue;
        var reread = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        var caughtUp = false;
        while (true)
        {
            // What has come is applied (the first time: what came while the index loaded, before it answers anyone).
            while (changes.TryRead(out var item))
            {
                if (item.Failure is PubSubException { IsReplayGone: true } or Salesforce.Streaming.StreamingApiException { IsReplayGone: true } or StreamLostException)
                {
                    logger.LogInformation("A change stream of tenant {TenantId} cannot resume ({Error}): the caller index is loaded again", tenantId, item.Failure.Message);
                    return;
                }
                if (item.Failure is not null) throw item.Failure;
                if (item.Change is null)
                {
                    // A keep-alive: nothing of the topic is due up to its latest replay id.
                    applied[item.Topic] = item.ReplayId!;
                    continue;
                }
                var outcome = index.Apply(item.Change);
                applied[item.Topic] = item.ReplayId!;
                changedSinceSnapshot = true;
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
            // What the events could not tell is read now, one query per object; a query that fails is tried again with the next changes.
            foreach (var (sobject, ids) in reread.ToList())
            {
                try
                {
                    entry.RereadApiCalls += await RereadAsync(client, index, rules.Objects.First(o => o.Object.Equals(sobject, StringComparison.OrdinalIgnoreCase)), ids, ct);
                    reread.Remove(sobject);
                }
                catch (Exception e) when (e is SalesforceApiException or HttpRequestException || e is TaskCanceledException && !ct.IsCancellationRequested)
                {
                    logger.LogWarning("Reading {Count} {Object} records of tenant {TenantId} again failed ({Error}); it is tried again with the next changes",
                        ids.Count, sobject, tenantId, e.Message);
                }
            }
            if (!caughtUp)
            {
                caughtUp = true;
                entry.LoadTook = watch.Elapsed;
                entry.LoadedAt = clock.GetUtcNow();
                entry.Reason = null;
                entry.State = CallerIndexStatus.Ready;
                logger.LogInformation("The caller index of tenant {TenantId} holds {Records} records ({Source}, {Seconds:F1} s); screen pops are answered from it",
                    tenantId, index.Records, entry.Source, watch.Elapsed.TotalSeconds);
            }
            // Stored now and then, once every stream has a position and nothing waits to be read again: everything up to those replay ids is in it.
            var now = clock.GetUtcNow();
            if (changedSinceSnapshot && reread.Count == 0 && applied.Count == topics.Count && now - lastSnapshot >= options.Value.SnapshotInterval)
            {
                var bytes = await snapshots.SaveAsync(tenantId, fingerprint, orgId, entry.InstanceUrl, index, applied, now, ct);
                (lastSnapshot, changedSinceSnapshot, entry.SnapshotAt) = (now, false, now);
                logger.LogDebug("The caller index of tenant {TenantId} is stored ({Records} records, {Bytes} bytes)", tenantId, index.Records, bytes);
            }
            if (!await changes.WaitToReadAsync(ct)) return;
        }
    }

    /// <summary>A stream dropped before it had a position to resume from: what changed meanwhile is unknown, so the index is loaded again.</summary>
    private sealed class StreamLostException(string message) : Exception(message);

    /// <summary>Reads records again by id (at most 200 a query) and puts them in the index, or takes out those the org no longer has.</summary>
    private async Task<int> RereadAsync(SalesforceRestClient client, CallerIndex index, ObjectRule rule, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var calls = 0;
        foreach (var chunk in ids.Chunk(200))
        {
            var readAt = clock.GetUtcNow();
            var result = await client.QueryAsync(
                $"SELECT {string.Join(", ", CallerIndex.FieldsOf(rule).Select(Soql.Name))} FROM {Soql.Name(rule.Object)} WHERE Id IN ({string.Join(", ", chunk.Select(Soql.String))})" +
                $"{(CallerCandidate.CallerCondition(rule.Object) is { } only ? " AND " + only : "")}", ct);
            calls++;
            var rows = (result["records"]?.AsArray() ?? []).OfType<System.Text.Json.Nodes.JsonObject>()
                .ToDictionary(r => r["Id"]!.GetValue<string>(), r => (IReadOnlyDictionary<string, string?>)r.Where(kv => kv.Value is System.Text.Json.Nodes.JsonValue)
                    .ToDictionary(kv => kv.Key, kv => kv.Value?.ToString(), StringComparer.OrdinalIgnoreCase), StringComparer.Ordinal);
            foreach (var id in chunk) index.Refresh(rule, id, rows.GetValueOrDefault(id), readAt);
        }
        return calls;
    }

    /// <summary>What a stream passes on, in its order: a change, a keep-alive's position (no change), or the failure that ended it.</summary>
    private sealed record StreamItem(string Topic, byte[]? ReplayId, ChangeEvent? Change, Exception? Failure);

    /// <summary>
    /// One topic's change events into the tenant's queue, resumed after the last one (or the latest replay id a keep-alive gave) when
    /// the stream drops; a token refused is renewed (once between successes); a stream that drops before it has any position asks for
    /// a new load (what changed meanwhile is unknown); anything else that ends it (refused topic, replay id past retention, an event
    /// that cannot be read, a renewal that fails) ends the tenant's index with the reason.
    /// </summary>
    private async Task FollowTopicAsync(SalesforceRestClient client, Func<CancellationToken, Task<PubSubCredentials>> credentials, string key, string topic, byte[]? replay,
        CallerIndexes.Entry entry, ChannelWriter<StreamItem> changes, TaskCompletionSource requested, CancellationToken ct)
    {
        var failures = 0;
        var renewed = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var token = client.Session.AccessToken;
                try
                {
                    await foreach (var batch in pubSub.SubscribeAsync(credentials, topic, replay, 100, () => requested.TrySetResult(), ct).WithCancellation(ct))
                    {
                        foreach (var e in batch.Events)
                        {
                            await changes.WriteAsync(new StreamItem(key, e.ReplayId, ChangeEvent.Read(e.Payload), null), ct);
                            replay = e.ReplayId;
                        }
                        if (batch.Events.Count == 0 && batch.LatestReplayId.Length > 0)
                        {
                            replay = batch.LatestReplayId;
                            await changes.WriteAsync(new StreamItem(key, replay, null, null), ct);
                        }
                        (failures, renewed) = (0, false);
                        entry.StreamsDown.TryRemove(key, out _);
                    }
                }
                catch (PubSubException e) when (e.IsAuthError && !renewed)
                {
                    renewed = true;
                    await client.Session.RefreshAsync(token, ct);
                }
                catch (PubSubException e) when (e.IsTransient)
                {
                    failures++;
                    entry.StreamsDown.TryAdd(key, clock.GetUtcNow());
                    if (replay is null) throw new StreamLostException($"The change stream {topic} dropped before it had a replay id to resume from ({e.Message}).");
                    logger.LogInformation("The change stream {Topic} dropped ({Error}); it resumes from its last replay id", topic, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6)) / 2)), clock, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            requested.TrySetResult();
            changes.TryWrite(new StreamItem(key, null, null, e));
        }
    }

    /// <summary>
    /// One object's change events over the Streaming API (CometD, /data/ContactChangeEvent): sessions one after another, each from the
    /// last replay id heard (or -1: from now); a session that drops before any event asks for a new load when it had no position; a
    /// refused subscription or a replay id past retention ends the tenant's index with it.
    /// </summary>
    private async Task FollowOverCometdAsync(SalesforceRestClient client, string key, string channel, byte[]? replay, CallerIndexes.Entry entry,
        ChannelWriter<StreamItem> changes, TaskCompletionSource requested, CancellationToken ct)
    {
        var from = replay is { Length: 8 } ? System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(replay) : -1L;
        var failures = 0;
        var http = httpFactory.CreateClient(Workforce.PlatformEventSubscription.HttpClientName);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = TimeSpan.FromSeconds(1);
                var subscribed = false;
                try
                {
                    var advised = await Salesforce.Streaming.StreamingApiSession.RunAsync(http, client.Session, channel, [from], async events =>
                    {
                        foreach (var e in events)
                        {
                            if (e["event"]?["replayId"] is not System.Text.Json.Nodes.JsonValue r || !r.TryGetValue<long>(out var id))
                                throw new FormatException($"A change event on {channel} has no replay id.");
                            var change = ChangeEvent.FromJson(e["payload"] as System.Text.Json.Nodes.JsonObject
                                                              ?? throw new FormatException($"A change event on {channel} has no payload."));
                            var bytes = new byte[8];
                            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, id);
                            await changes.WriteAsync(new StreamItem(key, bytes, change, null), ct);
                            from = id;
                        }
                    }, null, clock, ct, () =>
                    {
                        subscribed = true;
                        requested.TrySetResult();
                        entry.StreamsDown.TryRemove(key, out _);
                    });
                    if (advised is { } a) (failures, wait) = (0, a);
                    else failures++;
                }
                catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException || e is TaskCanceledException && !ct.IsCancellationRequested)
                {
                    failures++;
                    logger.LogInformation("The change stream {Channel} over CometD dropped ({Error}); it resumes from its last replay id", channel, e.Message);
                }
                ct.ThrowIfCancellationRequested();
                entry.StreamsDown.TryAdd(key, clock.GetUtcNow());
                // A session from "now" (-1) that ends leaves a gap until the next one subscribes: unless an event gave a position, load again.
                if (from == -1 && subscribed) throw new StreamLostException($"The change stream {channel} ended before it had a replay id to resume from.");
                if (failures > 0) wait = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6)) / 2));
                await Task.Delay(wait, clock, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            requested.TrySetResult();
            changes.TryWrite(new StreamItem(key, null, null, e));
        }
    }

    private async Task StopAllAsync()
    {
        List<(CancellationTokenSource Stop, Task Run, string Key)> runs;
        lock (_running)
        {
            foreach (var run in _running.Values) run.Stop.Cancel();
            runs = [.. _running.Values];
            _running.Clear();
        }
        foreach (var (stop, run, _) in runs)
        {
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
        }
    }

    private int _disposing;

    /// <summary>Stops every tenant's index here (their streams close); once only, whoever asks first (the host, the container, a test).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 1) return;
        await _disposed.CancelAsync();
        await StopAllAsync();
        Dispose();
    }
}
