using System.Globalization;
using System.Text.RegularExpressions;
using Prefilter.Engine.Checks;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Linting;

/// <summary>Checks one rule on its own: id, score, the members its kind needs and allows, and its pattern.</summary>
internal static partial class RuleChecks
{
    /// <summary>How the rule would run; null when the rule is not a regex rule.</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="plans">Plans by pattern, shared across the set so each distinct pattern is analysed once.</param>
    /// <param name="report">Receives each reason to refuse the rule.</param>
    public static RuleExecutionClass? Check(Rule rule, Dictionary<string, RegexPlan> plans, Action<string> report)
    {
        CheckId(rule.Id, report);
        if (!double.IsFinite(rule.Score))
        {
            report(string.Create(CultureInfo.InvariantCulture, $"the score {rule.Score} is not a finite number"));
        }

        foreach (var flag in rule.Flags ?? [])
        {
            if (string.IsNullOrWhiteSpace(flag) || flag.Any(char.IsWhiteSpace))
            {
                report($"flag '{flag}' must be one word without spaces");
            }
        }

        if (!Enum.IsDefined(rule.Kind))
        {
            report($"kind {(int)rule.Kind} is not a rule kind");
            return null;
        }

        var kind = RuleKindNames.ToName(rule.Kind);
        var exists = false;
        switch (rule.Kind)
        {
            case RuleKind.Header:
                exists = CheckHeaderSpec(rule, report);
                break;
            case RuleKind.Attachment:
                CheckTarget(rule, report);
                break;
            case RuleKind.List:
                CheckList(rule, report);
                break;
            case RuleKind.Meta:
                if (string.IsNullOrWhiteSpace(rule.Expression))
                {
                    report("a meta rule needs an 'expression'");
                }

                break;
            case RuleKind.Check:
                CheckBuiltIn(rule, report);
                break;
        }

        CheckNotApplicable(rule, kind, report);
        return rule.Kind is RuleKind.List or RuleKind.Meta or RuleKind.Check || exists ? null : CheckPattern(rule.Pattern, kind, plans, report);
    }

    public static void CheckId(string? id, Action<string> report)
    {
        if (string.IsNullOrEmpty(id))
        {
            report("the rule id is empty");
        }
        else if (InvalidIdCharacter().Match(id) is { Success: true } bad)
        {
            report($"the rule id '{id}' contains '{bad.Value}'; ids use only letters, digits, '_', '.' and '-'");
        }
    }

