using System.Text.Json.Nodes;
using ContactBridge.Interactions;
using ContactBridge.Salesforce;

namespace ContactBridge.Identification;

/// <summary>
/// Identifies many callers of one tenant at once: one SOSL phone search for all their numbers, one
/// SOQL query per object for all e-mails and IVR keys, then candidates are matched locally on
/// normalised numbers. Values from outside are escaped before they reach SOQL or SOSL.
/// </summary>
public sealed class CallerIdentifier(TimeProvider clock)
{
    /// <summary>SOSL allows 10,000 characters in a search term and the URL 16,384; 100 numbers stay far below both.</summary>
    public const int NumbersPerSearch = 100;

    /// <summary>The most characters of values (escaped) one search or query carries, whatever their count, so a request never outgrows Salesforce's URL limit.</summary>
    public const int MaxTermCharacters = 4000;

    /// <summary>
    /// Splits values into groups of at most <paramref name="count"/> values whose URL-escaped text, with
    /// quotes and separators (" OR ", "', '": up to 12 escaped characters each), stays within
    /// <paramref name="budget"/> characters.
    /// </summary>
    public static IEnumerable<List<string>> Chunks(IEnumerable<string> values, int count, int budget = MaxTermCharacters)
    {
        var chunk = new List<string>();
        var length = 0;
        foreach (var v in values)
        {
            var size = Uri.EscapeDataString(v).Length + 12;
            if (chunk.Count > 0 && (chunk.Count >= count || length + size > budget))
            {
                yield return chunk;
                (chunk, length) = ([], 0);
            }
            chunk.Add(v);
            length += size;
        }
        if (chunk.Count > 0) yield return chunk;
    }

    private static readonly string[] BaseFields = ["Id", "Name", "LastModifiedDate"];

    /// <summary>
    /// The rules, keeping only the objects and fields the org has (by its describe): the default rules name
    /// Person Account fields, which exist only where Person Accounts are enabled.
    /// </summary>
    public static IdentificationRules ForOrg(IdentificationRules rules, IReadOnlyDictionary<string, Logging.ObjectShape> shapes) => rules with
    {
        Objects = rules.Objects.Where(o => shapes.ContainsKey(o.Object))
            .Select(o => o with { PhoneFields = o.PhoneFields.Where(shapes[o.Object].Has).ToList(), EmailFields = o.EmailFields.Where(shapes[o.Object].Has).ToList() })
            .Where(o => o.PhoneFields.Count + o.EmailFields.Count > 0).ToList(),
    };

