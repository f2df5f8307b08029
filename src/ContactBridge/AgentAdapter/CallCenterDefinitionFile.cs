using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using ContactBridge.Tenants;

namespace ContactBridge.AgentAdapter;

/// <summary>
/// The call center definition file an administrator imports into Salesforce (Setup → Call Centers →
/// Import) to put the hub's softphone in the agents' softphone panel: the adapter URL for the
/// tenant, its size, and Lightning Experience (Open CTI Developer Guide, "Call Center Definition Files").
/// </summary>
public static partial class CallCenterDefinitionFile
{
    public const int Width = 360;
    public const int Height = 600;

    public static Uri AdapterUrl(Uri publicUrl, string tenantId) => new(publicUrl, $"/agent/{Uri.EscapeDataString(tenantId)}");

    /// <summary>Letters and digits only, starting with a letter, at most 40: Salesforce's rule for reqInternalName.</summary>
    public static string InternalName(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var name = "ContactBridge" + NotAlphanumeric().Replace(System.Globalization.CultureInfo.InvariantCulture.TextInfo.ToTitleCase(tenant.Slug), "");
        return name.Length <= 40 ? name : name[..40];
    }

    public static string For(Tenant tenant, Uri publicUrl)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return Write(tenant, Section(0, "reqGeneralInfo", "General Information",
            (Name: "reqInternalName", Label: "InternalName", Value: InternalName(tenant)),
            ("reqDisplayName", "Display Name", $"ContactBridge ({tenant.Name})"),
            ("reqAdapterUrl", "CTI Adapter URL", AdapterUrl(publicUrl, tenant.Id).ToString()),
            ("reqUseApi", "Use CTI API", "true"),
            ("reqSoftphoneHeight", "Softphone Height", Height.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("reqSoftphoneWidth", "Softphone Width", Width.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("reqSalesforceCompatibilityMode", "Salesforce Compatibility Mode", "Lightning")));
    }

    /// <summary>
    /// The tenant's contact center for Service Cloud Voice partner telephony: the same internal name (the JWT's sub), its
    /// vendor (reqVendorInfoApiName), and the certificate whose key signs the hub's Telephony Integration API requests.
    /// </summary>
    public static string ForVoice(Tenant tenant, string certificatePem)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(certificatePem);
        return Write(tenant,
            Section(0, "reqGeneralInfo", "General Information",
                (Name: "reqInternalName", Label: "InternalName", Value: InternalName(tenant)),
                ("reqDisplayName", "Display Name", $"ContactBridge ({tenant.Name})"),
                ("reqVendorInfoApiName", "Conversation Vendor Info Developer Name", "ContactBridge")),
            Section(1, "reqHvcc", "SCV Settings", (Name: "reqTelephonyIntegrationCertificate", Label: "Telephony Integration Certificate", Value: certificatePem.Trim())));
    }

    /// <summary>A section of items, each with its sort order in the order given.</summary>
    private static XElement Section(int order, string name, string label, params (string Name, string Label, string Value)[] items) =>
        new("section", new XAttribute("sortOrder", order), new XAttribute("name", name), new XAttribute("label", label),
            items.Select((item, i) => new XElement("item", new XAttribute("sortOrder", i), new XAttribute("name", item.Name), new XAttribute("label", item.Label), item.Value)));

    /// <summary>The file: the given sections, then ContactBridge's own (the tenant's id).</summary>
    private static string Write(Tenant tenant, params XElement[] sections) =>
        Write(new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement("callCenter", sections, Section(sections.Length, "contactBridge", "ContactBridge", (Name: "tenantId", Label: "Tenant", Value: tenant.Id)))));

    private static string Write(XDocument doc)
    {
        var sb = new StringBuilder();
        using (var writer = XmlWriter.Create(new StringWriterUtf8(sb), new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) })) doc.Save(writer);
        return sb.ToString();
    }

    private sealed class StringWriterUtf8(StringBuilder sb) : StringWriter(sb, System.Globalization.CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }

    [GeneratedRegex("[^A-Za-z0-9]")]
    private static partial Regex NotAlphanumeric();
}
