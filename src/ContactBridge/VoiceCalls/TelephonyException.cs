namespace ContactBridge.VoiceCalls;

/// <summary>A request to the Telephony Integration REST API that did not succeed: whether trying again may help, and why.</summary>
public sealed class TelephonyException(string message, bool transient, int? status = null) : Exception(message)
{
    public bool Transient { get; } = transient;
    public int? Status { get; } = status;
}
