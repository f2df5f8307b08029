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
    /// <summary>Each record's values field by field (the rule's phone fields, then its e-mail fields; normalised), so a change event that carries only the changed fields can be merged.</summary>
    private readonly Dictionary<string, string?[]> _values = new(StringComparer.Ordinal);
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

    /// <summary>
    /// About how much memory the index holds (its records, their strings and arrays, and the three dictionaries' entries), estimated
    /// from its contents as .NET lays them out on 64 bits; the benchmark measures the real figure.
    /// </summary>
    public long ApproximateBytes
    {
        get
        {
            lock (_sync)
            {
                static long Text(string? s) => s is null ? 0 : 22 + 2L * s.Length;
                long bytes = 0;
                foreach (var (id, c) in _byId)
                {
                    var values = _values[id];
                    bytes += 72 + Text(id) + Text(c.Name) + 24 + 8L * (c.Phones.Length + c.Emails.Length) * 2 + 24 + 8L * values.Length
                             + values.Sum(v => Text(v)) + 2 * 40;
                }
                bytes += (_byPhone.Count + _byEmail.Count) * (40L + 32 + 8);
                return bytes;
            }
        }
    }

    private const byte SnapshotVersion = 1;

    /// <summary>
    /// Writes every record (object, id, name, last-modified date and the values of the rules' fields) compactly to
    /// <paramref name="stream"/>, so another instance, or this one after a restart, can take the index up without a load.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(SnapshotVersion);
        lock (_sync)
        {
            writer.Write(_byId.Count);
            foreach (var (id, c) in _byId)
            {
                writer.Write((byte)Rules.Objects.FindIndex(o => o.Object == c.Object));
                writer.Write(id);
                Nullable(c.Name);
                writer.Write(c.Modified.UtcTicks);
                var values = _values[id];
                writer.Write((byte)values.Length);
                foreach (var v in values) Nullable(v);
            }
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
        var phones = values.Take(rule.PhoneFields.Count).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var emails = values.Skip(rule.PhoneFields.Count).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        if (phones.Length == 0 && emails.Length == 0) return;
        var record = new CallerCandidate(rule.Object, id, name, phones, emails, modified);
        _byId[id] = record;
        _values[id] = values;
        foreach (var phone in phones) Add(_byPhone, phone, record);
        foreach (var email in emails) Add(_byEmail, email, record);
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
                if (known is not null && known.Modified > modified) continue;
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
                        var values = _values[id].ToArray();
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
                if (_byId.TryGetValue(id, out var known) && known.Modified <= readAt) RemoveLocked(id);
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

    private static void Add(Dictionary<string, List<CallerCandidate>> map, string key, CallerCandidate record)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = new List<CallerCandidate>(1);
        list.Add(record);
    }

    private void RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var old)) return;
        _values.Remove(id);
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
    /// <param name="current">
    /// The tenant's rules now, when they may differ from the index's in what does not change its contents (several matches, IVR rules).
    /// </param>
    public IdentificationResult Identify(InteractionState interaction, string instanceUrl, DateTimeOffset now, IdentificationRules? current = null)
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
