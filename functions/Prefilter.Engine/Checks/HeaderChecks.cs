using System.Text;
using System.Text.RegularExpressions;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Checks;

/// <summary>The Date header shifted from the Received headers' dates by at least <c>min</c> and less than <c>max</c> hours.</summary>
internal sealed class ShiftedDateCheck(IReadOnlyList<CheckArgument> args) : BuiltInCheck
{
    private readonly double? minHours = args[0].Number;
    private readonly double? maxHours = args[1].Number;

    public override bool Hits(MessageAnalysis message)
    {
        var shift = message.DateShift;
        return (this.minHours is not { } min || shift >= 3600 * min) && (this.maxHours is not { } max || shift < 3600 * max);
    }
}

/// <summary>A Subject of several words, at least 10 characters, whose letters are all capitals (SpamAssassin's <c>subject_is_all_caps</c>).</summary>
internal sealed partial class SubjectAllCapsCheck : BuiltInCheck
{
    public override bool Hits(MessageAnalysis message)
    {
        var subject = ReplyPrefixes().Replace(SpamAssassinHeader.Get(message.View.Headers, "Subject").Trim(PerlSpace), "");
        if (subject.IndexOfAny(PerlSpace) < 0 || Encoding.UTF8.GetByteCount(subject) < 10)
        {
            return false;
        }

        // Subjects in these charsets are mostly capitals or letters without case; SpamAssassin leaves them alone.
        if (message.View.Headers.GetRawJoined("Subject") is { } raw && CapsLikelyCharset().IsMatch(raw))
        {
            return false;
        }

        var letters = subject.Where(char.IsAsciiLetter).ToList();
        return letters.Count > 0 && letters.All(char.IsAsciiLetterUpper);
    }

    // Perl's \s on byte strings.
    private static readonly char[] PerlSpace = [' ', '\t', '\n', '\r', '\f', '\v'];

    [GeneratedRegex(@"^(?:(?:Re|Fwd|Fw|Aw|Antwort|WG|SV|VB|VS|VL):[ \t\n\r\f\v]*)+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex ReplyPrefixes();

    [GeneratedRegex(@"=\?[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|georgianps|pt154|tis)[-_a-z0-9]*\?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex CapsLikelyCharset();
}

/// <summary>
/// A Message-ID in Outlook's form whose embedded time is far from both the Date and the first Received header's date
/// (SpamAssassin's <c>check_outlook_message_id</c>): ratware imitating Outlook.
/// </summary>
internal sealed partial class OutlookMessageIdCheck : BuiltInCheck
{
    // Outlook's time token is the time in units of 2^32 / 10^7 seconds, offset; SpamAssassin's constants.
    private const double TokenPerSecond = 0.0023283064365387;
    private const double TokenAtEpoch = 27111902.8329849;
    private const long Fudge = 250;

    public override bool Hits(MessageAnalysis message)
    {
        if (OutlookId().Match(message.MessageIds) is not { Success: true } id)
        {
            return false;
        }

        var token = long.Parse(id.Groups[1].ValueSpan, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        if (Math.Abs(token - Expected(message.View.Headers.GetJoined("Date"))) < Fudge)
        {
            return false;
        }

        // SpamAssassin parses the whole Received text here, so the first date in any Received header counts.
        return Math.Abs(token - Expected(message.View.Headers.GetJoined("Received"))) >= Fudge;
    }

    private static long Expected(string? header) =>
        (long)((((header is null ? null : SpamAssassinDate.Parse(header)) ?? 0) * TokenPerSecond) + TokenAtEpoch);

    [GeneratedRegex(@"^<[0-9a-f]{4}([0-9a-f]{8})\$[0-9a-f]{8}\$[0-9a-f]{8}@", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex OutlookId();
}

/// <summary>The number of distinct values of a header within a range (SpamAssassin's <c>check_header_count_range</c>).</summary>
internal sealed class HeaderCountRangeCheck(IReadOnlyList<CheckArgument> args) : BuiltInCheck
{
    private readonly string header = args[0].Text!;
    private readonly double min = args[1].Number!.Value;
    private readonly double max = args[2].Number!.Value;

    public override bool Hits(MessageAnalysis message)
    {
        var count = message.View.Headers.GetValues(this.header).Distinct(StringComparer.Ordinal).Count();
        return count >= this.min && count <= this.max;
    }
}

/// <summary>Neither a To nor an Apparently-To header (SpamAssassin's <c>check_for_missing_to_header</c>).</summary>
internal sealed class MissingToHeaderCheck : BuiltInCheck
{
    public override bool Hits(MessageAnalysis message) =>
        !message.View.Headers.Contains("To") && !message.View.Headers.Contains("Apparently-To");
}
