using ContactBridge.ContactCenterEmulator.Control;
using ContactBridge.ContactCenterEmulator.Signing;
using ContactBridge.ContactCenterEmulator.Tenants;

namespace ContactBridge.ContactCenterEmulator.Commands;

/// <summary>The command endpoint the hub calls: checked in the protocol's order (tenant, signature, shape), executed once per key, answered signed.</summary>
public static class CommandEndpoints
{
    public const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapCommands(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tenants/{tenantId}/commands", HandleAsync)
            .WithName("PostCommand")
            .WithSummary("A command from the hub (contact-center protocol v1), signed with the tenant's command secret; answered 200 with a signed outcome.")
            .Produces(200, contentType: "application/json")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(503);
        return app;
    }

    private static async Task<IResult> HandleAsync(string tenantId, HttpContext context, ContactCenter center)
    {
        var tenant = center.Find(tenantId);
        if (tenant is null) return JsonBody.Problem(404, $"There is no tenant '{tenantId}' in this emulator.");
        var body = await ReadBodyAsync(context.Request);
        if (body is null) return JsonBody.Problem(400, $"The body is larger than {MaxBodyBytes} bytes.");
        var signatureProblem = Signature.Check(context.Request.Headers[Signature.Header], tenant.CommandSecret, body, center.Clock.GetUtcNow());
        if (signatureProblem is not null) return JsonBody.Problem(401, signatureProblem);
        var problems = new List<string>();
        var command = CommandRequest.Parse(body, tenantId, context.Request.Headers["Idempotency-Key"], problems);
        if (command is null) return JsonBody.Invalid(problems);

        var faults = center.Faults;
        if (faults.TakeFailCommand()) return JsonBody.Problem(503, "The emulator's failCommands fault: this command was not executed.");
        var settings = faults.Current;
        var answer = tenant.Answer(command, settings.RefuseCommands);
        if (settings.LatencyMs > 0) await Task.Delay(settings.LatencyMs, context.RequestAborted);
        if (faults.TakeDropAnswer())
        {
            // Executed, but the hub never hears back: it must send again with the same key.
            context.Abort();
            return Results.Empty;
        }
        switch (settings.AnswerSignature)
        {
            case "valid":
                context.Response.Headers[Signature.Header] = Signature.Sign(tenant.CommandSecret, answer, center.Clock.GetUtcNow());
                break;
            case "wrong":
                context.Response.Headers[Signature.Header] = Signature.Sign("not-" + tenant.CommandSecret, answer, center.Clock.GetUtcNow());
                break;
        }
        return Results.Bytes(answer, "application/json");
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
