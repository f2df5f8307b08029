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

    /// <summary>A document as UTF-8 text with its declaration, unindented.</summary>
    public static string Serialize(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var builder = new System.Text.StringBuilder();
        using (var writer = XmlWriter.Create(new StringWriter(builder, System.Globalization.CultureInfo.InvariantCulture), new XmlWriterSettings { Indent = false }))
            document.Save(writer);
        // StringWriter reports UTF-16; the bytes sent are UTF-8.
        return builder.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal);
    }
}
