namespace ContactBridge.Emulator.Schema;

/// <summary>One field of an sObject, with the properties describe reports and validation uses.</summary>
public sealed class FieldDef
{
    public required string Name { get; init; }
    public string? Label { get; init; }
    public FieldType Type { get; init; } = FieldType.String;
    public int Length { get; init; }
    public int Precision { get; init; }
    public int Scale { get; init; }
    public bool Nillable { get; init; } = true;
    public bool Createable { get; init; } = true;
    public bool Updateable { get; init; } = true;
    /// <summary>The platform fills the field on create when it is left out (OwnerId, Status …).</summary>
    public bool DefaultedOnCreate { get; init; }
    public object? DefaultValue { get; init; }
    public bool ExternalId { get; init; }
    public bool Unique { get; init; }
    public bool IdLookup { get; init; }
    public bool Custom { get; init; }
    /// <summary>Read-only fields the emulator derives (Name from FirstName and LastName, IsClosed …).</summary>
    public bool Calculated { get; init; }
    public bool NameField { get; init; }
    public IReadOnlyList<string> ReferenceTo { get; init; } = [];
    public string? RelationshipName { get; init; }
    /// <summary>The name the parent object uses for its children through this field (Account.Contacts).</summary>
    public string? ChildRelationshipName { get; init; }
    public IReadOnlyList<string> PicklistValues { get; init; } = [];
    public bool RestrictedPicklist { get; init; }
    public bool Filterable { get; init; } = true;

    public string DisplayLabel => Label ?? Name;

    /// <summary>Required on create: not nillable, createable, and not filled by the platform.</summary>
    public bool RequiredOnCreate => !Nillable && Createable && !DefaultedOnCreate && Type != FieldType.Boolean;

    public bool IsPolymorphic => ReferenceTo.Count > 1;
}
