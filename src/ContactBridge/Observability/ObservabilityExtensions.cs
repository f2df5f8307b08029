using System.Diagnostics;
using System.Net;
using ContactBridge.Salesforce;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ContactBridge.Observability;

/// <summary>
/// OpenTelemetry as its users expect it: metrics (the hub's, Salesforce calls, ASP.NET Core, HttpClient,
/// Npgsql, the runtime) at /metrics for Prometheus, traces of each interaction from its event request
/// to the Salesforce calls, OTLP export of all three signals when OTEL_EXPORTER_OTLP_ENDPOINT is set,
/// console logs as JSON lines when Logging:Console:FormatterName is "json", and /healthz/live and
/// /healthz/ready.
/// </summary>
public static class ObservabilityExtensions
{
    public static WebApplicationBuilder AddHubObservability(this WebApplicationBuilder builder, bool runBackgroundWorkers)
    {
        var services = builder.Services;
        services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ObservabilityOptions>, HubOptionsValidator>();
        services.AddSingleton<TelemetrySnapshot>();
        services.AddSingleton<HubMetrics>();
        if (runBackgroundWorkers) services.AddHostedService<TelemetrySampler>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

        // One line per entry by default; "json" (Logging:Console:FormatterName) for log collectors.
        builder.Logging.AddConsole();
        // Without a formatter name the console logger falls back to its legacy options and multi-line entries.
        services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        services.Configure<SimpleConsoleFormatterOptions>(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        services.Configure<JsonConsoleFormatterOptions>(o => { o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; });

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("contactbridge"))
            .WithMetrics(m => m
                .AddMeter(HubMetrics.Name, SalesforceTelemetry.MeterName, "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(t => t
                .AddSource(HubMetrics.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = c => !c.Request.Path.StartsWithSegments("/metrics") && !c.Request.Path.StartsWithSegments("/healthz"))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
            services.AddSingleton<OtlpExportFailures>();
        }
        return builder;
    }

    public static WebApplication MapHubObservability(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        if (options.PrometheusEndpoint)
        {
            // Loopback only unless allowed: what the hub is doing is nobody else's business by default.
            app.UseOpenTelemetryPrometheusScrapingEndpoint(c => c.Request.Path == "/metrics"
                && (options.PrometheusAllowRemote || c.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)));
        }
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).ExcludeFromDescription();
        if (app.Services.GetService<OtlpExportFailures>() is not null)
        {
            app.Logger.LogInformation("Exporting traces, metrics and logs by OTLP to {Endpoint}", app.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        }
        return app;
    }

    /// <summary>A span of a pipeline step for one interaction, in the trace its events came with (none: a trace of its own).</summary>
    public static Activity? StartStep(string name, string? traceParent, IEnumerable<ActivityLink>? links = null) =>
        HubMetrics.Activities.StartActivity(name, ActivityKind.Internal,
            traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent) ? parent : default, links: links);

    /// <summary>Links from a batch span (one Salesforce call for many interactions) to each interaction's trace.</summary>
    public static IEnumerable<ActivityLink> LinksTo(IEnumerable<string?> traceParents) =>
        traceParents.Where(t => t is not null).Select(t => ActivityContext.TryParse(t, null, out var c) ? new ActivityLink(c) : default)
            .Where(l => l.Context != default).Take(128).ToList();
}
