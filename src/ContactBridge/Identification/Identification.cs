namespace ContactBridge.Identification;

public sealed record CallerMatch(string Object, string Id, string? Name);

/// <summary>Who is calling: none, one, or several records, and where the agent's screen should go.</summary>
public sealed record IdentificationResult(string Outcome, IReadOnlyList<CallerMatch> Matches, string? ScreenPop, string? MatchedBy, DateTimeOffset At, string? Reason = null)
{
    public const string None = "none";
    /// <summary>The lookup failed for this caller however often it was tried: logged without a person, with the reason.</summary>
    public const string Unidentified = "unidentified";
    public const string One = "one";
    public const string Several = "several";

    public CallerMatch? Single => Outcome == One ? Matches[0] : null;

    /// <summary>Lightning record page for one match; the search results page for several.</summary>
    public static string? ScreenPopFor(string instanceUrl, IReadOnlyList<CallerMatch> matches, string searchTerm) => matches.Count switch
    {
        0 => null,
        1 => $"{instanceUrl.TrimEnd('/')}/lightning/r/{matches[0].Object}/{matches[0].Id}/view",
        _ => $"{instanceUrl.TrimEnd('/')}/_ui/search/ui/UnifiedSearchResults?str={Uri.EscapeDataString(searchTerm)}",
    };
}

/// <summary>Which records identify a caller, in which order, and what to do when several match.</summary>
public sealed record IdentificationRules
{
    public string DefaultCountry { get; init; } = "US";

    /// <summary>Objects searched in order; the first with any match wins.</summary>
    public List<ObjectRule> Objects { get; init; } =
    [
        new("Contact", ["Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone"], ["Email"]),
        new("Lead", ["Phone", "MobilePhone"], ["Email"]),
        // Person Account fields are used where the org has them (the describe says so), ignored elsewhere.
        new("Account", ["Phone", "PersonMobilePhone", "PersonHomePhone", "PersonOtherPhone"], ["PersonEmail"]),
    ];

    /// <summary>"screen_pop_search" (several matches: show a search page) or "most_recent" (pick the record modified last).</summary>
    public string WhenSeveral { get; init; } = "screen_pop_search";

    /// <summary>IVR inputs that identify a caller, tried before phone and e-mail (an account number keyed in, say).</summary>
    public List<IvrRule> IvrRules { get; init; } = [];
}

public sealed record ObjectRule(string Object, List<string> PhoneFields, List<string> EmailFields);

public sealed partial record IvrRule(string IvrKey, string Object, string Field)
{
    /// <summary>An IVR key as contact centers send them: letters, digits, _ . or -, at most 64, no spaces.</summary>
    public static bool IsKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex KeyPattern();
}
