using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// A delimited Perl regex as written in a rule (<c>/…/i</c>, <c>m{…}</c>, <c>m!…!</c>), split the way SpamAssassin's
/// <c>Mail::SpamAssassin::Util::compile_regexp</c> splits it.
/// </summary>
/// <param name="Pattern">The text between the delimiters.</param>
/// <param name="Modifiers">The letters after the closing delimiter.</param>
public sealed record PerlRegexLiteral(string Pattern, string Modifiers)
{
    private static readonly Regex PairedOpening = new(@"^(?:m|qr)([\{\(<\[])", RegexOptions.CultureInvariant);
    private static readonly Regex AnyOpening = new(@"^(?:m|qr)(\W)", RegexOptions.CultureInvariant);

    /// <summary>Splits <paramref name="text"/> into pattern and modifiers.</summary>
    /// <param name="text">The regex as written, e.g. <c>/foo/i</c>.</param>
    /// <param name="literal">The parts when valid.</param>
    /// <param name="error">SpamAssassin's reason for rejecting it otherwise.</param>
    /// <returns>True when the text is a valid delimited regex.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="text"/> is null.</exception>
    public static bool TryParse(string text, [NotNullWhen(true)] out PerlRegexLiteral? literal, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        literal = null;
        string body;
        string closing;
        if (text.StartsWith('/'))
        {
            body = text[1..];
            closing = "/";
        }
        else if (PairedOpening.Match(text) is { Success: true } paired)
        {
            body = text[paired.Length..];
            closing = paired.Groups[1].Value switch { "{" => "}", "(" => ")", "<" => ">", _ => "]" };
        }
        else if (AnyOpening.Match(text) is { Success: true } any)
        {
            if (any.Groups[1].Value == "\\")
            {
                error = "backslash delimiter not allowed";
                return false;
            }

            body = text[any.Length..];
            closing = any.Groups[1].Value;
        }
        else
        {
            error = "missing regexp delimiters";
            return false;
        }

        var end = new Regex(Regex.Escape(closing) + @"([a-df-z]*)\z", RegexOptions.CultureInvariant).Match(body);
        if (!end.Success)
        {
            error = "invalid end delimiter/mods";
            return false;
        }

        var pattern = body[..end.Index];
        if (pattern.Contains("?{", StringComparison.Ordinal) && Regex.IsMatch(pattern, @"\(\?\??\{"))
        {
            error = "eval (?{}) found";
            return false;
        }

        // Only asymmetric delimiters are checked: a symmetric one would flag {n,m} and classes.
        if (closing is not ("}" or ")" or "]"))
        {
            var stripped = pattern.Replace("\\\\", string.Empty, StringComparison.Ordinal);
            if (Regex.IsMatch(stripped, @"(?<!\\)" + Regex.Escape(closing)))
            {
                error = $"unquoted delimiter '{closing}' found";
                return false;
            }
        }

        literal = new PerlRegexLiteral(pattern, end.Groups[1].Value);
        error = null;
        return true;
    }
}
