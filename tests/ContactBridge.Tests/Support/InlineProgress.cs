namespace ContactBridge.Tests.Support;

/// <summary>Progress reported on the caller's thread, so the test sees every report before the call returns.</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