    private static RuleExecutionClass CheckPattern(string? pattern, string kind, Dictionary<string, RegexPlan> plans, Action<string> report)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            report($"a {kind} rule needs a non-empty 'pattern'");
            return RuleExecutionClass.Refused;
        }

        if (!plans.TryGetValue(pattern, out var plan))
        {
            plans.Add(pattern, plan = RegexAnalyzer.Analyze(pattern));
        }

        if (plan.SyntaxErrorOffset is not null)
        {
            report(SyntaxError(pattern));
            return RuleExecutionClass.Refused;
        }

        if (plan.Class == RuleExecutionClass.Refused)
        {
            report($"the pattern could take super-linear time and cannot be made safe: {plan.RefusalReason ?? "no reason given"}");
        }

        return plan.Class;
    }

    // The analyzer found the syntax error; the runtime's parser names it in words people can act on.
    private static string SyntaxError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant);
        }
        catch (RegexParseException ex)
        {
            return $"the pattern is not a valid regular expression: {Words(ex.Error.ToString())} at offset {ex.Offset}";
        }

        return "the pattern is not a valid regular expression";
    }

    /// <returns>True for an <c>exists:</c> spec, which has no pattern.</returns>
    private static bool CheckHeaderSpec(Rule rule, Action<string> report)
    {
        if (rule.Header is null)
        {
            report("a header rule needs a 'header' (e.g. Subject, ALL, From:addr, From:name, exists:X-Mailer)");
            return false;
        }

        if (!HeaderSpec.TryParse(rule.Header, out var spec, out var reason))
        {
            report($"bad header spec '{rule.Header}': {reason}");
            return false;
        }

        if (spec.Kind != HeaderSpecKind.Exists)
        {
            return false;
        }

        if (rule.Pattern is not null)
        {
            report($"'{rule.Header}' tests only that the header is present; remove 'pattern'");
        }

        if (rule.Negate || rule.IfUnset is not null)
        {
            report($"'{rule.Header}' tests only that the header is present; 'negate' and 'ifUnset' do not apply (use a meta with '!' for absence)");
        }

        return true;
    }

    private static void CheckTarget(Rule rule, Action<string> report)
    {
        if (rule.Target is not (AttachmentTargets.FileName or AttachmentTargets.ContentType))
        {
            report(rule.Target is null
                ? $"an attachment rule needs a 'target': '{AttachmentTargets.FileName}' or '{AttachmentTargets.ContentType}'"
                : $"attachment target '{rule.Target}' is neither '{AttachmentTargets.FileName}' nor '{AttachmentTargets.ContentType}'");
        }
    }

    private static void CheckList(Rule rule, Action<string> report)
    {
        var addresses = rule.Addresses ?? [];
        var domains = rule.Domains ?? [];
        if (addresses.Count == 0 && domains.Count == 0)
        {
            report("a list rule needs at least one entry in 'addresses' or 'domains'");
        }

        foreach (var address in addresses)
        {
            if (ListEntrySyntax.CheckAddress(address ?? "") is { } reason)
            {
                report($"'addresses': {reason}");
            }
        }

        foreach (var domain in domains)
        {
            if (ListEntrySyntax.CheckDomain(domain ?? "") is { } reason)
            {
                report($"'domains': {reason}");
            }
        }

        if (rule.Header is not null
            && (!HeaderSpec.TryParse(rule.Header, out var spec, out _) || spec.Kind != HeaderSpecKind.Address))
        {
            report($"bad header spec '{rule.Header}': list rules look up addresses, so use 'Name:addr' (default {HeaderSpec.DefaultListHeader})");
        }
    }

    private static void CheckBuiltIn(Rule rule, Action<string> report)
    {
        if (string.IsNullOrWhiteSpace(rule.Check))
        {
            report("a check rule needs a 'check'");
        }
        else if (!BuiltInChecks.TryGet(rule.Check, out var check))
        {
            report($"unknown check '{rule.Check}' (checks: {string.Join(", ", BuiltInChecks.All.Select(known => known.Name))})");
        }
        else if (check.Validate(rule.Args ?? []) is { } problem)
        {
            report(problem);
        }
    }

    private static void CheckNotApplicable(Rule rule, string kind, Action<string> report)
    {
        var regexKind = rule.Kind is not (RuleKind.List or RuleKind.Meta or RuleKind.Check);
        var extra = new List<string>();
        if (rule.Pattern is not null && !regexKind)
        {
            extra.Add("pattern");
        }

        if (rule.Header is not null && rule.Kind is not (RuleKind.Header or RuleKind.List))
        {
            extra.Add("header");
        }

        if (rule.Kind != RuleKind.Header)
        {
            if (rule.Negate)
            {
                extra.Add("negate");
            }

            if (rule.IfUnset is not null)
            {
                extra.Add("ifUnset");
            }
        }

        if (rule.Target is not null && rule.Kind != RuleKind.Attachment)
        {
            extra.Add("target");
        }

        if (rule.Kind != RuleKind.List)
        {
            if (rule.Addresses is { Count: > 0 })
            {
                extra.Add("addresses");
            }

            if (rule.Domains is { Count: > 0 })
            {
                extra.Add("domains");
            }
        }

        if (rule.Expression is not null && rule.Kind != RuleKind.Meta)
        {
            extra.Add("expression");
        }

        if (rule.Kind != RuleKind.Check)
        {
            if (rule.Check is not null)
            {
                extra.Add("check");
            }

            if (rule.Args is { Count: > 0 })
            {
                extra.Add("args");
            }
        }

        if (extra.Count > 0)
        {
            report($"{string.Join(", ", extra.Select(m => $"'{m}'"))} {(extra.Count == 1 ? "does" : "do")} not apply to {kind} rules");
        }
    }

    // "InsufficientClosingParentheses" -> "insufficient closing parentheses"
    private static string Words(string pascal) => UpperCase().Replace(pascal, " $1").Trim().ToLowerInvariant();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex InvalidIdCharacter();

    [GeneratedRegex("([A-Z])")]
    private static partial Regex UpperCase();
}
