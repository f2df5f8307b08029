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
    // Compact on purpose (an org may have millions of records): a phone number is kept as the number its E.164 digits make, a key
    // held by one record maps to it alone and only a key several records share to an array of them.
    private readonly Dictionary<long, object> _byPhone = [];
    private readonly Dictionary<string, object> _byEmail = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Held> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte> _ruleOf = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _sync = new();

    /// <summary>
    /// One record as the index holds it: its rule (by position), id, name and last-modified time (UTC ticks), and its values field by
    /// field (the rule's phone fields as numbers, 0 where empty; then its e-mail fields), so a change event that carries only the
    /// changed fields can be merged.
    /// </summary>
    private sealed class Held(byte rule, string id, string? name, long modified, long[] phones, string?[] emails)
    {
        public readonly byte Rule = rule;
        public readonly string Id = id;
        public readonly string? Name = name;
        public readonly long Modified = modified;
        public readonly long[] Phones = phones;
        public readonly string?[] Emails = emails;
    }

    private static long PhoneKey(string? digits) => long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string? PhoneText(long key) => key == 0 ? null : key.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The record's values as <see cref="CallerCandidate.ValuesOf"/> gives them.</summary>
    private static string?[] ValuesOf(Held held) => [.. held.Phones.Select(PhoneText), .. held.Emails];

    private CallerCandidate CandidateOf(Held held) => new(Rules.Objects[held.Rule].Object, held.Id, held.Name,
        held.Phones.Where(p => p != 0).Distinct().Select(p => PhoneText(p)!).ToArray(), held.Emails.OfType<string>().Distinct(StringComparer.Ordinal).ToArray(),
        new DateTimeOffset(held.Modified, TimeSpan.Zero));
    private static readonly string[] BaseFields = ["Id", "Name", "LastModifiedDate"];

    public CallerIndex(IdentificationRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Objects.Count > byte.MaxValue) throw new ArgumentException("At most 255 objects are indexed.", nameof(rules));
        Rules = rules;
        for (var i = rules.Objects.Count - 1; i >= 0; i--) _ruleOf[rules.Objects[i].Object] = (byte)i;
    }

    /// <summary>The rules the index was built for (a change of rules builds another).</summary>
    public IdentificationRules Rules { get; }

    public int Records
    {
        get { lock (_sync) return _byId.Count; }
    }

    /// <summary>
    /// About how much memory the index holds (its records, their strings and arrays, and the dictionaries' entries), estimated from
    /// its contents as .NET lays them out on 64 bits; the caller-index benchmark measures the real figure.
    /// </summary>
    public long ApproximateBytes
    {
        get
        {
            lock (_sync)
            {
                static long Text(string? s) => s is null ? 0 : 8 * ((22 + 2L * s.Length + 7) / 8);
                static long Array(int length) => length == 0 ? 0 : 24 + 8L * length;
                long bytes = 0;
                foreach (var held in _byId.Values)
                    bytes += 64 + Text(held.Id) + Text(held.Name) + Array(held.Phones.Length) + Array(held.Emails.Length) + held.Emails.Sum(e => Text(e));
                // Entries (with their bucket and the table's spare room), and the arrays of keys several records share.
                bytes += 36L * (_byId.Count + _byPhone.Count + _byEmail.Count) + _ruleOf.Count * 64L;
                bytes += _byPhone.Values.Concat(_byEmail.Values).OfType<Held[]>().Sum(shared => Array(shared.Length));
                return bytes;
            }
        }
    }

    // 2: converted leads are left out (a snapshot of version 1 may hold some, which no change event would ever remove).
    private const byte SnapshotVersion = 2;

    /// <summary>
    /// Writes every record (object, id, name, last-modified date and the values of the rules' fields) compactly to
    /// <paramref name="stream"/>, so another instance, or this one after a restart, can take the index up without a load.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(SnapshotVersion);
        // The records as they stand (each is never changed, only replaced), taken under the lock in a moment; written and compressed
        // outside it, so screen pops are not held up while a large index is stored (100,000 records took about 200 ms).
        Held[] records;
        lock (_sync) records = [.. _byId.Values];
        writer.Write(records.Length);
        foreach (var held in records)
        {
            writer.Write(held.Rule);
            writer.Write(held.Id);
            Nullable(held.Name);
            writer.Write(held.Modified);
            var values = ValuesOf(held);
            writer.Write((byte)values.Length);
            foreach (var v in values) Nullable(v);
        }

        void Nullable(string? text)
        {
            writer.Write(text is not null);
            if (text is not null) writer.Write(text);
        }
    }

    /// <summary>An index written by <see cref="WriteTo"/> for the same rules; a snapshot that does not fit them is refused.</summary>
    public static CallerIndex ReadFrom(Stream stream, IdentificationRules rules)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(rules);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (reader.ReadByte() != SnapshotVersion) throw new InvalidDataException("The caller index snapshot is of another version.");
        var index = new CallerIndex(rules);
        var count = reader.ReadInt32();
        string? Nullable() => reader.ReadBoolean() ? reader.ReadString() : null;
        lock (index._sync)
        {
            for (var i = 0; i < count; i++)
            {
                var o = reader.ReadByte();
                if (o >= rules.Objects.Count) throw new InvalidDataException("The caller index snapshot names an object the rules do not.");
                var rule = rules.Objects[o];
                var id = reader.ReadString();
                var name = Nullable();
                var modified = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                var values = new string?[reader.ReadByte()];
                if (values.Length != rule.PhoneFields.Count + rule.EmailFields.Count) throw new InvalidDataException("The caller index snapshot was made for other fields.");
                for (var v = 0; v < values.Length; v++) values[v] = Nullable();
                index.PutLocked(rule, id, name, modified, values);
            }
        }
        return index;
    }

    /// <summary>Whether the index can answer for a caller: not when an IVR rule could identify it first (those are looked up in Salesforce).</summary>
    public bool Serves(InteractionState interaction, IdentificationRules? current = null) =>
        !(current ?? Rules).IvrRules.Any(r => !string.IsNullOrWhiteSpace(interaction.Ivr.GetValueOrDefault(r.IvrKey)));

    /// <summary>A record as it is now (created, changed, undeleted) from its fields' text: its old keys go, its new ones come.</summary>
    public void Put(ObjectRule rule, string id, string? name, string? modified, Func<string, string?> field)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(field);
        var values = CallerCandidate.ValuesOf(rule, Rules.DefaultCountry, field);
        lock (_sync) PutLocked(rule, id, name, CallerCandidate.ModifiedOf(modified), values);
    }

    private void PutLocked(ObjectRule rule, string id, string? name, DateTimeOffset modified, string?[] values)
    {
        RemoveLocked(id);
        var phones = values.Length == 0 || rule.PhoneFields.Count == 0 ? [] : values.Take(rule.PhoneFields.Count).Select(PhoneKey).ToArray();
        string?[] emails = rule.EmailFields.Count == 0 ? [] : values.Skip(rule.PhoneFields.Count).ToArray();
        if (phones.All(p => p == 0) && emails.All(e => e is null)) return;
        var held = new Held(_ruleOf[rule.Object], id, name, modified.UtcTicks, phones, emails);
        _byId[id] = held;
        foreach (var phone in phones.Where(p => p != 0).Distinct()) Add(_byPhone, phone, held);
        foreach (var email in emails.OfType<string>().Distinct(StringComparer.Ordinal)) Add(_byEmail, email, held);
    }

    /// <summary>
    /// A change event of a record the index may hold. Applied when it says all the index needs; otherwise the records to read again
    /// (a change of name, a record the index did not hold, a gap) are returned, and a GAP_OVERFLOW asks for the object to be reloaded.
    /// An event older than what the index holds of a record (read by the load after the change) changes nothing.
    /// </summary>
    public ChangeOutcome Apply(ContactBridge.Salesforce.PubSub.ChangeEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var rule = Rules.Objects.FirstOrDefault(o => o.Object.Equals(change.Entity, StringComparison.OrdinalIgnoreCase));
        if (rule is null) return ChangeOutcome.Ignored;
        if (change.ChangeType == ContactBridge.Salesforce.PubSub.ChangeEvent.GapOverflow) return new ChangeOutcome(true, [], rule.Object);
        var reread = new List<string>();
        var fields = rule.PhoneFields.Concat(rule.EmailFields).ToList();
        var modified = change.Text("LastModifiedDate") is { } m ? CallerCandidate.ModifiedOf(m) : change.CommitTime;
        lock (_sync)
        {
            foreach (var id in change.RecordIds)
            {
                var known = _byId.GetValueOrDefault(id);
                if (known is not null && known.Modified > modified.UtcTicks) continue;
                if (CallerCandidate.LeftBy(rule.Object, change.Text))
                {
                    RemoveLocked(id); // A lead converted: the contact it became is the caller now (its own event adds it).
                    continue;
                }
                switch (change.ChangeType)
                {
                    case "DELETE" or "GAP_DELETE":
                        RemoveLocked(id);
                        break;
                    case "CREATE" or "UNDELETE":
                        PutLocked(rule, id, NameOf(change), modified, Normalized(change, rule));
                        break;
                    case "UPDATE":
                        var watched = fields.Any(change.Tells);
                        var renamed = change.Tells("Name") || change.Changed.Concat(change.Nulled).Any(f => f.StartsWith("Name.", StringComparison.OrdinalIgnoreCase));
                        if (known is null)
                        {
                            // Not held: it had no number or address the rules use. Read it only if the change may have given it one.
                            if (watched && Normalized(change, rule).Any(v => v is not null)) reread.Add(id);
                            break;
                        }
                        var values = ValuesOf(known);
                        var fresh = Normalized(change, rule);
                        for (var i = 0; i < fields.Count; i++)
                            if (change.Tells(fields[i])) values[i] = fresh[i];
                        // A compound name (a person's) comes with only its changed parts: the numbers are merged now, the name read again.
                        var compound = renamed && change.IsCompound("Name");
                        if (compound) reread.Add(id);
                        PutLocked(rule, id, renamed && !compound ? NameOf(change) : known.Name, modified, values);
                        break;
                    default:
                        // GAP_CREATE, GAP_UPDATE, GAP_UNDELETE: the record changed but the event does not say how.
                        reread.Add(id);
                        break;
                }
            }
        }
        return new ChangeOutcome(false, reread, rule.Object);
    }

    private string?[] Normalized(ContactBridge.Salesforce.PubSub.ChangeEvent change, ObjectRule rule) => CallerCandidate.ValuesOf(rule, Rules.DefaultCountry, change.Text);

    /// <summary>The record's name as a created or undeleted record's event gives it: a plain Name as it is, a person's joined from the compound's parts.</summary>
    private static string? NameOf(ContactBridge.Salesforce.PubSub.ChangeEvent change)
    {
        if (!change.IsCompound("Name")) return change.Text("Name");
        var name = string.Join(' ', PersonNameParts.Select(p => change.Text("Name." + p)).Where(p => !string.IsNullOrWhiteSpace(p)));
        return name.Length > 0 ? name : null;
    }

    /// <summary>The parts of a person's Name, in the order Salesforce joins them (the salutation is not part of it).</summary>
    private static readonly string[] PersonNameParts = ["FirstName", "MiddleName", "LastName", "Suffix"];

    /// <summary>A record read again (after a change the event could not tell whole): put, or removed when the org no longer has it.</summary>
    public void Refresh(ObjectRule rule, string id, IReadOnlyDictionary<string, string?>? row, DateTimeOffset readAt)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (row is null)
        {
            lock (_sync)
            {
                if (_byId.TryGetValue(id, out var known) && known.Modified <= readAt.UtcTicks) RemoveLocked(id);
            }
            return;
        }
        Put(rule, id, row.GetValueOrDefault("Name"), row.GetValueOrDefault("LastModifiedDate"), f => row.GetValueOrDefault(f));
    }

    /// <summary>The fields one object's records are read with (by the load, and again after a change).</summary>
    public static IEnumerable<string> FieldsOf(ObjectRule rule) => BaseFields.Concat(rule.PhoneFields).Concat(rule.EmailFields).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>A record deleted (or no longer one the rules watch).</summary>
    public void Remove(string id)
    {
        lock (_sync) RemoveLocked(id);
    }

    private static void Add<TKey>(Dictionary<TKey, object> map, TKey key, Held held) where TKey : notnull
    {
        map[key] = map.GetValueOrDefault(key) switch
        {
            null => held,
            Held one => new[] { one, held },
            Held[] several => (Held[])[.. several, held],
            var other => throw new InvalidOperationException($"The caller index holds a {other.GetType().Name}."),
        };
    }

    private void RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var old)) return;
        foreach (var phone in old.Phones.Where(p => p != 0).Distinct()) Drop(_byPhone, phone, id);
        foreach (var email in old.Emails.OfType<string>().Distinct(StringComparer.Ordinal)) Drop(_byEmail, email, id);
    }

    private static void Drop<TKey>(Dictionary<TKey, object> map, TKey key, string id) where TKey : notnull
    {
        switch (map.GetValueOrDefault(key))
        {
            case Held one when one.Id == id:
                map.Remove(key);
                break;
            case Held[] several:
                var rest = several.Where(h => h.Id != id).ToArray();
                if (rest.Length == 0) map.Remove(key);
                else map[key] = rest.Length == 1 ? rest[0] : rest;
                break;
        }
    }

    private static void Collect(object? held, List<Held> found)
    {
        if (held is Held one) found.Add(one);
        else if (held is Held[] several) found.AddRange(several);
    }

    /// <summary>Who is calling, from memory: the same outcome (none, one, several) and screen pop as the search would give.</summary>
    /// <param name="current">
    /// The tenant's rules now, when they may differ from the index's in what does not change its contents (several matches, IVR rules).
    /// </param>
    public IdentificationResult Identify(InteractionState interaction, string instanceUrl, DateTimeOffset now, IdentificationRules? current = null)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        var phone = PhoneNumbers.Normalize(interaction.Caller.Phone, Rules.DefaultCountry);
        var email = interaction.Caller.Email?.Trim().ToLowerInvariant();
        List<Held> held = [];
        lock (_sync)
        {
            if (PhoneKey(phone) is not 0 and var key) Collect(_byPhone.GetValueOrDefault(key), held);
            if (!string.IsNullOrEmpty(email)) Collect(_byEmail.GetValueOrDefault(email), held);
        }
        var found = held.Select(CandidateOf).ToList();
        var rules = current is null ? Rules : Rules with { WhenSeveral = current.WhenSeveral, IvrRules = current.IvrRules };
        return CallerIdentifier.Decide(rules, instanceUrl, interaction, rule => found.Where(c => c.Object == rule.Object), now);
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
            calls += await bulk.QueryAsync($"SELECT {string.Join(", ", FieldsOf(rule).Select(Soql.Name))} FROM {Soql.Name(rule.Object)}" +
                                           $"{(CallerCandidate.CallerCondition(rule.Object) is { } only ? " WHERE " + only : "")}", page =>
            {
                foreach (var row in page)
                    index.Put(rule, row["Id"], row.GetValueOrDefault("Name") is { Length: > 0 } name ? name : null,
                        row.GetValueOrDefault("LastModifiedDate"), f => row.GetValueOrDefault(f) is { Length: > 0 } v ? v : null);
                return Task.CompletedTask;
            }, null, ct);
        }
        return (index, calls);
    }
}

/// <summary>What a change event asked of the index: nothing more, records to read again, or (GAP_OVERFLOW) the whole object reloaded.</summary>
public sealed record ChangeOutcome(bool Reload, IReadOnlyList<string> Reread, string? Object)
{
    public static readonly ChangeOutcome Ignored = new(false, [], null);
}
