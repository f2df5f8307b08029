using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.ContactCenter;
using ContactBridge.Identification;
using ContactBridge.Interactions;
using ContactBridge.Linking;
using ContactBridge.Logging;
using ContactBridge.Tenants;
using ContactBridge.Web;
using Microsoft.Extensions.Options;

namespace ContactBridge.AgentAdapter;

/// <summary>Who is signed in to the softphone, with what the softphone needs to start.</summary>
public sealed record SoftphoneMe(string TenantId, string TenantName, string AgentId, string SalesforceUsername, string? DisplayName, string Version,
    string? SalesforceUrl, IReadOnlyList<string> UnavailableReasons, IReadOnlyList<string> Dispositions, AgentView? Agent)
{
    /// <summary>For the Service Cloud Voice connector: the tenant's Omni-Channel statuses and the contact-center states they mean.</summary>
    public IReadOnlyList<VoiceCalls.PresenceMappingEntry> PresenceMapping { get; init; } = [];
}

/// <summary>Where the console should go for a contact: Open CTI's screenPop type and its parameters, or pending while the hub is still looking the caller up.</summary>
public sealed record ScreenPopAnswer(string InteractionId, string Status, string? Outcome, string? Type, JsonObject? Params, string? MatchedBy)
{
    /// <summary>For a new-record form: the fields filled in (Open CTI's defaultFieldValues).</summary>
    public JsonObject? DefaultFieldValues { get; init; }
}

/// <summary>
/// The softphone's own API, under /agent/{tenantId}/api: every call acts as the agent of the session's cookie and for
/// its tenant only. A session for another tenant is not found there (404); changes need the softphone's header, which
/// a page elsewhere cannot send without the hub allowing it (no CORS), so another site cannot act for the agent.
/// </summary>
public static class AgentApi
{
    public const string CookieName = "cb_agent";
    public const string SoftphoneHeader = "X-ContactBridge-Softphone";
    private const string SessionItem = "contactbridge.agent-session";

    public static readonly string[] DefaultReasons = ["Break", "Lunch", "Meeting", "Training", "Personal"];
    public static readonly string[] DefaultDispositions = ["Resolved", "Follow-up needed", "Callback scheduled", "Escalated", "Wrong number"];

    public static AgentSession Session(this HttpContext c) => (AgentSession)c.Items[SessionItem]!;

