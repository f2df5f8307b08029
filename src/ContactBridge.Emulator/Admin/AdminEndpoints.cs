using System.Text.Json.Nodes;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;
using ContactBridge.Emulator.Rest;

namespace ContactBridge.Emulator.Admin;

public sealed record FaultRequest(string Kind, int? Status, double? LatencyMs, double? JitterMs, string? PathContains, int? Count, double? Probability, string? QueryContains = null);
public sealed record ClockAdvanceRequest(double Seconds);
public sealed record RevokeRequest(string? Token, string? Username, string? ClientId);
public sealed record ApiUsageRequest(long? Used, long? Max);
public sealed record UserChangeRequest(bool? Active, string? Password);

/// <summary>
/// The emulator's own control API under <c>/_emulator</c> (not part of Salesforce): what is
/// running, the request log, scripted faults, token faults, the clock and test set-up. It has no
/// sign-in: the emulator binds to 127.0.0.1 and holds only test data.
/// </summary>
public static class AdminEndpoints
{
    public static void MapEmulatorAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/_emulator").WithTags("Emulator control");
        admin.MapGet("/", Info).WithSummary("Orgs, their instance and login URLs, and connected apps.");
        admin.MapGet("/requests", (EmulatorState s, string? org, long? after) => Results.Ok(s.Log.Entries(org, after ?? 0)))
            .WithSummary("The request log, optionally for one org and after a sequence number.");
        admin.MapGet("/orgs/{org}/api-usage", ApiUsage).WithSummary("Daily API calls used and allowed.");
        admin.MapPut("/orgs/{org}/api-usage", SetApiUsage).WithSummary("Sets the calls used and/or the daily limit.");
        admin.MapGet("/faults", (EmulatorState s) => Results.Ok(s.Faults.Rules)).WithSummary("The faults in force.");
        admin.MapPost("/faults", AddFault).WithSummary("Adds a fault: latency, status (500/503), hang, request_limit_exceeded, drop_response (processed, answer lost), or malformed_event (a Pub/Sub API event of the topics whose name contains pathContains is delivered cut short).");
        admin.MapDelete("/faults", (EmulatorState s) =>
        {
            s.Faults.Clear();
            return Results.NoContent();
        }).WithSummary("Clears every fault and releases hung requests.");
        admin.MapPost("/tokens/expire-access", (EmulatorState s) => Results.Ok(new { expired = s.OAuth.ExpireAllAccessTokens() }))
            .WithSummary("Expires every access token issued so far.");
        admin.MapPost("/tokens/revoke", Revoke).WithSummary("Revokes a token, or every refresh token of a user (and app).");
        admin.MapGet("/streaming/clients", (EmulatorState s) => Results.Ok(s.Streaming.All.Select(c =>
        {
            // Subscriptions change under the org's lock (subscribe, connect), so they are read under it too.
            lock (s.FindOrg(c.OrgKey)!.Sync)
                return new { clientId = c.ClientId, org = c.OrgKey, userId = c.UserId, lastSeen = c.LastSeen, subscriptions = c.Subscriptions.Keys.ToList() };
        }).ToList())).WithSummary("The CometD clients handshaken and what they subscribe to.");
        admin.MapPost("/streaming/clients/{clientId}/drop", (EmulatorState s, string clientId) =>
                s.Streaming.Drop(clientId) ? Results.NoContent() : Problem($"No streaming client '{clientId}'; GET /_emulator/streaming/clients lists them.", 404))
            .WithSummary("Fault: cuts the client's held long poll without an answer, as a network drop would.");
        admin.MapPost("/streaming/clients/{clientId}/expire", (EmulatorState s, string clientId) =>
                s.Streaming.Expire(clientId) ? Results.NoContent() : Problem($"No streaming client '{clientId}'; GET /_emulator/streaming/clients lists them.", 404))
            .WithSummary("Fault: forgets the client, so its next message is told 403::Unknown client and to handshake again.");
        admin.MapGet("/orgs/{org}/approvals", Approvals).WithSummary("A user's live approvals (refresh tokens) of a connected app.");
        admin.MapPost("/clock/advance", (EmulatorState s, ClockAdvanceRequest r) =>
        {
            if (r.Seconds < 0) return Problem("seconds must be zero or more: the emulator's clock only moves forward.");
            s.Clock.Advance(TimeSpan.FromSeconds(r.Seconds));
            return Results.Ok(new { now = s.Clock.GetUtcNow(), offsetSeconds = s.Clock.Offset.TotalSeconds });
        }).WithSummary("Moves the emulator's clock forward.");
        admin.MapGet("/tls-certificate", (EmulatorState s) => s.TlsCertificate is { } c
                ? Results.Text(c.ExportCertificatePem(), "application/x-pem-file")
                : Problem("The emulator has no https port: start it with --https-port (or EmulatorOptions.HttpsPort).", 404))
            .WithSummary("The https port's certificate (Lightning hosts, Pub/Sub API) as PEM, for a client to trust.");
        admin.MapPost("/orgs/{org}/omni-channel/activity", OmniChannelActivityAsync)
            .WithSummary("Writes realistic Omni-Channel history into the org: agents' presence, work routed, accepted, declined, transferred and abandoned.");
        admin.MapPost("/orgs/{org}/connected-apps", AddApp).WithSummary("Adds a connected app (seed-file shape).");
        admin.MapPatch("/users/{username}", ChangeUser).WithSummary("Activates or deactivates a user, or sets a password.");
    }

    private static IResult Problem(string detail, int status = 400) =>
        Results.Problem(detail: detail, statusCode: status, title: status == 404 ? "Not found" : "Invalid request");

    private static IResult Info(HttpContext context, EmulatorState state)
    {
        var origin = EmulatorHost.Origin(context);
        return Results.Ok(new
        {
            productionLoginUrl = origin + "/login",
            sandboxLoginUrl = origin + "/test",
            orgs = state.Orgs.Select(o => new
            {
                key = o.Key, id = o.Id, name = o.Name, sandbox = o.IsSandbox, instanceUrl = EmulatorHost.InstanceUrl(context, o),
                loginUrl = origin + (o.IsSandbox ? "/test" : "/login"),
            }),
            connectedApps = state.Apps.Select(a => new { name = a.Name, clientId = a.ClientId, org = a.OwnerOrgKey, callbackUrls = a.CallbackUrls, a.RequirePkce, a.RequireSecret }),
        });
    }

    private static IResult ApiUsage(EmulatorState state, string org)
    {
        var o = state.FindOrg(org);
        if (o is null) return Problem($"No org '{org}'.", 404);
        var (used, max) = o.Api.Snapshot(state.Clock.GetUtcNow());
        return Results.Ok(new { used, max, remaining = Math.Max(0, max - used) });
    }

    private static IResult SetApiUsage(EmulatorState state, string org, ApiUsageRequest request)
    {
        var o = state.FindOrg(org);
        if (o is null) return Problem($"No org '{org}'.", 404);
        if (request.Max is { } max)
        {
            if (max < 0) return Problem("max must be zero or more.");
            o.Api.Max = max;
        }
        if (request.Used is { } used)
        {
            if (used < 0) return Problem("used must be zero or more.");
            o.Api.Snapshot(state.Clock.GetUtcNow());
            o.Api.Set(used);
        }
        return ApiUsage(state, org);
    }

    private static IResult AddFault(EmulatorState state, FaultRequest request)
    {
        FaultKind kind;
        switch (request.Kind.ToLowerInvariant())
        {
            case "latency": kind = FaultKind.Latency; break;
            case "status": kind = FaultKind.Status; break;
            case "hang": kind = FaultKind.Hang; break;
            case "request_limit_exceeded": kind = FaultKind.RequestLimitExceeded; break;
            case "drop_response": kind = FaultKind.DropResponse; break;
            case "malformed_event": kind = FaultKind.MalformedEvent; break;
            default: return Problem($"Unknown fault kind '{request.Kind}'. Use latency, status, hang, request_limit_exceeded, drop_response or malformed_event.");
        }
        if (kind == FaultKind.Status && request.Status is not (500 or 502 or 503 or 504))
            return Problem("A status fault needs status 500, 502, 503 or 504.");
        if (request.Count is <= 0) return Problem("count must be at least 1 (leave it out for a fault that lasts until cleared).");
        if (request.Probability is < 0 or > 1) return Problem("probability must be between 0 and 1.");
        var rule = new FaultRule
        {
            Kind = kind, Status = request.Status ?? 503, Latency = TimeSpan.FromMilliseconds(request.LatencyMs ?? 0),
            Jitter = TimeSpan.FromMilliseconds(request.JitterMs ?? 0), PathContains = request.PathContains, QueryContains = request.QueryContains, Remaining = request.Count,
            Probability = request.Probability ?? 1,
        };
        state.Faults.Add(rule);
        return Results.Created("/_emulator/faults", rule);
    }

    private static IResult Revoke(EmulatorState state, RevokeRequest request)
    {
        if (request.Token is not null) return Results.Ok(new { revoked = state.OAuth.Revoke(request.Token) ? 1 : 0 });
        if (request.Username is null) return Problem("Give a token, or a username (and optionally a clientId).");
        var user = state.FindUser(request.Username);
        if (user is null) return Problem($"No user '{request.Username}'.", 404);
        return Results.Ok(new { revoked = state.OAuth.RevokeRefreshTokens(user.Value.User.Id, request.ClientId) });
    }

    private static IResult Approvals(EmulatorState state, string org, string username, string clientId)
    {
        var user = state.FindUser(username);
        if (user is null || user.Value.Org.Key != org) return Problem($"No user '{username}' in org '{org}'.", 404);
        return Results.Ok(state.OAuth.Approvals(user.Value.User.Id, clientId).Select(a => new { createdAt = a.CreatedAt, lastUsedAt = a.LastUsedAt }));
    }

    private static IResult OmniChannelActivityAsync(EmulatorState state, string org, OmniChannel.OmniChannelActivityRequest? request)
    {
        if (state.FindOrg(org) is not { } o) return Problem($"No org '{org}'.", 404);
        request ??= new();
        if (OmniChannel.OmniChannelActivity.Check(request, state.Clock.GetUtcNow()) is { Count: > 0 } problems) return Problem(string.Join(" ", problems));
        return Results.Ok(OmniChannel.OmniChannelActivity.Generate(o, state.Clock, request));
    }

    private static IResult AddApp(EmulatorState state, string org, SeedConnectedApp app)
    {
        if (state.FindOrg(org) is null) return Problem($"No org '{org}'.", 404);
        if (string.IsNullOrWhiteSpace(app.ClientId) || string.IsNullOrEmpty(app.Name)) return Problem("name and clientId are required.");
        if (app.CallbackUrls.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out _))) return Problem("Every callback URL must be an absolute URL.");
        state.AddApp(new ConnectedApp
        {
            Name = app.Name, ClientId = app.ClientId, ClientSecret = app.ClientSecret, OwnerOrgKey = org, CallbackUrls = app.CallbackUrls,
            RequireSecret = app.RequireSecret, RequireSecretForRefresh = app.RequireSecretForRefresh, RequirePkce = app.RequirePkce,
            Scopes = app.Scopes ?? ["api", "refresh_token", "openid", "id", "web"], ClientCredentialsUser = app.ClientCredentialsUser,
            RefreshTokenIdleTimeout = app.RefreshTokenIdleTimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null, JwtPublicKeyPem = app.JwtPublicKeyPem,
        });
        return Results.Created($"/_emulator/orgs/{org}/connected-apps/{app.ClientId}", new { app.ClientId });
    }

    private static IResult ChangeUser(EmulatorState state, string username, UserChangeRequest request)
    {
        var found = state.FindUser(username);
        if (found is null) return Problem($"No user '{username}'.", 404);
        var (org, user) = found.Value;
        lock (org.Sync)
        {
            if (request.Active is { } active)
                new RecordWriter(org, state.Clock).Update(user.Id, user, new JsonObject { ["IsActive"] = active }, system: true);
            if (request.Password is { Length: > 0 } password)
            {
                if (!org.Credentials.TryGetValue(user.Id, out var credential)) org.Credentials[user.Id] = credential = new UserCredential { UserId = user.Id };
                EmulatorState.SetPassword(credential, password);
            }
        }
        return Results.NoContent();
    }
}
