using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ContactBridge.Identification;

/// <summary>The caller index's settings for the whole hub (section <c>CallerIndex</c>).</summary>
public sealed class CallerIndexOptions
{
    public const string Section = "CallerIndex";

    /// <summary>How often the hub looks for tenants whose index should start, stop or be rebuilt (rules changed, link changed).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How changes reach the index: "auto" (the Pub/Sub API, or the Streaming API's CometD when the Pub/Sub API cannot be reached),
    /// "pubsub" or "cometd".
    /// </summary>
    public string Transport { get; set; } = "auto";

    /// <summary>How often the load's Bulk API query jobs are asked whether they are done.</summary>
    public TimeSpan BulkPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an index whose change stream is down keeps answering (it resumes from its replay id); after that the search answers.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often, at most, the index is stored in the hub's database with its streams' replay ids (when it changed), so an instance that
    /// starts takes it up from there instead of loading it again; a restart then replays at most this much of the change streams.
    /// </summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a stored index may be to be taken up: its replay ids must still be on the event bus (72 hours).</summary>
    public TimeSpan SnapshotMaxAge { get; set; } = TimeSpan.FromHours(70);

    /// <summary>How long after a failure (refused subscription, malformed event, revoked token) the index is tried again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class CallerIndexOptionsValidator : IValidateOptions<CallerIndexOptions>
{
    public ValidateOptionsResult Validate(string? name, CallerIndexOptions options)
    {
        var problems = new List<string>();
        if (options.CheckInterval < TimeSpan.FromMilliseconds(10) || options.CheckInterval > TimeSpan.FromHours(1)) problems.Add("CallerIndex:CheckInterval is 00:00:00.010 to 01:00:00.");
        if (options.BulkPollInterval < TimeSpan.FromMilliseconds(10) || options.BulkPollInterval > TimeSpan.FromMinutes(1)) problems.Add("CallerIndex:BulkPollInterval is 00:00:00.010 to 00:01:00.");
        if (options.StaleAfter < TimeSpan.FromSeconds(1) || options.StaleAfter > TimeSpan.FromHours(1)) problems.Add("CallerIndex:StaleAfter is 00:00:01 to 01:00:00.");
        if (options.SnapshotInterval < TimeSpan.Zero || options.SnapshotInterval > TimeSpan.FromHours(24)) problems.Add("CallerIndex:SnapshotInterval is 00:00:00 to 1.00:00:00.");
        if (options.SnapshotMaxAge < TimeSpan.Zero || options.SnapshotMaxAge > TimeSpan.FromHours(71)) problems.Add("CallerIndex:SnapshotMaxAge is 00:00:00 to 71:00:00 (the event bus keeps 72 hours).");
        if (options.Transport is not ("auto" or "pubsub" or "cometd")) problems.Add("CallerIndex:Transport is auto, pubsub or cometd.");
        if (options.RetryDelay < TimeSpan.FromMilliseconds(10) || options.RetryDelay > TimeSpan.FromHours(1)) problems.Add("CallerIndex:RetryDelay is 00:00:00.010 to 01:00:00.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Where a tenant's caller index stands: what the tenant's Identification page shows.</summary>
public sealed record CallerIndexStatus(string State, string? Reason, int Records, long ApproximateBytes, DateTimeOffset? LoadedAt, TimeSpan? LoadTook, int LoadApiCalls,
    long ChangesApplied, DateTimeOffset? LastChangeAt, int RereadApiCalls, string Source, DateTimeOffset? SnapshotAt, string Transport)
{
    public const string Loading = "loading", Ready = "ready", Unavailable = "unavailable";

    /// <summary>Set aside by a failure, so that it can be loaded again now (POST …/caller-index/reload); false while it is ready, loading, or only waiting for its stream.</summary>
    public bool CanLoadAgain { get; init; }
}

/// <summary>
/// The caller indexes this hub instance holds, one per tenant that asked for one (each instance keeps its own, in memory: a screen
/// pop is answered where its interaction is identified, without a network hop). Identification asks here first; an index answers only
/// when it is ready, built for the tenant's current rules and its change stream is not stale, so nothing is ever worse than the search.
/// </summary>
public sealed class CallerIndexes(TimeProvider clock, IOptions<CallerIndexOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _tenants = new(StringComparer.Ordinal);

    /// <summary>One tenant's index and what is known of it; changed only by the tenant's feed.</summary>
    public sealed class Entry(string fingerprint)
    {
        public string Fingerprint { get; } = fingerprint;
        public volatile CallerIndex? Index;
        public volatile string InstanceUrl = "";
        public volatile string State = CallerIndexStatus.Loading;
        public volatile string? Reason;
        public DateTimeOffset? LoadedAt;
        public TimeSpan? LoadTook;
        public int LoadApiCalls;
        public int RereadApiCalls;
        public long ChangesApplied;
        public DateTimeOffset? LastChangeAt;
        /// <summary>Where the index came from: "bulk" (loaded from the org) or "snapshot" (taken up from the hub's database).</summary>
        public volatile string Source = "";
        /// <summary>How changes come: "pubsub", or "cometd" (with why, when the Pub/Sub API could not be reached).</summary>
        public volatile string Transport = "";
        public DateTimeOffset? SnapshotAt;
        /// <summary>Since when each change stream that is down has been (none: all up); past <see cref="CallerIndexOptions.StaleAfter"/> the index stops answering.</summary>
        public ConcurrentDictionary<string, DateTimeOffset> StreamsDown { get; } = new(StringComparer.Ordinal);

        /// <summary>Since when the first stream that is still down has been, or null.</summary>
        public DateTimeOffset? DownSince => StreamsDown.IsEmpty ? null : StreamsDown.Values.Min();

        private readonly Lock _retrySync = new();
        private TaskCompletionSource _retry = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _taken = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when someone asks for the set-aside index to be loaded again now (rather than after the retry delay).</summary>
        internal Task RetryRequested
        {
            get
            {
                lock (_retrySync) return _retry.Task;
            }
        }

        /// <summary>
        /// Asks for a load now: null when the index is not set aside (there is no wait to cut short), else what completes once the feed
        /// has taken the request (asked twice, it loads once). Under one lock with <see cref="RetryTaken"/>: a request is for this wait
        /// or refused, never left over for a later one.
        /// </summary>
        internal Task? RequestRetry()
        {
            lock (_retrySync)
            {
                if (State != CallerIndexStatus.Unavailable) return null;
                _retry.TrySetResult();
                return _taken.Task;
            }
        }

        /// <summary>The feed ends the wait and loads again: the index is loading, and the next request is for the next wait.</summary>
        internal void RetryTaken()
        {
            TaskCompletionSource taken;
            lock (_retrySync)
            {
                State = CallerIndexStatus.Loading;
                taken = _taken;
                _retry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            taken.TrySetResult();
        }

        /// <summary>Sets the index aside with the reason (the reason first: a reader that sees the state sees why).</summary>
        internal void SetAside(string reason)
        {
            lock (_retrySync)
            {
                Reason = reason;
                Index = null;
                State = CallerIndexStatus.Unavailable;
            }
        }
    }

    /// <summary>What identifies the rules an index was built for: a change of objects, fields or country needs another index.</summary>
    public static string Fingerprint(IdentificationRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return rules.DefaultCountry + "|" + string.Join(";", rules.Objects.Select(o => $"{o.Object}:{string.Join(",", o.PhoneFields)}/{string.Join(",", o.EmailFields)}"));
    }

    internal Entry Begin(string tenantId, string fingerprint) => _tenants[tenantId] = new Entry(fingerprint);

    internal void End(string tenantId, Entry entry) => _tenants.TryRemove(new KeyValuePair<string, Entry>(tenantId, entry));

    internal Entry? EntryOf(string tenantId) => _tenants.GetValueOrDefault(tenantId);

    /// <summary>
    /// The tenant's index when it may answer for these rules and the org the tenant is linked to now (its instance URL): loaded,
    /// built for them, every change stream live (or briefly down).
    /// </summary>
    public (CallerIndex Index, string InstanceUrl)? Ready(string tenantId, IdentificationRules rules, Uri instanceUrl)
    {
        ArgumentNullException.ThrowIfNull(instanceUrl);
        if (!_tenants.TryGetValue(tenantId, out var e) || e.State != CallerIndexStatus.Ready || e.Index is not { } index) return null;
        if (e.DownSince is { } down && clock.GetUtcNow() - down > options.Value.StaleAfter) return null;
        if (e.InstanceUrl != instanceUrl.ToString()) return null;
        return e.Fingerprint == Fingerprint(rules) ? (index, e.InstanceUrl) : null;
    }

    /// <summary>Whether the tenant has an index that is ready here (<see cref="Ready"/> says whether it may answer).</summary>
    public bool IsReady(string tenantId) => _tenants.TryGetValue(tenantId, out var e) && e.State == CallerIndexStatus.Ready;

    /// <summary>
    /// Loads a set-aside index again now, instead of after <see cref="CallerIndexOptions.RetryDelay"/> (once what set it aside is fixed:
    /// Change Data Capture selected, the tenant linked again). False when the tenant has no index set aside here.
    /// </summary>
    /// <returns>Once the index is loading again (or after a few seconds, whatever the feed does).</returns>
    public async Task<bool> RetryNowAsync(string tenantId, CancellationToken ct)
    {
        if (!_tenants.TryGetValue(tenantId, out var e) || e.RequestRetry() is not { } taken) return false;
        try
        {
            await taken.WaitAsync(TimeSpan.FromSeconds(5), clock, ct);
        }
        catch (TimeoutException)
        {
            // Asked; the feed takes it when it can.
        }
        return true;
    }

    /// <summary>The tenant's index as its page shows it, or null when it has none here.</summary>
    public CallerIndexStatus? StatusOf(string tenantId)
    {
        if (!_tenants.TryGetValue(tenantId, out var e)) return null;
        var state = e.State;
        var reason = e.Reason;
        if (state == CallerIndexStatus.Ready && e.DownSince is { } down && clock.GetUtcNow() - down > options.Value.StaleAfter)
            (state, reason) = (CallerIndexStatus.Unavailable, $"Its change stream has been down since {down:u}; it resumes where it stopped when the stream is back.");
        return new CallerIndexStatus(state, reason, e.Index?.Records ?? 0, e.Index?.ApproximateBytes ?? 0, e.LoadedAt, e.LoadTook, e.LoadApiCalls,
            Interlocked.Read(ref e.ChangesApplied), e.LastChangeAt, e.RereadApiCalls, e.Source, e.SnapshotAt, e.Transport)
        {
            // Set aside (not a stream briefly down, which resumes by itself): what "load it again now" is for.
            CanLoadAgain = e.State == CallerIndexStatus.Unavailable,
        };
    }
}
