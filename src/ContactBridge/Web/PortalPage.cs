using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ContactBridge.Web;

/// <summary>
/// Portal pages are Razor components rendered on the server (no circuit, no WebAssembly): every value is
/// HTML-encoded by the template, and an endpoint loads what a page shows, then hands it over as parameters.
/// </summary>
public static class PortalPage
{
    public static IResult Render<TPage>(object? parameters = null, int status = StatusCodes.Status200OK) where TPage : IComponent =>
        new RazorComponentResult<TPage>(parameters ?? new { }) { StatusCode = status, ContentType = "text/html; charset=utf-8" };

    public static IResult Message(string title, string text, int status, string? error = null, string? backTo = null) =>
        Render<MessagePage>(new { Title = title, Text = text, Error = error, BackTo = backTo }, status);
}
