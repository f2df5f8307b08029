using ContactBridge.Interactions;
using ContactBridge.Salesforce;

namespace ContactBridge.Identification;

/// <summary>
/// A tenant's callers in memory: every phone number (normalised as identification does) and e-mail address (lower case) in the
/// fields the identification rules name, each mapped to the records that hold it. Loaded by one Bulk API 2.0 query per object (a
/// handful of API calls whatever the org's size) and kept current record by record (<see cref="Put"/>, <see cref="Remove"/>); a
/// caller is then identified from memory, with the same decision as the search path (<see cref="CallerIdentifier.Decide"/>).
/// </summary>
public sealed class CallerIndex
{
    private readonly Dictionary<string, List<CallerCandidate>> _byPhone = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CallerCandidate>> _byEmail = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallerCandidate> _byId = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private static readonly string[] BaseFields = ["Id", "Name", "LastModifiedDate"];

    public CallerIndex(IdentificationRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
    }

    /// <summary>The rules the index was built for (a change of rules builds another).</summary>
    public IdentificationRules Rules { get; }

    public int Records
    {
        get { lock (_sync) return _byId.Count; }
    }

    /// <summary>Whether the index can answer for a caller: not when an IVR rule could identify it first (those are looked up in Salesforce).</summary>
    public bool Serves(InteractionState interaction) =>
        !Rules.IvrRules.Any(r => !string.IsNullOrWhiteSpace(interaction.Ivr.GetValueOrDefault(r.IvrKey)));

    /// <summary>A record as it is now (created, changed, undeleted): its old keys go, its new ones come.</summary>
    public void Put(CallerCandidate record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_sync)
        {
            RemoveLocked(record.Id);
            if (record.Phones.Length == 0 && record.Emails.Length == 0) return;
            _byId[record.Id] = record;
            foreach (var phone in record.Phones) Add(_byPhone, phone, record);
            foreach (var email in record.Emails) Add(_byEmail, email, record);
        }
    }

    /// <summary>A record deleted (or no longer one the rules watch).</summary>
    public void Remove(string id)
    {
        lock (_sync) RemoveLocked(id);
    }

    private static void Add(Dictionary<string, List<CallerCandidate>> map, string key, CallerCandidate record)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = new List<CallerCandidate>(1);
        list.Add(record);
    }

    private void RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var old)) return;
        foreach (var phone in old.Phones) Drop(_byPhone, phone, id);
        foreach (var email in old.Emails) Drop(_byEmail, email, id);
    }

    private static void Drop(Dictionary<string, List<CallerCandidate>> map, string key, string id)
    {
        if (!map.TryGetValue(key, out var list)) return;
        list.RemoveAll(c => c.Id == id);
        if (list.Count == 0) map.Remove(key);
    }

    /// <summary>Who is calling, from memory: the same outcome (none, one, several) and screen pop as the search would give.</summary>
    public IdentificationResult Identify(InteractionState interaction, string instanceUrl, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        var phone = PhoneNumbers.Normalize(interaction.Caller.Phone, Rules.DefaultCountry);
        var email = interaction.Caller.Email?.Trim().ToLowerInvariant();
        List<CallerCandidate> found = [];
        lock (_sync)
        {
            if (phone is not null && _byPhone.TryGetValue(phone, out var byPhone)) found.AddRange(byPhone);
            if (!string.IsNullOrEmpty(email) && _byEmail.TryGetValue(email, out var byEmail)) found.AddRange(byEmail);
        }
        return CallerIdentifier.Decide(Rules, instanceUrl, interaction, rule => found.Where(c => c.Object == rule.Object), now);
    }

    /// <summary>
    /// Builds a tenant's index from its org: per object of the rules, one Bulk API 2.0 query of its id, name, last-modified date and
    /// the rules' phone and e-mail fields, read page by page. Returns the index and the API calls it took.
    /// </summary>
    public static async Task<(CallerIndex Index, int ApiCalls)> LoadAsync(SalesforceRestClient client, IdentificationRules rules, TimeProvider clock, TimeSpan pollInterval,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var index = new CallerIndex(rules);
        var calls = 0;
        var bulk = new SalesforceBulkClient(client, clock) { PollInterval = pollInterval };
        foreach (var rule in rules.Objects)
        {
            var fields = BaseFields.Concat(rule.PhoneFields).Concat(rule.EmailFields).Distinct(StringComparer.OrdinalIgnoreCase).Select(Soql.Name);
            calls += await bulk.QueryAsync($"SELECT {string.Join(", ", fields)} FROM {Soql.Name(rule.Object)}", page =>
            {
                foreach (var row in page)
                    index.Put(CallerCandidate.Of(rule, rules.DefaultCountry, row["Id"], row.GetValueOrDefault("Name") is { Length: > 0 } name ? name : null,
                        row.GetValueOrDefault("LastModifiedDate"), f => row.GetValueOrDefault(f) is { Length: > 0 } v ? v : null));
                return Task.CompletedTask;
            }, null, ct);
        }
        return (index, calls);
    }
}
