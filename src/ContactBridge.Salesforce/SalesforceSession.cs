namespace ContactBridge.Salesforce;

/// <summary>
/// The access token for one org connection, refreshed on demand. When several requests hit a 401
/// at once, one refresh runs and the others wait for its token (refreshes are coalesced).
/// </summary>
public sealed class SalesforceSession(Uri instanceUrl, string apiVersion, string accessToken, Func<CancellationToken, Task<string>> refresh)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private string _accessToken = accessToken;
    private int _refreshCount;

    public Uri InstanceUrl { get; private set; } = instanceUrl;
    public string ApiVersion { get; } = apiVersion;
    public string AccessToken => Volatile.Read(ref _accessToken);
    public int RefreshCount => Volatile.Read(ref _refreshCount);
    public ApiUsage? LastApiUsage { get; set; }

    private long _lastAnsweredAt = long.MinValue;

    /// <summary>When the org last answered a request with anything but a server error (it is up), as UTC ticks.</summary>
    public DateTimeOffset? LastAnsweredAt
    {
        get => Interlocked.Read(ref _lastAnsweredAt) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);
        set => Interlocked.Exchange(ref _lastAnsweredAt, value?.UtcTicks ?? long.MinValue);
    }

    /// <summary>Whose session this is (the hub's tenant id), for the telemetry of its calls.</summary>
    public string? Tenant { get; init; }

    /// <summary>Told of every request sent with this session: its kind and outcome (ok, or Salesforce's error code).</summary>
    public Action<string, string>? CallObserved { get; init; }

    /// <summary>Gets a new token unless another caller already replaced the one that failed.</summary>
    public async Task<string> RefreshAsync(string failedToken, CancellationToken ct)
    {
        await _refreshing.WaitAsync(ct);
        try
        {
            if (!string.Equals(AccessToken, failedToken, StringComparison.Ordinal)) return AccessToken;
            var fresh = await refresh(ct);
            Volatile.Write(ref _accessToken, fresh);
            Interlocked.Increment(ref _refreshCount);
            return fresh;
        }
        finally
        {
            _refreshing.Release();
        }
    }
}
