using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ContactBridge.Emulator.Events;

/// <summary>
/// Events that go out a moment after the write that caused them, in the order they were made: PushTopic events, which
/// Salesforce evaluates asynchronously after the transaction commits (a client that subscribes and then writes at once
/// still sees its own change). An event whose transaction rolls back within the moment is never sent.
/// </summary>
public sealed class DeferredEvents(object sync, EventBus bus)
{
    /// <summary>How long after the write the event is published.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);

    private readonly Channel<(long Due, string Channel, JsonObject Payload, CancellationToken Cancelled)> _queue =
        Channel.CreateUnbounded<(long, string, JsonObject, CancellationToken)>(new UnboundedChannelOptions { SingleReader = true });
    private int _started;

    public void Enqueue(string channel, JsonObject payload, CancellationToken cancelled)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) _ = Task.Run(PumpAsync, CancellationToken.None);
        _queue.Writer.TryWrite((Stopwatch.GetTimestamp() + (long)(Delay.TotalSeconds * Stopwatch.Frequency), channel, payload, cancelled));
    }

    private async Task PumpAsync()
    {
        await foreach (var (due, channel, payload, cancelled) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)).ConfigureAwait(false);
            if (cancelled.IsCancellationRequested) continue;
            lock (sync) bus.Append(channel, payload);
        }
    }
}
