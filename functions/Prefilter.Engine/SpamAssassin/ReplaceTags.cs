using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// The settings of SpamAssassin's ReplaceTags plugin and its expansion of tags in rule regexes
/// (<c>Mail::SpamAssassin::Plugin::ReplaceTags</c>, <c>finish_parsing_end</c>), reproduced step by step so the
/// expanded pattern text is the one SpamAssassin compiles.
/// </summary>
/// <remarks>
/// The plugin works on the Perl pattern text, before any conversion: it removes the first <c>&lt;pre NAME&gt;</c>,
/// <c>&lt;post NAME&gt;</c> and <c>&lt;inter NAME&gt;</c>, splits the pattern at tags, puts the pre value before and
/// the post value after every tag, the inter value between two adjacent tags, then replaces each known tag by its value.
/// A value that itself holds a tag causes another pass, at most six in all. Unknown tags (such as a named group's
/// <c>&lt;name&gt;</c>) stay as they are.
/// </remarks>
public sealed class ReplaceTags
{
    // SpamAssassin expands the stringified compiled regex, which always starts with its modifiers, e.g. "(?^aa:" → "(?aa)".
    private const string CompiledPrefix = "(?aa)";
    private const int MaxPasses = 6;

    private static readonly Regex TagSplit = new("(<[^<>]+>)", RegexOptions.CultureInvariant);
    private static readonly Regex HoldsTag = new("<[^>]+>", RegexOptions.CultureInvariant);

    /// <summary>Start of a tag (<c>replace_start</c>, a regex fragment as in the plugin); default <c>&lt;</c>.</summary>
    public string Start { get; set; } = "<";

    /// <summary>End of a tag (<c>replace_end</c>, a regex fragment as in the plugin); default <c>&gt;</c>.</summary>
    public string End { get; set; } = ">";

    /// <summary><c>replace_tag NAME value</c>: what a tag stands for.</summary>
    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary><c>replace_pre NAME value</c>: put before each tag of a rule that names it with <c>&lt;pre NAME&gt;</c>.</summary>
    public Dictionary<string, string> Pre { get; } = new(StringComparer.Ordinal);

    /// <summary><c>replace_inter NAME value</c>: put between adjacent tags of a rule that names it with <c>&lt;inter NAME&gt;</c>.</summary>
    public Dictionary<string, string> Inter { get; } = new(StringComparer.Ordinal);

    /// <summary><c>replace_post NAME value</c>: put after each tag of a rule that names it with <c>&lt;post NAME&gt;</c>.</summary>
    public Dictionary<string, string> Post { get; } = new(StringComparer.Ordinal);

    /// <summary><c>replace_rules</c>: the rules whose regexes are expanded.</summary>
    public HashSet<string> Rules { get; } = new(StringComparer.Ordinal);

    /// <summary>Expands the tags in a Perl pattern (the text between the delimiters).</summary>
    /// <param name="perlPattern">The rule's pattern.</param>
    /// <returns>The expanded pattern; the same text when nothing was replaced.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="perlPattern"/> is null.</exception>
    public string Expand(string perlPattern)
    {
        ArgumentNullException.ThrowIfNull(perlPattern);
        var re = CompiledPrefix + perlPattern;
        var preTag = new Regex(Start + "pre (.+?)" + End, RegexOptions.CultureInvariant);
        var postTag = new Regex(Start + "post (.+?)" + End, RegexOptions.CultureInvariant);
        var interTag = new Regex(Start + "inter (.+?)" + End, RegexOptions.CultureInvariant);
        var anyTag = new Regex("(" + Start + ".+?" + End + ")", RegexOptions.CultureInvariant);
        var tagName = new Regex(Start + "(.+?)" + End, RegexOptions.CultureInvariant);

        var passes = 0;
        bool again;
        do
        {
            again = false;
            var preName = RemoveFirst(ref re, preTag);
            var postName = RemoveFirst(ref re, postTag);
            var interName = RemoveFirst(ref re, interTag);

            var parts = PerlSplit(re);
            if (preName is not null && Pre.TryGetValue(preName, out var pre) && pre.Length > 0)
            {
                for (var i = 0; i < parts.Count; i++)
                {
                    parts[i] = anyTag.Replace(parts[i], m => pre + m.Value, 1);
                }
            }

            if (postName is not null && Post.TryGetValue(postName, out var post) && post.Length > 0)
            {
                for (var i = 0; i < parts.Count; i++)
                {
                    parts[i] = anyTag.Replace(parts[i], m => m.Value + post);
                }
            }

            if (interName is not null && Inter.TryGetValue(interName, out var inter) && inter.Length > 0)
            {
                for (var i = 0; i < parts.Count; i++)
                {
                    if (parts[i].Length == 0)
                    {
                        parts[i] = inter;
                    }
                }
            }

            for (var i = 0; i < parts.Count; i++)
            {
                var tag = tagName.Match(parts[i]);
                if (!tag.Success)
                {
                    continue;
                }

                var name = tag.Groups[1].Value;
                if (Tags.TryGetValue(name, out var replacement) && IsPerlTrue(replacement))
                {
                    var exact = new Regex(Start + name + End, RegexOptions.CultureInvariant);
                    parts[i] = exact.Replace(parts[i], _ => replacement);
                    again |= HoldsTag.IsMatch(replacement);
                }
            }

            re = string.Concat(parts);
            passes++;
        }
        while (again && passes < MaxPasses);

        return re[CompiledPrefix.Length..];
    }

    private static string? RemoveFirst(ref string re, Regex tag)
    {
        var match = tag.Match(re);
        if (!match.Success)
        {
            return null;
        }

        re = re.Remove(match.Index, match.Length);
        return match.Groups[1].Value;
    }

    /// <summary>Perl's <c>split(/(&lt;[^&lt;&gt;]+&gt;)/, $re)</c>: separators kept, trailing empty fields dropped.</summary>
    private static List<string> PerlSplit(string re)
    {
        var parts = TagSplit.Split(re).ToList();
        while (parts.Count > 0 && parts[^1].Length == 0)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return parts;
    }

    private static bool IsPerlTrue(string value) => value.Length > 0 && value != "0";
}
