using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// Converts a Perl regular expression, as SpamAssassin compiles it, into a .NET pattern with the same meaning.
/// </summary>
/// <remarks>
/// <para>
/// SpamAssassin compiles every rule with <c>qr/…/aa</c>, so <c>\d \w \s</c> and the POSIX classes are ASCII-only;
/// they become explicit ASCII classes here. <c>\b</c> and <c>\B</c> stay .NET's (Unicode word characters): an exact
/// ASCII boundary needs lookarounds, which would keep otherwise linear rules out of the non-backtracking engine.
/// </para>
/// <para>
/// <c>\xNN</c> stays the character U+00NN. SpamAssassin matches rules on octets (text re-encoded as UTF-8), so a rule
/// that spells a non-ASCII letter as UTF-8 bytes (<c>[\xc3][\xa9]</c>) keeps that meaning only where the scanner
/// presents each octet as one character.
/// </para>
/// <para>
/// Refused, with the feature and its offset: <c>\K</c>, <c>\X</c>, <c>\C</c>, branch reset <c>(?|…)</c>, recursion,
/// embedded code, backtracking verbs, <c>\N{name}</c>, Unicode properties .NET lacks, negated POSIX or shorthand classes
/// that cannot be written in one .NET class. Escapes that Perl only knows in source code (<c>\Q \E \U \L \u \l</c>) and
/// unknown letter escapes are refused because SpamAssassin itself rejects such rules.
/// </para>
/// </remarks>
public static partial class PerlRegexConverter
{
    /// <summary>Converts <paramref name="perlPattern"/> (without delimiters) compiled with <paramref name="modifiers"/>.</summary>
    /// <param name="perlPattern">The pattern between the delimiters.</param>
    /// <param name="modifiers">Modifier letters after the closing delimiter, e.g. <c>i</c> or <c>si</c>.</param>
    /// <param name="dotNetPattern">The .NET pattern, options inline (e.g. <c>(?i)</c>); verified to construct.</param>
    /// <param name="failure">Why the pattern cannot be converted, with the offset in <paramref name="perlPattern"/> when known.</param>
    /// <returns>True when converted.</returns>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    public static bool TryConvert(
        string perlPattern,
        string modifiers,
        [NotNullWhen(true)] out string? dotNetPattern,
        [NotNullWhen(false)] out RegexConversionFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(perlPattern);
        ArgumentNullException.ThrowIfNull(modifiers);
        dotNetPattern = null;
        try
        {
            var converted = new Translation(perlPattern, modifiers).Run();
            _ = new Regex(converted, RegexOptions.None, Regex.InfiniteMatchTimeout);
            dotNetPattern = converted;
            failure = null;
            return true;
        }
        catch (ConversionException e)
        {
            failure = new RegexConversionFailure(e.Kind, e.Message, e.Offset);
            return false;
        }
        catch (ArgumentException e)
        {
            failure = new RegexConversionFailure(RegexFailureKind.NotConstructible, $"the converted regex does not construct in .NET: {e.Message}", null);
            return false;
        }
    }

    private sealed class ConversionException(RegexFailureKind kind, string message, int? offset) : Exception(message)
    {
        public RegexFailureKind Kind { get; } = kind;

        public int? Offset { get; } = offset;
    }
}
