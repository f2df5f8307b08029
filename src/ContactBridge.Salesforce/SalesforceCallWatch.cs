namespace ContactBridge.Salesforce;

/// <summary>One request to Salesforce as it was made: its path (without the query string), kind, outcome (ok, or Salesforce's error code), HTTP status, and time.</summary>
public sealed record SalesforceCall(DateTimeOffset At, string Method, string Path, string Kind, string Outcome, int? Status, TimeSpan Took);

/// <summary>
/// Collects the requests made in one async flow (and the flows it starts), so a caller can say which
/// interactions they were made for. Watches nest: an inner one takes the requests made while it is open.
/// </summary>
public sealed class SalesforceCallWatch : IDisposable
{
    private static readonly AsyncLocal<SalesforceCallWatch?> Current = new();

    private readonly SalesforceCallWatch? _outer;
    private readonly List<SalesforceCall> _calls = [];

    private SalesforceCallWatch(SalesforceCallWatch? outer) => _outer = outer;

    public static SalesforceCallWatch Start()
    {
        var watch = new SalesforceCallWatch(Current.Value);
        Current.Value = watch;
        return watch;
    }

    /// <summary>The requests seen so far, in the order they were answered.</summary>
    public IReadOnlyList<SalesforceCall> Calls
    {
        get
        {
            lock (_calls) return _calls.ToList();
        }
    }

    internal static void Saw(SalesforceCall call)
    {
        if (Current.Value is { } watch)
            lock (watch._calls) watch._calls.Add(call);
    }

    public void Dispose()
    {
        if (Current.Value == this) Current.Value = _outer;
    }
}
