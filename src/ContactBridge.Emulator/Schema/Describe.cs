using System.Text.Json.Nodes;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Schema;

/// <summary>Global and per-object describe documents, in the shape the REST API returns them.</summary>
public static class Describe
{
    public static JsonObject Global(OrgSchema schema, string version) => new()
    {
        ["encoding"] = "UTF-8",
        ["maxBatchSize"] = 200,
        ["sobjects"] = new JsonArray(schema.Objects.Select(o => (JsonNode)Summary(o, version)).ToArray()),
    };

    public static JsonObject Summary(ObjectDef o, string version)
    {
        var basePath = $"/services/data/v{version}/sobjects/{o.Name}";
        return new JsonObject
        {
            ["activateable"] = false,
            ["associateEntityType"] = null,
            ["associateParentEntity"] = null,
            ["createable"] = o.Createable,
            ["custom"] = o.Custom,
            ["customSetting"] = false,
            ["deepCloneable"] = false,
            ["deletable"] = o.Deletable,
            ["deprecatedAndHidden"] = false,
            ["feedEnabled"] = false,
            ["hasSubtypes"] = false,
            ["isInterface"] = false,
            ["isSubtype"] = false,
            ["keyPrefix"] = o.KeyPrefix.Length > 0 ? o.KeyPrefix : null,
            ["label"] = o.Label ?? o.Name,
            ["labelPlural"] = o.LabelPlural ?? (o.Label ?? o.Name) + "s",
            ["layoutable"] = !o.IsPlatformEvent,
            ["mergeable"] = o.Name is "Account" or "Contact" or "Lead",
            ["mruEnabled"] = !o.IsPlatformEvent,
            ["name"] = o.Name,
            ["queryable"] = o.Queryable && !o.IsPlatformEvent,
            ["replicateable"] = !o.IsPlatformEvent,
            ["retrieveable"] = !o.IsPlatformEvent,
            ["searchable"] = o.Searchable,
            ["triggerable"] = true,
            ["undeletable"] = o.Deletable,
            ["updateable"] = o.Updateable,
            ["urls"] = new JsonObject
            {
                ["rowTemplate"] = basePath + "/{ID}",
                ["defaultValues"] = basePath + "/defaultValues?recordTypeId&fields",
                ["describe"] = basePath + "/describe",
                ["sobject"] = basePath,
            },
        };
    }

    public static JsonObject Full(ObjectDef o, string version)
    {
        var d = Summary(o, version);
        d["actionOverrides"] = new JsonArray();
        d["childRelationships"] = new JsonArray(o.ChildRelationships.Select(c => (JsonNode)new JsonObject
        {
            ["cascadeDelete"] = false, ["childSObject"] = c.ChildObject, ["deprecatedAndHidden"] = false, ["field"] = c.Field,
            ["junctionIdListNames"] = new JsonArray(), ["junctionReferenceTo"] = new JsonArray(), ["relationshipName"] = c.RelationshipName,
            ["restrictedDelete"] = false,
        }).ToArray());
        d["compactLayoutable"] = !o.IsPlatformEvent;
        d["defaultImplementation"] = null;
        d["extendedBy"] = null;
        d["extendsInterfaces"] = null;
        d["fields"] = new JsonArray(o.Fields.Select(f => (JsonNode)Field(f)).ToArray());
        d["implementedBy"] = null;
        d["implementsInterfaces"] = null;
        d["listviewable"] = null;
        d["lookupLayoutable"] = null;
        d["namedLayoutInfos"] = new JsonArray();
        d["networkScopeFieldName"] = null;
        d["recordTypeInfos"] = new JsonArray();
        d["searchLayoutable"] = o.Searchable;
        d["sobjectDescribeOption"] = "FULL";
        d["supportedScopes"] = new JsonArray(new JsonObject { ["label"] = "All " + (o.LabelPlural ?? o.Name).ToLowerInvariant(), ["name"] = "everything" });
        return d;
    }

