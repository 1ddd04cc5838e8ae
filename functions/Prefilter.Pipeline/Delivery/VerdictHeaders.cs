using System.Globalization;
using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// The scan verdict as <c>X-Prefilter-Verdict</c>, <c>-Score</c>, <c>-Rules</c> and <c>-Set</c> header lines, which
/// delivery puts on top of the mail (<see cref="RelayMessage"/> removes any <c>X-Prefilter-*</c> field the mail already
/// had, so a sender cannot forge a verdict). Every value is reduced to printable ASCII tokens, so no value can end
/// its header (no CR, LF or other control character), and long values are folded between tokens.
/// </summary>
public static class VerdictHeaders
{
    /// <summary>The prefix shared by the headers this stage owns.</summary>
    public const string Prefix = "X-Prefilter-";

    /// <summary>
    /// The verdict header, e.g. <c>X-Prefilter-Verdict: Tag</c>; <c>Deliver; incomplete</c> when a budget cut the
    /// scan short, so the downstream can tell an unfinished scan from a clean one.
    /// </summary>
    public const string Verdict = Prefix + "Verdict";

    /// <summary>The score header, invariant culture, e.g. <c>X-Prefilter-Score: 7.25</c>.</summary>
    public const string Score = Prefix + "Score";

    /// <summary>The header listing the rules that hit, comma separated.</summary>
    public const string Rules = Prefix + "Rules";

    /// <summary>The header naming the pattern set (its digest) the scan used.</summary>
    public const string Set = Prefix + "Set";

    /// <summary>
    /// Rules listed at most; a longer list ends with <c>+N more</c>. Keeps a pathological hit list from
    /// growing the header block without bound.
    /// </summary>
    public const int MaxRulesListed = 200;

    // RFC 5322 §2.1.1: lines SHOULD stay within 78 characters; folding keeps them there.
    private const int FoldAt = 78;

    /// <summary>Formats the four verdict header lines, each ending in CRLF.</summary>
    /// <param name="action">The action for the recipients this copy goes to (their domain's, which may differ from the set's).</param>
    /// <param name="verdict">The scan verdict: score (not-a-number or infinite is written as <c>0</c>), rules, set digest, incomplete flag.</param>
    /// <returns>The header lines as ASCII bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="verdict"/> is null.</exception>
    public static byte[] Format(VerdictAction action, ScanVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var scoreText = double.IsFinite(verdict.Score) ? verdict.Score.ToString("0.###", CultureInfo.InvariantCulture) : "0";
        var builder = new StringBuilder();
        Append(builder, Verdict, [verdict.Incomplete ? $"{action}; incomplete" : action.ToString()]);
        Append(builder, Score, [scoreText]);
        Append(builder, Rules, RuleList(verdict.Rules));
        Append(builder, Set, [Token(verdict.SetDigest)]);
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    /// <summary>True when a header field name is one this stage owns (<see cref="Prefix"/>, any case).</summary>
    /// <param name="fieldName">A field name as written, without the colon.</param>
    public static bool IsOwn(ReadOnlySpan<char> fieldName) => fieldName.Trim().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    private static void Append(StringBuilder builder, string name, IReadOnlyList<string> words)
    {
        var line = builder.Length;
        builder.Append(name).Append(':');
        foreach (var word in words)
        {
            if (builder.Length - line + 1 + word.Length > FoldAt && builder.Length - line > name.Length + 1)
            {
                builder.Append("\r\n");
                line = builder.Length;
            }

            builder.Append(' ').Append(word);
        }

        builder.Append("\r\n");
    }

    // The rule list as words to fold between: "A," "B," "C" and perhaps "+5" "more".
    private static List<string> RuleList(IEnumerable<string> rules)
    {
        var listed = new List<string>();
        var more = 0;
        foreach (var rule in rules)
        {
            var token = Token(rule);
            if (token.Length == 0)
            {
                continue;
            }

            if (listed.Count < MaxRulesListed)
            {
                listed.Add(token);
            }
            else
            {
                more++;
            }
        }

        if (listed.Count == 0)
        {
            return ["none"];
        }

        var words = listed.Select((token, i) => i < listed.Count - 1 ? token + "," : token).ToList();
        if (more > 0)
        {
            words.AddRange([$"+{more}", "more"]);
        }

        return words;
    }

    // A token keeps letters, digits and a few punctuation marks used in rule ids and digests; anything else,
    // CR and LF included, would let a value break out of its header or need encoding, so it becomes '_'.
    private static string Token(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.Trim())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '+' or '/' or '=' ? c : '_');
        }

        return builder.ToString();
    }
}
