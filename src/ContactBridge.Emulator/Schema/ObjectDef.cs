namespace ContactBridge.Emulator.Schema;

public sealed record ChildRelationship(string ChildObject, string Field, string RelationshipName);

/// <summary>An sObject type: its key prefix, its fields, and what the API may do with it.</summary>
public sealed class ObjectDef
{
    private readonly Dictionary<string, FieldDef> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FieldDef> _byRelationship = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<FieldDef> _fields = [];
    private readonly Dictionary<string, List<FieldDef>> _compounds = new(StringComparer.OrdinalIgnoreCase);

    public required string Name { get; init; }
    public string? Label { get; init; }
    public string? LabelPlural { get; init; }
    public required string KeyPrefix { get; init; }
    public bool Custom { get; init; }
    public bool Createable { get; init; } = true;
    public bool Updateable { get; init; } = true;
    public bool Deletable { get; init; } = true;
    public bool Queryable { get; init; } = true;
    public bool Searchable { get; init; } = true;
    public bool IsPlatformEvent { get; init; }
    public List<ChildRelationship> ChildRelationships { get; } = [];

    public IReadOnlyList<FieldDef> Fields => _fields;

    public FieldDef? NameFieldDef => _fields.FirstOrDefault(f => f.NameField);

    public ObjectDef Add(FieldDef field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (_byName.ContainsKey(field.Name)) throw new InvalidOperationException($"Field {Name}.{field.Name} is declared twice.");
        _fields.Add(field);
        _byName[field.Name] = field;
        if (field.Type == FieldType.Address) HasAddresses = true;
        if (field.RelationshipName is not null) _byRelationship[field.RelationshipName] = field;
        if (field.CompoundFieldName is { } compound)
        {
            if (!_compounds.TryGetValue(compound, out var parts)) _compounds[compound] = parts = [];
            parts.Add(field);
        }
        return this;
    }

    /// <summary>Whether a field is a compound one (a person's Name, an address), made of the fields that name it as theirs.</summary>
    public bool IsCompound(string fieldName) => _compounds.ContainsKey(fieldName);

    /// <summary>A compound field's parts, in declared order; none for any other field.</summary>
    public IReadOnlyList<FieldDef> PartsOf(string compoundName) => _compounds.GetValueOrDefault(compoundName) ?? [];

    /// <summary>Whether the object has compound address fields, whose values are made from their parts when read.</summary>
    public bool HasAddresses { get; private set; }

    public FieldDef? Field(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The reference field behind a relationship name (Account → AccountId, Parent__r → Parent__c).</summary>
    public FieldDef? Relationship(string relationshipName) => _byRelationship.GetValueOrDefault(relationshipName);

    public ChildRelationship? Child(string relationshipName) =>
        ChildRelationships.FirstOrDefault(c => string.Equals(c.RelationshipName, relationshipName, StringComparison.OrdinalIgnoreCase));
}
