using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Intake;
using ContactBridge.Web;

namespace ContactBridge.ContactCenter;

/// <summary>What the caller of a command learns at once: the command's id, and for an accepted one what the contact center made (a new call's id …).</summary>
public sealed record CommandOutcome(string CommandId, string Status, JsonObject? Result);

/// <summary>The contact center's command endpoint (where it is, its secret), and the commands sent to it, over HTTP.</summary>
public static class CommandEndpoints
{
    public const int MaxCommandBytes = 128 * 1024;
    public const int MaxKeyLength = 200;

    public static void MapContactCenterCommands(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tenants/{tenantId}").RequireAuthorization().WithTags("Contact center commands").RequireAntiforgery();
        api.MapPost("/agents/{agentId}/commands", SendAsync)
            .WithName("SendCommand")
            .WithSummary("Asks the contact center to do something for an agent (set_state, dial, accept, hangup, transfer …); answers as soon as the contact center does.")
            .WithDescription("Body: {\"type\": \"set_state\", \"data\": {\"state\": \"available\"}}. Types and data: docs/contact-center-protocol.md and the command.* schemas. " +
                             "An Idempotency-Key header makes a repeat safe: the same key answers what it answered, or sends the same command again if no answer came. " +
                             "200: accepted. 409: the contact center refused it (reason, message). 502: the contact center refused the request itself (nothing done), or its answer " +
                             "could not be believed (it may have been done: repeat with the same key). " +
                             "504: no answer; the command may or may not have been done.")
            .Accepts<JsonObject>("application/json")
            .Produces<CommandOutcome>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        api.MapGet("/commands", RecentAsync)
            .WithSummary("The newest commands sent to the contact center (limit 1-500, default 50), or one agent's (agentId): type, data, status, reason, attempts.")
            .Produces<IReadOnlyList<CommandRecord>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/commands/{commandId}", OneAsync)
            .WithSummary("One command and what became of it.")
            .Produces<CommandRecord>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/contact-center", ConnectionAsync)
            .WithSummary("Where the tenant's contact center takes commands (the secret is never shown again).")
            .Produces<ContactCenterConnectionView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/contact-center", ConnectAsync)
            .WithSummary("Sets the contact center's command URL: {\"commandUrl\": \"https://…\", \"newSecret\": false}. A secret is made the first time (or when asked) and shown once, in commandSecret.")
            .Accepts<ConnectRequest>("application/json")
            .Produces<ConnectAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/contact-center", DisconnectAsync)
            .WithSummary("Forgets the command URL and its secret: no command is sent until one is set again.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public sealed record ConnectRequest(string? CommandUrl, bool NewSecret);

    public sealed record ConnectAnswer(string TenantId, string CommandUrl, string? CommandSecret);

    private static IResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);

    /// <summary>A JSON body read within its bound and parsed strictly: or the 4xx problem that says what is wrong with it.</summary>
    public static async Task<(JsonNode? Json, IResult? Problem)> ReadJsonAsync(HttpContext c, int maxBytes)
    {
        if (!c.Request.HasJsonContentType()) return (null, Problem(415, "Unsupported media type", "Send JSON, with Content-Type: application/json."));
        if (c.Request.ContentLength > maxBytes) return (null, Problem(413, "Too large", $"A request may carry at most {maxBytes / 1024} KiB."));
        byte[]? body;
        try
        {
            body = await BoundedRead.ReadAsync(c.Request.Body, maxBytes, c.RequestAborted);
        }
        catch (BadHttpRequestException e)
        {
            return (null, Problem(e.StatusCode, "Incomplete body", $"The request body did not arrive whole: {e.Message}"));
        }
        if (body is null) return (null, Problem(413, "Too large", $"A request may carry at most {maxBytes / 1024} KiB."));
        var (json, malformed) = IntakeEndpoints.ParseStrictly(body);
        return malformed is not null ? (null, Problem(400, "Malformed JSON", malformed)) : (json, null);
    }

    private static string? IdProblem(string value, string name) =>
        value.Length is 0 or > MaxKeyLength || value.Any(char.IsControl) || value.Trim() != value
            ? $"{name} must be 1 to {MaxKeyLength} characters, without control characters or surrounding spaces."
            : null;

    private static async Task<IResult> SendAsync(HttpContext c, string tenantId, string agentId, ContactCenterConnections connections, CommandStore store, CommandSender sender,
        Microsoft.Extensions.Options.IOptions<ContactCenterOptions> options, IHostApplicationLifetime lifetime)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        return await DispatchAsync(c, tenantId, agentId, CurrentUser.From(c.User)?.Email, connections, store, sender, options, lifetime);
    }

