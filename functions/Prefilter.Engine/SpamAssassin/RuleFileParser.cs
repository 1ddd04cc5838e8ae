using System.Globalization;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>Where a configuration line came from.</summary>
internal sealed record SourceLine(string File, int Line);

/// <summary>One rule definition as SpamAssassin keeps it: the latest one wins, attributes live apart.</summary>
/// <param name="Name">Rule name.</param>
/// <param name="Command">header, body, rawbody, uri, full or meta.</param>
/// <param name="Text">Everything after the name.</param>
/// <param name="Source">Where this definition is.</param>
/// <param name="Order">Position of the first definition of this name, for a stable rule order.</param>
internal sealed record RuleDefinition(string Name, string Command, string Text, SourceLine Source, int Order);

/// <summary>Everything the rule files configure that the import uses.</summary>
internal sealed class RuleConfiguration
{
    public Dictionary<string, RuleDefinition> Rules { get; } = new(StringComparer.Ordinal);

    /// <summary>Explicit scores: the four score sets.</summary>
    public Dictionary<string, double[]> Scores { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Descriptions { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Tflags { get; } = new(StringComparer.Ordinal);

    public ReplaceTags ReplaceTags { get; } = new();

    public double? RequiredScore { get; set; }

    /// <summary>The FreeMail plugin's <c>freemail_domains</c>, lowercase, each once, in the order first given.</summary>
    public List<string> FreemailDomains { get; } = [];

    /// <summary><c># UPDATE version N</c> of sa-update channels, when a file carries one.</summary>
    public string? UpdateVersion { get; set; }

    public List<ImportNote> Notes { get; } = [];

    public List<SkippedRule> Rejected { get; } = [];
}

/// <summary>
/// Reads SpamAssassin configuration lines the way <c>Mail::SpamAssassin::Conf::Parser::parse</c> does: comments,
/// <c>lang</c>, <c>if</c>/<c>ifplugin</c>/<c>else</c>/<c>endif</c> nesting per file, <c>require_version</c>, and the
/// commands that define rules and their attributes. Other settings are ignored.
/// </summary>
internal sealed class RuleFileParser
{
    private static readonly Regex RuleName = new("^[_a-zA-Z][_a-zA-Z0-9]{0,127}$", RegexOptions.CultureInvariant);
    private static readonly Regex UpdateVersionLine = new(@"^# UPDATE version (\d+)$", RegexOptions.CultureInvariant);
    private static readonly Regex Comment = new(@"(?<!\\)#.*$", RegexOptions.CultureInvariant);
    private static readonly Regex ScoreValue = new(@"^(\()?(-?\d+(?:\.\d+)?)(?(1)\))$", RegexOptions.CultureInvariant);

    private readonly RuleConfiguration configuration = new();
    private int order;

    public RuleConfiguration Configuration => configuration;

    private sealed record OpenCondition(string Type, bool SkipBefore, int Line);

    /// <summary>Reads one file; conditions do not carry over from one file to the next (SpamAssassin's "file end").</summary>
    public void Read(string fileName, TextReader reader, CancellationToken cancellationToken)
    {
        var stack = new Stack<OpenCondition>();
        var skip = false;
        var lineNumber = 0;
        while (reader.ReadLine() is { } raw)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lineNumber++;
            var source = new SourceLine(fileName, lineNumber);
            if (Significant(raw) is not { } line)
            {
                continue;
            }

            var (key, value) = SplitKey(line);
            if (Conditional(stack, ref skip, key, value, source) || skip)
            {
                continue;
            }

            if (key == "require_version")
            {
                if (value != "@@VERSION@@" && value != EmulatedSpamAssassin.Version)
                {
                    Note(source, null, $"file requires SpamAssassin {value}, not {EmulatedSpamAssassin.Version}; rest of file skipped as SpamAssassin does");
                    skip = true;
                }

                continue;
            }

            Command(key, value, source);
        }

        foreach (var open in stack)
        {
            Note(new SourceLine(fileName, open.Line), null, $"unclosed '{open.Type}'");
        }
    }

    // The line without its comment and, when it is for our language, its lang prefix; null when nothing is left or
    // the line is for another language. Reads the update version from the comment that carries it.
    private string? Significant(string raw)
    {
        var line = raw;
        if (line.Contains('#', StringComparison.Ordinal))
        {
            if (UpdateVersionLine.Match(line) is { Success: true } update)
            {
                configuration.UpdateVersion = update.Groups[1].Value;
            }

            line = Comment.Replace(line, string.Empty).Replace("\\#", "#", StringComparison.Ordinal);
        }

        line = line.Trim();
        if (line.Length == 0)
        {
            return null;
        }

        if (line.StartsWith("lang", StringComparison.Ordinal) && LangPrefix.Match(line) is { Success: true } lang)
        {
            if (!EmulatedSpamAssassin.Language.StartsWith(lang.Groups[1].Value, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            line = line[lang.Length..];
        }

        return line;
    }

    // if, ifplugin, else, endif (and include, which is only noted): true when the line was one of them.
    private bool Conditional(Stack<OpenCondition> stack, ref bool skip, string key, string value, SourceLine source)
    {
        switch (key)
        {
            case "endif":
                if (stack.Count == 0)
                {
                    Note(source, null, "endif without if; ignored");
                    return true;
                }

                skip = stack.Pop().SkipBefore;
                return true;
            case "ifplugin":
                Open(stack, ref skip, key, $"plugin({value})", source);
                return true;
            case "if":
                Open(stack, ref skip, key, value, source);
                return true;
            case "else":
                if (stack.Count == 0)
                {
                    Note(source, null, "else without if; ignored");
                    return true;
                }

                // Bug 7848: an else inside a skipped block stays skipped.
                skip = stack.Any(c => c.SkipBefore) || !skip;
                return true;
            case "include":
                Note(source, null, $"include {value} ignored: pass every rule file to the importer instead");
                return true;
            default:
                return false;
        }
    }

    private static readonly Regex LangPrefix = new(@"^lang\s+(\S+)\s+", RegexOptions.CultureInvariant);

    private static (string Key, string Value) SplitKey(string line)
    {
        var split = line.IndexOfAny([' ', '\t']);
        var key = (split < 0 ? line : line[..split]).ToLowerInvariant().Replace('-', '_');
        var value = split < 0 ? string.Empty : line[(split + 1)..].TrimStart();
        return (key, value);
    }

    private void Open(Stack<OpenCondition> stack, ref bool skip, string type, string condition, SourceLine source)
    {
        stack.Push(new OpenCondition(type, skip, source.Line));
        bool holds;
        try
        {
            holds = EmulatedSpamAssassin.Condition(condition);
        }
        catch (FormatException e)
        {
            Note(source, null, $"cannot evaluate condition '{condition}' ({e.Message}); block skipped");
            holds = false;
        }

        if (!holds)
        {
            skip = true;
        }
    }

    private void Command(string key, string value, SourceLine source)
    {
        switch (key)
        {
            case "header" or "body" or "rawbody" or "uri" or "full" or "meta":
                Define(key, value, source);
                break;
            case "score":
                Score(value, source);
                break;
            case "describe":
                KeyValue(configuration.Descriptions, value);
                break;
            case "tflags":
                KeyValue(configuration.Tflags, value);
                break;
            case "replace_tag":
                KeyValue(configuration.ReplaceTags.Tags, value);
                break;
            case "replace_pre":
                KeyValue(configuration.ReplaceTags.Pre, value);
                break;
            case "replace_inter":
                KeyValue(configuration.ReplaceTags.Inter, value);
                break;
            case "replace_post":
                KeyValue(configuration.ReplaceTags.Post, value);
                break;
            case "replace_rules":
                foreach (var rule in value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                {
                    configuration.ReplaceTags.Rules.Add(rule);
                }

                break;
            case "replace_start":
                configuration.ReplaceTags.Start = value;
                break;
            case "replace_end":
                configuration.ReplaceTags.End = value;
                break;
            case "freemail_domains":
                foreach (var domain in value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                {
                    // FreeMail warns about and drops an entry with other characters; so does the import, with a note.
                    if (Checks.FreemailDomains.Problem(domain) is { } problem)
                    {
                        Note(source, null, problem + "; entry skipped");
                    }
                    else if (!configuration.FreemailDomains.Contains(domain.ToLowerInvariant(), StringComparer.Ordinal))
                    {
                        configuration.FreemailDomains.Add(domain.ToLowerInvariant());
                    }
                }

                break;
            case "required_score" or "required_hits":
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var required))
                {
                    configuration.RequiredScore = required;
                }

                break;
        }
    }

    private void Define(string command, string value, SourceLine source)
    {
        var split = value.IndexOfAny([' ', '\t']);
        if (split < 0)
        {
            var id = value.Length > 0 ? value : "(unnamed)";
            configuration.Rejected.Add(new SkippedRule(id, source.File, source.Line, SkipCategory.InvalidRule, $"{command} rule without a definition"));
            return;
        }

        var name = value[..split];
        var text = value[(split + 1)..].Trim();
        if (!RuleName.IsMatch(name))
        {
            configuration.Rejected.Add(new SkippedRule(name, source.File, source.Line, SkipCategory.InvalidRule, "rule name has invalid characters"));
            return;
        }

        var first = configuration.Rules.TryGetValue(name, out var earlier) ? earlier.Order : order++;
        configuration.Rules[name] = new RuleDefinition(name, command, text, source, first);
    }

    private void Score(string value, SourceLine source)
    {
        var parts = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (2 or 5))
        {
            Note(source, parts.FirstOrDefault(), "score needs a rule name and 1 or 4 scores; ignored");
            return;
        }

        var name = parts[0];
        var values = new double[parts.Length - 1];
        var relative = false;
        for (var i = 0; i < values.Length; i++)
        {
            var match = ScoreValue.Match(parts[i + 1]);
            if (!match.Success)
            {
                Note(source, name, $"score '{parts[i + 1]}' is not a number; ignored");
                return;
            }

            relative |= match.Groups[1].Success;
            values[i] = double.Parse(match.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        if (values.Length == 1)
        {
            values = [values[0], values[0], values[0], values[0]];
        }

        if (relative)
        {
            if (!configuration.Scores.TryGetValue(name, out var previous))
            {
                Note(source, name, "relative score without an earlier score; ignored");
                return;
            }

            values = values.Select((v, i) => previous[i] + v).ToArray();
        }

        configuration.Scores[name] = values;
    }

    private static void KeyValue(Dictionary<string, string> map, string value)
    {
        var split = value.IndexOfAny([' ', '\t']);
        if (split < 0)
        {
            if (value.Length > 0)
            {
                map[value] = string.Empty;
            }

            return;
        }

        map[value[..split]] = value[(split + 1)..].Trim();
    }

    private void Note(SourceLine source, string? ruleId, string message) =>
        configuration.Notes.Add(new ImportNote(ruleId, source.File, source.Line, message));
}
