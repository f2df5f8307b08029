using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Web;
using Dapper;

namespace ContactBridge.Workforce;

/// <summary>One queue's interval as the feed gives it (JSON, and the CSV's columns in this order).</summary>
public sealed record QueueIntervalView(DateTimeOffset Start, DateTimeOffset LocalStart, string Queue, string Channel, long Offered, long Answered,
    long AnsweredWithinThreshold, long Abandoned, long ShortAbandoned, double? ServiceLevelPercent, double? AbandonRatePercent, double? AverageSpeedOfAnswerSeconds,
    long Handled, double? AverageHandleSeconds, long TalkSeconds, long HoldSeconds, long AfterContactWorkSeconds, long Transfers, long Revision);

/// <summary>One agent's interval as the feed gives it.</summary>
public sealed record AgentIntervalView(DateTimeOffset Start, DateTimeOffset LocalStart, string AgentId, long AdminSeconds, long IdleSeconds, long NotReadySeconds,
    long ReadySeconds, long UnclassifiedSeconds, IReadOnlyDictionary<string, long> Unclassified, long Handled, long HandleSeconds, long TalkSeconds, long HoldSeconds,
    long AfterContactWorkSeconds, long Revision);

/// <summary>A page of the feed: the intervals asked for, and the revision to ask "changed since" with next time.</summary>
public sealed record IntervalFeed<T>(string Group, int IntervalMinutes, string TimeZone, DateTimeOffset From, DateTimeOffset To, DateTimeOffset? ComputedThrough,
    long Revision, IReadOnlyList<T> Intervals);

/// <summary>One agent as a workforce tool's user import takes it: ids in the contact center and in Salesforce, and skills.</summary>
public sealed record WorkforceAgent(string AgentId, string? Name, string? Email, string? Team, string? SalesforceUserId, string? SalesforceUsername,
    IReadOnlyDictionary<string, string> Skills, bool LoggedIn, string? Activity, DateTimeOffset FirstSeenAt);

