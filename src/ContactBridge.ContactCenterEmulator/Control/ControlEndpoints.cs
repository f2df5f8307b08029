using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Contacts;
using ContactBridge.ContactCenterEmulator.Events;
using ContactBridge.ContactCenterEmulator.Load;
using ContactBridge.ContactCenterEmulator.Routing;
using ContactBridge.ContactCenterEmulator.Tenants;

namespace ContactBridge.ContactCenterEmulator.Control;

/// <summary>The control API (<c>/_emulator</c>): tenants, customers arriving and hanging up, legs, messages, load, faults, and the event log.</summary>
public static class ControlEndpoints
{
    public const int MaxFlushSeconds = 300;

    public static IEndpointRouteBuilder MapControl(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/_emulator").WithTags("Control");
        control.MapGet("/", Summary).WithSummary("What the emulator holds: tenants, faults, endpoints.");

        control.MapPut("/tenants/{tenantId}", PutTenantAsync).WithSummary("Creates or replaces a tenant (its state starts afresh).");
        control.MapGet("/tenants/{tenantId}", (string tenantId, ContactCenter center) =>
            WithTenant(center, tenantId, t => Results.Json(t.State()))).WithSummary("A tenant's full state: agents, queues, contacts, commitments, address books, commands, delivery.");
        control.MapDelete("/tenants/{tenantId}", (string tenantId, ContactCenter center) =>
            center.RemoveTenant(tenantId) ? Results.NoContent() : NoTenant(tenantId)).WithSummary("Removes a tenant.");

        control.MapGet("/tenants/{tenantId}/events", Events).WithSummary("The event log (last 5,000) after a sequence number, with each event's delivery status.");
        control.MapPost("/tenants/{tenantId}/events/flush", FlushAsync).WithSummary("Waits until nothing is pending: 200 {delivered}, or 504 when something still is at the timeout.");
        control.MapPost("/tenants/{tenantId}/tick", (string tenantId, ContactCenter center) =>
            WithTenant(center, tenantId, t =>
            {
                t.Tick();
                return Results.Json(new JsonObject { ["now"] = Tenant.Rfc3339(center.Clock.GetUtcNow()) });
            })).WithSummary("Runs one pass of the tenant's time-driven work now.");

        control.MapPost("/tenants/{tenantId}/contacts", AddContactAsync).WithSummary("A customer arrives now; routed at once if an agent is free.");
        control.MapPost("/tenants/{tenantId}/contacts/{contactId}/hangup", (string tenantId, string contactId, ContactCenter center) =>
            WithTenant(center, tenantId, t => t.CustomerHangup(contactId) switch
            {
                (false, var problem) => JsonBody.Problem(404, problem!),
                (true, null) => Results.NoContent(),
                (true, var problem) => JsonBody.Problem(409, problem!),
            })).WithSummary("The customer hangs up: abandoned before an agent answered, answered after.");

        control.MapPost("/tenants/{tenantId}/agents/{agentId}/drop-leg", (string tenantId, string agentId, ContactCenter center) =>
            WithTenant(center, tenantId, t => LegResult(t, agentId, t.DropLeg(agentId)))).WithSummary("The agent's phone leg drops.");
        control.MapPost("/tenants/{tenantId}/agents/{agentId}/restore-leg", (string tenantId, string agentId, ContactCenter center) =>
            WithTenant(center, tenantId, t => LegResult(t, agentId, t.RestoreLeg(agentId)))).WithSummary("The agent's phone leg is back.");
        control.MapPost("/tenants/{tenantId}/agents/{agentId}/messages", SendMessageAsync).WithSummary("A supervisor's message to the agent.");

        control.MapPut("/tenants/{tenantId}/address-books/{bookId}", PutAddressBookAsync).WithSummary("Creates or replaces an address book; the hub is told.");
        control.MapPut("/tenants/{tenantId}/patience", PutPatienceAsync).WithSummary("How long callers wait before they give up (infinite, fixed, exponential).");
        control.MapPut("/tenants/{tenantId}/load", PutLoadAsync).WithSummary("Starts (or changes) generated traffic: Poisson arrivals at callsPerSecond.");
        control.MapDelete("/tenants/{tenantId}/load", (string tenantId, ContactCenter center) =>
            WithTenant(center, tenantId, t =>
            {
                t.StopLoad();
                return Results.NoContent();
            })).WithSummary("Stops generated traffic.");

        control.MapGet("/faults", (ContactCenter center) => Results.Json(center.Faults.Current, JsonBody.Options)).WithSummary("The faults in force.");
        control.MapPut("/faults", PutFaultsAsync).WithSummary("Scripts faults: refused, slow, lost or failed command answers, bad answer signatures, paused event delivery.");
        control.MapDelete("/faults", (ContactCenter center) =>
        {
            center.Faults.Clear();
            return Results.NoContent();
        }).WithSummary("Clears every fault.");
        return app;
    }

