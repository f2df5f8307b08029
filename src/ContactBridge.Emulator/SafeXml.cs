using System.Xml;
using System.Xml.Linq;

namespace ContactBridge.Emulator;

/// <summary>
/// XML from callers (SOAP envelopes, Bulk API 1.0 jobs and batches), read safely: no DTDs or external entities, and no
/// nesting deeper than <see cref="MaxDepth"/> (a deeply nested document would exhaust the stack of whatever walks it).
/// </summary>
public static class SafeXml
{
    public const int MaxDepth = 64;

    private static readonly XmlReaderSettings Settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    /// <summary>The document; an XmlException says what is wrong with one that is malformed, has a DTD or is too deep.</summary>
    public static XDocument Parse(string text)
    {
        using (var check = XmlReader.Create(new StringReader(text), Settings))
        {
            while (check.Read())
            {
                if (check.Depth > MaxDepth) throw new XmlException($"The XML is nested deeper than {MaxDepth} levels.");
            }
        }
        using var reader = XmlReader.Create(new StringReader(text), Settings);
        return XDocument.Load(reader);
    }
}
