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

    /// <summary>An auto-number field's display format ("BT-{00000000}", "{YYYY}-{0000}"): the platform numbers each new record.</summary>
    public string? AutoNumberFormat { get; init; }
    public bool Filterable { get; init; } = true;

    /// <summary>The compound field this one is a part of (FirstName → Name, MailingCity → MailingAddress), as describe reports it.</summary>
    public string? CompoundFieldName { get; init; }

    /// <summary>The part's name inside its compound, as change events nest it (MailingCity → City, FirstName → FirstName).</summary>
    public string? CompoundPart { get; init; }

    /// <summary>The label describe reports: the declared one, or the API name in words ("FirstName" → "First Name", "AccountId" → "Account ID").</summary>
    public string DisplayLabel => Label ?? Words(Name);

    private static string Words(string apiName)
    {
        var name = apiName.EndsWith("__c", StringComparison.Ordinal) ? apiName[..^3].Replace('_', ' ') : apiName;
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))) sb.Append(' ');
            sb.Append(name[i]);
        }
        var words = sb.ToString();
        return words.EndsWith(" Id", StringComparison.Ordinal) ? words[..^2] + "ID" : words;
    }

    /// <summary>Required on create: not nillable, createable, and not filled by the platform.</summary>
    public bool RequiredOnCreate => !Nillable && Createable && !DefaultedOnCreate && Type != FieldType.Boolean;

    public bool IsPolymorphic => ReferenceTo.Count > 1;
}
