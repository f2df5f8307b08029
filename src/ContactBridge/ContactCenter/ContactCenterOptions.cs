namespace ContactBridge.ContactCenter;

/// <summary>How commands reach a tenant's contact center: one attempt's time limit, how many attempts, and what URLs are allowed.</summary>
public sealed class ContactCenterOptions
{
    public const string Section = "ContactCenter";

    /// <summary>One attempt's limit: an agent is waiting on the answer.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts per command (the same idempotency key each time): a lost answer or a restart of the contact center is retried, within bounds.</summary>
    public int CommandAttempts { get; set; } = 3;

    /// <summary>The wait before the second attempt; each further wait doubles it.</summary>
    public TimeSpan CommandRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Commands may go to a contact center on this machine or a private network (loopback, private and link-local addresses), and
    /// over plain http. Off by default: a tenant administrator could otherwise point the hub at services only it can reach.
    /// </summary>
    public bool AllowPrivateNetwork { get; set; }

    public IEnumerable<string> Problems()
    {
        if (CommandTimeout < TimeSpan.FromMilliseconds(100) || CommandTimeout > TimeSpan.FromMinutes(1)) yield return "ContactCenter:CommandTimeout must be between 00:00:00.1 and 00:01:00.";
        if (CommandAttempts is < 1 or > 10) yield return "ContactCenter:CommandAttempts must be between 1 and 10.";
        if (CommandRetryDelay < TimeSpan.Zero || CommandRetryDelay > TimeSpan.FromSeconds(30)) yield return "ContactCenter:CommandRetryDelay must be between 00:00:00 and 00:00:30.";
    }
}
