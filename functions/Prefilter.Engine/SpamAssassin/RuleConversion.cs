using System.Text;
using System.Text.RegularExpressions;
using Prefilter.Engine.Checks;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>Turns the parsed configuration into pattern-set rules, deciding per rule what SpamAssassin would run.</summary>
internal sealed class RuleConversion(RuleConfiguration configuration, bool decodeUtf8Sequences)
{
    private static readonly Regex Eval = new(@"^eval:(.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex HeaderEval = new(@"^(?:rbl)?eval:(.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex EvalCall = new(@"^(\w+)\((.*)\)$", RegexOptions.CultureInvariant);
    private static readonly Regex EvalArgument = new(@"\G\s*(?:'([^']*)'|""([^""]*)""|([^,'""\s]+))\s*(?:,|$)", RegexOptions.CultureInvariant);
    private static readonly Regex Exists = new(@"^exists:(.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex ExistsName = new(@"^[\w.-]+:?$", RegexOptions.CultureInvariant);
    private static readonly Regex HeaderTest = new(@"^([\w.-]+(?:\:|(?:\:[a-z]+){1,2})?)\s*([=!]~)\s*(.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex KnownModifier = new(@":(?!(?:raw|addr|name|host|domain|ip|revip|first|last)\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex IfUnset = new(@"\s+\[if-unset:\s+(.+)\]$", RegexOptions.CultureInvariant);
    private static readonly Regex CapturedTag = new(@"(?<!\\)%\{([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?:\([^\)\}]*\))?)\}", RegexOptions.CultureInvariant);
    private static readonly Regex RuleName = new("^[_a-zA-Z][_a-zA-Z0-9]{0,127}$", RegexOptions.CultureInvariant);
    private static readonly Regex MetaParanoia = new(@"(?:::|->|[\$@%;\{\}])", RegexOptions.CultureInvariant);
    private static readonly Regex MetaOperand = new(@"^(?:\d+(?:\.\d+)?|[!-/:-@\[-`{-~]{1,2})$", RegexOptions.CultureInvariant);

    private static readonly HashSet<string> UnavailableTrustHeaders = new(StringComparer.Ordinal)
    {
        "ALL-TRUSTED", "ALL-UNTRUSTED", "ALL-INTERNAL", "ALL-EXTERNAL",
    };

    private readonly List<SkippedRule> skipped = [];
    private readonly List<ImportNote> notes = [];
    private readonly List<string> expanded = [];
    private readonly Dictionary<string, List<Rule>> generated = new(StringComparer.Ordinal);

    public sealed record Outcome(IReadOnlyList<Rule> Rules, IReadOnlyList<SkippedRule> Skipped, IReadOnlyList<ImportNote> Notes, IReadOnlyList<string> Expanded);

    private sealed record MetaCandidate(RuleDefinition Definition, IReadOnlyList<string> Tokens, Rule Rule);

    public Outcome Run()
    {
        var converted = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var metas = new Dictionary<string, MetaCandidate>(StringComparer.Ordinal);
        var whyMissing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in configuration.Rules.Values.OrderBy(d => d.Order))
        {
            var rule = Convert(definition, metas);
            if (rule is not null && definition.Command != "meta")
            {
                converted[definition.Name] = rule;
            }
        }

        var unsolved = UnsolvedMetas(metas).Select(name => (name, Through: string.Join(", ", CycleMembers(name, metas)))).ToList();
        foreach (var (name, through) in unsolved)
        {
            Skip(metas[name].Definition, SkipCategory.MetaCycle, $"unsolved meta dependencies (cycle through {through})");
            metas.Remove(name);
        }

        foreach (var s in configuration.Rejected.Concat(skipped))
        {
            whyMissing[s.RuleId] = SkipCategories.Name(s.Category);
        }

        var present = new HashSet<string>(converted.Keys.Concat(metas.Keys), StringComparer.Ordinal);
        foreach (var (name, meta) in metas)
        {
            converted[name] = meta.Rule with { Expression = RewriteMeta(meta, present, whyMissing) };
        }

        var rules = configuration.Rules.Values.OrderBy(d => d.Order)
            .Where(d => converted.ContainsKey(d.Name))
            .SelectMany(d => generated.GetValueOrDefault(d.Name, []).Append(converted[d.Name]))
            .ToList();
        return new Outcome(rules, skipped, notes, expanded.Where(converted.ContainsKey).ToList());
    }

    private Rule? Convert(RuleDefinition definition, Dictionary<string, MetaCandidate> metas)
    {
        var name = definition.Name;
        var score = ScoreSet0(name);
        if (score == 0)
        {
            Skip(definition, SkipCategory.DisabledByScore, "score 0 in score set 0 (no Bayes, no network tests): SpamAssassin does not run it");
            return null;
        }

        var rule = new Rule
        {
            Id = name,
            Kind = RuleKind.Meta,
            Description = configuration.Descriptions.GetValueOrDefault(name),
            Score = name.StartsWith("__", StringComparison.Ordinal) ? 0 : score,
            Flags = configuration.Tflags.TryGetValue(name, out var tflags)
                ? tflags.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                : [],
        };

        switch (definition.Command)
        {
            case "meta":
                var tokens = ValidMeta(definition);
                if (tokens is not null)
                {
                    metas[name] = new MetaCandidate(definition, tokens, rule);
                }

                return null;
            case "header":
                return Header(definition, rule);
            default:
                if (Eval.Match(definition.Text) is { Success: true } eval)
                {
                    return BuiltIn(definition, rule, eval.Groups[1].Value);
                }

                var pattern = Pattern(definition, definition.Text);
                return pattern is null ? null : rule with { Kind = KindOf(definition.Command), Pattern = pattern };
        }
    }

    private static RuleKind KindOf(string command) => command switch
    {
        "body" => RuleKind.Body,
        "rawbody" => RuleKind.RawBody,
        "uri" => RuleKind.Uri,
        "full" => RuleKind.Full,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "not a regex rule command"),
    };

    private double ScoreSet0(string name)
    {
        if (configuration.Scores.TryGetValue(name, out var scores))
        {
            return scores[0];
        }

        var value = name.StartsWith("T_", StringComparison.Ordinal) ? 0.01 : 1.0;
        var nice = configuration.Tflags.TryGetValue(name, out var tflags)
            && tflags.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Contains("nice", StringComparer.Ordinal);
        return nice ? -value : value;
    }

    private Rule? Header(RuleDefinition definition, Rule rule)
    {
        var text = definition.Text;
        if (HeaderEval.Match(text) is { Success: true } eval)
        {
            return text.StartsWith("rbl", StringComparison.Ordinal) ? NeedsPerl(definition, eval.Groups[1].Value) : BuiltIn(definition, rule, eval.Groups[1].Value);
        }

        if (Exists.Match(text) is { Success: true } exists)
        {
            return ExistsTest(definition, rule, exists.Groups[1].Value);
        }

        var test = HeaderTest.Match(text);
        if (!test.Success)
        {
            Skip(definition, SkipCategory.InvalidRule, "invalid header test: expected 'Header =~ /regex/'");
            return null;
        }

        return RegexTest(definition, rule, test);
    }

    private Rule? ExistsTest(RuleDefinition definition, Rule rule, string header)
    {
        if (!ExistsName.IsMatch(header))
        {
            Skip(definition, SkipCategory.InvalidRule, $"invalid header name in exists:{header}");
            return null;
        }

        header = header.TrimEnd(':');
        if (CombinedHeaders(header) is { } combined)
        {
            return Combined(definition, rule, combined.Select(h => (h, rule with { Kind = RuleKind.Header, Header = $"exists:{h}" })), negate: false);
        }

        return Unavailable(definition, header) ? null : rule with { Kind = RuleKind.Header, Header = $"exists:{header}" };
    }

    // "Header =~ /regex/" or "Header !~ /regex/", with at most one modifier and an optional [if-unset: …].
    private Rule? RegexTest(RuleDefinition definition, Rule rule, Match test)
    {
        var name = test.Groups[1].Value.TrimEnd(':');
        if (KnownModifier.IsMatch(name))
        {
            Skip(definition, SkipCategory.InvalidRule, $"invalid header modifier in {name}");
            return null;
        }

        var parts = name.Split(':');
        var modifiers = parts.Skip(1).Select(m => m.ToLowerInvariant()).ToList();
        if (modifiers.Count > 1 || (modifiers.Count == 1 && modifiers[0] is not ("addr" or "name" or "raw")))
        {
            Skip(definition, SkipCategory.UnsupportedHeader, $"header modifier :{string.Join(":", modifiers)} is not in the pattern-set model (only one of :addr, :name and :raw)");
            return null;
        }

        if (Unavailable(definition, parts[0]))
        {
            return null;
        }

        var patternText = test.Groups[3].Value;
        string? ifUnset = null;
        if (IfUnset.Match(patternText) is { Success: true } unset)
        {
            ifUnset = unset.Groups[1].Value;
            patternText = patternText[..unset.Index];
        }

        var combinedHeaders = CombinedHeaders(parts[0]);
        if (combinedHeaders is not null && ifUnset is not null)
        {
            Skip(definition, SkipCategory.UnsupportedHeader, $"pseudo-header {parts[0]} with [if-unset: …] cannot be split into its headers");
            return null;
        }

        var pattern = Pattern(definition, patternText, readsBytes: modifiers.Contains("raw"));
        if (pattern is not null && combinedHeaders is not null)
        {
            var suffix = modifiers.Count == 1 ? ":" + modifiers[0] : string.Empty;
            var tests = combinedHeaders.Select(h => (h, rule with { Kind = RuleKind.Header, Header = h + suffix, Pattern = pattern }));
            return Combined(definition, rule, tests, negate: test.Groups[2].Value == "!~");
        }

        return pattern is null
            ? null
            : rule with
            {
                Kind = RuleKind.Header,
                Header = name,
                Pattern = pattern,
                Negate = test.Groups[2].Value == "!~",
                IfUnset = ifUnset,
            };
    }

    /// <summary>The real headers behind SpamAssassin's pseudo-headers that read several at once.</summary>
    private static string[]? CombinedHeaders(string header) =>
        header == "MESSAGEID" ? ["X-Message-Id", "Resent-Message-Id", "X-Original-Message-ID", "Message-Id"]
        : header.Equals("ToCc", StringComparison.OrdinalIgnoreCase) ? ["To", "Cc"]
        : null;

    /// <summary>
    /// A test of a pseudo-header that joins several headers becomes one sub-rule per header and a meta over them
    /// (any of them hits; for !~ none of them). SpamAssassin matches the joined values, so a regex anchored at the
    /// start or end of the whole value, or spanning two headers, can differ; such regexes are rare in these rules.
    /// </summary>
    private Rule Combined(RuleDefinition definition, Rule rule, IEnumerable<(string Header, Rule Test)> tests, bool negate)
    {
        var ids = new List<string>();
        var list = new List<Rule>();
        foreach (var (header, test) in tests)
        {
            var id = $"{definition.Name}__{Regex.Replace(header, "[^A-Za-z0-9]", "_")}";
            while (configuration.Rules.ContainsKey(id))
            {
                id += "_";
            }

            ids.Add(id);
            list.Add(test with { Id = id, Score = 0, Description = null, Flags = [], Negate = false });
        }

        generated[definition.Name] = list;
        var any = string.Join(" || ", ids);
        return rule with { Kind = RuleKind.Meta, Expression = negate ? $"!({any})" : any };
    }

    private bool Unavailable(RuleDefinition definition, string header)
    {
        if (UnavailableTrustHeaders.Contains(header))
        {
            Skip(definition, SkipCategory.UnsupportedHeader, $"pseudo-header {header} needs SpamAssassin's trust path over Received headers");
            return true;
        }

        return false;
    }

    // readsBytes: the rule reads text as written (full, Name:raw), one Latin-1 character a byte, where SpamAssassin's
    // byte sequences still match as they are.
    private string? Pattern(RuleDefinition definition, string text, bool readsBytes = false)
    {
        if (CapturedTag.Match(text) is { Success: true } tag)
        {
            Skip(definition, SkipCategory.CapturedTags, $"uses the captured tag %{{{tag.Groups[1].Value}}} of another rule");
            return null;
        }

        if (!PerlRegexLiteral.TryParse(text, out var literal, out var error))
        {
            Skip(definition, SkipCategory.InvalidRegex, $"invalid regex: {error}");
            return null;
        }

        var perl = literal.Pattern;
        if (configuration.ReplaceTags.Rules.Contains(definition.Name))
        {
            var expandedPattern = configuration.ReplaceTags.Expand(perl);
            if (!string.Equals(expandedPattern, perl, StringComparison.Ordinal))
            {
                expanded.Add(definition.Name);
                perl = expandedPattern;
            }
        }

        if (decodeUtf8Sequences && definition.Command != "full" && !readsBytes)
        {
            perl = Utf8SequenceRewriter.Rewrite(perl, literal.Modifiers);
        }

        if (PerlRegexConverter.TryConvert(perl, literal.Modifiers, out var converted, out var failure))
        {
            // The set must pass lint, which refuses what the engine cannot run safely; metas then see 0 for the rule.
            var plan = RegexAnalyzer.Analyze(converted);
            if (plan.Class == RuleExecutionClass.Refused)
            {
                Skip(definition, SkipCategory.RefusedByEngine, $"the engine refuses it: {plan.RefusalReason ?? "no reason given"}");
                return null;
            }

            return converted;
        }

        var category = failure.Kind == RegexFailureKind.Invalid ? SkipCategory.InvalidRegex : SkipCategory.UnsupportedRegex;
        Skip(definition, category, failure.Reason);
        return null;
    }

    /// <summary>The check rule for an <c>eval:</c> call a built-in check does; null (and the rule skipped) otherwise.</summary>
    private Rule? BuiltIn(RuleDefinition definition, Rule rule, string call)
    {
        if (EvalCall.Match(call) is not { Success: true } parsed || !BuiltInChecks.TryGetBySpamAssassinEval(parsed.Groups[1].Value, out var check))
        {
            return NeedsPerl(definition, call);
        }

        var args = EvalArguments(parsed.Groups[2].Value, check.Parameters);
        if (args is null || check.Validate(args) is not null)
        {
            Skip(definition, SkipCategory.InvalidRule, $"eval:{call} does not fit the built-in check {check.Name}({check.Signature})");
            return null;
        }

        return rule with { Kind = RuleKind.Check, Check = check.Name, Args = args };
    }

    // SpamAssassin passes eval arguments as Perl strings: '-6', 'undef', 'Subject'.
    private static List<CheckArgument>? EvalArguments(string text, IReadOnlyList<CheckParameter> parameters)
    {
        var args = new List<CheckArgument>();
        var position = 0;
        while (position < text.Length && !string.IsNullOrWhiteSpace(text[position..]))
        {
            if (EvalArgument.Match(text, position) is not { Success: true, Length: > 0 } match || args.Count >= parameters.Count)
            {
                return null;
            }

            position = match.Index + match.Length;
            var value = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;
            var type = parameters[args.Count].Type;
            if (type == CheckParameterType.HeaderName)
            {
                args.Add(CheckArgument.FromString(value));
            }
            else if (type == CheckParameterType.Pattern)
            {
                if (!PerlRegexConverter.TryConvert(value, "", out var pattern, out _))
                {
                    return null;
                }

                args.Add(CheckArgument.FromString(pattern));
            }
            else if (type == CheckParameterType.NumberOrNull && value == "undef")
            {
                args.Add(CheckArgument.Null);
            }
            else if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                args.Add(CheckArgument.FromNumber(number));
            }
            else
            {
                return null;
            }
        }

        return args;
    }

    private Rule? NeedsPerl(RuleDefinition definition, string call)
    {
        if (!EvalCall.IsMatch(call))
        {
            Skip(definition, SkipCategory.InvalidRule, $"invalid eval call: {call}");
            return null;
        }

        Skip(definition, SkipCategory.NeedsPerlCode, $"needs Perl code (eval:{call})");
        return null;
    }

    /// <summary>The checks of SpamAssassin's meta command and <c>is_meta_valid</c>; null when the meta is rejected.</summary>
    private IReadOnlyList<string>? ValidMeta(RuleDefinition definition)
    {
        var text = definition.Text;
        if (Regex.IsMatch(text, @"\*\s*\*"))
        {
            Skip(definition, SkipCategory.InvalidMeta, "invalid '**' operator in meta");
            return null;
        }

        if (MetaParanoia.IsMatch(text))
        {
            Skip(definition, SkipCategory.InvalidMeta, "meta holds characters SpamAssassin refuses (::, ->, $, @, %, ;, braces)");
            return null;
        }

        if (text.Contains("rules_matching(", StringComparison.Ordinal))
        {
            Skip(definition, SkipCategory.InvalidMeta, "rules_matching() is not supported");
            return null;
        }

        var tokens = PerlExpression.Tokenize(text);
        if (tokens.Count == 2 && tokens[0] == "(" && tokens[1] == ")")
        {
            // Bug 8061: "meta FOO ()" declares a rule that only a caller can hit.
            return ["0"];
        }

        var bad = tokens.FirstOrDefault(t => !RuleName.IsMatch(t) && !MetaOperand.IsMatch(t));
        if (bad is not null)
        {
            Skip(definition, SkipCategory.InvalidMeta, $"invalid meta token '{bad}'");
            return null;
        }

        try
        {
            PerlExpression.Evaluate(tokens, t => RuleName.IsMatch(t) ? 0 : null);
        }
        catch (FormatException e)
        {
            Skip(definition, SkipCategory.InvalidMeta, $"invalid meta expression: {e.Message}");
            return null;
        }

        return tokens;
    }

    /// <summary>Metas SpamAssassin cannot order (in a cycle, or depending on one); it gives them a constant 0.</summary>
    private static List<string> UnsolvedMetas(Dictionary<string, MetaCandidate> metas)
    {
        var pending = metas.Keys.ToHashSet(StringComparer.Ordinal);
        bool progress;
        do
        {
            progress = false;
            foreach (var name in pending.ToList())
            {
                if (!metas[name].Tokens.Any(t => t != name && pending.Contains(t)) && !metas[name].Tokens.Contains(name))
                {
                    pending.Remove(name);
                    progress = true;
                }
            }
        }
        while (progress);

        return pending.Order(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> CycleMembers(string start, Dictionary<string, MetaCandidate> metas) =>
        metas.TryGetValue(start, out var meta)
            ? meta.Tokens.Where(metas.ContainsKey).Distinct().Order(StringComparer.Ordinal)
            : [];

    private string RewriteMeta(MetaCandidate meta, HashSet<string> present, Dictionary<string, string> whyMissing)
    {
        var replaced = new List<string>();
        var output = new StringBuilder();
        string? previous = null;
        foreach (var token in meta.Tokens)
        {
            var value = token;
            if (token == "local_tests_only")
            {
                value = "1";
            }
            else if (RuleName.IsMatch(token) && !present.Contains(token))
            {
                value = "0";
                var why = whyMissing.TryGetValue(token, out var reason) ? reason : "not defined";
                var entry = $"{token} ({why})";
                if (!replaced.Contains(entry))
                {
                    replaced.Add(entry);
                }
            }

            if (previous is not null && previous != "(" && previous != "!" && value != ")")
            {
                output.Append(' ');
            }

            output.Append(value);
            previous = value;
        }

        if (replaced.Count > 0)
        {
            var source = meta.Definition.Source;
            notes.Add(new ImportNote(
                meta.Definition.Name,
                source.File,
                source.Line,
                $"references replaced by 0 (a rule that did not run did not hit): {string.Join(", ", replaced)}"));
        }

        return output.ToString();
    }

    private void Skip(RuleDefinition definition, SkipCategory category, string reason) =>
        skipped.Add(new SkippedRule(definition.Name, definition.Source.File, definition.Source.Line, category, reason));
}
