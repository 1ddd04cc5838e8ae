using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Tests.Fixtures;
using System.Text;

namespace Prefilter.Pipeline.Tests.Release;

public sealed class KillOverlayTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 15, 0, 0, TimeSpan.Zero);

    private static PatternSet Set() => TestData.Set(
        "v1",
        new Rule { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 },
        new Rule { Id = "PILLS_AND_CHEAP", Kind = RuleKind.Meta, Expression = "PILLS && CHEAP_WORD", Score = 4 },
        new Rule { Id = "NOT_PILLS", Kind = RuleKind.Meta, Expression = "!PILLS && !PILLS_X", Score = 0.5 },
        new Rule { Id = "PILLS_X", Kind = RuleKind.Body, Pattern = "(?i)pillsx", Score = 1 });

    [Fact]
    public void Disabled_rules_are_removed_and_metas_read_them_as_never_hit()
    {
        var (overlay, rewritten) = KillOverlay.Build(Set(), "v1-kill1", ["PILLS"], Now, "kill switch: PILLS");

        Assert.Equal("v1-kill1", overlay.Version);
        Assert.DoesNotContain(overlay.Rules, rule => rule.Id == "PILLS");
        Assert.Equal(["PILLS_AND_CHEAP", "NOT_PILLS"], rewritten);
        Assert.Equal("0 && CHEAP_WORD", overlay.Rules.Single(rule => rule.Id == "PILLS_AND_CHEAP").Expression);

        // PILLS_X shares a prefix with PILLS and must be left alone.
        Assert.Equal("!0 && !PILLS_X", overlay.Rules.Single(rule => rule.Id == "NOT_PILLS").Expression);
        Assert.True(PatternSetLinter.Lint(overlay).IsValid);
        Assert.Contains("kill switch: PILLS", overlay.Description);
    }

    [Fact]
    public void The_overlay_scans_like_the_set_with_the_rule_never_hitting()
    {
        var (overlay, _) = KillOverlay.Build(Set(), "v1-kill1", ["PILLS"], Now, "kill");
        var mail = Encoding.UTF8.GetBytes(TestData.Mail("cheap pills here"));

        var before = CompiledPatternSet.Compile(Set()).Scan(mail);
        var after = CompiledPatternSet.Compile(overlay).Scan(mail);

        Assert.Contains(before.Hits, hit => hit.RuleId == "PILLS_AND_CHEAP");
        Assert.DoesNotContain(after.Hits, hit => hit.RuleId is "PILLS" or "PILLS_AND_CHEAP");
        Assert.Contains(after.Hits, hit => hit.RuleId == "NOT_PILLS");
        Assert.Contains(after.Hits, hit => hit.RuleId == "CHEAP_WORD");
    }

    [Fact]
    public void Unknown_rules_are_refused_by_name()
    {
        var error = Assert.Throws<UnknownRulesException>(() => KillOverlay.Build(Set(), "v1-kill1", ["PILLS", "NOPE", "ALSO_NOPE"], Now, "kill"));

        Assert.Equal(["ALSO_NOPE", "NOPE"], error.RuleIds);
        Assert.Equal("v1", error.Version);
    }

    [Theory]
    [InlineData("v1", new string[0], "v1-kill1")]
    [InlineData("v1", new[] { "v1", "v1-kill1", "v1-kill2", "v10-kill7" }, "v1-kill3")]
    [InlineData("v1-kill2", new[] { "v1", "v1-kill1", "v1-kill2" }, "v1-kill3")]
    [InlineData("2026.11.28-1", new[] { "2026.11.28-1", "2026.11.28-1-killer" }, "2026.11.28-1-kill1")]
    public void Overlay_versions_count_up_from_the_base_version(string active, string[] stored, string expected) =>
        Assert.Equal(expected, KillOverlay.NextVersion(active, stored));
}
