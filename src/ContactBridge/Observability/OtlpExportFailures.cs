using System.Diagnostics.Tracing;

namespace ContactBridge.Observability;

/// <summary>
/// OpenTelemetry's OTLP exporter reports a collector it cannot reach only on its own event source.
/// This listener says it in the hub's log, once a minute at most, so an operator learns that telemetry
/// is being dropped; logging interactions goes on regardless.
/// </summary>
public sealed class OtlpExportFailures(ILogger<OtlpExportFailures> logger, TimeProvider clock) : EventListener
{
    private long _lastLoggedAt = long.MinValue;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name.StartsWith("OpenTelemetry-Exporter-OpenTelemetryProtocol", StringComparison.Ordinal))
            EnableEvents(eventSource, EventLevel.Warning);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.Level > EventLevel.Warning) return;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _lastLoggedAt);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _lastLoggedAt, now, last) != last) return;
        var detail = eventData.Payload is { Count: > 0 } ? string.Join("; ", eventData.Payload.Select(p => p?.ToString())) : eventData.Message;
        logger.LogWarning("Telemetry could not be exported by OTLP ({Event}: {Detail}). The hub goes on logging interactions; check OTEL_EXPORTER_OTLP_ENDPOINT and the collector.",
            eventData.EventName, detail);
    }
}
