using System.Text.Json.Nodes;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.CallCenters;

/// <summary>Setup → Call Centers → Import: a definition file becomes a CallCenter record, or replaces the one of the same internal name.</summary>
public static class CallCenterImport
{
    public sealed record Result(SRecord Center, bool Created, CallCenterDefinition Definition);

    /// <exception cref="CallCenterDefinitionException">The file cannot be imported.</exception>
    public static Result Import(SalesforceOrg org, TimeProvider clock, string xml)
    {
        ArgumentNullException.ThrowIfNull(org);
        var definition = CallCenterDefinition.Parse(xml);
        lock (org.Sync)
        {
            var writer = new RecordWriter(org, clock);
            var type = org.Schema.Require("CallCenter");
            var existing = org.Records.FindBy(type, type.Field("InternalName")!, definition.InternalName).FirstOrDefault(r => !r.IsDeleted);
            var admin = org.Records.OfType("User")[0].Id;
            var body = new JsonObject
            {
                ["Name"] = definition.DisplayName.Length <= 80 ? definition.DisplayName : definition.DisplayName[..80], ["InternalName"] = definition.InternalName, ["AdapterUrl"] = definition.AdapterUrl is { } url ? url : null,
                ["CustomSettings"] = xml, ["Version"] = 4,
            };
            if (existing is null) return new Result(writer.Create(admin, type, body, system: true), true, definition);
            writer.Update(admin, existing, body, system: true);
            return new Result(existing, false, definition);
        }
    }
}
