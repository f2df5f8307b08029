using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.CallCenters;

public sealed record CallCenterItem(string Name, string? Label, int SortOrder, string Value);

public sealed record CallCenterSection(string Name, string? Label, int SortOrder, IReadOnlyList<CallCenterItem> Items);

/// <summary>A call center definition file that cannot be imported: the line it is wrong on and why.</summary>
public sealed class CallCenterDefinitionException(int line, string reason) : Exception($"line {line}: {reason}")
{
    public int Line { get; } = line;
    public string Reason { get; } = reason;
}

/// <summary>
/// A call center definition file, as Setup → Call Centers → Import reads it: a
/// <c>&lt;callCenter&gt;</c> of <c>&lt;section&gt;</c>s of <c>&lt;item&gt;</c>s, where the
/// reqGeneralInfo section names the softphone (Open CTI Developer Guide, "Call Center Definition Files").
/// </summary>
public sealed partial class CallCenterDefinition
{
    public const string GeneralInfo = "reqGeneralInfo";
    /// <summary>The Service Cloud Voice section: a contact center with partner telephony (Service Cloud Voice Partner Telephony Developer Guide).</summary>
    public const string Hvcc = "reqHvcc";
    public static readonly string[] RequiredItems = ["reqInternalName", "reqDisplayName", "reqAdapterUrl", "reqUseApi", "reqSoftphoneHeight", "reqSoftphoneWidth"];
    /// <summary>A Service Cloud Voice contact center names itself and its vendor (ConversationVendorInfo); its connector's URL lives there.</summary>
    public static readonly string[] VoiceRequiredItems = ["reqInternalName", "reqDisplayName"];
    public static readonly string[] CompatibilityModes = ["Classic", "Lightning", "Classic_and_Lightning"];

    /// <summary>Names starting with "req" belong to Salesforce: these sections and items, nothing else.</summary>
    private static readonly Dictionary<string, string[]> SalesforceSections = new(StringComparer.Ordinal)
    {
        [GeneralInfo] = [.. RequiredItems, "reqSalesforceCompatibilityMode", "reqStandbyUrl", "reqTimeout", "reqCanvasNamespace", "reqCanvasApiName", "reqVendorInfoApiName", "reqDescription", "reqProgId"],
        [Hvcc] = ["reqTelephonyIntegrationCertificate", "reqLongDistPrefix", "reqTelephonyProvider", "reqInstanceName", "reqRelayState", "reqIdentityUrl"],
        ["reqDialingOptions"] = ["reqOutsidePrefix", "reqLongDistPrefix", "reqInternationalPrefix"],
    };

    private static readonly string[] ReservedWords = ["label", "sortOrder", "internalNameLabel", "displayNameLabel"];

    private static readonly ConcurrentDictionary<string, CallCenterDefinition> Parsed = new(StringComparer.Ordinal);

    private CallCenterDefinition(IReadOnlyList<CallCenterSection> sections, IReadOnlyList<string> warnings, string xml)
    {
        Sections = sections;
        Warnings = warnings;
        Xml = xml;
    }

    public IReadOnlyList<CallCenterSection> Sections { get; }

    /// <summary>What imports but deserves a look, e.g. an adapter URL that is not https.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public string Xml { get; }

    public string? Item(string section, string item) =>
        Sections.FirstOrDefault(s => s.Name == section)?.Items.FirstOrDefault(i => i.Name == item)?.Value;

    public string InternalName => Item(GeneralInfo, "reqInternalName")!;
    public string DisplayName => Item(GeneralInfo, "reqDisplayName")!;
    /// <summary>The softphone's URL; a Service Cloud Voice contact center may have none (its connector's URL is its vendor's).</summary>
    public string? AdapterUrl => Item(GeneralInfo, "reqAdapterUrl") is { Length: > 0 } url ? url : null;
    public int? SoftphoneHeight => Item(GeneralInfo, "reqSoftphoneHeight") is { } px ? int.Parse(px, CultureInfo.InvariantCulture) : null;
    public int? SoftphoneWidth => Item(GeneralInfo, "reqSoftphoneWidth") is { } px ? int.Parse(px, CultureInfo.InvariantCulture) : null;

    /// <summary>A Service Cloud Voice contact center (a reqHvcc section): its telephony provider calls the Telephony Integration REST API.</summary>
    public bool IsVoice => Sections.Any(s => s.Name == Hvcc);

    /// <summary>The certificate whose key signs the telephony provider's JWTs (reqHvcc/reqTelephonyIntegrationCertificate).</summary>
    public string? TelephonyCertificate => Item(Hvcc, "reqTelephonyIntegrationCertificate") is { Length: > 0 } pem ? pem : null;