    private static IResult Summary(ContactCenter center, HttpContext context) => Results.Json(new JsonObject
    {
        ["emulator"] = "ContactBridge contact-center emulator (not a real contact center)",
        ["protocol"] = "1",
        ["runId"] = center.RunId,
        ["now"] = Tenant.Rfc3339(center.Clock.GetUtcNow()),
        ["tenants"] = new JsonArray(center.Tenants.Select(t =>
        {
            var summary = t.Summary();
            summary["commandUrl"] = $"{context.Request.Scheme}://{context.Request.Host}/tenants/{Uri.EscapeDataString(t.Id)}/commands";
            return (JsonNode?)summary;
        }).ToArray()),
        ["faults"] = System.Text.Json.JsonSerializer.SerializeToNode(center.Faults.Current, JsonBody.Options),
        ["openApi"] = "/_emulator/openapi/contact-center.json",
    });

    private static async Task<IResult> PutTenantAsync(string tenantId, HttpRequest request, ContactCenter center)
    {
        var (seed, problem) = await JsonBody.ReadAsync<TenantSeed>(request);
        if (problem is not null) return problem;
        if (seed!.Id is not null && seed.Id != tenantId) return JsonBody.Invalid([$"id '{seed.Id}' in the body is not the tenant of the URL ('{tenantId}')."]);
        seed.Id = tenantId;
        var problems = center.PutTenant(seed);
        return problems.Count > 0 ? JsonBody.Invalid(problems) : Results.Json(center.Tenant(tenantId).State());
    }

    private static IResult Events(string tenantId, long? after, int? max, ContactCenter center) => WithTenant(center, tenantId, t =>
    {
        if (after is < 0) return JsonBody.Invalid(["after must be 0 or more (a seq from an earlier answer)."]);
        if (max is < 1 or > EventLog.Capacity) return JsonBody.Invalid([$"max must be from 1 to {EventLog.Capacity}."]);
        var events = t.Events.After(after ?? 0, max ?? EventLog.Capacity);
        return Results.Json(new JsonObject
        {
            ["events"] = new JsonArray(events.Select(e => (JsonNode?)new JsonObject
            {
                ["seq"] = e.Seq,
                ["status"] = e.Status,
                ["event"] = JsonNode.Parse(e.Json),
            }).ToArray()),
            ["last"] = events.Count == 0 ? after ?? 0 : events[^1].Seq,
        });
    });

