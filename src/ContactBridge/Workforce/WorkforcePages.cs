using System.Globalization;
using ContactBridge.Web;

namespace ContactBridge.Workforce;

/// <summary>The portal's workforce page: the integrations, a form for each kind, and the last day's service level and contacts as a chart.</summary>
public static class WorkforcePages
{
    public static void MapWorkforcePage(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/tenants/{tenantId}/workforce").RequireAuthorization().ExcludeFromDescription().RequireAntiforgery();
        portal.MapGet("", (HttpContext c, string tenantId) => PageAsync(c, tenantId, new PageState()));
        portal.MapPost("/historical", SaveHistoricalAsync);
        portal.MapPost("/realtime", SaveRealTimeAsync);
    }

    /// <summary>What the page shows after a post: a message, the form as typed, and each refused setting's reason.</summary>
    private sealed record PageState(string? Ok = null, string? Error = null, string? Kind = null, IReadOnlyDictionary<string, string>? Form = null,
        IReadOnlyDictionary<string, string>? Errors = null, string? WebhookSecret = null);

    private static async Task<IResult> PageAsync(HttpContext c, string tenantId, PageState state)
    {
        var tenant = await TenantAccess.TenantAsync(c, tenantId);
        if (tenant is null) return TenantAccess.NotFoundPage();
        var ct = c.RequestAborted;
        var sp = c.RequestServices;
        var integrations = await sp.GetRequiredService<WorkforceSettingsStore>().ListAsync(tenantId, ct);
        var chartOf = integrations.FirstOrDefault(i => i.Kind == WorkforceKinds.Historical && i.IsEnabled);
        IReadOnlyList<QueueInterval> chart = [];
        if (chartOf?.ComputedThrough is { } through)
        {
            var to = DateTimeOffset.FromUnixTimeMilliseconds(through);
            chart = (await sp.GetRequiredService<WorkforceFeed>().QueueRowsAsync(tenantId, chartOf.GroupName, to.AddDays(-1), to, null, ct))
                .GroupBy(r => r.IntervalStart).Select(g => Sum(g.Select(r => r.Interval()))).ToList();
        }
        return PortalPage.Render<WorkforcePage>(new
        {
            Tenant = tenant, Integrations = integrations.Select(WorkforceIntegrationView.Of).ToList(),
            Activities = await sp.GetRequiredService<WorkforceIntegrations>().KnownActivitiesAsync(tenantId, ct),
            ChartGroup = chartOf?.GroupName, ChartZone = chartOf?.Historical().Clock(), Chart = chart,
            state.Ok, state.Error, state.Kind, Form = state.Form ?? new Dictionary<string, string>(), Errors = state.Errors ?? new Dictionary<string, string>(),
            state.WebhookSecret,
            Deliveries = integrations.FirstOrDefault(i => i.Kind == WorkforceKinds.RealTime) is { } rt
                ? await sp.GetRequiredService<WorkforceDeliverySender>().RecentAsync(tenantId, rt.GroupName, 10, ct) : [],
        }, state.Error is null ? 200 : 400);
    }

    /// <summary>All queues of one interval together, for the chart.</summary>
    private static QueueInterval Sum(IEnumerable<QueueInterval> rows)
    {
        var list = rows.ToList();
        return new QueueInterval(list[0].Start, "", "")
        {
            Offered = list.Sum(r => r.Offered), Answered = list.Sum(r => r.Answered), AnsweredInThreshold = list.Sum(r => r.AnsweredInThreshold),
            Abandoned = list.Sum(r => r.Abandoned), ShortAbandoned = list.Sum(r => r.ShortAbandoned),
        };
    }

    private static Dictionary<string, string> FormOf(IFormCollection form) => form.Keys.Where(k => !k.StartsWith("__", StringComparison.Ordinal))
        .ToDictionary(k => k, k => form[k].ToString(), StringComparer.Ordinal);

    private static int? Number(IFormCollection form, string name, int fallback, List<SettingProblem> problems)
    {
        var text = form[name].ToString().Trim();
        if (text.Length == 0) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return n;
        problems.Add(new(name, $"\"{text}\" is not a whole number of {(name == "intervalMinutes" ? "minutes" : "seconds")}."));
        return null;
    }

