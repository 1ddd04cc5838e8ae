using System.Globalization;
using System.Text;
using MimeKit;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Stamps the scan verdict on a mail as <c>X-Prefilter-Verdict</c>, <c>-Score</c>, <c>-Rules</c> and <c>-Set</c>
/// headers at the top. Every <c>X-Prefilter-*</c> header already in the mail is removed first, so a sender
/// cannot forge a verdict, and every value is reduced to printable ASCII tokens, so no value can end the header
/// (no CR, LF or other control character) and MimeKit can fold it at the spaces between tokens.
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

    /// <summary>Removes any <c>X-Prefilter-*</c> header from <paramref name="message"/> and adds the four verdict headers at the top.</summary>
    /// <param name="message">The mail to stamp; changed in place.</param>
    /// <param name="action">The action for the recipients this copy goes to (their domain's, which may differ from the set's).</param>
    /// <param name="verdict">The scan verdict: score (not-a-number or infinite is written as <c>0</c>), rules, set digest, incomplete flag.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void Apply(MimeMessage message, VerdictAction action, ScanVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(verdict);

        var headers = message.Headers;
        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Field.Trim().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                headers.RemoveAt(i);
            }
        }

        var scoreText = double.IsFinite(verdict.Score) ? verdict.Score.ToString("0.###", CultureInfo.InvariantCulture) : "0";
        headers.Insert(0, new Header(Set, Token(verdict.SetDigest)));
        headers.Insert(0, new Header(Rules, RuleList(verdict.Rules)));
        headers.Insert(0, new Header(Score, scoreText));
        headers.Insert(0, new Header(Verdict, verdict.Incomplete ? $"{action}; incomplete" : action.ToString()));
    }

    private static string RuleList(IEnumerable<string> rules)
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

        var text = listed.Count == 0 ? "none" : string.Join(", ", listed);
        return more == 0 ? text : $"{text} +{more} more";
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
