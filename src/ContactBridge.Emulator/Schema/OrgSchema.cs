using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Schema;

/// <summary>The sObject types one org knows: the standard set plus what its seed declares.</summary>
public sealed class OrgSchema
{
    private readonly Dictionary<string, ObjectDef> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ObjectDef> _byPrefix = new(StringComparer.Ordinal);
    private int _customPrefixCounter;
    private int _eventPrefixCounter;

    public OrgSchema()
    {
        foreach (var o in StandardObjects.All()) Add(o);
    }

    public IEnumerable<ObjectDef> Objects => _byName.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    public void Add(ObjectDef o)
    {
        ArgumentNullException.ThrowIfNull(o);
        _byName[o.Name] = o;
        if (o.KeyPrefix.Length > 0) _byPrefix[o.KeyPrefix] = o; // a view (ActivityHistory) has no records of its own, nor a prefix
    }

    public ObjectDef? Find(string name) => _byName.GetValueOrDefault(name);

    public ObjectDef Require(string name) => Find(name) ?? throw SalesforceException.InvalidType(name);

    public ObjectDef? ForId(string id) => id.Length >= 3 ? _byPrefix.GetValueOrDefault(id[..3]) : null;

    /// <summary>Key prefixes for seeded custom objects (a00, a01 …) and platform events (e00 …), as Salesforce assigns them.</summary>
    public string NextCustomPrefix(bool platformEvent)
    {
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var n = platformEvent ? _eventPrefixCounter++ : _customPrefixCounter++;
        return (platformEvent ? "e" : "a") + digits[n / 62 % 62] + digits[n % 62];
    }

    /// <summary>Works out child relationships (Account.Contacts …) from every reference field that names one.</summary>
    public void Seal()
    {
        foreach (var o in _byName.Values) o.ChildRelationships.Clear();
        foreach (var child in _byName.Values)
        {
            foreach (var f in child.Fields.Where(f => f.Type == FieldType.Reference && f.ChildRelationshipName is not null))
            {
                foreach (var parentName in f.ReferenceTo)
                {
                    var parent = Find(parentName);
                    if (parent is not null && parent.Child(f.ChildRelationshipName!) is null)
                        parent.ChildRelationships.Add(new ChildRelationship(child.Name, f.Name, f.ChildRelationshipName!));
                }
            }
        }
    }
}
