namespace ContactBridge.ContactCenterEmulator.Control;

/// <summary>Scripted misbehaviour, for testing how the hub copes: refused, slow, lost or failed command answers, bad answer signatures, paused event delivery.</summary>
public sealed class Faults
{
    private readonly Lock _gate = new();
    private FaultSettings _settings = new();

    /// <summary>Called when event delivery is switched back on, so that waiting workers resume.</summary>
    public event Action? Changed;

    public FaultSettings Current
    {
        get { lock (_gate) return _settings.Copy(); }
    }

    public bool EventDeliveryPaused
    {
        get { lock (_gate) return _settings.EventDelivery == "paused"; }
    }

    public void Set(FaultSettings settings)
    {
        lock (_gate) _settings = settings.Copy();
        Changed?.Invoke();
    }

    public void Clear() => Set(new FaultSettings());

    /// <summary>Whether this command must be answered 503 without being executed (counts one down).</summary>
    public bool TakeFailCommand() => Take(s => s.FailCommands, (s, n) => s.FailCommands = n);

    /// <summary>Whether this answer must be lost: the connection is aborted instead (counts one down).</summary>
    public bool TakeDropAnswer() => Take(s => s.DropAnswers, (s, n) => s.DropAnswers = n);

    private bool Take(Func<FaultSettings, int> get, Action<FaultSettings, int> set)
    {
        lock (_gate)
        {
            var n = get(_settings);
            if (n <= 0) return false;
            set(_settings, n - 1);
            return true;
        }
    }
}

public sealed class FaultSettings
{
    public RefuseFault? RefuseCommands { get; set; }
    public int LatencyMs { get; set; }
    public int DropAnswers { get; set; }
    public int FailCommands { get; set; }
    /// <summary>valid, missing or wrong.</summary>
    public string AnswerSignature { get; set; } = "valid";
    /// <summary>on or paused.</summary>
    public string EventDelivery { get; set; } = "on";

    public FaultSettings Copy() => (FaultSettings)MemberwiseClone();

    public List<string> Problems()
    {
        var problems = new List<string>();
        if (RefuseCommands is not null && string.IsNullOrWhiteSpace(RefuseCommands.Reason)) problems.Add("refuseCommands.reason is required (a lower-case identifier such as not_logged_in), or refuseCommands must be null.");
        if (LatencyMs is < 0 or > 120_000) problems.Add("latencyMs must be from 0 to 120000.");
        if (DropAnswers < 0) problems.Add("dropAnswers must be 0 or more.");
        if (FailCommands < 0) problems.Add("failCommands must be 0 or more.");
        if (AnswerSignature is not ("valid" or "missing" or "wrong")) problems.Add("answerSignature must be valid, missing or wrong.");
        if (EventDelivery is not ("on" or "paused")) problems.Add("eventDelivery must be on or paused.");
        return problems;
    }
}

public sealed record RefuseFault(string? Reason, string? Message);
