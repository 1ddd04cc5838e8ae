using System.Text.RegularExpressions;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Engine.Tests.SpamAssassin;

/// <summary>Imports the rule files of Debian's spamassassin package once for all tests of this class.</summary>
public sealed class DebianRulesFixture
{
    private readonly Lazy<ImportResult> result = new(() =>
        new SpamAssassinImporter().ImportPaths([DebianRulesFactAttribute.RulesDirectory]));

    public ImportResult Result => result.Value;
}

public class DebianRulesImportTests(DebianRulesFixture fixture) : IClassFixture<DebianRulesFixture>
{
    private ImportResult Result => fixture.Result;

    [DebianRulesFact]
    public void Imports_hundreds_of_rules_of_every_kind()
    {
        Assert.True(Result.Imported > 1000, $"only {Result.Imported} rules imported");
        var byKind = Result.ImportedByKind;
        foreach (var kind in new[] { RuleKind.Header, RuleKind.Body, RuleKind.RawBody, RuleKind.Uri, RuleKind.Full, RuleKind.Meta })
        {
            Assert.True(byKind.GetValueOrDefault(kind) > 0, $"no {kind} rules imported");
        }

        Assert.True(byKind[RuleKind.Body] > 300, $"only {byKind[RuleKind.Body]} body rules");
        Assert.True(byKind[RuleKind.Meta] > 300, $"only {byKind[RuleKind.Meta]} meta rules");
        Assert.Equal(Result.Set.Rules.Count, Result.Set.Rules.Select(r => r.Id).Distinct().Count());
    }

    [DebianRulesFact]
    public void Fuzzy_rules_are_expanded_by_replace_tags()
    {
        Assert.True(Result.ExpandedRules.Count > 40, $"only {Result.ExpandedRules.Count} rules expanded");
        var fuzzy = Assert.Single(Result.Set.Rules, r => r.Id == "FUZZY_MILLION");
        Assert.DoesNotContain("<M>", fuzzy.Pattern, StringComparison.Ordinal);
        Assert.Matches(fuzzy.Pattern!, "a m1ll|0n dollars");
        Assert.DoesNotMatch(fuzzy.Pattern!, "a million dollars");
        Assert.Matches(fuzzy.Pattern!, "a milli\u043En dollars"); // CYRILLIC SMALL LETTER O, spelled as UTF-8 bytes in the tag
        Assert.Matches(fuzzy.Pattern!, "a \U0001D426illion dollars"); // MATHEMATICAL BOLD SMALL M
        Assert.All(
            Result.Set.Rules.Where(r => Result.ExpandedRules.Contains(r.Id)),
            r => Assert.DoesNotMatch("<(?:inter|pre|post) [A-Z0-9]+>", r.Pattern!));
    }

    [DebianRulesFact]
    public void Every_imported_regex_constructs_and_every_meta_reads_imported_rules_only()
    {
        var ids = Result.Set.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in Result.Set.Rules)
        {
            if (rule.Pattern is not null)
            {
                _ = new Regex(rule.Pattern);
            }

            if (rule.Kind == RuleKind.Meta)
            {
                var references = Regex.Matches(rule.Expression!, "[A-Za-z_][A-Za-z0-9_]*").Select(m => m.Value);
                Assert.All(references, reference => Assert.Contains(reference, ids));
            }
        }
    }

    [DebianRulesFact]
    public void The_imported_set_passes_lint()
    {
        var report = PatternSetLinter.Lint(Result.Set);

        Assert.True(report.IsValid, string.Join("\n", report.Findings.Take(10).Select(f => $"{f.RuleId}: {f.Reason}")));
        Assert.Equal(0, report.Classes.Refused);
    }

    [DebianRulesFact]
    public void Every_skipped_rule_has_a_reason_and_place()
    {
        Assert.NotEmpty(Result.Skipped);
        Assert.All(Result.Skipped, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Reason));
            Assert.EndsWith(".cf", s.File, StringComparison.Ordinal);
            Assert.True(s.Line > 0);
        });
        Assert.Equal(Result.Skipped.Count, Result.SkippedByReason.Values.Sum());
        Assert.DoesNotContain(Result.Skipped, s => Result.Set.Rules.Any(r => r.Id == s.RuleId));
    }

    [DebianRulesFact]
    public void Import_is_reproducible()
    {
        var again = new SpamAssassinImporter().ImportPaths([DebianRulesFactAttribute.RulesDirectory]);

        Assert.Equal(Result.Set.Version, again.Set.Version);
        Assert.Equal(Result.Set.Created, again.Set.Created);
        Assert.Equal(Result.Set.Rules, again.Set.Rules, RuleComparer.Instance);
    }

    private sealed class RuleComparer : IEqualityComparer<Rule>
    {
        public static readonly RuleComparer Instance = new();

        public bool Equals(Rule? x, Rule? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Kind == y.Kind && x.Pattern == y.Pattern
            && x.Expression == y.Expression && x.Score.Equals(y.Score) && x.Header == y.Header && x.Flags.SequenceEqual(y.Flags);

        public int GetHashCode(Rule obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
