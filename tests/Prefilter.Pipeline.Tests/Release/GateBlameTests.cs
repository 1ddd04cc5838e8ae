using System.Text;
using Prefilter.Engine.Gating;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>
/// What the gate blames for verdict flips it did not cause by adding a rule. These fail against the current
/// <c>PatternSetGate</c> (it blames only candidate rules that hit on a flipped message and are absent from the active
/// set), so they are skipped until the engine side is fixed; the release path returns whatever the gate blames.
/// </summary>
public sealed class GateBlameTests
{
    private const string Reported = "Engine/Gating: flips caused by a removed or changed rule blame nothing (reported to the lead)";

    private static readonly PatternSetGate Gate = new(
        ScannerOptions.Default,
        new GateBudget { MaxP99Cost = TimeSpan.FromMinutes(1), MaxP99CostRatio = double.MaxValue, MaxHamToSpamFlips = 0, MaxSpamToHamFlips = 0 });

    [Fact(Skip = Reported)]
    public void Spam_let_through_because_a_rule_was_removed_blames_the_removed_rule()
    {
        var active = TestData.Set("v1");
        var candidate = active with { Version = "v2", Rules = [.. active.Rules.Where(rule => rule.Id != "VIAGRA_WORD")] };

        var report = Gate.Evaluate(candidate, active, [Message("buy viagra now")]);

        Assert.Equal(1, report.SpamToHamFlips);
        Assert.Equal(["VIAGRA_WORD"], report.Blamed);
    }

    [Fact(Skip = Reported)]
    public void Ham_flagged_because_a_rule_changed_blames_the_changed_rule()
    {
        var active = TestData.Set("v1");
        var candidate = active with
        {
            Version = "v2",
            Rules = [.. active.Rules.Select(rule => rule.Id == "CHEAP_WORD" ? rule with { Pattern = "(?i)meeting" } : rule)],
        };

        var report = Gate.Evaluate(candidate, active, [Message("the meeting is at noon")]);

        Assert.Equal(1, report.HamToSpamFlips);
        Assert.Equal(["CHEAP_WORD"], report.Blamed);
    }

    private static GateMessage Message(string body) => new("sample/1", Encoding.UTF8.GetBytes(TestData.Mail(body)));
}