public static class WorkforceEndpoints
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public static IServiceCollection AddWorkforce(this IServiceCollection services, bool workers)
    {
        services.AddOptions<WorkforceOptions>().BindConfiguration(WorkforceOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<WorkforceOptions>, WorkforceOptionsValidator>();
        services.AddSingleton<WorkforceSettingsStore>();
        services.AddSingleton<WorkforceOrgCheck>();
        services.AddSingleton<WorkforceIntegrations>();
        services.AddSingleton<WorkforceFeed>();
        services.AddSingleton<WorkforceDeliverySender>();
        services.AddSingleton<WorkforceOrgClients>();
        services.AddSingleton<OmniChannelSource>();
        services.AddSingleton<PlatformEventSubscription>();
        services.AddHttpClient(PlatformEventSubscription.HttpClientName)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false });
        if (workers) services.AddHostedService<WorkforceFeedWorker>().AddHostedService<WorkforceDeliveryWorker>().AddHostedService<PlatformEventSubscriptionWorker>();
        return services;
    }

    public static void MapWorkforce(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}/workforce").RequireAuthorization().WithTags("Workforce management");
        api.MapGet("/integrations", ListAsync)
            .WithSummary("The tenant's workforce-management integrations, historical and real-time, each in its group (client secrets are never shown).")
            .Produces<IReadOnlyList<WorkforceIntegrationView>>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{kind}/{group}", GetAsync)
            .WithSummary("One integration: kind historical or realtime, and its group.")
            .Produces<WorkforceIntegrationView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/historical/{group}", PutHistoricalAsync)
            .WithSummary("Creates or replaces a historical integration: {\"enabled\": true, \"readyActivities\": \"Available; On contact\", \"serviceLevelSeconds\": 20, …, \"clientSecret\": \"…\"}. " +
                         "Every setting is checked (credentials and API version against the org) before anything changes; a leftout clientSecret keeps the stored one.")
            .Accepts<HistoricalSettings>("application/json").Produces<WorkforceIntegrationView>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/realtime/{group}", PutRealTimeAsync)
            .WithSummary("Creates or replaces a real-time integration: {\"enabled\": true, \"platformEvent\": \"Agent_State__e\", …}. It can be switched on only while a historical integration is on.")
            .Accepts<RealTimeSettings>("application/json").Produces<WorkforceIntegrationView>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{kind}/{group}", DeleteAsync)
            .WithSummary("Removes an integration (a historical one with what its feed computed); the last historical one stays while a real-time one is on.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/historical/{group}/queue-intervals", QueueIntervalsAsync)
            .WithSummary("Interval statistics per queue and channel: offered, answered (within the threshold), abandoned and short-abandoned, service level, abandon rate, " +
                         "speed of answer, handle time split into talk, hold and after-contact work, transfers. ?from=&to= (ISO 8601, at most 31 days), ?changedSince={revision}, " +
                         "?format=csv (or Accept: text/csv).")
            .Produces<IntervalFeed<QueueIntervalView>>().Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/historical/{group}/agent-intervals", AgentIntervalsAsync)
            .WithSummary("Interval statistics per agent: seconds of Admin, Idle, Not-ready and Ready time by the activity lists, activities in no list by name, contacts handled " +
                         "and their handle time. Same parameters as queue-intervals.")
            .Produces<IntervalFeed<AgentIntervalView>>().Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/agents", AgentsAsync)
            .WithSummary("Agent sync (user import): every agent the contact center has reported, with its id there and in Salesforce (from single sign-on), its skills, " +
                         "and its current activity. ?format=csv (or Accept: text/csv).")
            .Produces<IReadOnlyList<WorkforceAgent>>().Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/realtime/{group}/snapshot", SnapshotEndpointAsync)
            .WithSummary("Every agent's state now, as the real-time feed gives it: agentId, state, reason, activity, category (ready, not_ready, idle, admin, none, offline), since.")
            .Produces<IReadOnlyList<AgentStateChange>>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/realtime/{group}/stream", StreamEndpointAsync)
            .WithSummary("The real-time feed as server-sent events: a snapshot of every agent, then a state event for each agent as its state changes; a comment every 15 s keeps the line open.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/realtime/{group}/deliveries", DeliveriesAsync)
            .WithSummary("The integration's latest deliveries (webhook, platform event): sent, pending (with the next attempt and the last error) or dead.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/realtime/{group}/deliveries/{deliveryId}/retry", RetryDeliveryAsync)
            .WithSummary("Sends a delivery that was given up on again, from its first attempt.")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapWorkforcePage();
    }

    private static async Task<IResult> ListAsync(HttpContext c, string tenantId, WorkforceSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        return Results.Ok((await store.ListAsync(tenant.Id, c.RequestAborted)).Select(WorkforceIntegrationView.Of).ToList());
    }

    private static async Task<IResult> GetAsync(HttpContext c, string tenantId, string kind, string group, WorkforceSettingsStore store)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        if (!WorkforceKinds.IsKnown(kind) || await store.GetAsync(tenant.Id, kind, group, c.RequestAborted) is not { } row)
            return TenantAccess.NotFoundProblem($"No {(WorkforceKinds.IsKnown(kind) ? kind : "such")} integration \"{group}\": the kinds are historical and realtime.");
        return Results.Ok(WorkforceIntegrationView.Of(row));
    }

    /// <summary>A setting with a name the hub does not know (a typo such as "readyActivity") is refused, not quietly dropped.</summary>
    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerOptions.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
    };

    /// <summary>The body as settings and the client secret apart; or the problem with it.</summary>
    private static async Task<(T? Settings, string? Secret, IResult? Problem)> ReadSettingsAsync<T>(HttpContext c) where T : class
    {
        var (json, bad) = await CommandEndpoints.ReadJsonAsync(c, 16 * 1024);
        if (bad is not null) return (null, null, bad);
        if (json is not JsonObject body) return (null, null, Results.Problem(statusCode: 400, title: "Invalid body", detail: "Send the settings as a JSON object."));
        string? secret = null;
        if (body["clientSecret"] is { } s)
        {
            if (s is not JsonValue v || !v.TryGetValue(out secret) || secret.Length > 1024)
                return (null, null, Settings([new("clientSecret", "The client secret is a string of at most 1,024 characters.")]));
            body.Remove("clientSecret");
        }
        try
        {
            return (body.Deserialize<T>(StrictJson) ?? throw new JsonException("null"), secret, null);
        }
        catch (JsonException e)
        {
            return (null, null, Results.Problem(statusCode: 400, title: "Invalid body",
                detail: $"The settings could not be read{(e.Path is { Length: > 2 } path ? $" at {path}" : "")}: {e.Message.Split(" Path:")[0]}"));
        }
    }

    /// <summary>400 with each problem under the setting it is about (RFC 9457 with an errors member).</summary>
    public static IResult Settings(IReadOnlyList<SettingProblem> problems) =>
        Results.ValidationProblem(problems.GroupBy(p => p.Setting).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()),
            title: "Invalid workforce settings", detail: $"Nothing was changed: {string.Join(" ", problems.Select(p => $"{p.Setting}: {p.Message}").Take(5))}");

    private static Task<IResult> PutHistoricalAsync(HttpContext c, string tenantId, string group, WorkforceIntegrations integrations) =>
        PutAsync<HistoricalSettings>(c, tenantId, (tenant, settings, secret) => integrations.SaveHistoricalAsync(tenant, group, settings, secret, c.RequestAborted));

    private static Task<IResult> PutRealTimeAsync(HttpContext c, string tenantId, string group, WorkforceIntegrations integrations) =>
        PutAsync<RealTimeSettings>(c, tenantId, (tenant, settings, secret) => integrations.SaveRealTimeAsync(tenant, group, settings, secret, c.RequestAborted));

    /// <summary>Reads the settings of either kind and saves them: the integration as saved, or each problem by setting.</summary>
    private static async Task<IResult> PutAsync<T>(HttpContext c, string tenantId, Func<string, T, string?, Task<WorkforceSaveOutcome>> save) where T : class
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        var (settings, secret, bad) = await ReadSettingsAsync<T>(c);
        if (bad is not null) return bad;
        var outcome = await save(tenant.Id, settings!, secret);
        return outcome.Saved is { } saved ? Results.Ok(saved) : Settings(outcome.Problems);
    }

    private static async Task<IResult> DeleteAsync(HttpContext c, string tenantId, string kind, string group, WorkforceIntegrations integrations)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        if (!WorkforceKinds.IsKnown(kind)) return TenantAccess.NotFoundProblem("The kinds of integration are historical and realtime.");
        return await integrations.DeleteAsync(tenant.Id, kind, group, c.RequestAborted) switch
        {
            null => Results.NoContent(),
            { Setting: "group" } missing => TenantAccess.NotFoundProblem(missing.Message),
            var problem => Settings([problem]),
        };
    }

    private static bool WantsCsv(HttpContext c) =>
        c.Request.Query["format"] == "csv" || c.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));

    /// <summary>The integration and the range asked for; or the problem with the question.</summary>
    private static async Task<(WorkforceIntegrationRow? Integration, DateTimeOffset From, DateTimeOffset To, long? Since, IResult? Problem)> RangeAsync(HttpContext c,
        string tenantId, string group, WorkforceSettingsStore store, TimeProvider clock)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return (null, default, default, null, TenantAccess.TenantNotFound(tenantId));
        if (await store.GetAsync(tenant.Id, WorkforceKinds.Historical, group, c.RequestAborted) is not { } integration)
            return (null, default, default, null, TenantAccess.NotFoundProblem($"No historical integration \"{group}\"."));
        var q = c.Request.Query;
        static DateTimeOffset? Instant(string? text) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
        var problems = new List<string>();
        // "Changed since" alone asks for every interval changed since, however old; otherwise the last day up to what is computed.
        var changesOnly = q.ContainsKey("changedSince") && !q.ContainsKey("from") && !q.ContainsKey("to");
        var to = changesOnly ? DateTimeOffset.MaxValue : q.ContainsKey("to") ? Instant(q["to"])
            : integration.ComputedThrough is { } through ? DateTimeOffset.FromUnixTimeMilliseconds(through) : clock.GetUtcNow();
        var from = changesOnly ? DateTimeOffset.UnixEpoch : q.ContainsKey("from") ? Instant(q["from"]) : to is { } end && end > DateTimeOffset.UnixEpoch.AddDays(1) ? end.AddDays(-1) : null;
        if (from is null) problems.Add("from must be an ISO 8601 instant, such as 2026-12-04T09:00:00Z.");
        if (to is null) problems.Add("to must be an ISO 8601 instant, such as 2026-12-05T09:00:00Z.");
        if (!changesOnly && from is { } f && to is { } t && (t <= f || t - f > MaxRange || f < DateTimeOffset.UnixEpoch))
            problems.Add("to must come after from, the range is at most 31 days, and it starts after 1970.");
        long? since = null;
        if (q.ContainsKey("changedSince"))
        {
            if (long.TryParse(q["changedSince"], NumberStyles.None, CultureInfo.InvariantCulture, out var s)) since = s;
            else problems.Add("changedSince is a revision (a whole number ≥ 0) from an earlier answer.");
        }
        if (q.TryGetValue("format", out var format) && format != "csv" && format != "json") problems.Add("format is csv or json.");
        return problems.Count > 0
            ? (null, default, default, null, Results.Problem(statusCode: 400, title: "Invalid range", detail: string.Join(" ", problems)))
            : (integration, from!.Value, to!.Value, since, null);
    }

    /// <summary>A range of the queue feed, as the API and the CLI give it.</summary>
    public static async Task<List<QueueIntervalView>> QueueViewsAsync(WorkforceFeed feed, WorkforceIntegrationRow integration, DateTimeOffset from, DateTimeOffset to, long? since,
        CancellationToken ct)
    {
        var intervals = integration.Historical().Clock();
        return (await feed.QueueRowsAsync(integration.TenantId, integration.GroupName, from, to, since, ct)).Select(r =>
        {
            var q = r.Interval();
            return new QueueIntervalView(q.Start, intervals.Local(q.Start), q.Queue, q.Channel, q.Offered, q.Answered, q.AnsweredInThreshold, q.Abandoned, q.ShortAbandoned,
                q.ServiceLevelPercent, q.AbandonRatePercent, q.AverageSpeedOfAnswerSeconds, q.Handled, q.AverageHandleSeconds, q.TalkSeconds, q.HoldSeconds, q.WrapSeconds,
                q.Transfers, r.Revision);
        }).ToList();
    }

    public static async Task<List<AgentIntervalView>> AgentViewsAsync(WorkforceFeed feed, WorkforceIntegrationRow integration, DateTimeOffset from, DateTimeOffset to, long? since,
        CancellationToken ct)
    {
        var intervals = integration.Historical().Clock();
        return (await feed.AgentRowsAsync(integration.TenantId, integration.GroupName, from, to, since, ct)).Select(r =>
        {
            var start = DateTimeOffset.FromUnixTimeMilliseconds(r.IntervalStart);
            var other = r.UnclassifiedSeconds;
            return new AgentIntervalView(start, intervals.Local(start), r.AgentId, r.AdminSeconds, r.IdleSeconds, r.NotReadySeconds, r.ReadySeconds, other.Values.Sum(), other,
                r.Handled, r.TalkSeconds + r.HoldSeconds + r.WrapSeconds, r.TalkSeconds, r.HoldSeconds, r.WrapSeconds, r.Revision);
        }).ToList();
    }

    /// <summary>The queue feed as CSV (the README documents each column).</summary>
    public static string QueueCsv(IEnumerable<QueueIntervalView> rows) =>
        RoutingMaps.RoutingMapCsv.Write(["start", "localStart", "queue", "channel", "offered", "answered", "answeredWithinThreshold", "abandoned", "shortAbandoned", "serviceLevelPercent",
            "abandonRatePercent", "averageSpeedOfAnswerSeconds", "handled", "averageHandleSeconds", "talkSeconds", "holdSeconds", "afterContactWorkSeconds", "transfers", "revision"],
            rows.Select(r => (IReadOnlyList<string?>)[Instant(r.Start), Instant(r.LocalStart), r.Queue, r.Channel, N(r.Offered), N(r.Answered), N(r.AnsweredWithinThreshold),
                N(r.Abandoned), N(r.ShortAbandoned), D(r.ServiceLevelPercent), D(r.AbandonRatePercent), D(r.AverageSpeedOfAnswerSeconds), N(r.Handled), D(r.AverageHandleSeconds),
                N(r.TalkSeconds), N(r.HoldSeconds), N(r.AfterContactWorkSeconds), N(r.Transfers), N(r.Revision)]), forSpreadsheets: true);

    public static string AgentCsv(IEnumerable<AgentIntervalView> rows) =>
        RoutingMaps.RoutingMapCsv.Write(["start", "localStart", "agentId", "adminSeconds", "idleSeconds", "notReadySeconds", "readySeconds", "unclassifiedSeconds", "unclassified", "handled",
            "handleSeconds", "talkSeconds", "holdSeconds", "afterContactWorkSeconds", "revision"],
            rows.Select(r => (IReadOnlyList<string?>)[Instant(r.Start), Instant(r.LocalStart), r.AgentId, N(r.AdminSeconds), N(r.IdleSeconds), N(r.NotReadySeconds),
                N(r.ReadySeconds), N(r.UnclassifiedSeconds), string.Join(";", r.Unclassified.Select(u => $"{u.Key}={N(u.Value)}")), N(r.Handled), N(r.HandleSeconds),
                N(r.TalkSeconds), N(r.HoldSeconds), N(r.AfterContactWorkSeconds), N(r.Revision)]), forSpreadsheets: true);

    private static async Task<IResult> QueueIntervalsAsync(HttpContext c, string tenantId, string group, WorkforceSettingsStore store, WorkforceFeed feed, TimeProvider clock)
    {
        var (integration, from, to, since, bad) = await RangeAsync(c, tenantId, group, store, clock);
        if (bad is not null) return bad;
        var rows = await QueueViewsAsync(feed, integration!, from, to, since, c.RequestAborted);
        c.Response.Headers["ContactBridge-Revision"] = integration!.Revision.ToString(CultureInfo.InvariantCulture);
        return WantsCsv(c) ? Results.Text(QueueCsv(rows), "text/csv; charset=utf-8") : Results.Ok(Feed(integration, integration.Historical(), from, to, rows));
    }

    private static async Task<IResult> AgentIntervalsAsync(HttpContext c, string tenantId, string group, WorkforceSettingsStore store, WorkforceFeed feed, TimeProvider clock)
    {
        var (integration, from, to, since, bad) = await RangeAsync(c, tenantId, group, store, clock);
        if (bad is not null) return bad;
        var rows = await AgentViewsAsync(feed, integration!, from, to, since, c.RequestAborted);
        c.Response.Headers["ContactBridge-Revision"] = integration!.Revision.ToString(CultureInfo.InvariantCulture);
        return WantsCsv(c) ? Results.Text(AgentCsv(rows), "text/csv; charset=utf-8") : Results.Ok(Feed(integration, integration.Historical(), from, to, rows));
    }

    private static IntervalFeed<T> Feed<T>(WorkforceIntegrationRow integration, HistoricalSettings s, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<T> rows) =>
        new(integration.GroupName, s.IntervalMinutes, s.TimeZone, from, to,
            integration.ComputedThrough is { } through ? DateTimeOffset.FromUnixTimeMilliseconds(through) : null, integration.Revision, rows);

    /// <summary>The tenant's agents as the real-time feed gives them now.</summary>
    private static async Task<List<AgentStateChange>> SnapshotAsync(string tenantId, LivePictureStore store, WorkforceSettingsStore settings, IReadOnlyCollection<string>? agentIds,
        CancellationToken ct)
    {
        var categories = WorkforceRealTime.Categories(await settings.ListAsync(tenantId, ct));
        return (await store.AgentsAsync(tenantId, agentIds, ct)).Select(a => StateOf(categories, a)).ToList();
    }

    private static AgentStateChange StateOf(ActivityCategories? categories, AgentView a)
    {
        if (!a.LoggedIn) return new(a.AgentId, "offline", null, null, "offline", a.StateSince ?? DateTimeOffset.UnixEpoch, null);
        var activity = ActivityOf(a.State ?? "unavailable", a.Reason);
        return new(a.AgentId, a.State ?? "unavailable", a.Reason, activity, WorkforceRealTime.CategoryOf(categories, activity), a.StateSince ?? DateTimeOffset.UnixEpoch, null);
    }

    /// <summary>The real-time integration named, for the caller's tenant; or the 404 to answer.</summary>
    private static async Task<(WorkforceIntegrationRow? Row, IResult? Problem)> RealTimeAsync(HttpContext c, string tenantId, string group, WorkforceSettingsStore settings)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return (null, TenantAccess.TenantNotFound(tenantId));
        return await settings.GetAsync(tenant.Id, WorkforceKinds.RealTime, group, c.RequestAborted) is { } row
            ? (row, null) : (null, TenantAccess.NotFoundProblem($"No real-time integration \"{group}\"."));
    }

    private static async Task<IResult> SnapshotEndpointAsync(HttpContext c, string tenantId, string group, WorkforceSettingsStore settings, LivePictureStore store, TimeProvider clock)
    {
        var (row, bad) = await RealTimeAsync(c, tenantId, group, settings);
        if (bad is not null) return bad;
        return Results.Ok(new { group = row!.GroupName, asOf = clock.GetUtcNow(), agents = await SnapshotAsync(row.TenantId, store, settings, null, c.RequestAborted) });
    }

    /// <summary>
    /// Server-sent events: a snapshot of every agent, then a "state" event for each agent whose state changed (within the time the
    /// live picture takes to hear of it), a comment every 15 s; the stream ends when the caller may no longer see the tenant.
    /// </summary>
    private static async Task StreamEndpointAsync(HttpContext c, string tenantId, string group, WorkforceSettingsStore settings, LivePictureStore store, LivePictureFeed feed,
        IHostApplicationLifetime lifetime)
    {
        var (row, bad) = await RealTimeAsync(c, tenantId, group, settings);
        if (bad is not null)
        {
            await bad.ExecuteAsync(c);
            return;
        }
        using var both = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, lifetime.ApplicationStopping);
        var ct = both.Token;
        // Subscribed before the snapshot is read: nothing changes unseen between the two.
        using var subscription = feed.Subscribe(row!.TenantId);
        c.Response.ContentType = "text/event-stream";
        c.Response.Headers.CacheControl = "no-store";
        c.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        var sent = new Dictionary<string, AgentStateChange>(StringComparer.Ordinal);
        var lastCheck = System.Diagnostics.Stopwatch.StartNew();
        async Task SendAsync(string name, object data)
        {
            await c.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, JsonSerializerOptions.Web)}\n\n", ct);
            await c.Response.Body.FlushAsync(ct);
        }
        async Task SnapshotAsync()
        {
            var agents = await WorkforceEndpoints.SnapshotAsync(row.TenantId, store, settings, null, ct);
            foreach (var a in agents) sent[a.AgentId] = a;
            await SendAsync("snapshot", new { agents });
        }
        try
        {
            await SnapshotAsync();
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(LivePictureEndpoints.KeepAlive);
                IReadOnlyList<PictureChange> changes;
                try
                {
                    changes = await subscription.ReadAvailableAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    if (!await TenantAccess.AllowedAsync(c, row.TenantId)) return;
                    lastCheck.Restart();
                    await c.Response.WriteAsync(": keep-alive\n\n", ct);
                    await c.Response.Body.FlushAsync(ct);
                    continue;
                }
                // However busy the stream, whether it may go on is asked again every keep-alive period.
                if (lastCheck.Elapsed >= LivePictureEndpoints.KeepAlive)
                {
                    if (!await TenantAccess.AllowedAsync(c, row.TenantId)) return;
                    lastCheck.Restart();
                }
                if (changes.Any(x => x.Kind == PictureChange.Resync))
                {
                    await SnapshotAsync();
                    continue;
                }
                var ids = changes.Where(x => x.Kind == PictureChange.Agent).Select(x => x.Id).Distinct().ToList();
                if (ids.Count == 0) continue;
                foreach (var state in await WorkforceEndpoints.SnapshotAsync(row.TenantId, store, settings, ids, ct))
                {
                    // A change of the agent's contacts only is no change of state.
                    if (sent.TryGetValue(state.AgentId, out var before) && before == state) continue;
                    sent[state.AgentId] = state;
                    await SendAsync("state", state);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller went, or the hub is stopping.
        }
    }

    private static async Task<IResult> DeliveriesAsync(HttpContext c, string tenantId, string group, WorkforceSettingsStore settings, WorkforceDeliverySender sender)
    {
        var (row, bad) = await RealTimeAsync(c, tenantId, group, settings);
        if (bad is not null) return bad;
        return Results.Ok((await sender.RecentAsync(row!.TenantId, row.GroupName, 100, c.RequestAborted)).Select(d => new
        {
            d.Id, d.Target, d.State, d.Changes, d.Attempts, d.LastError, CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedAt),
            SentAt = d.SentAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null,
            NextAttemptAt = d.State == "pending" ? DateTimeOffset.FromUnixTimeMilliseconds(d.NextAt) : (DateTimeOffset?)null,
        }).ToList());
    }

    private static async Task<IResult> RetryDeliveryAsync(HttpContext c, string tenantId, string group, string deliveryId, WorkforceSettingsStore settings, WorkforceDeliverySender sender)
    {
        var (row, bad) = await RealTimeAsync(c, tenantId, group, settings);
        if (bad is not null) return bad;
        return await sender.RetryAsync(row!.TenantId, row.GroupName, deliveryId, c.RequestAborted)
            ? Results.Accepted() : TenantAccess.NotFoundProblem($"No delivery {deliveryId} given up on in \"{group}\".");
    }

    private sealed class OmniUserRow
    {
        public string UserId { get; init; } = "";
        public string? Name { get; init; }
        public string? Email { get; init; }
        public string? Username { get; init; }
        public string? Team { get; init; }
        public long FirstSeenAt { get; init; }
        public string? Status { get; init; }
    }

    private sealed class AgentSyncRow
    {
        public string AgentId { get; init; } = "";
        public string? Name { get; init; }
        public string? Email { get; init; }
        public string? Team { get; init; }
        public long LoggedIn { get; init; }
        public string? State { get; init; }
        public string? Reason { get; init; }
        public string? Skills { get; init; }
        public long? FirstSeenAt { get; init; }
        public long UpdatedAt { get; init; }
        public string? SalesforceUserId { get; init; }
        public string? SalesforceUsername { get; init; }
    }

    private static async Task<IResult> AgentsAsync(HttpContext c, string tenantId, Storage.HubDatabase db)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is not { } tenant) return TenantAccess.TenantNotFound(tenantId);
        List<AgentSyncRow> rows;
        List<OmniUserRow> omniUsers;
        await using (var conn = await db.OpenAsync(c.RequestAborted))
        {
            // With Omni-Channel as a source, the Salesforce users seen in presence records are agents too (their id is the user id).
            omniUsers = (await conn.QueryAsync<OmniUserRow>("""
                SELECT u.user_id, u.name, u.email, u.username, u.team, u.first_seen_at,
                    (SELECT p.status FROM workforce_omni_presence p WHERE p.tenant_id = u.tenant_id AND p.group_name = u.group_name AND p.user_id = u.user_id
                        AND p.end_ms IS NULL ORDER BY p.start_ms DESC LIMIT 1) AS status
                FROM workforce_omni_users u
                JOIN workforce_integrations i ON i.tenant_id = u.tenant_id AND i.kind = 'historical' AND i.group_name = u.group_name AND i.enabled = 1
                WHERE u.tenant_id = @tenantId ORDER BY u.user_id, u.group_name
                """, new { tenantId = tenant.Id })).ToList();
            // The Salesforce user is the one the agent last signed in to the softphone as (single sign-on from the org).
            rows = (await conn.QueryAsync<AgentSyncRow>("""
                SELECT a.agent_id, COALESCE(a.name, u.name) AS name, COALESCE(a.email, u.email) AS email, a.team, a.logged_in, a.state, a.reason, a.skills,
                    u.first_seen_at, a.updated_at, s.salesforce_user_id, s.salesforce_username
                FROM agents a
                LEFT JOIN contact_center_users u ON u.tenant_id = a.tenant_id AND u.external_id = a.agent_id
                LEFT JOIN agent_sessions s ON s.session_id = (SELECT s2.session_id FROM agent_sessions s2 WHERE s2.tenant_id = a.tenant_id AND s2.agent_id = a.agent_id
                    ORDER BY s2.created_at DESC LIMIT 1)
                WHERE a.tenant_id = @tenantId ORDER BY a.agent_id
                """, new { tenantId = tenant.Id })).ToList();
        }
        var agents = rows.Select(r => new WorkforceAgent(r.AgentId, r.Name, r.Email, r.Team, r.SalesforceUserId, r.SalesforceUsername,
            r.Skills is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(r.Skills) ?? [],
            r.LoggedIn == 1, r.LoggedIn == 1 ? ActivityOf(r.State, r.Reason) : null, DateTimeOffset.FromUnixTimeMilliseconds(r.FirstSeenAt ?? r.UpdatedAt))).ToList();
        var byId = agents.Select((a, i) => (a.AgentId, i)).ToDictionary(x => x.AgentId, x => x.i, StringComparer.Ordinal);
        foreach (var u in omniUsers.DistinctBy(u => u.UserId))
        {
            if (byId.TryGetValue(u.UserId, out var i))
            {
                // Heard of through the real-time platform event too: the user's details fill what the event did not say.
                var a = agents[i];
                agents[i] = a with { Name = a.Name ?? u.Name, Email = a.Email ?? u.Email, Team = a.Team ?? u.Team, SalesforceUserId = u.UserId, SalesforceUsername = u.Username };
                continue;
            }
            agents.Add(new WorkforceAgent(u.UserId, u.Name, u.Email, u.Team, u.UserId, u.Username, new Dictionary<string, string>(), u.Status is not null, u.Status,
                DateTimeOffset.FromUnixTimeMilliseconds(u.FirstSeenAt)));
        }
        agents.Sort((x, y) => string.CompareOrdinal(x.AgentId, y.AgentId));
        if (!WantsCsv(c)) return Results.Ok(agents);
        return Csv(["agentId", "name", "email", "team", "salesforceUserId", "salesforceUsername", "skills", "loggedIn", "activity", "firstSeenAt"],
            agents.Select(a => (IReadOnlyList<string?>)[a.AgentId, a.Name, a.Email, a.Team, a.SalesforceUserId, a.SalesforceUsername,
                string.Join(";", a.Skills.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}")), a.LoggedIn ? "true" : "false", a.Activity,
                Instant(a.FirstSeenAt)]));
    }

    private static string? ActivityOf(string? state, string? reason) => WorkforceFeed.ActivityOf((state?.ToLowerInvariant(), reason));

    private static IResult Csv(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows) =>
        Results.Text(RoutingMaps.RoutingMapCsv.Write(header, rows, forSpreadsheets: true), "text/csv; charset=utf-8");

    private static string Instant(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
    private static string? D(double? d) => d?.ToString("0.##", CultureInfo.InvariantCulture);
}