    /// <summary>
    /// Checks, stores and sends the command in the request body for an agent the caller may act for (an admin for any
    /// agent of its tenant, the softphone for its own agent only), and answers as the contact center did.
    /// </summary>
    public static async Task<IResult> DispatchAsync(HttpContext c, string tenantId, string agentId, string? requestedBy, ContactCenterConnections connections, CommandStore store,
        CommandSender sender, Microsoft.Extensions.Options.IOptions<ContactCenterOptions> options, IHostApplicationLifetime lifetime,
        Func<string, JsonObject, Task<IResult?>>? authorize = null)
    {
        var ct = c.RequestAborted;
        var problems = new List<string>();
        if (IdProblem(agentId, "The agent id") is { } agentProblem) problems.Add(agentProblem);
        string? key = c.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (key is not null && IdProblem(key, "The Idempotency-Key header") is { } keyProblem) problems.Add(keyProblem);
        var (json, bad) = await ReadJsonAsync(c, MaxCommandBytes);
        if (bad is not null) return bad;
        if (json is not JsonObject body) return Problem(400, "Invalid command", "Send a JSON object: {\"type\": \"set_state\", \"data\": {\"state\": \"available\"}}.");
        var type = body["type"] is JsonValue tv && tv.TryGetValue<string>(out var t) ? t : null;
        var data = body["data"]?.DeepClone() ?? new JsonObject();
        if (body["type"] is not null && type is null) problems.Add("type must be a string.");
        else if (type == ContactCenterCommands.VerifyPassword) problems.Add("verify_password is sent by the softphone's sign-in only (POST /agent/{tenantId}/api/password-sign-in): a password is never stored with a command.");
        else problems.AddRange(ContactCenterCommands.Problems(type, data));
        if (problems.Count > 0)
            return Problem(400, "Invalid command", $"{problems.Count} problem(s); nothing was sent.", new Dictionary<string, object?> { ["errors"] = problems });

        // The caller may act for this agent, but perhaps not on everything the command names (another agent's contact …).
        if (authorize is not null && await authorize(type!, (JsonObject)data) is { } refused) return refused;
        var connection = await connections.GetAsync(tenantId, ct);
        if (connection is null)
            return Problem(409, "No contact center to send to",
                "This tenant has no command URL yet: set it in the portal (Contact center) or with `contactbridge contact-center connect --tenant … --url …`.");

        var (command, created) = await store.BeginAsync(tenantId, key, agentId, type!, (JsonObject)data, requestedBy, ct);
        if (!created)
        {
            if (command.AgentId != agentId || command.Type != type || !JsonNode.DeepEquals(command.Data, data))
                return Problem(422, "Idempotency-Key already used", $"The key \"{key}\" was used for another command ({command.Type} for agent {command.AgentId}); use a new key for a new command.");
            if (command.IsFinal)
            {
                c.Response.Headers["Idempotency-Replayed"] = "true";
                return Answer(command);
            }
            var o = options.Value;
            var round = o.CommandTimeout * o.CommandAttempts + o.CommandRetryDelay * Math.Pow(2, o.CommandAttempts) + TimeSpan.FromSeconds(5);
            if (!await store.ResendAsync(tenantId, command, round, ct))
            {
                c.Response.Headers.RetryAfter = "1";
                return Problem(409, "Still being sent", $"The command with key \"{key}\" is being sent now; ask again in a moment for its answer.",
                    new Dictionary<string, object?> { ["commandId"] = command.CommandId });
            }
        }
        // Sent to the end even if the caller goes away meanwhile: the answer is kept for its repeat.
        var delivery = await sender.SendAsync(connection, tenantId, command, lifetime.ApplicationStopping);
        var recorded = delivery.Answer is { } a
            ? await store.RecordAsync(tenantId, command.CommandId, a.Outcome == "accepted" ? CommandRecord.Accepted : CommandRecord.Refused, a.Reason, a.Message, a.Result,
                delivery.Attempts, CancellationToken.None)
            : await store.RecordAsync(tenantId, command.CommandId, delivery.Status!, null, delivery.Problem, null, delivery.Attempts, CancellationToken.None);
        return Answer(recorded);
    }

