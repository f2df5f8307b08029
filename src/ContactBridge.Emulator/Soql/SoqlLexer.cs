using System.Text;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Soql;

public enum TokenKind { Identifier, String, Number, Date, DateTime, Symbol, End }

public sealed record Token(TokenKind Kind, string Text, object? Value, int Row, int Column)
{
    public bool Is(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
    public bool IsSymbol(string s) => Kind == TokenKind.Symbol && Text == s;
}

/// <summary>
/// Splits SOQL (and the WHERE parts of SOSL) into tokens, with the row and column of each so
/// that errors can point where Salesforce's do ("ERROR at Row:1:Column:N").
/// String literals take the escapes SOQL defines: \n \r \t \b \f \" \' \\ \uXXXX, and \_ \% kept for LIKE.
/// </summary>
public sealed class SoqlLexer(string text)
{
    private int _pos;
    private int _row = 1;
    private int _lineStart;

    public string Text => text;

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            SkipWhitespace();
            if (_pos >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "<EOF>", null, _row, _pos - _lineStart + 1));
                return tokens;
            }
            tokens.Add(Next());
        }
    }

    private void SkipWhitespace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
        {
            if (text[_pos] == '\n')
            {
                _row++;
                _lineStart = _pos + 1;
            }
            _pos++;
        }
    }

    private Token Next()
    {
        var start = _pos;
        var column = _pos - _lineStart + 1;
        var c = text[_pos];
        if (c == '\'') return ReadString(column);
        if (char.IsAsciiDigit(c) || (c is '-' or '+' && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1]) && PrecededByOperator()))
        {
            // Dates (2024-01-31) and datetimes (2024-01-31T10:00:00Z) come before plain numbers.
            var rest = text.AsSpan(_pos);
            var m = System.Text.RegularExpressions.Regex.Match(rest.ToString(), @"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2}))?");
            if (char.IsAsciiDigit(c) && m.Success)
            {
                _pos += m.Length;
                var lexeme = m.Value;
                if (m.Groups[1].Success)
                {
                    if (!FieldValues.TryParseDateTime(lexeme, out var dt)) throw Error(column, $"unexpected token: '{lexeme}'");
                    return new Token(TokenKind.DateTime, lexeme, dt, _row, column);
                }
                if (!DateOnly.TryParseExact(lexeme, "yyyy-MM-dd", out var d)) throw Error(column, $"unexpected token: '{lexeme}'");
                return new Token(TokenKind.Date, lexeme, d, _row, column);
            }
            _pos++;
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '.')) _pos++;
            var num = text[start.._pos];
            if (!decimal.TryParse(num, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
                throw Error(column, $"unexpected token: '{num}'");
            return new Token(TokenKind.Number, num, value, _row, column);
        }
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
            return new Token(TokenKind.Identifier, text[start.._pos], null, _row, column);
        }
        foreach (var sym in new[] { "!=", "<>", "<=", ">=", "=", "<", ">", "(", ")", ",", ".", ":" })
        {
            if (string.CompareOrdinal(text, _pos, sym, 0, sym.Length) == 0)
            {
                _pos += sym.Length;
                return new Token(TokenKind.Symbol, sym, null, _row, column);
            }
        }
        throw Error(column, $"unexpected token: '{c}'");
    }

    private bool PrecededByOperator()
    {
        for (var i = _pos - 1; i >= 0; i--)
        {
            if (char.IsWhiteSpace(text[i])) continue;
            return text[i] is '=' or '<' or '>' or '(' or ',';
        }
        return false;
    }

    private Token ReadString(int column)
    {
        var sb = new StringBuilder();
        _pos++;
        while (true)
        {
            if (_pos >= text.Length) throw Error(column, "line 1:" + (column - 1) + " mismatched character '<EOF>' expecting '''");
            var c = text[_pos++];
            if (c == '\'') break;
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_pos >= text.Length) throw Error(column, "Invalid string literal. Illegal escape sequence.");
            var e = text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '"': sb.Append('"'); break;
                case '\'': sb.Append('\''); break;
                case '\\': sb.Append("\\\\"); break;
                case '_': sb.Append("\\_"); break;
                case '%': sb.Append("\\%"); break;
                case 'u' when _pos + 4 <= text.Length && int.TryParse(text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber, null, out var code):
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error(column, $"Invalid string literal '{text[(column - 1 + _lineStart)..Math.Min(text.Length, _pos)]}'. Illegal escape sequence '\\{e}'");
            }
        }
        // Backslash escapes for \\, \_ and \% stay marked until the consumer knows whether it is a LIKE pattern.
        return new Token(TokenKind.String, text[(column - 1 + _lineStart).._pos], sb.ToString(), _row, column);
    }

    public SalesforceException Error(int column, string message, string code = "MALFORMED_QUERY") => SoqlError.At(text, _row, column, message, code);
}

public static class SoqlError
{
    /// <summary>Salesforce's message shape: the offending line, a caret, "ERROR at Row:r:Column:c", then the reason.</summary>
    public static SalesforceException At(string query, int row, int column, string message, string code = "MALFORMED_QUERY")
    {
        var lines = query.Split('\n');
        var line = row - 1 < lines.Length ? lines[row - 1].TrimEnd('\r') : "";
        var caret = new string(' ', Math.Max(0, column - 1)) + "^";
        return new SalesforceException(400, code, $"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{message}");
    }

    /// <summary>The literal value of a string token: LIKE markers resolved for an equality comparison.</summary>
    public static string Plain(string marked) => marked.Replace("\\\\", "\\", StringComparison.Ordinal);
}
