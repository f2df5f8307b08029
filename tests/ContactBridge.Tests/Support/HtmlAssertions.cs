using System.Net;

namespace ContactBridge.Tests.Support;

/// <summary>What a page shows, whichever way its template encodes it (named, decimal or hexadecimal character references).</summary>
public static class HtmlAssertions
{
    /// <summary>The page shows this text exactly, and never raw where it holds markup characters (so it cannot become markup).</summary>
    public static void ShouldShowText(this string html, string text, string? customMessage = null)
    {
        WebUtility.HtmlDecode(html).ShouldContain(text, Case.Sensitive, customMessage);
        if (text.IndexOfAny(['<', '>', '"', '\'', '&']) >= 0) html.ShouldNotContain(text, Case.Sensitive, customMessage);
    }

    /// <summary>The page does not show this text, encoded or not.</summary>
    public static void ShouldNotShowText(this string html, string text, string? customMessage = null) =>
        WebUtility.HtmlDecode(html).ShouldNotContain(text, Case.Sensitive, customMessage);
}