    private static async Task<IResult> SaveHistoricalAsync(HttpContext c, string tenantId, IFormCollection form, WorkforceIntegrations integrations)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        var problems = new List<SettingProblem>();
        var defaults = new HistoricalSettings();
        var sl = Number(form, "serviceLevelSeconds", defaults.ServiceLevelSeconds, problems);
        var shortAbandon = Number(form, "shortAbandonSeconds", defaults.ShortAbandonSeconds, problems);
        var length = Number(form, "intervalMinutes", defaults.IntervalMinutes, problems);
        var group = Group(form);
        if (problems.Count == 0)
        {
            var settings = new HistoricalSettings
            {
                Enabled = form["enabled"] == "true", Source = Text(form, "source") ?? defaults.Source, ClientId = Text(form, "clientId"),
                TokenUrl = Text(form, "tokenUrl") ?? defaults.TokenUrl, ApiVersion = Text(form, "apiVersion"),
                AdminActivities = form["adminActivities"].ToString(), IdleActivities = form["idleActivities"].ToString(),
                NotReadyActivities = form["notReadyActivities"].ToString(), ReadyActivities = form["readyActivities"].ToString(),
                ServiceLevelSeconds = sl!.Value, ShortAbandonSeconds = shortAbandon!.Value, IntervalMinutes = length!.Value, TimeZone = Text(form, "timeZone") ?? defaults.TimeZone,
            };
            var outcome = await integrations.SaveHistoricalAsync(tenantId, group, settings, Text(form, "clientSecret"), c.RequestAborted);
            if (outcome.Saved is not null)
                return await PageAsync(c, tenantId, new PageState(Ok: $"Historical integration \"{group}\" saved ({(settings.Enabled ? "on" : "off")})."));
            problems.AddRange(outcome.Problems);
        }
        return await Refused(c, tenantId, WorkforceKinds.Historical, form, problems);
    }

    private static async Task<IResult> SaveRealTimeAsync(HttpContext c, string tenantId, IFormCollection form, WorkforceIntegrations integrations)
    {
        if (await TenantAccess.TenantAsync(c, tenantId) is null) return TenantAccess.NotFoundPage();
        var group = Group(form);
        var settings = new RealTimeSettings
        {
            Enabled = form["enabled"] == "true", Source = Text(form, "source") ?? WorkforceSources.ContactCenter, ClientId = Text(form, "clientId"),
            TokenUrl = Text(form, "tokenUrl") ?? WorkforceSettingsRules.DefaultTokenUrl, ApiVersion = Text(form, "apiVersion"), PlatformEvent = Text(form, "platformEvent"), WebhookUrl = Text(form, "webhookUrl"),
            NewWebhookSecret = form["newWebhookSecret"] == "true" ? true : null,
        };
        var outcome = await integrations.SaveRealTimeAsync(tenantId, group, settings, Text(form, "clientSecret"), c.RequestAborted);
        if (outcome.Saved is not null)
        {
            if (outcome.Saved.WebhookSecret is not null) c.Response.Headers.CacheControl = "no-store";
            return await PageAsync(c, tenantId, new PageState(Ok: $"Real-time integration \"{group}\" saved ({(settings.Enabled ? "on" : "off")}).",
                WebhookSecret: outcome.Saved.WebhookSecret));
        }
        return await Refused(c, tenantId, WorkforceKinds.RealTime, form, outcome.Problems);
    }

    private static Task<IResult> Refused(HttpContext c, string tenantId, string kind, IFormCollection form, IReadOnlyList<SettingProblem> problems) =>
        PageAsync(c, tenantId, new PageState(Error: $"Nothing was saved: {problems.Count} setting{(problems.Count == 1 ? " needs" : "s need")} correcting (below).", Kind: kind,
            Form: FormOf(form), Errors: problems.GroupBy(p => p.Setting).ToDictionary(g => $"{kind}-{g.Key}", g => string.Join(" ", g.Select(p => p.Message)))));

    private static string Group(IFormCollection form) => Text(form, "group") ?? WorkforceSettingsRules.DefaultGroup;

    private static string? Text(IFormCollection form, string name) => form[name].ToString().Trim() is { Length: > 0 } s ? s : null;
}