    public static JsonObject Field(FieldDef f)
    {
        var isText = f.Type.IsText() || f.Type is FieldType.Id or FieldType.Reference;
        var length = isText ? f.Length : 0;
        return new JsonObject
        {
            ["aggregatable"] = f.Type is not (FieldType.TextArea or FieldType.Base64 or FieldType.Address),
            ["aiPredictionField"] = false,
            ["autoNumber"] = f.Name == "CaseNumber" || f.AutoNumberFormat is not null,
            ["byteLength"] = isText ? length * 3 : 0,
            ["calculated"] = false,
            ["calculatedFormula"] = null,
            ["cascadeDelete"] = false,
            ["caseSensitive"] = false,
            ["compoundFieldName"] = f.CompoundFieldName,
            ["controllerName"] = null,
            ["createable"] = f.Createable,
            ["custom"] = f.Custom,
            ["defaultValue"] = FieldValues.ToJson(f, f.DefaultValue is bool ? null : f.DefaultValue),
            ["defaultValueFormula"] = null,
            ["defaultedOnCreate"] = f.DefaultedOnCreate,
            ["dependentPicklist"] = false,
            ["deprecatedAndHidden"] = false,
            ["digits"] = f.Type == FieldType.Int ? Math.Max(f.Precision, 9) : 0,
            ["displayLocationInDecimal"] = false,
            ["encrypted"] = false,
            ["externalId"] = f.ExternalId,
            ["extraTypeInfo"] = f.Type == FieldType.TextArea ? "plaintextarea" : null,
            ["filterable"] = f.Filterable && f.Type is not (FieldType.TextArea or FieldType.Base64),
            ["filteredLookupInfo"] = null,
            ["formulaTreatNullNumberAsZero"] = false,
            ["groupable"] = f.Type is not (FieldType.TextArea or FieldType.Base64 or FieldType.Double or FieldType.Currency or FieldType.DateTime or FieldType.Address),
            ["highScaleNumber"] = false,
            ["htmlFormatted"] = false,
            ["idLookup"] = f.IdLookup,
            ["inlineHelpText"] = null,
            ["label"] = f.DisplayLabel,
            ["length"] = length,
            ["name"] = f.Name,
            ["nameField"] = f.NameField,
            ["namePointing"] = f.IsPolymorphic,
            ["mask"] = null,
            ["maskType"] = null,
            ["nillable"] = f.Nillable,
            ["permissionable"] = f.Nillable && !f.Calculated && f.Name != "Id",
            ["picklistValues"] = new JsonArray(f.PicklistValues.Select(v => (JsonNode)new JsonObject
            {
                ["active"] = true, ["defaultValue"] = Equals(f.DefaultValue, v), ["label"] = v, ["validFor"] = null, ["value"] = v,
            }).ToArray()),
            ["polymorphicForeignKey"] = f.IsPolymorphic,
            ["precision"] = f.Type is FieldType.Double or FieldType.Currency or FieldType.Percent ? Math.Max(f.Precision, 18) : 0,
            ["queryByDistance"] = false,
            ["referenceTargetField"] = null,
            ["referenceTo"] = new JsonArray(f.ReferenceTo.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray()),
            ["relationshipName"] = f.RelationshipName,
            ["relationshipOrder"] = null,
            ["restrictedDelete"] = false,
            ["restrictedPicklist"] = f.RestrictedPicklist,
            ["scale"] = f.Scale,
            ["searchPrefilterable"] = false,
            ["soapType"] = f.Type.SoapType(),
            ["sortable"] = f.Type is not (FieldType.TextArea or FieldType.Base64 or FieldType.MultiPicklist or FieldType.Address),
            ["type"] = f.Type.ToDescribe(),
            ["unique"] = f.Unique,
            ["updateable"] = f.Updateable,
            ["writeRequiresMasterRead"] = false,
        };
    }
}
