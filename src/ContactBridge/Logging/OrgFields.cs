using ContactBridge.Linking;
using ContactBridge.Outbox;
using ContactBridge.Salesforce;

namespace ContactBridge.Logging;

/// <summary>One field an editor offers, as the linked org's describe gives it.</summary>
public sealed record FieldChoice(string Name, string Label, string Type, int Length, bool Writable = true)
{
    /// <summary>What the page adds about a chosen field the org does not offer ("not in this org").</summary>
    public string? Note { get; init; }

    /// <summary>"Mobile Phone (MobilePhone)": the label admins know, and the API name they may need.</summary>
    public string Text => (Label == Name ? Name : $"{Label} ({Name})") + (Note is null ? "" : $" — {Note}");
}

/// <summary>
/// What the portal's editors know of a tenant's org: the describe of the objects they edit, or why it
/// could not be read (not linked, Salesforce unreachable). Describes come from the hub's cache.
/// </summary>
public sealed record OrgFields(IReadOnlyDictionary<string, ObjectShape> Shapes, string? Problem)
{
    /// <summary>Field types a template can fill.</summary>
    public static readonly string[] TextTypes = ["string", "textarea", "combobox", "picklist", "email", "phone", "url"];

    /// <summary>Field types an IVR value (typed digits or text) can be compared with in a query.</summary>
    public static readonly string[] IvrTypes = ["string", "phone", "email", "id", "picklist", "url", "combobox"];

    public bool Known => Problem is null;

    public FieldChoice? Field(string obj, string field) =>
        Shapes.TryGetValue(obj, out var shape) && shape.Fields.TryGetValue(field, out var f) ? new FieldChoice(field, shape.Label(field), f.Type, f.Length, f.Createable && f.Updateable) : null;

    /// <summary>The object's fields that pass <paramref name="offer"/>, by label.</summary>
    public IReadOnlyList<FieldChoice> Choices(string obj, Func<(int Length, bool Createable, bool Updateable, string Type, bool ExternalId), bool> offer) =>
        Shapes.TryGetValue(obj, out var shape)
            ? shape.Fields.Where(f => offer(f.Value)).Select(f => new FieldChoice(f.Key, shape.Label(f.Key), f.Value.Type, f.Value.Length, f.Value.Createable && f.Value.Updateable))
                .OrderBy(f => f.Label, StringComparer.OrdinalIgnoreCase).ThenBy(f => f.Name, StringComparer.Ordinal).ToList()
            : [];

    public static async Task<OrgFields> LoadAsync(HttpContext c, string tenantId, IEnumerable<string> objects, bool fresh = false)
    {
        var connections = c.RequestServices.GetRequiredService<SalesforceConnections>();
        var metadata = c.RequestServices.GetRequiredService<SalesforceMetadata>();
        try
        {
            var client = await connections.ClientAsync(tenantId, c.RequestAborted);
            if (fresh) metadata.Forget(tenantId);
            return new OrgFields(await metadata.ShapesAsync(tenantId, client, objects, c.RequestAborted), null);
        }
        catch (LinkingException)
        {
            return new OrgFields(new Dictionary<string, ObjectShape>(),
                "This tenant is not linked to Salesforce, so the org's fields cannot be offered. The saved settings are shown; link the tenant on its Salesforce link page to edit them.");
        }
        catch (Exception e) when (RetryPolicy.IsTransient(e, c.RequestAborted))
        {
            return new OrgFields(new Dictionary<string, ObjectShape>(), $"Salesforce could not be reached ({RetryPolicy.Describe(e)}). The saved settings are shown; try again later.");
        }
        catch (SalesforceApiException e)
        {
            return new OrgFields(new Dictionary<string, ObjectShape>(), $"Salesforce would not describe the objects ({e.ErrorCode}: {e.SalesforceMessage}). The saved settings are shown; try again later.");
        }
    }
}
