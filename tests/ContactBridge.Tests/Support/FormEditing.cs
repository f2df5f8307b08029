using AngleSharp.Html.Dom;

namespace ContactBridge.Tests.Support;

/// <summary>What a user (or someone tampering with the page) does to a form before submitting it.</summary>
public static class FormEditing
{
    private static T Find<T>(IHtmlFormElement form, string selector) where T : class =>
        form.QuerySelector(selector) as T ?? throw new InvalidOperationException($"No {typeof(T).Name} {selector} in the form:\n{form.OuterHtml}");

    /// <summary>Types into an input or a textarea, or chooses an option; a value the select does not offer is added first, as a tampered page would.</summary>
    public static IHtmlFormElement Set(this IHtmlFormElement form, string selector, string value)
    {
        switch (form.QuerySelector(selector))
        {
            case IHtmlInputElement input:
                input.Value = value;
                break;
            case IHtmlTextAreaElement area:
                area.Value = value;
                break;
            case IHtmlSelectElement select:
                if (select.Options.All(o => o.Value != value))
                {
                    var option = (IHtmlOptionElement)form.Owner!.CreateElement("option");
                    option.Value = value;
                    select.AppendChild(option);
                }
                select.Value = value;
                break;
            default:
                throw new InvalidOperationException($"No field {selector} in the form:\n{form.OuterHtml}");
        }
        return form;
    }

    public static IHtmlFormElement Check(this IHtmlFormElement form, string selector, bool on = true)
    {
        Find<IHtmlInputElement>(form, selector).IsChecked = on;
        return form;
    }

    /// <summary>The values a field would submit now.</summary>
    public static string Value(this IHtmlFormElement form, string selector) => form.QuerySelector(selector) switch
    {
        IHtmlInputElement i => i.Value,
        IHtmlTextAreaElement t => t.Value,
        IHtmlSelectElement s => s.Value ?? "",
        _ => throw new InvalidOperationException($"No field {selector}"),
    };
}
