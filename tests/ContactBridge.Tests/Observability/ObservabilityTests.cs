using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Linking;
using ContactBridge.Observability;
using ContactBridge.Security;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Observability;

public sealed class ObservabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_metrics_show_what_came_in_what_was_written_and_what_salesforce_cost_per_tenant()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-metrics"));
        (await sender.SendAsync("{not json")).Status.ShouldBe(HttpStatusCode.BadRequest);
        await hub.RunPipelineAsync();
        await hub.Services.GetRequiredService<TelemetrySnapshot>().SampleAsync(Ct);

        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        var text = await http.GetStringAsync("/metrics", Ct);
        string Line(string name, params string[] labels) =>
            text.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && labels.All(x => l.Contains(x, StringComparison.Ordinal)))
            ?? throw new ShouldAssertException($"No {name} with {string.Join(", ", labels)} in:\n{text[..Math.Min(text.Length, 4000)]}");
        var tenantLabel = $"contactbridge_tenant=\"{tenant.Id}\"";
        Line("contactbridge_events_accepted", tenantLabel).ShouldEndWith(" 3");
        Line("contactbridge_events_refused", "contactbridge_refusal=\"invalid\"");
        Line("contactbridge_interactions_identified", tenantLabel, "outcome=\"none\"");
        Line("contactbridge_interactions_written", tenantLabel).ShouldEndWith(" 1");
        Line("contactbridge_logging_duration_seconds_count", tenantLabel).ShouldEndWith(" 1");
        Line("contactbridge_screen_pop_duration_seconds_count", tenantLabel).ShouldEndWith(" 1");
        Line("salesforce_api_calls", tenantLabel, "salesforce_request_kind=\"composite.graph\"", "salesforce_outcome=\"ok\"").ShouldEndWith(" 1");
        Line("salesforce_api_daily_remaining", tenantLabel);
        Line("contactbridge_links", "contactbridge_link_status=\"linked\"");
        Line("http_server_request_duration_seconds_count");
    }

    [Fact]
    public async Task An_interaction_is_followed_from_its_event_request_through_every_pipeline_step_in_one_trace()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == HubMetrics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        var traceId = ActivityTraceId.CreateRandom();
        var body = new JsonArray(sender.Interaction("call-traced").Select(e => (JsonNode)e).ToArray()).ToJsonString();
        // The contact center sends its events inside a trace of its own (W3C traceparent on the request).
        HttpStatusCode status;
        using (new Activity("contact-center.report").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
            (status, _) = await sender.SendAsync(body);
        status.ShouldBe(HttpStatusCode.Accepted);
        await hub.RunPipelineAsync();

        List<Activity> mine;
        lock (spans) mine = spans.Where(s => s.TraceId == traceId).ToList();
        mine.Select(s => s.OperationName).ShouldBe(["interaction.fold", "interaction.identify", "interaction.plan", "interaction.written"], ignoreOrder: true);
        mine.ShouldAllBe(s => (string?)s.GetTagItem("contactbridge.interaction") == "call-traced");
        // The batch spans that hold the Salesforce calls are linked from the interaction's own.
        var written = mine.Single(s => s.OperationName == "interaction.written");
        List<Activity> batches;
        lock (spans) batches = spans.Where(s => s.OperationName == "send to Salesforce").ToList();
        batches.ShouldContain(b => written.Links.Any(l => l.Context.SpanId == b.SpanId));
    }

    [Fact]
    public async Task No_token_secret_or_password_appears_in_any_log_line_of_linking_and_logging()
    {
        await using var hub = await TestHub.StartAsync();
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-secret"));
        hub.Emulator.State.OAuth.ExpireAllAccessTokens();
        await sender.AcceptAsync(sender.Interaction("call-after-refresh", phone: "+1 415 555 0142"));
        await hub.RunPipelineAsync();
        hub.Records("Task").Count.ShouldBe(2);

        var link = (await hub.LinkAsync(tenant))!;
        var protector = hub.Services.GetRequiredService<SecretProtector>();
        var secrets = new[]
        {
            protector.UnprotectOrNull(link.AccessTokenEnc, SalesforceLinkService.Purpose("access_token", tenant.Id)),
            protector.UnprotectOrNull(link.RefreshTokenEnc, SalesforceLinkService.Purpose("refresh_token", tenant.Id)),
            WellKnown.ClientSecret, WellKnown.IntegrationPassword, TestHub.Password, sender.Secret,
        }.Where(s => !string.IsNullOrEmpty(s)).Cast<string>().ToList();
        secrets.Count.ShouldBe(6);
        var logs = hub.Logs.All;
        logs.Length.ShouldBeGreaterThan(0);
        foreach (var secret in secrets) logs.ShouldNotContain(secret);
    }

    [Fact]
    public async Task Health_says_live_and_ready_once_the_database_is_migrated()
    {
        await using var hub = await TestHub.StartAsync();
        using var http = new HttpClient { BaseAddress = hub.BaseUri };
        (await http.GetAsync("/healthz/live", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = await http.GetAsync("/healthz/ready", Ct);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ready.Content.ReadAsStringAsync(Ct)).ShouldBe("Healthy");
        var check = await new DatabaseHealthCheck(hub.Services.GetRequiredService<ContactBridge.Storage.HubDatabase>()).CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), Ct);
        check.Description!.ShouldContain("schema version");
    }

    [Fact]
    public async Task An_otlp_collector_that_is_down_never_stops_the_hub_from_logging()
    {
        await using var hub = await TestHub.StartAsync(settings: new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        var tenant = await hub.LinkedTenantAsync();
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-otlp"));
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldHaveSingleItem();
        hub.Logs.All.ShouldContain("Exporting traces, metrics and logs by OTLP to http://127.0.0.1:9");
    }
}
