using ContactBridge.Intake;
using ContactBridge.Storage;
using ContactBridge.Web;

namespace ContactBridge.Incidents;

public sealed record IncidentView(DateTimeOffset From, DateTimeOffset To, double Seconds, string Kind, string Detail, long Affected, string? Instance);

public sealed record IncidentsAnswer(StorageOutageView? Storage, long AcceptedToday, long RepeatedToday, IReadOnlyList<IncidentView> Incidents);

public sealed record StorageOutageView(string Problem, DateTimeOffset Since, string LastError, long Refused);

public static class IncidentEndpoints
{
    public static void MapIncidents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/tenants/{tenantId}/incidents", ListAsync).RequireAuthorization().WithTags("Logging")
            .WithSummary("What happened: outages of the tenant's org and of the hub's database in the last days (default 30, at most 180), and today's intake with the events repeated by a replay.")
            .Produces<IncidentsAnswer>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(HttpContext c, string tenantId, IncidentLog incidents, InboxStore inbox, HubDatabase db, TimeProvider clock, int? days)
    {
        if (!await TenantAccess.AllowedAsync(c, tenantId)) return TenantAccess.TenantNotFound(tenantId);
        if (days is < 1 or > 180) return Results.Problem(statusCode: 400, title: "Bad days", detail: "days is a number of days from 1 to 180.");
        var now = clock.GetUtcNow();
        var list = await incidents.RecentAsync(tenantId, now.AddDays(-(days ?? 30)), 500, c.RequestAborted);
        var (accepted, repeated) = await inbox.IntakeOnAsync(tenantId, now, c.RequestAborted);
        var storage = db.Health.Current is { } o ? new StorageOutageView(o.Problem == StorageProblem.Full ? "full" : "unreachable", o.Since, o.LastError, o.Refused) : null;
        return Results.Ok(new IncidentsAnswer(storage, accepted, repeated, list.Select(i => new IncidentView(
            DateTimeOffset.FromUnixTimeMilliseconds(i.StartedAt), DateTimeOffset.FromUnixTimeMilliseconds(i.EndedAt), i.Duration.TotalSeconds, i.Kind, i.Detail, i.Affected, i.Instance)).ToList()));
    }
}