    public static void MapAgentApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/agent/{tenantId}/api/session", StartSessionAsync).AllowAnonymous().WithTags("Softphone")
            .WithSummary("Trades the one-time ticket of a single sign-on window, with the nonce the softphone started it with, for the softphone's session cookie.")
            .Accepts<SessionRequest>("application/json")
            .Produces<SoftphoneMe>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        app.MapPost("/agent/{tenantId}/api/password-sign-in", PasswordSignInAsync).AllowAnonymous().WithTags("Softphone")
            .WithSummary("Signs an agent in by its name (agent id) and password, which the contact center checks (verify_password); the hub never stores the password. Five wrong tries in 15 minutes (on any hub instance) lock that agent name out for the rest of them.")
            .Accepts<PasswordSignInRequest>("application/json")
            .Produces<SoftphoneMe>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        var api = app.MapSoftphoneApi();
        api.MapGet("/me", MeAsync).WithSummary("The signed-in agent, its tenant and Salesforce user, and its state now.").Produces<SoftphoneMe>();
        api.MapPost("/sign-out", SignOutAsync).WithSummary("Ends the softphone's session (the agent stays logged in to the contact center unless the softphone sent logout first).")
            .Produces(StatusCodes.Status204NoContent);
        api.MapPost("/commands", CommandAsync)
            .WithSummary("Sends a command for the signed-in agent (set_state, dial, accept, hold, transfer …), as POST /api/v1/tenants/{tenantId}/agents/{agentId}/commands does for an admin.")
            .Accepts<JsonObject>("application/json").Produces<CommandOutcome>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        api.MapGet("/live", LiveAsync)
            .WithSummary("The live picture for the softphone as server-sent events: agents (others without their contacts), queues, the agent's and its skills' callbacks, address books, messages to the agent.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        api.MapGet("/contacts", HistoryAsync).WithSummary("The agent's contacts, newest first (limit 1-200, default 50).").Produces<IReadOnlyList<AgentContact>>();
        api.MapGet("/today", TodayAsync).WithSummary("The agent's day so far: contacts handled, average handle time, seconds in each state.").Produces<AgentDay>();
        api.MapGet("/messages", MessagesAsync).WithSummary("Messages to the agent, newest first (at most 50).").Produces<IReadOnlyList<AgentMessageView>>();
        api.MapGet("/contacts/{interactionId}/screen-pop", ScreenPopAsync)
            .WithSummary("Where Salesforce should go for one of the agent's contacts: the caller's record, a search, or a new Lead or Contact form filled in; pending until the caller is looked up.")
            .Produces<ScreenPopAnswer>();
        api.MapPost("/contacts/{interactionId}/wrap-up", WrapUpAsync)
            .WithSummary("Records the agent's disposition and notes for one of its contacts: stored as the contact's wrapped_up event, so the Task the hub writes carries them.")
            .Accepts<WrapUpRequest>("application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/contacts/{interactionId}/related-record", RelatedRecordAsync)
            .WithSummary("Relates one of the agent's contacts to the Salesforce record it was worked from (a number clicked on it): its Task's WhoId (Lead, Contact) or WhatId.")
            .Accepts<RelatedRecordRequest>("application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    /// <summary>The softphone's API (/agent/{tenantId}/api): every endpoint in it acts as the agent of the session's cookie, for its tenant only.</summary>
    public static RouteGroupBuilder MapSoftphoneApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("/agent/{tenantId}/api").AllowAnonymous().WithTags("Softphone").AddEndpointFilter(RequireSessionAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);

    public sealed record WrapUpRequest(string? Disposition, string? Notes);

    public sealed record RelatedRecordRequest(string? ObjectType, string? RecordId);

    public sealed record SessionRequest(string? Ticket, string? Nonce);

    public sealed record PasswordSignInRequest(string? AgentId, string? Password);

    /// <summary>A guesser gets five tries per 15 minutes for an agent name, counted in the database, so across every hub instance.</summary>
    public const int MaxFailures = 5;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(15);

    private static async Task<IResult> PasswordSignInAsync(HttpContext c, string tenantId, AgentSessionStore sessions, TenantStore tenants, LinkStore links,
        LivePictureStore picture, ContactCenterConnections connections, CommandSender sender, TimeProvider clock, IOptions<HubOptions> options, IHostApplicationLifetime lifetime)
    {
        var ct = c.RequestAborted;
        if (NotFromSoftphone(c) is { } refused) return refused;
        var (request, bad) = await ReadBodyAsync<PasswordSignInRequest>(c, "{\"agentId\": \"…\", \"password\": \"…\"}");
        if (bad is not null) return bad;
        if (request is not { AgentId: { Length: > 0 and <= 200 } agentId, Password: { Length: > 0 and <= 200 } password } || agentId.Any(char.IsControl) || agentId.Trim() != agentId)
            return Problem(400, "Invalid sign-in", "Send your agent name (1 to 200 characters) and password: {\"agentId\": \"…\", \"password\": \"…\"}.");
        if (await tenants.GetAsync(tenantId, ct) is null) return TenantAccess.NotFoundProblem($"No tenant {tenantId}.");
        var now = clock.GetUtcNow();
        var failures = await sessions.FailuresAsync(tenantId, agentId, FailureWindow, ct);
        if (failures.Count >= MaxFailures)
        {
            var until = DateTimeOffset.FromUnixTimeMilliseconds(failures[^MaxFailures]) + FailureWindow;
            c.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((until - now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem(429, "Too many tries", $"{MaxFailures} wrong passwords for {agentId} in {FailureWindow.TotalMinutes:0} minutes: try again later, or sign in with Salesforce.");
        }
        if (await connections.GetAsync(tenantId, ct) is not { } connection)
            return Problem(409, "No contact center to ask", "This tenant's contact center is not connected, so no agent password can be checked: sign in with Salesforce.");
        // Checked by the contact center, which owns the agents' passwords; this command is never stored (its data holds the password).
        var check = new CommandRecord("cmd_" + AgentSessionStore.NewSecret()[..20], agentId, ContactCenterCommands.VerifyPassword, new JsonObject { ["password"] = password },
            CommandRecord.Sending, null, null, null, 0, "softphone sign-in", now, null);
        var delivery = await sender.SendAsync(connection, tenantId, check, lifetime.ApplicationStopping);
        if (delivery.Answer is not { } answer)
            return Problem(502, "The contact center did not answer", $"Your password could not be checked now ({delivery.Problem}). Try again in a moment, or sign in with Salesforce.");
        if (answer.Outcome != "accepted")
        {
            await sessions.AddFailureAsync(tenantId, agentId, CancellationToken.None);
            return Problem(401, "Wrong agent name or password", "The contact center did not accept this agent name and password.");
        }
        await sessions.ClearFailuresAsync(tenantId, agentId, CancellationToken.None);
        var name = answer.Result?["name"] is JsonValue n && n.TryGetValue<string>(out var text) ? text : null;
        var (session, token) = await sessions.AddActiveAsync(tenantId, agentId, name, ct);
        c.Response.Cookies.Append(CookieName, token, CookieOptionsFor(c, tenantId, options.Value));
        c.Response.Headers.CacheControl = "no-store";
        return Results.Ok(await MeOfAsync(session, tenants, links, picture, c.RequestServices, ct));
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>A change without the softphone's header: another page's request (it cannot add the header without CORS, which the hub does not allow).</summary>
    private static IResult? NotFromSoftphone(HttpContext c) => c.Request.Headers[SoftphoneHeader] == "1" ? null
        : Problem(403, "Only the softphone may do this", $"Changes come from the softphone page itself, with the {SoftphoneHeader} header.");

    /// <summary>
    /// The cookie works in Salesforce's frame: SameSite=None, Secure and Partitioned over https, whether the hub's public URL is https
    /// or the request came to its https port (a browser drops SameSite=None without Secure, so plain-http development on one machine
    /// keeps Lax, same-site there).
    /// </summary>
    public static CookieOptions CookieOptionsFor(HttpContext c, string tenantId, HubOptions options)
    {
        var https = options.PublicUrl.Scheme == Uri.UriSchemeHttps || c.Request.IsHttps;
        var cookie = new CookieOptions
        {
            HttpOnly = true, Path = $"/agent/{tenantId}", Secure = https, SameSite = https ? SameSiteMode.None : SameSiteMode.Lax, IsEssential = true,
        };
        if (https) cookie.Extensions.Add("Partitioned");
        return cookie;
    }

    private static async ValueTask<object?> RequireSessionAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var c = context.HttpContext;
        var tenantId = c.GetRouteValue("tenantId") as string ?? "";
        var token = c.Request.Cookies[CookieName];
        var session = string.IsNullOrEmpty(token) || token.Length > 200 ? null : await c.RequestServices.GetRequiredService<AgentSessionStore>().FindAsync(token, c.RequestAborted);
        if (session is null)
            return Problem(401, "Sign in to the softphone", "The softphone's session has ended or was never started: sign in again (“Sign in with Salesforce”). A call in progress goes on.");
        if (session.TenantId != tenantId) return TenantAccess.NotFoundProblem($"No tenant {tenantId} for this softphone session.");
        if (!HttpMethods.IsGet(c.Request.Method) && !HttpMethods.IsHead(c.Request.Method) && NotFromSoftphone(c) is { } refused) return refused;
        c.Items[SessionItem] = session;
        c.Response.Headers.CacheControl = "no-store";
        return await next(context);
    }

    private static async Task<IResult> StartSessionAsync(HttpContext c, string tenantId, AgentSessionStore sessions, TenantStore tenants, LinkStore links,
        LivePictureStore picture, IOptions<HubOptions> options, IOptions<ContactCenterOptions> ccOptions)
    {
        if (NotFromSoftphone(c) is { } refused) return refused;
        var (request, bad) = await ReadBodyAsync<SessionRequest>(c, "{\"ticket\": \"…\", \"nonce\": \"…\"}");
        if (bad is not null) return bad;
        if (request is not { Ticket: { Length: > 0 and <= 200 } ticket, Nonce: { Length: > 0 and <= 200 } nonce })
            return Problem(400, "Invalid sign-in", "Send the ticket of the sign-in window and the nonce the softphone started it with: {\"ticket\": \"…\", \"nonce\": \"…\"}.");
        var started = await sessions.RedeemAsync(tenantId, ticket, nonce, c.RequestAborted);
        if (started is not { } s)
            return Problem(401, "Sign in again", "This sign-in was already used, took too long, or was started by another softphone. Choose “Sign in with Salesforce” again.");
        c.Response.Cookies.Append(CookieName, s.Token, CookieOptionsFor(c, tenantId, options.Value));
        c.Response.Headers.CacheControl = "no-store";
        return Results.Ok(await MeOfAsync(s.Session, tenants, links, picture, c.RequestServices, c.RequestAborted));
    }

    private static async Task<SoftphoneMe> MeOfAsync(AgentSession s, TenantStore tenants, LinkStore links, LivePictureStore picture, IServiceProvider services, CancellationToken ct)
    {
        var tenant = await tenants.GetAsync(s.TenantId, ct);
        var link = await links.GetAsync(s.TenantId, ct);
        var agents = await picture.AgentsAsync(s.TenantId, ct, s.AgentId);
        var agent = agents.Count > 0 ? agents[0] : null;
        var version = typeof(AgentApi).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
        return new SoftphoneMe(s.TenantId, tenant?.Name ?? s.TenantId, s.AgentId, s.SalesforceUsername, s.DisplayName, version, link?.InstanceUrl, DefaultReasons,
            DefaultDispositions, agent)
        {
            PresenceMapping = await services.GetRequiredService<VoiceCalls.VoiceCallSettingsStore>().PresenceMappingAsync(s.TenantId, ct),
        };
    }

    private static async Task<IResult> MeAsync(HttpContext c, TenantStore tenants, LinkStore links, LivePictureStore picture) =>
        Results.Ok(await MeOfAsync(c.Session(), tenants, links, picture, c.RequestServices, c.RequestAborted));

    private static async Task<IResult> SignOutAsync(HttpContext c, string tenantId, AgentSessionStore sessions, IOptions<HubOptions> options)
    {
        await sessions.EndAsync(c.Session().SessionId, c.RequestAborted);
        c.Response.Cookies.Delete(CookieName, CookieOptionsFor(c, tenantId, options.Value));
        return Results.NoContent();
    }

    private static Task<IResult> CommandAsync(HttpContext c, string tenantId, ContactCenterConnections connections, CommandStore store, CommandSender sender,
        IOptions<ContactCenterOptions> options, IHostApplicationLifetime lifetime, InteractionStore interactions, LivePictureStore picture)
    {
        var s = c.Session();
        return CommandEndpoints.DispatchAsync(c, tenantId, s.AgentId, $"softphone: {s.SalesforceUsername}", connections, store, sender, options, lifetime,
            (type, data) => MayAsync(c, tenantId, s.AgentId, type, data, interactions, store, picture));
    }

    private static string? Str(JsonObject data, string name) => data[name] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// What the softphone may ask for, beyond acting as its own agent: only the agent's own contacts, its own callbacks and its
    /// skills' (never another agent's personal one), and only its own skills to take contacts or dial for.
    /// </summary>
    private static async Task<IResult?> MayAsync(HttpContext c, string tenantId, string agentId, string type, JsonObject data, InteractionStore interactions,
        CommandStore commands, LivePictureStore picture)
    {
        var ct = c.RequestAborted;
        if (Str(data, "interactionId") is { } interactionId && !await IsMineAsync(tenantId, agentId, interactionId, interactions, commands, ct))
            return TenantAccess.NotFoundProblem($"No contact {interactionId} of yours.");
        var agents = await picture.AgentsAsync(tenantId, ct, agentId);
        var skills = agents.Count > 0 ? agents[0].Skills : new Dictionary<string, string>();
        if (type != "transfer" && Str(data, "skill") is { } skill && !skills.ContainsKey(skill))
            return Problem(403, "Not your skill", $"You do not have the skill {skill}: only your own skills' contacts and calls are yours to take or make.");
        if (Str(data, "forAgentId") is { } forAgent && forAgent != agentId)
            return Problem(403, "Not yours", "A personal callback is for yourself: schedule it for one of your skills to have another agent call back.");
        if (Str(data, "commitmentId") is { } commitmentId)
        {
            var found = await picture.CommitmentsAsync(tenantId, ct, commitmentId, pendingOnly: false);
            if (found.Count == 0 || !(found[0].AgentId == agentId || found[0].AgentId is null && found[0].SkillId is { } k && skills.ContainsKey(k)))
                return TenantAccess.NotFoundProblem($"No callback {commitmentId} of yours or your skills'.");
        }
        return null;
    }

    /// <summary>
    /// A contact is the agent's when the hub has it at the agent, or when the contact center made it for one of the agent's commands
    /// (a call just dialled, not folded yet).
    /// </summary>
    private static async Task<bool> IsMineAsync(string tenantId, string agentId, string interactionId, InteractionStore interactions, CommandStore commands, CancellationToken ct)
    {
        var row = await interactions.GetAsync(tenantId, interactionId, ct);
        return row is not null ? row.AgentId == agentId
            : (await commands.RecentAsync(tenantId, agentId, 50, ct)).Any(x => x.Status == CommandRecord.Accepted && x.Result?["interactionId"] is JsonValue v
                                                                           && v.TryGetValue<string>(out var id) && id == interactionId);
    }

    private static Task LiveAsync(HttpContext c, string tenantId, LivePictureStore store, LivePictureFeed feed, AgentSessionStore sessions, IHostApplicationLifetime lifetime)
    {
        var token = c.Request.Cookies[CookieName]!;
        // The session may end meanwhile (signed out elsewhere, idle): the stream ends with it.
        return LivePictureEndpoints.WriteStreamAsync(c, tenantId, store, feed, lifetime, async () => await sessions.FindAsync(token, c.RequestAborted) is not null,
            c.Session().AgentId);
    }

    private static async Task<IResult> HistoryAsync(HttpContext c, string tenantId, int? limit, LivePictureStore store) =>
        Results.Ok(await store.HistoryAsync(tenantId, c.Session().AgentId, Math.Clamp(limit ?? 50, 1, 200), c.RequestAborted));

    private static async Task<IResult> TodayAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        Results.Ok(await store.DayAsync(tenantId, c.Session().AgentId, c.RequestAborted));

    private static async Task<IResult> MessagesAsync(HttpContext c, string tenantId, LivePictureStore store) =>
        Results.Ok(await store.MessagesAsync(tenantId, c.Session().AgentId, 50, c.RequestAborted));

    private static async Task<IResult> ScreenPopAsync(HttpContext c, string tenantId, string interactionId, InteractionStore interactions, LoggingSettingsStore logging)
    {
        var ct = c.RequestAborted;
        if (interactionId.Length is 0 or > 200) return Problem(400, "Invalid contact id", "A contact id is 1 to 200 characters.");
        var row = await interactions.GetAsync(tenantId, interactionId, ct);
        // Only the agent's own contacts: another agent's contact is not found, as if it did not exist.
        if (row is null || row.AgentId != c.Session().AgentId) return TenantAccess.NotFoundProblem($"No contact {interactionId} of yours.");
        if (row.Identification is null) return Results.Ok(new ScreenPopAnswer(interactionId, "pending", null, null, null, null));
        var result = JsonSerializer.Deserialize<IdentificationResult>(row.Identification, InteractionStore.Json)!;
        var state = row.Parsed;
        var term = state.Caller.Phone ?? state.Caller.Email;
        var rules = (await logging.GetAsync(tenantId, ct)).Identification;
        if (rules.ScreenPopUrl is { } template && (rules.ScreenPopUrlWhen == "always" || result.Outcome is IdentificationResult.None or IdentificationResult.Unidentified))
            return Results.Ok(new ScreenPopAnswer(interactionId, "ready", result.Outcome, "url", new JsonObject { ["url"] = ScreenPopTemplate.Render(template, state) }, result.MatchedBy));
        return Results.Ok(result switch
        {
            { Outcome: IdentificationResult.One } => new ScreenPopAnswer(interactionId, "ready", result.Outcome, "sobject",
                new JsonObject { ["recordId"] = result.Matches[0].Id }, result.MatchedBy),
            { Outcome: IdentificationResult.Several } when term is not null => new ScreenPopAnswer(interactionId, "ready", result.Outcome, "search",
                new JsonObject { ["searchString"] = term }, result.MatchedBy),
            { Outcome: IdentificationResult.None } when term is not null => NewRecord(interactionId, state, (await logging.GetAsync(tenantId, ct)).Mode),
            _ => new ScreenPopAnswer(interactionId, "ready", result.Outcome, null, null, result.MatchedBy),
        });
    }

    private static async Task<(T? Body, IResult? Problem)> ReadAgentEventAsync<T>(HttpContext c, string interactionId, string example) where T : class
    {
        if (interactionId.Length is 0 or > 200) return (null, Problem(400, "Invalid contact id", "A contact id is 1 to 200 characters."));
        var key = c.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (key is null || key.Length is 0 or > 100 || !key.All(char.IsAsciiLetterOrDigit))
            return (null, Problem(400, "Idempotency-Key required", "Send an Idempotency-Key header of 1 to 100 letters and digits: a repeat of the same request is then stored once."));
        return await ReadBodyAsync<T>(c, example);
    }

    /// <summary>A small JSON body (at most 16 KiB), read within its bound and parsed strictly, as <typeparamref name="T"/>: or the 4xx problem saying what is wrong.</summary>
    private static async Task<(T? Body, IResult? Problem)> ReadBodyAsync<T>(HttpContext c, string example) where T : class
    {
        var (json, bad) = await CommandEndpoints.ReadJsonAsync(c, 16 * 1024);
        if (bad is not null) return (null, bad);
        try
        {
            return json is JsonObject && json.Deserialize<T>(JsonSerializerOptions.Web) is { } body ? (body, null) : (null, Problem(400, "Invalid body", $"Send a JSON object: {example}."));
        }
        catch (JsonException e)
        {
            return (null, Problem(400, "Invalid body", $"Send {example}: {e.Message}"));
        }
    }

    /// <summary>
    /// Stores an event the agent's softphone adds to one of the agent's contacts (its wrap-up, the record it was worked from), in the
    /// inbox as the contact center's own events are: durable, in order, and folded into the contact before its Task is written.
    /// A contact is the agent's when the hub has it at the agent, or when the contact center made it for one of the agent's commands
    /// (a call just dialled, not folded yet).
    /// </summary>
    private static async Task<IResult> AppendAgentEventAsync(HttpContext c, string tenantId, string interactionId, string type, JsonObject data, InteractionStore interactions,
        CommandStore commands, Intake.InboxStore inbox, Outbox.InteractionPipeline pipeline, TimeProvider clock)
    {
        var ct = c.RequestAborted;
        var agentId = c.Session().AgentId;
        if (!await IsMineAsync(tenantId, agentId, interactionId, interactions, commands, ct)) return TenantAccess.NotFoundProblem($"No contact {interactionId} of yours.");
        // One event per agent, contact, kind and key: a repeat is stored once, and a key used again elsewhere is another event.
        var key = c.Request.Headers["Idempotency-Key"].ToString();
        var eventId = "softphone-" + AgentSessionStore.Hash($"{agentId}\n{type}\n{interactionId}\n{key}")[..40].ToLowerInvariant();
        var added = new Intake.InteractionEvent(eventId, $"contactbridge/softphone/{agentId}", Intake.InteractionEvent.TypePrefix + type, interactionId,
            clock.GetUtcNow(), data);
        await inbox.AppendAsync(tenantId, [added], ct);
        pipeline.Wake();
        return Results.Accepted();
    }

    private static bool HasControl(string? s) => s is not null && s.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t'));

    private static async Task<IResult> WrapUpAsync(HttpContext c, string tenantId, string interactionId, InteractionStore interactions, CommandStore commands,
        Intake.InboxStore inbox, Outbox.InteractionPipeline pipeline, TimeProvider clock)
    {
        var (request, bad) = await ReadAgentEventAsync<WrapUpRequest>(c, interactionId, "{\"disposition\": \"Resolved\", \"notes\": \"…\"}");
        if (bad is not null) return bad;
        var disposition = request!.Disposition?.Trim();
        var notes = request.Notes?.Trim();
        var problems = new List<string>();
        if (disposition is { Length: > 255 }) problems.Add("disposition is at most 255 characters.");
        if (notes is { Length: > 4000 }) problems.Add("notes are at most 4,000 characters.");
        if (HasControl(disposition) || HasControl(notes)) problems.Add("disposition and notes may not hold control characters.");
        if (string.IsNullOrEmpty(disposition) && string.IsNullOrEmpty(notes)) problems.Add("Give a disposition, notes, or both.");
        if (problems.Count > 0)
            return Results.Problem(statusCode: 400, title: "Invalid wrap-up", detail: string.Join(" ", problems), extensions: new Dictionary<string, object?> { ["errors"] = problems });
        var wrapUp = new JsonObject { ["code"] = string.IsNullOrEmpty(disposition) ? null : disposition, ["notes"] = string.IsNullOrEmpty(notes) ? null : notes };
        return await AppendAgentEventAsync(c, tenantId, interactionId, "wrapped_up", new JsonObject { ["wrapUp"] = wrapUp }, interactions, commands, inbox, pipeline, clock);
    }

    private static async Task<IResult> RelatedRecordAsync(HttpContext c, string tenantId, string interactionId, InteractionStore interactions, CommandStore commands,
        Intake.InboxStore inbox, Outbox.InteractionPipeline pipeline, TimeProvider clock)
    {
        var (request, bad) = await ReadAgentEventAsync<RelatedRecordRequest>(c, interactionId, "{\"objectType\": \"Contact\", \"recordId\": \"003…\"}");
        if (bad is not null) return bad;
        if (request!.ObjectType is not { } objectType || request.RecordId is not { } recordId || new RelatedRecord(objectType, recordId) is not { IsValid: true })
            return Problem(400, "Invalid record", "objectType must be an object's API name (Contact, Account …) and recordId a 15- or 18-character Salesforce id.");
        return await AppendAgentEventAsync(c, tenantId, interactionId, "related_record", new JsonObject { ["record"] = new JsonObject { ["object"] = objectType, ["id"] = recordId } },
            interactions, commands, inbox, pipeline, clock);
    }

    /// <summary>An unknown caller: the form for the record the tenant's mode makes of one (support: Contact; sales and manual: Lead), filled in with what is known.</summary>
    private static ScreenPopAnswer NewRecord(string interactionId, InteractionState state, string mode)
    {
        var entity = mode == LoggingSettings.Support ? "Contact" : "Lead";
        var fields = new JsonObject();
        if (state.Caller.Phone is { } phone) fields["Phone"] = phone;
        if (state.Caller.Email is { } email) fields["Email"] = email;
        var name = state.Caller.Name?.Trim();
        if (!string.IsNullOrEmpty(name))
        {
            var space = name.LastIndexOf(' ');
            if (space > 0) fields["FirstName"] = name[..space];
            fields["LastName"] = space > 0 ? name[(space + 1)..] : name;
        }
        if (entity == "Lead") fields["Company"] = state.Caller.Company ?? (string.IsNullOrEmpty(name) ? "Unknown" : name);
        return new ScreenPopAnswer(interactionId, "ready", IdentificationResult.None, "newRecord", new JsonObject { ["entityName"] = entity }, null) { DefaultFieldValues = fields };
    }
}