    public async Task<IReadOnlyDictionary<string, IdentificationResult>> IdentifyAsync(SalesforceRestClient client, IdentificationRules rules,
        IReadOnlyList<InteractionState> interactions, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var instance = client.Session.InstanceUrl.ToString();
        var phones = interactions.Select(i => PhoneNumbers.Normalize(i.Caller.Phone, rules.DefaultCountry)).Where(p => p is not null).Distinct().Cast<string>().ToList();
        var emails = interactions.Select(i => i.Caller.Email?.Trim().ToLowerInvariant()).Where(e => !string.IsNullOrEmpty(e) && e.Contains('@', StringComparison.Ordinal))
            .Distinct().Cast<string>().ToList();

        var candidates = new List<CallerCandidate>();
        foreach (var chunk in Chunks(phones.SelectMany(PhoneNumbers.SearchDigits).Distinct(), NumbersPerSearch))
        {
            var term = string.Join(" OR ", chunk);
            var returning = string.Join(", ", rules.Objects.Where(o => o.PhoneFields.Count > 0)
                .Select(o => $"{Soql.Name(o.Object)}(Id, Name, LastModifiedDate, {string.Join(", ", o.PhoneFields.Concat(o.EmailFields).Distinct().Select(Soql.Name))}" +
                             $"{(CallerCandidate.CallerCondition(o.Object) is { } only ? " WHERE " + only : "")})"));
            var result = await client.GetAsync($"{client.DataPath}/search?q={Uri.EscapeDataString($"FIND {{{term}}} IN PHONE FIELDS RETURNING {returning}")}", ct);
            foreach (var r in result?["searchRecords"]?.AsArray() ?? [])
                Add(r!.AsObject());
        }
        foreach (var rule in rules.Objects.Where(o => o.EmailFields.Count > 0 && emails.Count > 0))
        {
            // The list is repeated once per e-mail field in the WHERE clause.
            foreach (var chunk in Chunks(emails, 200, MaxTermCharacters / rule.EmailFields.Count))
            {
                var where = string.Join(" OR ", rule.EmailFields.Select(f => $"{Soql.Name(f)} IN ({string.Join(", ", chunk.Select(Soql.String))})"));
                var fields = string.Join(", ", BaseFields.Concat(rule.PhoneFields).Concat(rule.EmailFields).Distinct().Select(Soql.Name));
                if (CallerCandidate.CallerCondition(rule.Object) is { } only) where = $"({where}) AND {only}";
                var result = await client.QueryAsync($"SELECT {fields} FROM {Soql.Name(rule.Object)} WHERE {where} LIMIT 2000", ct);
                foreach (var r in result["records"]?.AsArray() ?? []) Add(r!.AsObject());
            }
        }
        var ivrMatches = new Dictionary<(string Key, string Value), List<CallerMatch>>();
        foreach (var rule in rules.IvrRules)
        {
            var values = interactions.Select(i => i.Ivr.GetValueOrDefault(rule.IvrKey)).Where(v => !string.IsNullOrWhiteSpace(v)).Distinct().Cast<string>().ToList();
            foreach (var chunk in Chunks(values, 200))
            foreach (var r in (await client.QueryAsync($"SELECT Id, Name, {Soql.Name(rule.Field)} FROM {Soql.Name(rule.Object)} WHERE {rule.Field} IN ({string.Join(", ", chunk.Select(Soql.String))})" +
                                                       $"{(CallerCandidate.CallerCondition(rule.Object) is { } only ? " AND " + only : "")} LIMIT 2000", ct))["records"]?.AsArray() ?? [])
            {
                var key = (rule.IvrKey, r![rule.Field]?.ToString() ?? "");
                if (!ivrMatches.TryGetValue(key, out var list)) ivrMatches[key] = list = [];
                list.Add(new CallerMatch(rule.Object, r["Id"]!.GetValue<string>(), r["Name"]?.GetValue<string>()));
            }
        }

        void Add(JsonObject r)
        {
            var obj = r["attributes"]?["type"]?.GetValue<string>() ?? "";
            var rule = rules.Objects.FirstOrDefault(o => o.Object.Equals(obj, StringComparison.OrdinalIgnoreCase));
            if (rule is null || candidates.Any(c => c.Id == r["Id"]?.GetValue<string>())) return;
            candidates.Add(CallerCandidate.Of(rule, rules.DefaultCountry, r["Id"]!.GetValue<string>(), r["Name"]?.GetValue<string>(), r["LastModifiedDate"]?.ToString(),
                f => r[f]?.ToString()));
        }

        var results = new Dictionary<string, IdentificationResult>(StringComparer.Ordinal);
        foreach (var interaction in interactions)
        {
            foreach (var rule in rules.IvrRules)
            {
                if (interaction.Ivr.GetValueOrDefault(rule.IvrKey) is { } value && ivrMatches.TryGetValue((rule.IvrKey, value), out var byIvr))
                {
                    results[interaction.InteractionId] = Result(byIvr, $"ivr:{rule.IvrKey}", value);
                    break;
                }
            }
            if (results.ContainsKey(interaction.InteractionId)) continue;
            results[interaction.InteractionId] = Decide(rules, instance, interaction, rule => candidates.Where(c => c.Object == rule.Object), now);
        }
        return results;

        IdentificationResult Result(List<CallerMatch> matches, string by, string term) =>
            new(matches.Count == 1 ? IdentificationResult.One : IdentificationResult.Several, matches, IdentificationResult.ScreenPopFor(instance, matches, term), by, now);
    }

    /// <summary>
    /// Who the caller is, from the records that may be: the first object (in the rules' order) with a record whose phone or
    /// e-mail is the caller's; several are the most recently modified first (then by id), or only that one with "most_recent".
    /// The same decision whether the candidates came from a search or from the caller index.
    /// </summary>
    public static IdentificationResult Decide(IdentificationRules rules, string instanceUrl, InteractionState interaction,
        Func<ObjectRule, IEnumerable<CallerCandidate>> candidatesOf, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(interaction);
        ArgumentNullException.ThrowIfNull(candidatesOf);
        var phone = PhoneNumbers.Normalize(interaction.Caller.Phone, rules.DefaultCountry);
        var email = interaction.Caller.Email?.Trim().ToLowerInvariant();
        foreach (var rule in rules.Objects)
        {
            var hits = candidatesOf(rule).Where(c => phone is not null && c.Phones.Contains(phone) || !string.IsNullOrEmpty(email) && c.Emails.Contains(email))
                .DistinctBy(c => c.Id).OrderByDescending(c => c.Modified).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
            if (hits.Count == 0) continue;
            var matches = hits.Select(h => new CallerMatch(h.Object, h.Id, h.Name)).ToList();
            if (matches.Count > 1 && rules.WhenSeveral == "most_recent") matches = [matches[0]];
            var term = interaction.Caller.Phone ?? email ?? "";
            return new IdentificationResult(matches.Count == 1 ? IdentificationResult.One : IdentificationResult.Several, matches,
                IdentificationResult.ScreenPopFor(instanceUrl, matches, term), phone is not null && hits.Any(h => h.Phones.Contains(phone)) ? "phone" : "email", now);
        }
        return new IdentificationResult(IdentificationResult.None, [], null, null, now);
    }
}