    /// <summary>A command's answer as its caller gets it, the first time or from a repeat.</summary>
    private static IResult Answer(CommandRecord command)
    {
        var ids = new Dictionary<string, object?> { ["commandId"] = command.CommandId, ["attempts"] = command.Attempts };
        return command.Status switch
        {
            CommandRecord.Accepted => Results.Ok(new CommandOutcome(command.CommandId, command.Status, command.Result)),
            CommandRecord.Refused => Problem(409, "Refused by the contact center", command.Message ?? $"The contact center refused {command.Type}: {command.Reason}.",
                new Dictionary<string, object?>(ids) { ["reason"] = command.Reason }),
            CommandRecord.Unanswered => Problem(504, "No answer from the contact center", command.Message ?? "The contact center did not answer.", ids),
            CommandRecord.Unverified => Problem(502, "The contact center's answer was not believed", command.Message ?? "The contact center's answer could not be verified.", ids),
            _ => Problem(502, "The contact center's side failed", command.Message ?? "The contact center's answer could not be used.", ids),
        };
    }

    private static async Task<IResult> RecentAsync(HttpContext c, string tenantId, string? agentId, int? limit, CommandStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        if (agentId is not null && IdProblem(agentId, "agentId") is { } problem) return Problem(400, "Invalid agent id", problem);
        return Results.Ok(await store.RecentAsync(tenantId, agentId, Math.Clamp(limit ?? 50, 1, 500), c.RequestAborted));
    }

    private static async Task<IResult> OneAsync(HttpContext c, string tenantId, string commandId, CommandStore store)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        return await store.GetAsync(tenantId, commandId, c.RequestAborted) is { } command
            ? Results.Ok(command)
            : TenantAccess.NotFoundProblem($"No command {commandId} for this tenant.");
    }

    private static async Task<IResult> ConnectionAsync(HttpContext c, string tenantId, ContactCenterConnections connections) =>
        await TenantAccess.AllowedAsync(c, tenantId) ? Results.Ok(await connections.ViewAsync(tenantId, c.RequestAborted)) : TenantAccess.TenantNotFound(tenantId);

    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static async Task<IResult> ConnectAsync(HttpContext c, string tenantId, ContactCenterConnections connections)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        var (json, bad) = await ReadJsonAsync(c, 16 * 1024);
        if (bad is not null) return bad;
        ConnectRequest? request;
        try
        {
            request = json.Deserialize<ConnectRequest>(StrictJson);
        }
        catch (JsonException e)
        {
            return Problem(400, "Invalid settings", $"Send {{\"commandUrl\": \"https://…\", \"newSecret\": false}}: {e.Message}");
        }
        if (connections.UrlProblem(request?.CommandUrl) is { } problem) return Problem(400, "Invalid command URL", problem);
        var secret = await connections.ConnectAsync(tenantId, request!.CommandUrl!, request.NewSecret, c.RequestAborted);
        c.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new ConnectAnswer(tenantId, request.CommandUrl!.Trim(), secret));
    }

    private static async Task<IResult> DisconnectAsync(HttpContext c, string tenantId, ContactCenterConnections connections)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        await connections.DisconnectAsync(tenantId, c.RequestAborted);
        return Results.NoContent();
    }
}
