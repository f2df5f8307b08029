namespace ContactBridge.Emulator.Org;

/// <summary>
/// The emulator's time: another clock plus an offset that tests and the admin API can move
/// forward, so that token expiry and idle limits can be reached without waiting.
/// </summary>
public sealed class EmulatorClock : TimeProvider
{
    private readonly TimeProvider _inner;
    private long _offsetTicks;

    public EmulatorClock(TimeProvider? inner = null) => _inner = inner ?? System;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow() + Offset;
}