    /// <summary>The ConversationVendorInfo developer name that holds the connector's URL.</summary>
    public string? VendorInfoApiName => Item(GeneralInfo, "reqVendorInfoApiName") is { Length: > 0 } name ? name : null;
    public string? StandbyUrl => Item(GeneralInfo, "reqStandbyUrl") is { Length: > 0 } url ? url : null;

    /// <summary>Whether Lightning Experience shows this call center's softphone (reqSalesforceCompatibilityMode; Classic when missing).</summary>
    public bool ForLightning => AdapterUrl is not null && Item(GeneralInfo, "reqSalesforceCompatibilityMode") is "Lightning" or "Classic_and_Lightning";

    /// <summary>How long the adapter has to call notifyInitializationComplete before the standby URL loads.</summary>
    public TimeSpan? StandbyTimeout => Item(GeneralInfo, "reqTimeout") is { Length: > 0 } ms ? TimeSpan.FromMilliseconds(int.Parse(ms, CultureInfo.InvariantCulture)) : null;

    /// <summary>Every item as getCallCenterSettings returns it: "/section/item" → value.</summary>
    public Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var general = Sections.First(s => s.Name == GeneralInfo).Items;
        settings["/internalNameLabel"] = general.First(i => i.Name == "reqInternalName").Label ?? "InternalName";
        settings["/displayNameLabel"] = general.First(i => i.Name == "reqDisplayName").Label ?? "Display Name";
        foreach (var section in Sections)
        {
            if (section.Label is not null) settings[$"/{section.Name}/label"] = section.Label;
            foreach (var item in section.Items) settings[$"/{section.Name}/{item.Name}"] = item.Value;
        }
        return settings;
    }

    /// <summary>The definition a CallCenter record holds (its CustomSettings), or null for a call center without one.</summary>
    public static CallCenterDefinition? Of(SRecord center)
    {
        var xml = center.GetString("CustomSettings");
        if (string.IsNullOrWhiteSpace(xml)) return null;
        return Parsed.GetOrAdd(xml, Parse);
    }

    public static CallCenterDefinition Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        XDocument doc;
        try
        {
            // No DTDs: a definition file has none, and entities are how XML bombs are built.
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new CallCenterDefinitionException(e.LineNumber, "not well-formed XML: " + e.Message);
        }
        var root = doc.Root!;
        if (root.Name.LocalName != "callCenter")
            throw new CallCenterDefinitionException(Line(root), $"the root element is <{root.Name.LocalName}>; a call center definition file starts with <callCenter>.");
        var warnings = new List<string>();
        var sections = new List<CallCenterSection>();
        // Gaps in sortOrder are reported after missing items: a removed item leaves a gap, and "it is missing" is the better news.
        var sortChecks = new List<Action>();
        foreach (var element in root.Elements())
        {
            if (element.Name.LocalName != "section")
                throw new CallCenterDefinitionException(Line(element), $"unknown element <{element.Name.LocalName}> in <callCenter>: it holds only <section> elements.");
            var sectionName = Name(element, "section");
            if (sections.Any(s => s.Name == sectionName))
                throw new CallCenterDefinitionException(Line(element), $"section '{sectionName}' appears twice.");
            if (IsSalesforceName(sectionName) && !SalesforceSections.ContainsKey(sectionName))
                throw new CallCenterDefinitionException(Line(element),
                    $"unknown section '{sectionName}': names starting with 'req' are reserved for Salesforce's sections ({string.Join(", ", SalesforceSections.Keys)}); name your own sections without it.");
            var items = new List<CallCenterItem>();
            foreach (var child in element.Elements())
            {
                if (child.Name.LocalName != "item")
                    throw new CallCenterDefinitionException(Line(child), $"unknown element <{child.Name.LocalName}> in section '{sectionName}': a section holds only <item> elements.");
                var itemName = Name(child, "item");
                if (IsSalesforceName(itemName) && !(SalesforceSections.TryGetValue(sectionName, out var known) && known.Contains(itemName, StringComparer.Ordinal)))
                    throw new CallCenterDefinitionException(Line(child),
                        $"unknown item '{itemName}' in section '{sectionName}': names starting with 'req' are reserved for Salesforce's items.");
                if (items.Any(i => i.Name == itemName))
                    throw new CallCenterDefinitionException(Line(child), $"item '{itemName}' appears twice in section '{sectionName}'.");
                if (child.HasElements)
                    throw new CallCenterDefinitionException(Line(child), $"item '{itemName}' holds elements; an item's value is text.");
                items.Add(new CallCenterItem(itemName, Label(child), SortOrder(child), child.Value.Trim()));
            }
            var itemElements = element.Elements().ToList();
            var itemOrders = items.Select(i => i.SortOrder).ToList();
            sortChecks.Add(() => CheckSortOrders(itemElements, itemOrders, $"the items of section '{sectionName}'"));
            sections.Add(new CallCenterSection(sectionName, Label(element), SortOrder(element), items.OrderBy(i => i.SortOrder).ToList()));
        }

        sortChecks.Insert(0, () => CheckSortOrders(root.Elements().ToList(), sections.Select(x => x.SortOrder).ToList(), "the sections"));
        var general = root.Elements().FirstOrDefault(e => (string?)e.Attribute("name") == GeneralInfo)
                      ?? throw new CallCenterDefinitionException(Line(root), $"the <section name=\"{GeneralInfo}\"> is missing; it names the call center and its softphone.");
        var generalItems = sections.First(s => s.Name == GeneralInfo).Items;
        var voice = sections.FirstOrDefault(s => s.Name == Hvcc);
        var required = voice is null ? RequiredItems : VoiceRequiredItems;
        foreach (var item in required)
        {
            if (generalItems.FirstOrDefault(i => i.Name == item) is not { Value.Length: > 0 })
                throw new CallCenterDefinitionException(Line(general), $"the {GeneralInfo} section has no {item} item (required: {string.Join(", ", required)}).");
        }
        foreach (var check in sortChecks) check();
        // Salesforce fixes these: reqGeneralInfo first, then reqInternalName and reqDisplayName as its first two items.
        if (sections.First(x => x.Name == GeneralInfo).SortOrder != 0)
            throw new CallCenterDefinitionException(Line(general), $"{GeneralInfo} has sortOrder 0; only its label may change.");
        foreach (var (fixedItem, order) in new[] { ("reqInternalName", 0), ("reqDisplayName", 1) })
        {
            if (generalItems.First(i => i.Name == fixedItem).SortOrder != order)
                throw new CallCenterDefinitionException(Line(general.Elements().First(e => (string?)e.Attribute("name") == fixedItem)), $"{fixedItem} has sortOrder {order}; only its label may change.");
        }
        int LineOf(string item) => Line(general.Elements().First(e => (string?)e.Attribute("name") == item));
        string Value(string item) => generalItems.First(i => i.Name == item).Value;

        var internalName = Value("reqInternalName");
        if (!InternalNamePattern().IsMatch(internalName))
            throw new CallCenterDefinitionException(LineOf("reqInternalName"), $"reqInternalName '{internalName}' must start with a letter and hold only letters and digits (at most 40).");
        if (Value("reqDisplayName").Length > 1000)
            throw new CallCenterDefinitionException(LineOf("reqDisplayName"), "reqDisplayName is longer than 1000 characters.");
        CheckUrl("reqAdapterUrl", required: voice is null);
        CheckUrl("reqStandbyUrl", required: false);
        if (generalItems.Any(i => i.Name == "reqUseApi") && !bool.TryParse(Value("reqUseApi"), out _))
            throw new CallCenterDefinitionException(LineOf("reqUseApi"), $"reqUseApi is '{Value("reqUseApi")}'; it is true or false.");
        foreach (var size in new[] { "reqSoftphoneHeight", "reqSoftphoneWidth" })
        {
            if (generalItems.Any(i => i.Name == size) && (!int.TryParse(Value(size), NumberStyles.None, CultureInfo.InvariantCulture, out var px) || px is < 1 or > 10_000))
                throw new CallCenterDefinitionException(LineOf(size), $"{size} is '{Value(size)}'; it is a number of pixels (1 to 10000).");
        }
        if (voice is not null) CheckVoice(root.Elements().First(e => (string?)e.Attribute("name") == Hvcc), voice);
        var mode = generalItems.FirstOrDefault(i => i.Name == "reqSalesforceCompatibilityMode")?.Value;
        if (mode is not null && !CompatibilityModes.Contains(mode, StringComparer.Ordinal))
            throw new CallCenterDefinitionException(LineOf("reqSalesforceCompatibilityMode"), $"reqSalesforceCompatibilityMode is '{mode}'; it is one of {string.Join(", ", CompatibilityModes)}.");
        if ((mode is null or "Classic") && voice is null)
            warnings.Add("reqSalesforceCompatibilityMode is " + (mode is null ? "missing, so Classic" : "Classic") + ": Lightning Experience shows no softphone for this call center; set it to Lightning or Classic_and_Lightning.");
        var timeout = generalItems.FirstOrDefault(i => i.Name == "reqTimeout");
        var standby = generalItems.FirstOrDefault(i => i.Name == "reqStandbyUrl");
        if (timeout is not null && (!int.TryParse(timeout.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms is < 1 or > 600_000))
            throw new CallCenterDefinitionException(LineOf("reqTimeout"), $"reqTimeout is '{timeout.Value}'; it is a number of milliseconds (1 to 600000).");
        if ((timeout is null) != (standby is null))
            throw new CallCenterDefinitionException(LineOf(timeout is null ? "reqStandbyUrl" : "reqTimeout"), "reqStandbyUrl and reqTimeout go together: give both or neither.");

        return new CallCenterDefinition(sections.OrderBy(s => s.SortOrder).ToList(), warnings, xml);

        void CheckUrl(string item, bool required)
        {
            if (generalItems.FirstOrDefault(i => i.Name == item) is not { Value.Length: > 0 } found)
            {
                if (required) throw new CallCenterDefinitionException(Line(general), $"{item} is missing.");
                return;
            }
            if (found.Value.Length > 1024)
                throw new CallCenterDefinitionException(LineOf(item), $"{item} is longer than 1024 characters.");
            if (!Uri.TryCreate(found.Value, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
                throw new CallCenterDefinitionException(LineOf(item), $"{item} '{found.Value}' is not an absolute http(s) URL.");
            if (url.Scheme == "http")
                warnings.Add($"{item} is not https ({found.Value}): Salesforce requires https outside a local emulator.");
        }
    }

    /// <summary>The reqHvcc section: the telephony integration certificate must be an X.509 certificate (PEM) with an RSA key.</summary>
    private static void CheckVoice(XElement element, CallCenterSection section)
    {
        var item = section.Items.FirstOrDefault(i => i.Name == "reqTelephonyIntegrationCertificate");
        var line = element.Elements().FirstOrDefault(e => (string?)e.Attribute("name") == "reqTelephonyIntegrationCertificate") is { } found ? Line(found) : Line(element);
        if (item is not { Value.Length: > 0 })
            throw new CallCenterDefinitionException(line, $"the {Hvcc} section has no reqTelephonyIntegrationCertificate: the certificate (PEM) whose private key signs the telephony provider's requests.");
        if (item.Value.Length > 16_384)
            throw new CallCenterDefinitionException(line, "reqTelephonyIntegrationCertificate is longer than 16384 characters; it holds one certificate.");
        var certificate = TelephonyCertificates.TryRead(item.Value, out var problem)
                          ?? throw new CallCenterDefinitionException(line, "reqTelephonyIntegrationCertificate: " + problem);
        certificate.Dispose();
    }

    private static bool IsSalesforceName(string name) => name.StartsWith("req", StringComparison.Ordinal);

    private static string Name(XElement element, string kind)
    {
        var name = (string?)element.Attribute("name");
        if (string.IsNullOrWhiteSpace(name))
            throw new CallCenterDefinitionException(Line(element), $"a <{kind}> has no name attribute.");
        if (!ElementNamePattern().IsMatch(name))
            throw new CallCenterDefinitionException(Line(element), $"{kind} name '{name}' must hold only letters and digits (at most 40), no spaces or punctuation.");
        if (ReservedWords.Contains(name, StringComparer.Ordinal))
            throw new CallCenterDefinitionException(Line(element), $"{kind} name '{name}' is a reserved word ({string.Join(", ", ReservedWords)}).");
        return name;
    }

    private static string? Label(XElement element)
    {
        var label = (string?)element.Attribute("label");
        if (label is { Length: > 1000 })
            throw new CallCenterDefinitionException(Line(element), "a label is longer than 1000 characters.");
        return label;
    }

    private static int SortOrder(XElement element)
    {
        var raw = (string?)element.Attribute("sortOrder")
                  ?? throw new CallCenterDefinitionException(Line(element), $"<{element.Name.LocalName}> has no sortOrder attribute (0, 1, 2… in order, without gaps).");
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var order))
            throw new CallCenterDefinitionException(Line(element), $"sortOrder '{raw}' is not a whole number of zero or more.");
        return order;
    }

    /// <summary>Sort orders run 0, 1, 2… without gaps or repeats.</summary>
    private static void CheckSortOrders(List<XElement> elements, List<int> orders, string what)
    {
        for (var expected = 0; expected < orders.Count; expected++)
        {
            if (orders.Contains(expected)) continue;
            var culprit = elements.FirstOrDefault(e => orders[elements.IndexOf(e)] >= orders.Count || orders.Count(o => o == orders[elements.IndexOf(e)]) > 1) ?? elements[^1];
            throw new CallCenterDefinitionException(Line(culprit), $"the sortOrder values of {what} must be 0 to {orders.Count - 1} without gaps; {expected} is missing.");
        }
    }

    private static int Line(XElement element) => ((IXmlLineInfo)element).LineNumber;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,39}$")]
    private static partial Regex InternalNamePattern();

    [GeneratedRegex("^[A-Za-z0-9]{1,40}$")]
    private static partial Regex ElementNamePattern();
}
