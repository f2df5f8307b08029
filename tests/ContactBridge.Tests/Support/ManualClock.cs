namespace ContactBridge.Tests.Support;

/// <summary>A clock a test moves by hand (sign-in lockouts, OAuth attempt expiry).</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
