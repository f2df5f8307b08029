using System.Text;

namespace ContactBridge.Emulator.Bulk;

/// <summary>
/// CSV as Bulk API 2.0 reads and writes it: RFC 4180 quoting (quotes doubled, delimiters and line
/// breaks inside quotes), LF or CRLF line endings, and the documented column delimiters.
/// </summary>
public static class BulkCsv
{
    public static readonly IReadOnlyDictionary<string, char> Delimiters = new Dictionary<string, char>(StringComparer.Ordinal)
    {
        ["COMMA"] = ',', ["TAB"] = '\t', ["SEMICOLON"] = ';', ["PIPE"] = '|', ["CARET"] = '^', ["BACKQUOTE"] = '`',
    };

    /// <summary>
    /// Rows of fields; throws FormatException with the line of the first malformed row. Stops after <paramref name="maxRows"/>
    /// rows (the caller then sees more than it allows and refuses the file without reading the rest).
    /// </summary>
    public static List<List<string>> Parse(string text, char delimiter, int maxRows = int.MaxValue)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var fieldStarted = false;
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            if (c == '"' && !fieldStarted)
            {
                quoted = true;
                fieldStarted = true;
                continue;
            }
            if (c == delimiter)
            {
                row.Add(field.ToString());
                field.Clear();
                fieldStarted = false;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                row.Add(field.ToString());
                field.Clear();
                fieldStarted = false;
                if (!(row.Count == 1 && row[0].Length == 0)) rows.Add(row);
                if (rows.Count >= maxRows) return rows;
                row = [];
                line++;
                continue;
            }
            if (c == '"') throw new FormatException($"Line {line}: a quote inside an unquoted field; quote the whole field and double the quote.");
            field.Append(c);
            fieldStarted = true;
        }
        if (quoted) throw new FormatException($"Line {line}: a quoted field is never closed.");
        if (field.Length > 0 || fieldStarted || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }
        return rows;
    }

    public static string Field(string? value, char delimiter)
    {
        if (value is null) return "";
        return value.IndexOfAny(['"', delimiter, '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Writes rows; result files quote every field, as Salesforce's do.</summary>
    public static string Write(IEnumerable<IReadOnlyList<string?>> rows, char delimiter, string lineEnding, bool quoteAll = false)
    {
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            sb.Append(string.Join(delimiter, row.Select(f => quoteAll && f is not null ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : Field(f, delimiter))))
                .Append(lineEnding);
        }
        return sb.ToString();
    }
}
