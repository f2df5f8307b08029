using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// An org's records, with indexes on unique and external-id fields and on the digits of phone fields (so a
/// search for a number in an org of 100,000 records reads a handful), and an undo journal so that
/// composite allOrNone requests and graphs can roll back. Callers hold the org's lock.
/// </summary>
public sealed class RecordStore
{
    private readonly Dictionary<string, SRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<SRecord>> _byObject = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Obj, string Field), Dictionary<string, HashSet<string>>> _indexes = [];
    /// <summary>Per object: every run of <see cref="PhoneWindow"/> digits in a live record's phone fields → the record (or the set of them).</summary>
    private readonly Dictionary<string, Dictionary<int, object>> _phoneWindows = new(StringComparer.OrdinalIgnoreCase);
    private long _sequence;
    private readonly List<Action> _journal = [];
    private int _journalDepth;

    public long IdCounter { get; set; }

    /// <summary>Goes up on every change, so a saver can tell whether there is anything new to write.</summary>
    public long Version { get; private set; }
    public long CaseNumberCounter { get; set; } = 1000;

    /// <summary>The last number each auto-number field gave ("Object.Field"). Like Salesforce's, a number is not given back when its transaction rolls back.</summary>
    public Dictionary<string, long> AutoNumbers { get; } = new(StringComparer.Ordinal);

    public int Count => _byId.Count;

    public SRecord? Get(string id18) => _byId.GetValueOrDefault(id18);

    public IReadOnlyList<SRecord> OfType(string objectName) =>
        _byObject.TryGetValue(objectName, out var list) ? list : [];

    public IEnumerable<SRecord> All => _byId.Values;

    private static bool Indexed(FieldDef f) => f.ExternalId || f.Unique;

    private static string Key(object? value) => value switch
    {
        string s => s.ToUpperInvariant(),
        null => "",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!.ToUpperInvariant(),
    };

    private Dictionary<string, HashSet<string>> Index(string obj, string field)
    {
        if (!_indexes.TryGetValue((obj, field.ToUpperInvariant()), out var index))
        {
            index = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indexes[(obj, field.ToUpperInvariant())] = index;
        }
        return index;
    }

    /// <summary>How many digits a run of the phone index holds: a number searched for has at least this many.</summary>
    public const int PhoneWindow = 7;

    /// <summary>The distinct runs of <see cref="PhoneWindow"/> digits in the record's phone fields, as numbers.</summary>
    private static HashSet<int> PhoneWindows(SRecord r)
    {
        var windows = new HashSet<int>();
        var digits = new System.Text.StringBuilder();
        foreach (var f in r.Type.Fields)
        {
            if (f.Type != FieldType.Phone || FieldValues.ToText(r[f.Name]) is not { Length: >= PhoneWindow } text) continue;
            digits.Clear();
            foreach (var c in text)
            {
                if (char.IsAsciiDigit(c)) digits.Append(c);
            }
            for (var i = 0; i + PhoneWindow <= digits.Length; i++)
                windows.Add(int.Parse(digits.ToString(i, PhoneWindow), System.Globalization.CultureInfo.InvariantCulture));
        }
        return windows;
    }

    private void PhoneIndex(SRecord r, bool add)
    {
        if (!r.Type.Fields.Any(f => f.Type == FieldType.Phone)) return;
        if (!_phoneWindows.TryGetValue(r.Type.Name, out var index)) _phoneWindows[r.Type.Name] = index = [];
        foreach (var window in PhoneWindows(r))
        {
            index.TryGetValue(window, out var held);
            if (add)
            {
                index[window] = held switch
                {
                    null => r,
                    SRecord one when one == r => one,
                    SRecord one => new HashSet<SRecord> { one, r },
                    _ => held,
                };
                if (held is HashSet<SRecord> many) many.Add(r);
            }
            else if (held == r) index.Remove(window);
            else if (held is HashSet<SRecord> many && many.Remove(r) && many.Count <= 1)
            {
                if (many.Count == 0) index.Remove(window);
                else index[window] = many.First();
            }
        }
    }

    /// <summary>
    /// Live records of the type that may have one of these numbers (digits, at least <see cref="PhoneWindow"/> each) in a phone
    /// field, inside it or with only their last ten digits at the end of it: every record that has, and maybe others; in the order
    /// they were stored.
    /// </summary>
    public IReadOnlyList<SRecord> PhoneCandidates(ObjectDef type, IEnumerable<string> numbers)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!_phoneWindows.TryGetValue(type.Name, out var index)) return [];
        var found = new HashSet<SRecord>();
        foreach (var digits in numbers)
        {
            if (digits.Length < PhoneWindow) throw new ArgumentException($"A number of at least {PhoneWindow} digits is needed: {digits}", nameof(numbers));
            // A record that holds the number holds its last seven digits (so does one whose last ten digits end it); unlike its first
            // seven (an area code and exchange many records share), they are nearly a record's own.
            switch (index.GetValueOrDefault(int.Parse(digits[^PhoneWindow..], System.Globalization.CultureInfo.InvariantCulture)))
            {
                case SRecord one:
                    found.Add(one);
                    break;
                case HashSet<SRecord> many:
                    found.UnionWith(many);
                    break;
            }
        }
        return found.OrderBy(r => r.Sequence).ToList();
    }

    private void IndexAdd(SRecord r)
    {
        PhoneIndex(r, add: true);
        foreach (var f in r.Type.Fields.Where(Indexed))
        {
            var v = r[f.Name];
            if (v is null) continue;
            var index = Index(r.Type.Name, f.Name);
            if (!index.TryGetValue(Key(v), out var ids)) index[Key(v)] = ids = new HashSet<string>(StringComparer.Ordinal);
            ids.Add(r.Id);
        }
    }

    private void IndexRemove(SRecord r)
    {
        PhoneIndex(r, add: false);
        foreach (var f in r.Type.Fields.Where(Indexed))
        {
            var v = r[f.Name];
            if (v is null) continue;
            if (Index(r.Type.Name, f.Name).TryGetValue(Key(v), out var ids)) ids.Remove(r.Id);
        }
    }

    /// <summary>Live (not deleted) records whose indexed field equals the value, case-insensitively.</summary>
    public IEnumerable<SRecord> FindBy(ObjectDef type, FieldDef field, object value)
    {
        if (Indexed(field))
        {
            return Index(type.Name, field.Name).TryGetValue(Key(value), out var ids)
                ? ids.Select(id => _byId[id]).Where(r => !r.IsDeleted).ToList()
                : [];
        }
        return OfType(type.Name).Where(r => !r.IsDeleted && Key(r[field.Name]) == Key(value)).ToList();
    }

    public void Insert(SRecord r)
    {
        _byId.Add(r.Id, r);
        r.Sequence = ++_sequence;
        if (!_byObject.TryGetValue(r.Type.Name, out var list)) _byObject[r.Type.Name] = list = [];
        list.Add(r);
        if (!r.IsDeleted) IndexAdd(r);
        Journal(() => Remove(r));
    }

    private void Remove(SRecord r)
    {
        IndexRemove(r);
        _byId.Remove(r.Id);
        _byObject[r.Type.Name].Remove(r);
    }

    /// <summary>Sets values on a record, journaling the previous ones.</summary>
    public void Set(SRecord r, IReadOnlyDictionary<string, object?> changes)
    {
        var previous = changes.Keys.ToDictionary(k => k, k => r.Values.TryGetValue(k, out var v) ? (true, v) : (false, null), StringComparer.OrdinalIgnoreCase);
        if (!r.IsDeleted) IndexRemove(r);
        foreach (var (k, v) in changes) r.Values[k] = v;
        if (!r.IsDeleted) IndexAdd(r);
        Journal(() =>
        {
            if (!r.IsDeleted) IndexRemove(r);
            foreach (var (k, (had, v)) in previous)
            {
                if (had) r.Values[k] = v;
                else r.Values.Remove(k);
            }
            if (!r.IsDeleted) IndexAdd(r);
        });
    }

    public void SetDeleted(SRecord r, bool deleted)
    {
        if (r.IsDeleted == deleted) return;
        var before = r.IsDeleted;
        if (deleted) IndexRemove(r);
        r.IsDeleted = deleted;
        r["IsDeleted"] = deleted;
        if (!deleted) IndexAdd(r);
        Journal(() =>
        {
            if (!before) IndexAdd(r); else IndexRemove(r);
            r.IsDeleted = before;
            r["IsDeleted"] = before;
        });
    }

    /// <summary>Registers what to undo if the enclosing all-or-nothing unit rolls back (events published inside it).</summary>
    public void OnRollback(Action undo) => Journal(undo);

    private void Journal(Action undo)
    {
        Version++;
        if (_journalDepth > 0) _journal.Add(undo);
    }

    /// <summary>Starts an all-or-nothing unit; dispose without <see cref="Transaction.Commit"/> to roll back.</summary>
    public Transaction Begin() => new(this);

    public sealed class Transaction : IDisposable
    {
        private readonly RecordStore _store;
        private readonly int _mark;
        private readonly long _counter;
        private bool _done;

        internal Transaction(RecordStore store)
        {
            _store = store;
            _mark = store._journal.Count;
            _counter = store.CaseNumberCounter;
            store._journalDepth++;
        }

        public void Commit()
        {
            if (_done) return;
            _done = true;
            _store._journalDepth--;
            if (_store._journalDepth == 0) _store._journal.Clear();
        }

        public void Rollback()
        {
            if (_done) return;
            _done = true;
            for (var i = _store._journal.Count - 1; i >= _mark; i--) _store._journal[i]();
            _store._journal.RemoveRange(_mark, _store._journal.Count - _mark);
            _store.CaseNumberCounter = _counter;
            _store._journalDepth--;
        }

        public void Dispose() => Rollback();
    }
}
