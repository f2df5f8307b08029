using System.Net;

namespace ContactBridge.Tests.Support;

/// <summary>What a page shows, whichever way its template encodes it (named, decimal or hexadecimal character references).</summary>
public static class HtmlAssertions
{
    /// <summary>Tag openings the portal's own pages hold, which a hostile value may hold too without proving anything.</summary>
    private static readonly HashSet<string> KnownMarkup = new(StringComparer.OrdinalIgnoreCase)
    {
        "<a", "<p", "<td", "<tr", "<th", "<code", "<span", "<div", "<li", "<ul", "<form", "<input", "<label", "<button", "<section", "<h1", "<h2", "<h3", "<h4",
        "<table", "<select", "<option", "<textarea", "<link", "<meta", "<title", "<script", "<svg", "<rect", "<line", "<text", "<g", "<figure", "<nav", "<main", "<header",
        "<p>", "<td>", "<tr>", "<th>", "<li>", "<ul>", "<h1>", "<h2>", "<h3>", "<h4>", "<table>", "<section>", "<strong>", "<code>", "<title>", "<head>", "<body>", "<main>", "<nav>",
    };

    /// <summary>The page shows this text exactly, and never raw where it holds markup characters (so it cannot become markup).</summary>
    public static void ShouldShowText(this string html, string text, string? customMessage = null)
    {
        WebUtility.HtmlDecode(html).ShouldContain(text, Case.Sensitive, customMessage);
        if (text.IndexOfAny(['<', '>', '"', '\'', '&']) >= 0) html.ShouldNotContain(text, Case.Sensitive, customMessage);
        // Nor any tag it holds, opened raw: "<img src=x onerror=&quot;…&quot;>" would be markup even with its quotes encoded.
        foreach (System.Text.RegularExpressions.Match tag in System.Text.RegularExpressions.Regex.Matches(text, "<[A-Za-z!][^\\s>/]*>?"))
            if (!KnownMarkup.Contains(tag.Value)) html.ShouldNotContain(tag.Value, Case.Insensitive, customMessage);
    }

    /// <summary>The text of the first element the CSS selector finds (AngleSharp parses the page as a browser would), or null.</summary>
    public static string? TextAt(this string html, string selector)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        return document.QuerySelector(selector)?.TextContent;
    }

    /// <summary>The value of an attribute of the first element the selector finds, or null.</summary>
    public static string? AttributeAt(this string html, string selector, string attribute) =>
        new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).QuerySelector(selector)?.GetAttribute(attribute);

    /// <summary>The page does not show this text, encoded or not.</summary>
    public static void ShouldNotShowText(this string html, string text, string? customMessage = null) =>
        WebUtility.HtmlDecode(html).ShouldNotContain(text, Case.Sensitive, customMessage);
}
