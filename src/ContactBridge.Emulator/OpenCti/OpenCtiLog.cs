using System.Text.Json.Nodes;

namespace ContactBridge.Emulator.OpenCti;

/// <summary>One thing a softphone did through Open CTI, or that happened to it: a method call with its answer and effects, a navigation, a click to dial.</summary>
public sealed record OpenCtiEntry(
    long Seq, DateTimeOffset At, string UserId, string Username, string? CallCenter, string Kind, string? Method,
    JsonNode? Args, bool? Success, JsonNode? Errors, JsonNode? Effects, JsonNode? Payload, bool? Delivered);

/// <summary>The org's record of Open CTI activity, newest last, for tests and people (GET /_emulator/orgs/{org}/open-cti). Thread-safe.</summary>
public sealed class OpenCtiLog
{
    private const int Limit = 5_000;
    private readonly object _sync = new();
    private readonly LinkedList<OpenCtiEntry> _entries = new();
    private long _seq;

    public OpenCtiEntry Add(Func<long, OpenCtiEntry> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        lock (_sync)
        {
            var entry = make(++_seq);
            _entries.AddLast(entry);
            while (_entries.Count > Limit) _entries.RemoveFirst();
            return entry;
        }
    }

    public IReadOnlyList<OpenCtiEntry> Entries(long after, string? username)
    {
        lock (_sync)
            return _entries.Where(e => e.Seq > after && (username is null || string.Equals(e.Username, username, StringComparison.OrdinalIgnoreCase))).ToList();
    }
}
