using System.Globalization;
using System.Text;
using Prefilter.Engine.Checks;
using Prefilter.Engine.Meta;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;
using M = Prefilter.Engine.PatternSets.PatternSetMembers;

namespace Prefilter.Engine.Linting;

/// <summary>
/// Decides whether a pattern set may be served, and says why not: every problem is collected (not just the first),
/// each with the rule id, the line in the document and a plain reason.
/// </summary>
/// <remarks>
/// Refused: invalid JSON or format (see <see cref="PatternSetJson"/>); a rule without what its kind needs or with
/// members its kind does not use; bad header specs, attachment targets, list entries; empty ids or ids with
/// characters outside <c>[A-Za-z0-9_.-]</c>; duplicate ids; scores and thresholds that are not finite, and a tag
/// threshold above the quarantine threshold; regex syntax errors; regexes that could take super-linear time and
/// cannot be made safe (<see cref="RegexAnalyzer"/>); meta expressions that do not parse, reference unknown rules,
/// or form cycles.
/// </remarks>
public static class PatternSetLinter
{
    /// <summary>Lints a pattern-set document.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="cancellationToken">Stops the lint between rules (a publish whose request was cancelled).</param>
    /// <returns>The report; findings carry the line of the rule object (or member) they are about.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static LintReport Lint(string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var document = PatternSetReader.Read(Encoding.UTF8.GetBytes(json));
        var findings = document.Problems.Select(p => new LintFinding(p.RuleId, p.Line, p.Reason)).ToList();
        return Lint(document.Set, document.Rules, document.SetMemberLines, findings, canDigest: document.IsValid, [], cancellationToken);
    }

    /// <summary>Lints a set built in code (e.g. by the SpamAssassin importer). Findings have no line.</summary>
    /// <param name="set">The set.</param>
    /// <param name="cancellationToken">Stops the lint between rules.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static LintReport Lint(PatternSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var findings = new List<LintFinding>();
        if (set.Name is null || set.Version is null || set.Rules is null)
        {
            findings.Add(new LintFinding(null, null, "the set has no name, version or rules list"));
            return new LintReport(findings, new RuleClassCounts(0, 0, 0, 0, 0), null);
        }

        var entries = set.Rules.Select(rule => new RuleEntry(null, rule?.Id, rule)).ToList();
        return Lint(set, entries, new Dictionary<string, int>(), findings, canDigest: true, [], cancellationToken);
    }

    /// <summary>Lints a set with the analysis of its patterns already known (a compiled-set artifact's): those are not analysed again.</summary>
    internal static LintReport Lint(PatternSet set, IEnumerable<RegexPlan> knownPlans)
    {
        var entries = set.Rules.Select(rule => new RuleEntry(null, rule?.Id, rule)).ToList();
        return Lint(set, entries, new Dictionary<string, int>(), [], canDigest: true, knownPlans, CancellationToken.None);
    }

    private static LintReport Lint(
        PatternSet set,
        IReadOnlyList<RuleEntry> entries,
        IReadOnlyDictionary<string, int> setLines,
        List<LintFinding> findings,
        bool canDigest,
        IEnumerable<RegexPlan> knownPlans,
        CancellationToken cancellationToken)
    {
        canDigest &= CheckSet(set, setLines, findings);

        var known = new HashSet<string>(entries.Select(e => e.Id).OfType<string>(), StringComparer.Ordinal);
        var firstLine = new Dictionary<string, int?>(StringComparer.Ordinal);
        var metas = new List<(string Id, MetaExpression Expression)>();
        var metaLines = new Dictionary<string, int?>(StringComparer.Ordinal);
        var classes = new RuleClassCounts(0, 0, 0, 0, 0);
        var plans = knownPlans.ToDictionary(plan => plan.Pattern, StringComparer.Ordinal);
        for (var index = 0; index < entries.Count; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (line, id, rule) = entries[index];
            void Report(string reason) => findings.Add(new LintFinding(id, line, reason));

            if (id is not null && !firstLine.TryAdd(id, line))
            {
                Report(firstLine[id] is { } other ? $"duplicate id: the rule at line {other} has the same id" : "duplicate id: an earlier rule has the same id");
            }

            if (rule is null)
            {
                if (line is null)
                {
                    Report($"rule {index + 1} is null");
                    canDigest = false;
                }

                continue;
            }

            canDigest &= rule.Id is not null && double.IsFinite(rule.Score) && Enum.IsDefined(rule.Kind)
                && !HasNullEntry(rule.Flags) && !HasNullEntry(rule.Addresses) && !HasNullEntry(rule.Domains);
            classes = classes.Add(RuleChecks.Check(rule, plans, Report));

            if (rule.Kind == RuleKind.Meta && !string.IsNullOrWhiteSpace(rule.Expression)
                && ParseMeta(rule.Expression, known, Report) is { } expression && rule.Id is not null && metaLines.TryAdd(rule.Id, line))
            {
                metas.Add((rule.Id, expression));
            }
        }

        foreach (var cycle in MetaGraph.FindCycles(metas))
        {
            findings.Add(new LintFinding(cycle[0], metaLines[cycle[0]], $"meta rules form a cycle: {string.Join(" -> ", cycle)}"));
        }

        // Stable: findings on one line keep the order they were found in.
        var ordered = findings.OrderBy(f => f.Line ?? 0).ToList();
        return new LintReport(ordered, classes, canDigest ? PatternSetJson.ComputeDigest(set) : null) { RegexPlans = plans };
    }

    /// <returns>False when the set cannot be written in canonical form (non-finite thresholds).</returns>
    private static bool CheckSet(PatternSet set, IReadOnlyDictionary<string, int> lines, List<LintFinding> findings)
    {
        int? LineOf(string member) => lines.TryGetValue(member, out var line) ? line : null;

        if (set.Name?.Length == 0 && lines.ContainsKey(M.Name))
        {
            findings.Add(new LintFinding(null, LineOf(M.Name), "the set's name is empty"));
        }

        if (set.Version?.Length == 0 && lines.ContainsKey(M.Version))
        {
            findings.Add(new LintFinding(null, LineOf(M.Version), "the set's version is empty"));
        }

        if (HasNullEntry(set.FreemailDomains))
        {
            findings.Add(new LintFinding(null, LineOf(M.FreemailDomains), "a free-mail domain is null"));
            return false;
        }

        foreach (var problem in (set.FreemailDomains ?? []).Select(FreemailDomains.Problem).OfType<string>())
        {
            findings.Add(new LintFinding(null, LineOf(M.FreemailDomains), problem));
        }

        var thresholds = set.Thresholds ?? new Thresholds();
        if (!double.IsFinite(thresholds.Tag) || !double.IsFinite(thresholds.Quarantine))
        {
            findings.Add(new LintFinding(null, LineOf(M.Thresholds), "thresholds must be finite numbers"));
            return false;
        }

        if (thresholds.Tag <= 0 || thresholds.Quarantine <= 0)
        {
            // A clean mail scores 0: a threshold at or below it tags or quarantines every mail.
            findings.Add(new LintFinding(null, LineOf(M.Thresholds),
                string.Create(CultureInfo.InvariantCulture,
                    $"thresholds must be above 0 (tag {thresholds.Tag}, quarantine {thresholds.Quarantine}): a mail no rule hits scores 0, so every mail would be tagged or quarantined")));
        }

        if (thresholds.Tag > thresholds.Quarantine)
        {
            findings.Add(new LintFinding(null, LineOf(M.Thresholds),
                string.Create(CultureInfo.InvariantCulture,
                    $"the tag threshold ({thresholds.Tag}) is above the quarantine threshold ({thresholds.Quarantine}), so no mail would ever be tagged")));
        }

        return true;
    }

    // Sets built in code can hold nulls the JSON format cannot express; such a set has no canonical form.
    private static bool HasNullEntry(IReadOnlyList<string>? values) => values?.Any(v => v is null) ?? false;

    private static MetaExpression? ParseMeta(string text, HashSet<string> known, Action<string> report)
    {
        MetaExpression expression;
        try
        {
            expression = MetaExpression.Parse(text);
        }
        catch (MetaExpressionException ex)
        {
            report($"the expression is invalid at offset {ex.Offset}: {ex.Reason}");
            return null;
        }

        foreach (var reference in expression.References)
        {
            if (!known.Contains(reference))
            {
                report($"the expression references unknown rule '{reference}'");
            }
        }

        return expression;
    }
}
