using ContactBridge.Web;

namespace ContactBridge.ContactCenter;

/// <summary>The live picture over HTTP: a tenant's agents and queues as the contact center last reported them.</summary>
public static class LivePictureEndpoints
{
    public static void MapLivePicture(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}").RequireAuthorization().WithTags("Contact center").RequireAntiforgery();
        api.MapGet("/agents", AgentsAsync)
            .WithSummary("The tenant's agents now: logged in or not, state and reason, time in state, skills.")
            .Produces<IReadOnlyList<AgentView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/agents/{agentId}/contacts", HistoryAsync)
            .WithSummary("An agent's contacts, newest first (limit 1-500, default 50): channel, caller, phase, times, hold time, outcome.")
            .Produces<IReadOnlyList<AgentContact>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/agents/{agentId}/today", DayAsync)
            .WithSummary("An agent's day so far (UTC): contacts handled, average handle time (talk, hold and wrap-up), seconds in each state.")
            .Produces<AgentDay>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/live", StreamAsync)
            .WithSummary("The live picture as server-sent events: a snapshot (agents, queues, commitments, address books), then each agent, queue, commitment or address book as it changes and each message to an agent; a comment every 15 s keeps the line open.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/commitments", CommitmentsAsync)
            .WithSummary("Scheduled callbacks: pending ones by due time, or with all=true the done and cancelled ones too (at most 1,000).")
            .Produces<IReadOnlyList<CommitmentView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/address-books", AddressBooksAsync)
            .WithSummary("The contact center's address books: names with a number, an agent or a skill to dial or transfer to.")
            .Produces<IReadOnlyList<AddressBookView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/agents/{agentId}/messages", MessagesAsync)
            .WithSummary("Messages sent to an agent (by supervisors), newest first (limit 1-500, default 50).")
            .Produces<IReadOnlyList<AgentMessageView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/queues", QueuesAsync)
            .WithSummary("The tenant's queues (skills) as last reported: contacts waiting, longest wait, agents staffed and available.")
            .Produces<IReadOnlyList<QueueView>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private static async Task StreamAsync(HttpContext c, string tenantId, LivePictureStore store, LivePictureFeed feed, IHostApplicationLifetime lifetime)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId))
        {
            await TenantAccess.TenantNotFound(tenantId).ExecuteAsync(c);
            return;
        }
        // Still allowed? (A user removed, or a tenant admin's tenant changed, since the stream opened.)
        await WriteStreamAsync(c, tenantId, store, feed, lifetime, () => TenantAccess.AllowedAsync(c, tenantId), viewerAgentId: null);
    }

    /// <summary>
    /// Writes the live picture as server-sent events until the subscriber goes, the hub stops, or <paramref name="stillAllowed"/>
    /// says no (asked at each keep-alive). For an agent's softphone (<paramref name="viewerAgentId"/>): other agents' contacts,
    /// messages and personal callbacks are left out.
    /// </summary>
    public static async Task WriteStreamAsync(HttpContext c, string tenantId, LivePictureStore store, LivePictureFeed feed, IHostApplicationLifetime lifetime,
        Func<Task<bool>> stillAllowed, string? viewerAgentId)
    {
        // The stream ends when the subscriber goes or the hub stops (it would otherwise hold a graceful shutdown open).
        using var both = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, lifetime.ApplicationStopping);
        var ct = both.Token;
        // Subscribed before the snapshot is read: a change made meanwhile comes after it, never lost between the two.
        // Disposed however the stream ends, an error included.
        using var subscription = feed.Subscribe(tenantId);
        c.Response.ContentType = "text/event-stream";
        c.Response.Headers.CacheControl = "no-store";
        c.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        // An agent sees its own view whole; of the others, their state and station, not their contacts, e-mail or phone number;
        // its own callbacks and its skills', not another agent's personal ones.
        IReadOnlyDictionary<string, string> viewerSkills = new Dictionary<string, string>();
        AgentView Seen(AgentView a)
        {
            if (a.AgentId == viewerAgentId) viewerSkills = a.Skills;
            return viewerAgentId is null || a.AgentId == viewerAgentId ? a : a with { Contacts = [], Email = null, PhoneNumber = null };
        }
        bool Visible(CommitmentView x) => viewerAgentId is null || x.AgentId == viewerAgentId || x.AgentId is null && x.SkillId is { } skill && viewerSkills.ContainsKey(skill);
        var lastCheck = System.Diagnostics.Stopwatch.StartNew();
        Task WriteAsync(string name, object data) =>
            c.Response.WriteAsync($"event: {name}\ndata: {System.Text.Json.JsonSerializer.Serialize(data, System.Text.Json.JsonSerializerOptions.Web)}\n\n", ct);
        async Task SendAsync(string name, object data)
        {
            await WriteAsync(name, data);
            await c.Response.Body.FlushAsync(ct);
        }
        async Task SnapshotAsync()
        {
            var agents = (await store.AgentsAsync(tenantId, ct)).Select(Seen).ToList();
            await SendAsync("snapshot", new
            {
                agents, queues = await store.QueuesAsync(tenantId, ct), commitments = (await store.CommitmentsAsync(tenantId, ct)).Where(Visible).ToList(),
                addressBooks = await store.AddressBooksAsync(tenantId, ct),
            });
        }
        try
        {
            await SnapshotAsync();
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(KeepAlive);
                IReadOnlyList<PictureChange> changes;
                try
                {
                    changes = await subscription.ReadAvailableAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    if (!await stillAllowed()) return;
                    lastCheck.Restart();
                    await c.Response.WriteAsync(": keep-alive\n\n", ct);
                    await c.Response.Body.FlushAsync(ct);
                    continue;
                }
                // However busy the stream, whether it may go on is asked again every keep-alive period.
                if (lastCheck.Elapsed >= KeepAlive)
                {
                    if (!await stillAllowed()) return;
                    lastCheck.Restart();
                }
                if (changes.Any(x => x.Kind == PictureChange.Resync))
                {
                    await SnapshotAsync();
                    continue;
                }
                // Everything that changed since the last read, each part read once: agents together, then the rest.
                var agentIds = changes.Where(x => x.Kind == PictureChange.Agent).Select(x => x.Id).ToList();
                if (agentIds.Count > 0)
                    foreach (var agent in await store.AgentsAsync(tenantId, agentIds, ct)) await WriteAsync("agent", Seen(agent));
                foreach (var change in changes.Where(x => x.Kind != PictureChange.Agent))
                {
                    switch (change.Kind)
                    {
                        case PictureChange.Queue when (await store.QueuesAsync(tenantId, ct, change.Id)) is [var queue]:
                            await WriteAsync("queue", queue);
                            break;
                        case PictureChange.Commitment when (await store.CommitmentsAsync(tenantId, ct, change.Id, pendingOnly: false)) is [var commitment] && Visible(commitment):
                            await WriteAsync("commitment", commitment);
                            break;
                        case PictureChange.AddressBook when (await store.AddressBooksAsync(tenantId, ct, change.Id)) is [var book]:
                            await WriteAsync("address_book", book);
                            break;
                        case PictureChange.Message when (await store.MessagesAsync(tenantId, viewerAgentId, 1, ct, change.Id)) is [var message]:
                            await WriteAsync("message", message);
                            break;
                    }
                }
                await c.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The subscriber went away.
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // The subscription ended with the request.
        }
    }

    private static async Task<IResult> AgentsAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await store.AgentsAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> HistoryAsync(HttpContext c, string tenantId, string agentId, int? limit, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId)
            ? Results.Ok(await store.HistoryAsync(tenantId, agentId, Math.Clamp(limit ?? 50, 1, 500), c.RequestAborted))
            : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> DayAsync(HttpContext c, string tenantId, string agentId, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await store.DayAsync(tenantId, agentId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> CommitmentsAsync(HttpContext c, string tenantId, bool? all, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId)
            ? Results.Ok(await store.CommitmentsAsync(tenantId, c.RequestAborted, pendingOnly: all != true))
            : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> AddressBooksAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await store.AddressBooksAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> MessagesAsync(HttpContext c, string tenantId, string agentId, int? limit, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId)
            ? Results.Ok(await store.MessagesAsync(tenantId, agentId, Math.Clamp(limit ?? 50, 1, 500), c.RequestAborted))
            : TenantAccess.TenantNotFound(tenantId);

    private static async Task<IResult> QueuesAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await store.QueuesAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);
}
