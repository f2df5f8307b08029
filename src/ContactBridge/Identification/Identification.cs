using ContactBridge.Interactions;

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

    /// <summary>
    /// Answer screen pops from a caller index: every number and address of the rules' fields held in the hub, loaded once by Bulk API and
    /// kept current by Change Data Capture (the rules' objects must be selected for it in Salesforce). No API call and no batch window per
    /// caller; until the index is ready, and for IVR rules, the search answers.
    /// </summary>
    public bool CallerIndex { get; init; }

    /// <summary>"screen_pop_search" (several matches: show a search page) or "most_recent" (pick the record modified last).</summary>
    public string WhenSeveral { get; init; } = "screen_pop_search";

    /// <summary>IVR inputs that identify a caller, tried before phone and e-mail (an account number keyed in, say).</summary>
    public List<IvrRule> IvrRules { get; init; } = [];

    /// <summary>
    /// A custom screen pop: a Salesforce path (/apex/…, /lightning/…) the console opens, or an https:// page the softphone opens in a
    /// new tab, with placeholders filled in from the contact (see <see cref="ScreenPopTemplate"/>); null: the record, search or new-record pop.
    /// </summary>
    public string? ScreenPopUrl { get; init; }

    /// <summary>"no_match" (the custom pop instead of a new-record form) or "always" (instead of any record pop).</summary>
    public string ScreenPopUrlWhen { get; init; } = "no_match";
}

/// <summary>The custom screen pop's URL template: placeholders in braces, each value URL-encoded where it goes.</summary>
public static partial class ScreenPopTemplate
{
    public const int MaxLength = 2000;

    public static readonly IReadOnlyDictionary<string, string> Placeholders = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["caller.phone"] = "the caller's number",
        ["caller.email"] = "the caller's e-mail",
        ["caller.name"] = "the caller's name",
        ["interaction.id"] = "the contact's id",
        ["queue"] = "the queue or skill",
        ["dialled"] = "the number the caller dialled",
        ["ivr.KEY"] = "what the caller keyed in for KEY in the IVR (ivr.account_number …)",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"\{([A-Za-z0-9_.\-]+)\}")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    private static bool Known(string name) => Placeholders.ContainsKey(name) || name.StartsWith("ivr.", StringComparison.Ordinal) && IvrRule.IsKey(name[4..]);

    /// <summary>What is wrong with a template, or null.</summary>
    public static string? Problem(string? template)
    {
        if (template is null) return null;
        if (template.Length > MaxLength) return $"The screen pop URL is at most {MaxLength} characters.";
        if (template.Any(char.IsControl) || template.Any(char.IsWhiteSpace)) return "The screen pop URL may not hold spaces or control characters.";
        if (!(template.StartsWith('/') && !template.StartsWith("//", StringComparison.Ordinal)) && !template.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return "The screen pop URL is a Salesforce path (starting with /, such as /apex/CallerLookup?ani={caller.phone}) or an https:// address.";
        var unknown = Placeholder().Matches(template).Select(m => m.Groups[1].Value).Where(n => !Known(n)).Distinct().ToList();
        if (unknown.Count > 0) return $"Unknown placeholder(s): {string.Join(", ", unknown.Select(u => "{" + u + "}"))}. Use {string.Join(", ", Placeholders.Keys.Select(k => "{" + k + "}"))}.";
        if (template.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !Uri.TryCreate(Render(template, new InteractionState { InteractionId = "x" }), UriKind.Absolute, out _))
            return "The screen pop URL is not a valid address.";
        return null;
    }

    public static string Render(string template, InteractionState s) => Placeholder().Replace(template, m =>
    {
        var name = m.Groups[1].Value;
        var value = name switch
        {
            "caller.phone" => s.Caller.Phone,
            "caller.email" => s.Caller.Email,
            "caller.name" => s.Caller.Name,
            "interaction.id" => s.InteractionId,
            "queue" => s.Queue,
            "dialled" => s.DialledNumber,
            _ when name.StartsWith("ivr.", StringComparison.Ordinal) => s.Ivr.GetValueOrDefault(name[4..]),
            _ => null,
        };
        return Uri.EscapeDataString(value ?? "");
    });
}

public sealed record ObjectRule(string Object, List<string> PhoneFields, List<string> EmailFields);

public sealed partial record IvrRule(string IvrKey, string Object, string Field)
{
    /// <summary>An IVR key as contact centers send them: letters, digits, _ . or -, at most 64, no spaces.</summary>
    public static bool IsKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex KeyPattern();
}

/// <summary>A record that may be the caller: its object, id and name, its phones (E.164 digits) and e-mails (lower case), and when it was last modified.</summary>
public sealed record CallerCandidate(string Object, string Id, string? Name, string[] Phones, string[] Emails, DateTimeOffset Modified)
{
    /// <summary>
    /// The SOQL condition a record of the object meets to be a caller at all, or null when every record may be: a converted lead is
    /// not one (the contact it became is). Salesforce marks a converted lead <c>IsConverted</c> and keeps it, read-only.
    /// </summary>
    public static string? CallerCondition(string objectName) => objectName.Equals("Lead", StringComparison.OrdinalIgnoreCase) ? "IsConverted = false" : null;

    /// <summary>Whether a change event says the record stopped being a caller (a lead converted); the record then leaves the index.</summary>
    public static bool LeftBy(string objectName, Func<string, string?> field) =>
        CallerCondition(objectName) is not null && string.Equals(field("IsConverted"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A record's candidate under its object's rule: <paramref name="field"/> gives each field's text.</summary>
    public static CallerCandidate Of(ObjectRule rule, string defaultCountry, string id, string? name, string? modified, Func<string, string?> field)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(field);
        var values = ValuesOf(rule, defaultCountry, field);
        var phones = values.Take(rule.PhoneFields.Count).OfType<string>().Distinct().ToArray();
        var emails = values.Skip(rule.PhoneFields.Count).OfType<string>().Distinct().ToArray();
        return new CallerCandidate(rule.Object, id, name, phones, emails, ModifiedOf(modified));
    }

    /// <summary>
    /// A record's values field by field as identification compares them: the rule's phone fields normalised (E.164 digits), then
    /// its e-mail fields in lower case; null where a field is empty or not a number.
    /// </summary>
    public static string?[] ValuesOf(ObjectRule rule, string defaultCountry, Func<string, string?> field)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(field);
        return rule.PhoneFields.Select(f => PhoneNumbers.Normalize(field(f), defaultCountry))
            .Concat(rule.EmailFields.Select(f => field(f)?.Trim().ToLowerInvariant() is { Length: > 0 } e ? e : null)).ToArray();
    }

    /// <summary>Salesforce's date-time as REST (…+0000) or Bulk API (…Z) write it; the earliest moment when there is none.</summary>
    public static DateTimeOffset ModifiedOf(string? text)
    {
        if (string.IsNullOrEmpty(text)) return DateTimeOffset.MinValue;
        if (text.Length > 5 && text[^5] is '+' or '-' && char.IsAsciiDigit(text[^1])) text = text[..^2] + ":" + text[^2..];
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MinValue;
    }
}