    private static async Task<IResult> FlushAsync(string tenantId, double? timeoutSeconds, ContactCenter center, HttpContext context)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return NoTenant(tenantId);
        if (timeoutSeconds is < 0 or > MaxFlushSeconds) return JsonBody.Invalid([$"timeoutSeconds must be from 0 to {MaxFlushSeconds}."]);
        // The wait bounds a real network exchange with the hub, so it runs on the wall clock, not the emulated one.
        var drained = await tenant.Events.WaitDrainedAsync(TimeSpan.FromSeconds(timeoutSeconds ?? 10), context.RequestAborted);
        var counters = tenant.Events.Counters();
        if (drained) return Results.Json(new JsonObject { ["delivered"] = counters.Delivered, ["rejected"] = counters.Rejected });
        return Results.Problem(
            detail: $"{counters.Pending} events are still pending after {timeoutSeconds ?? 10} s{(counters.LastError is null ? "" : $"; last error: {counters.LastError}")}{(center.Faults.EventDeliveryPaused ? " (event delivery is paused by a fault)" : "")}.",
            statusCode: 504, title: "Timed out",
            extensions: new Dictionary<string, object?> { ["pending"] = counters.Pending, ["delivered"] = counters.Delivered, ["failedAttempts"] = counters.FailedAttempts, ["lastError"] = counters.LastError });
    }

    private static async Task<IResult> AddContactAsync(string tenantId, HttpRequest request, ContactCenter center)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return NoTenant(tenantId);
        var (contact, problem) = await JsonBody.ReadAsync<NewContact>(request);
        if (problem is not null) return problem;
        var (id, problems) = tenant.AddContact(contact!);
        return id is null ? JsonBody.Invalid(problems) : Results.Json(new JsonObject { ["id"] = id }, statusCode: 201);
    }

    private static async Task<IResult> SendMessageAsync(string tenantId, string agentId, HttpRequest request, ContactCenter center)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return NoTenant(tenantId);
        var (message, problem) = await JsonBody.ReadAsync<SupervisorMessage>(request);
        if (problem is not null) return problem;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(message!.From)) problems.Add("from is required: the supervisor's name.");
        if (string.IsNullOrWhiteSpace(message.Text)) problems.Add("text is required.");
        if (problems.Count > 0) return JsonBody.Invalid(problems);
        return tenant.SendMessage(agentId, message.From!, message.Text!) ? Results.NoContent() : JsonBody.Problem(404, $"No agent '{agentId}' in tenant '{tenantId}'.");
    }

    private static async Task<IResult> PutAddressBookAsync(string tenantId, string bookId, HttpRequest request, ContactCenter center)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return NoTenant(tenantId);
        var (book, problem) = await JsonBody.ReadAsync<AddressBookSeed>(request);
        if (problem is not null) return problem;
        var problems = tenant.PutAddressBook(bookId, book!);
        return problems.Count > 0 ? JsonBody.Invalid(problems) : Results.NoContent();
    }

    private static async Task<IResult> PutPatienceAsync(string tenantId, HttpRequest request, ContactCenter center)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return NoTenant(tenantId);
        var (patience, problem) = await JsonBody.ReadAsync<PatienceSetting>(request);
        if (problem is not null) return problem;
        var problems = new List<string>();
        patience!.Check("patience", problems);
        if (problems.Count > 0) return JsonBody.Invalid(problems);
        tenant.SetPatience(patience);
        return Results.NoContent();
    }

    private static async Task<IResult> PutLoadAsync(string tenantId, HttpRequest request, ContactCenter center)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return NoTenant(tenantId);
        var (profile, problem) = await JsonBody.ReadAsync<LoadProfile>(request);
        if (problem is not null) return problem;
        var problems = tenant.StartLoad(profile!);
        return problems.Count > 0 ? JsonBody.Invalid(problems) : Results.NoContent();
    }

    private static async Task<IResult> PutFaultsAsync(HttpRequest request, ContactCenter center)
    {
        var (faults, problem) = await JsonBody.ReadAsync<FaultSettings>(request);
        if (problem is not null) return problem;
        var problems = faults!.Problems();
        if (problems.Count > 0) return JsonBody.Invalid(problems);
        center.Faults.Set(faults);
        return Results.Json(center.Faults.Current, JsonBody.Options);
    }

    private static IResult LegResult(Tenant tenant, string agentId, string? problem) =>
        problem is null ? Results.NoContent() : JsonBody.Problem(tenant.HasAgent(agentId) ? 409 : 404, problem);

    private static IResult WithTenant(ContactCenter center, string tenantId, Func<Tenant, IResult> action) =>
        center.Find(tenantId) is { } tenant ? action(tenant) : NoTenant(tenantId);

    private static IResult NoTenant(string tenantId) => JsonBody.Problem(404, $"There is no tenant '{tenantId}'; PUT /_emulator/tenants/{tenantId} creates it.");
}

public sealed record SupervisorMessage(string? From, string? Text);
