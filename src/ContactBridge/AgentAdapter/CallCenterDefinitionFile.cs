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
        static XElement Item(int order, string name, string label, string value) =>
            new("item", new XAttribute("sortOrder", order), new XAttribute("name", name), new XAttribute("label", label), value);
        var doc = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement("callCenter",
                new XElement("section", new XAttribute("sortOrder", 0), new XAttribute("name", "reqGeneralInfo"), new XAttribute("label", "General Information"),
                    Item(0, "reqInternalName", "InternalName", InternalName(tenant)),
                    Item(1, "reqDisplayName", "Display Name", $"ContactBridge ({tenant.Name})"),
                    Item(2, "reqAdapterUrl", "CTI Adapter URL", AdapterUrl(publicUrl, tenant.Id).ToString()),
                    Item(3, "reqUseApi", "Use CTI API", "true"),
                    Item(4, "reqSoftphoneHeight", "Softphone Height", Height.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    Item(5, "reqSoftphoneWidth", "Softphone Width", Width.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    Item(6, "reqSalesforceCompatibilityMode", "Salesforce Compatibility Mode", "Lightning")),
                new XElement("section", new XAttribute("sortOrder", 1), new XAttribute("name", "contactBridge"), new XAttribute("label", "ContactBridge"),
                    Item(0, "tenantId", "Tenant", tenant.Id))));
        return Write(doc);
    }

    /// <summary>
    /// The tenant's contact center for Service Cloud Voice partner telephony: the same internal name (the JWT's sub), its
    /// vendor (reqVendorInfoApiName), and the certificate whose key signs the hub's Telephony Integration API requests.
    /// </summary>
    public static string ForVoice(Tenant tenant, string certificatePem)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        static XElement Item(int order, string name, string label, string value) =>
            new("item", new XAttribute("sortOrder", order), new XAttribute("name", name), new XAttribute("label", label), value);
        var doc = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement("callCenter",
                new XElement("section", new XAttribute("sortOrder", 0), new XAttribute("name", "reqGeneralInfo"), new XAttribute("label", "General Information"),
                    Item(0, "reqInternalName", "InternalName", InternalName(tenant)),
                    Item(1, "reqDisplayName", "Display Name", $"ContactBridge ({tenant.Name})"),
                    Item(2, "reqVendorInfoApiName", "Conversation Vendor Info Developer Name", "ContactBridge")),
                new XElement("section", new XAttribute("sortOrder", 1), new XAttribute("name", "reqHvcc"), new XAttribute("label", "SCV Settings"),
                    Item(0, "reqTelephonyIntegrationCertificate", "Telephony Integration Certificate", certificatePem.Trim())),
                new XElement("section", new XAttribute("sortOrder", 2), new XAttribute("name", "contactBridge"), new XAttribute("label", "ContactBridge"),
                    Item(0, "tenantId", "Tenant", tenant.Id))));
        return Write(doc);
    }

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
