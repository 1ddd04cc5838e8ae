using System.Text;
using Prefilter.Engine.Gating;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Engine.Tests.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Gating;

public class PatternSetGateTests
{
    private static readonly GateBudget Budget = new() { MaxP99Cost = TimeSpan.FromSeconds(10) };

    private static readonly Rule[] ActiveRules =
    [
        Body("CHEAP_PILLS", "(?i)cheap pills", 6),
        Header("SUBJ_WIN", "Subject", "(?i)you have won", 3),
    ];

    [Fact]
    public void A_set_compared_with_itself_passes_without_flips()
    {
        var set = Of(ActiveRules);
        // Timing of a few dozen small mails beside other test classes on two cores is noise, not cost: the cost
        // budget is shown by the costly-combination test, whose gap is orders of magnitude. Here: verdicts and report.
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxP99CostRatio = double.MaxValue });

        var report = gate.Evaluate(set, set, Sample());

        Assert.True(report.Passed, string.Join("; ", report.Refusals));
        Assert.NotNull(report.P99CostRatio);
        Assert.Equal(0, report.HamToSpamFlips + report.SpamToHamFlips);
        Assert.NotNull(report.Active);
        Assert.True(report.AdversarialMessages > 0);
        Assert.Equal(report.CandidateDigest, report.ActiveDigest);
    }

    [Fact]
    public void The_report_keeps_the_paired_costs_behind_its_interval_and_names_their_clock()
    {
        var set = Of(ActiveRules);
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxP99CostRatio = double.MaxValue });
        var sample = Sample();

        var report = gate.Evaluate(set, set, sample);

        var costs = report.Costs!;
        Assert.Equal(sample.Count + report.AdversarialMessages, costs.MessageIds.Count);
        Assert.Equal([.. sample.Select(message => message.Id)], costs.MessageIds.Take(sample.Count));
        Assert.Equal(costs.MessageIds.Count, costs.Candidate.Count);
        Assert.Equal(costs.MessageIds.Count, costs.Active.Count);
        Assert.Equal(CostRatioEstimate.Of(costs.Candidate, costs.Active), report.P99CostRatioInterval);
        Assert.Equal(ScanCostClock.Kind, report.CostClock);
        Assert.Null(gate.Evaluate(set, null, sample).Costs);
    }

    [Fact]
    public void A_corpus_too_small_for_an_interval_has_each_message_scanned_more_often()
    {
        var set = Of(ActiveRules);
        var budget = Budget with { MaxP99CostRatio = double.MaxValue };
        var sample = Sample();

        var report = new PatternSetGate(ScannerOptions.Default, budget).Evaluate(set, set, sample);
        var stubborn = new PatternSetGate(ScannerOptions.Default, budget with { TimingRuns = 40 }).Evaluate(set, set, sample);

        // Fewer messages than timed scans wanted: each is scanned until the set has had 500 scans, or 25 times.
        var messages = sample.Count + report.AdversarialMessages;
        Assert.True(messages < budget.MinTimedScans, $"{messages} messages");
        Assert.True(report.TimingRuns > budget.TimingRuns && report.TimingRuns <= budget.MaxTimingRuns, $"{report.TimingRuns} runs");
        Assert.True(report.TimingRuns == budget.MaxTimingRuns || report.TimingRuns * messages >= budget.MinTimedScans, $"{report.TimingRuns} runs of {messages} messages");
        Assert.Equal(40, stubborn.TimingRuns);
    }

    [Fact]
    public void A_set_that_lint_refuses_is_refused_naming_the_rule()
    {
        var candidate = Of([.. ActiveRules, MetaRule("BROKEN_META", "UNKNOWN_RULE && CHEAP_PILLS")]);

        var report = Gate().Evaluate(candidate, Of(ActiveRules), Sample());

        Assert.False(report.Passed);
        Assert.Contains("BROKEN_META", report.Blamed);
        Assert.Null(report.Candidate);
    }

    [Fact]
    public void A_costly_combination_is_refused_and_the_meta_that_combines_it_is_blamed()
    {
        // Forty sub-rules without any literal, each looking for a word repeated after the next one: the backreference
        // needs the backtracking engine, and the linear gate in front of it lets every paragraph through, so each rule
        // runs on every paragraph of every mail; one meta combines them. Against two literal-gated rules this is orders
        // of magnitude more work, so the ratio cannot be near the limit.
        var costly = Enumerable.Range(0, 40)
            .Select(i => Body($"__COSTLY_{i}", $@"\b(\w{{2,{20 + i}}})\s+\w+\s+\1\b", 0))
            .ToArray();
        var meta = MetaRule("COSTLY_COMBINATION", string.Join(" + ", costly.Select(rule => rule.Id)) + " > 3", 1);
        var candidate = Of([.. ActiveRules, .. costly, meta]);

        var report = Gate().Evaluate(candidate, Of(ActiveRules), Sample(paragraphs: 40));

        Assert.False(report.Passed);
        Assert.Contains(report.Refusals, refusal => refusal.Contains("active set", StringComparison.Ordinal));
        Assert.True(report.P99CostRatio > Budget.MaxP99CostRatio);
        Assert.Equal("COSTLY_COMBINATION", report.Blamed[0]);
        Assert.Equal("COSTLY_COMBINATION", report.TopCombinations[0].RuleId);
        Assert.StartsWith("__COSTLY_", report.TopRules[0].RuleId);
        Assert.DoesNotContain(report.Blamed, id => id is "CHEAP_PILLS" or "SUBJ_WIN");
    }

    [Fact]
    public void Deadline_hits_on_the_gate_corpus_refuse_the_set()
    {
        // A clock that jumps 5 s at every reading is past the 2 s deadline at the first regex of each scan;
        // a rule without literals runs a regex on every mail, so every sample message is stopped. The budget allows none.
        var options = new ScannerOptions { TimeProvider = new SteppingClock(TimeSpan.FromSeconds(5)) };
        var gate = new PatternSetGate(options, Budget with { MaxP99CostRatio = double.MaxValue, MaxP99Cost = TimeSpan.MaxValue });
        var set = Of([.. ActiveRules, Body("ANY_NUMBER", @"\d{2,}"), Body("ANY_WORD", @"\w{3,}")]);

        var report = gate.Evaluate(set, null, Sample());

        Assert.False(report.Passed);
        Assert.True(report.Candidate!.DeadlineHits >= report.SampleMessages);
        Assert.Contains(report.Refusals, refusal => refusal.Contains("deadline", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(5, true)]
    public void Ham_to_spam_flips_over_the_limit_refuse_and_blame_the_new_rule(int allowed, bool passes)
    {
        var candidate = Of([.. ActiveRules, Body("GREETING_IS_SPAM", "(?i)hello there", 6)]);
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxHamToSpamFlips = allowed, MaxP99CostRatio = double.MaxValue });

        var report = gate.Evaluate(candidate, Of(ActiveRules), Sample(greetings: 3));

        Assert.Equal(3, report.HamToSpamFlips);
        Assert.Equal(passes, report.Passed);
        Assert.Equal(passes ? [] : ["GREETING_IS_SPAM"], report.Blamed);
        Assert.All(report.FlipExamples, flip => Assert.Equal((VerdictAction.Deliver, VerdictAction.Tag), (flip.Active, flip.Candidate)));
    }

    [Fact]
    public void Spam_to_ham_flips_over_the_limit_refuse()
    {
        var candidate = Of(ActiveRules[1]);
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxSpamToHamFlips = 1, MaxP99CostRatio = double.MaxValue });

        var report = gate.Evaluate(candidate, Of(ActiveRules), Sample(pills: 2));

        Assert.Equal(2, report.SpamToHamFlips);
        Assert.False(report.Passed);
    }

    [Fact]
    public void Spam_let_through_because_a_rule_was_removed_blames_the_removed_rule()
    {
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxSpamToHamFlips = 0, MaxP99CostRatio = double.MaxValue });

        var report = gate.Evaluate(Of(ActiveRules[1]), Of(ActiveRules), Sample(pills: 1));

        Assert.Equal(1, report.SpamToHamFlips);
        Assert.Equal(["CHEAP_PILLS"], report.Blamed);
    }

    [Fact]
    public void Ham_flagged_because_a_rule_changed_blames_the_changed_rule()
    {
        var changed = ActiveRules[0] with { Pattern = "(?i)hello there" };
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxHamToSpamFlips = 0, MaxP99CostRatio = double.MaxValue });

        var report = gate.Evaluate(Of(changed, ActiveRules[1]), Of(ActiveRules), Sample(greetings: 1));

        Assert.Equal(1, report.HamToSpamFlips);
        Assert.Equal(["CHEAP_PILLS"], report.Blamed);
    }

    [Fact]
    public void Flips_that_no_rule_change_explains_blame_the_thresholds()
    {
        var candidate = Of(ActiveRules) with { Thresholds = new Thresholds(Tag: 2, Quarantine: 10) };
        var gate = new PatternSetGate(ScannerOptions.Default, Budget with { MaxHamToSpamFlips = 0, MaxP99CostRatio = double.MaxValue });
        var sample = Sample();
        sample.Add(new GateMessage("winner", Mail("Claim it today", subject: "You have won")));

        var report = gate.Evaluate(candidate, Of(ActiveRules), sample);

        Assert.Equal(1, report.HamToSpamFlips);
        Assert.Equal(["thresholds"], report.Blamed);
    }

    [Fact]
    public void The_first_publish_is_judged_on_absolute_budgets_only()
    {
        var report = Gate().Evaluate(Of(ActiveRules), null, Sample());

        Assert.True(report.Passed, string.Join("; ", report.Refusals));
        Assert.Null(report.Active);
        Assert.Null(report.P99CostRatio);
    }

    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref now, step.Ticks);
    }

    private static PatternSetGate Gate() => new(ScannerOptions.Default, Budget);

    private static List<GateMessage> Sample(int paragraphs = 3, int greetings = 0, int pills = 0)
    {
        var text = string.Join("\r\n\r\n", Enumerable.Range(0, paragraphs).Select(i => $"Paragraph {i} talks about the weekly meeting notes and item {i * 7}."));
        var messages = Enumerable.Range(0, 30).Select(i => new GateMessage($"sample/{i}", Mail(text, subject: $"Notes {i}"))).ToList();
        messages.AddRange(Enumerable.Range(0, greetings).Select(i => new GateMessage($"greeting/{i}", Mail("Hello there, how are you?"))));
        messages.AddRange(Enumerable.Range(0, pills).Select(i => new GateMessage($"pills/{i}", Mail("Buy cheap pills now"))));
        return messages;
    }
}

public class AdversarialMailTests
{
    [Fact]
    public void Every_rule_with_a_pattern_gets_a_near_miss_in_the_part_it_reads()
    {
        var set = Of(
            Body("B", "(a+)+b"),
            Header("H", "Subject", @"(x|xx)*y"),
            MetaRule("M", "B && H"));

        var messages = AdversarialMail.For(set);
        var rulesMessage = Encoding.UTF8.GetString(messages.Single(m => m.Id.StartsWith("adversarial/rules-", StringComparison.Ordinal)).Content.Span);

        Assert.Contains(new string('a', AdversarialMail.RunLength) + "\u0007", rulesMessage, StringComparison.Ordinal);
        Assert.Contains("Subject: " + new string('x', AdversarialMail.RunLength), rulesMessage, StringComparison.Ordinal);
        Assert.Contains(messages, m => m.Id == "adversarial/deep-nesting");
        Assert.Contains(messages, m => m.Id == "adversarial/deep-attached-messages");
        var deep = CompiledPatternSet.Compile(set).Scan(messages.Single(m => m.Id == "adversarial/deep-attached-messages").Content);
        Assert.True(deep.Incomplete);
        Assert.Equal(VerdictAction.Tag, deep.Action);
    }

    [Fact]
    public void Scanning_every_adversarial_mail_returns_a_verdict()
    {
        var set = Of(Body("B", @"(\w+\s?)*!"), Header("H", "ALL", @"(?i)x-filler-\d+:\s+h{30,}"));
        var compiled = CompiledPatternSet.Compile(set);

        var results = AdversarialMail.For(set).Select(message => compiled.Scan(message.Content)).ToList();

        Assert.All(results, result => Assert.Equal(compiled.Digest, result.SetDigest));
    }

    [Theory]
    [InlineData(@"(a+)+b", "aaaa")]
    [InlineData(@"[^a-z]{3,}x", "000")]
    [InlineData(@"(?i)free\s*money", "free")]
    [InlineData(@"foo(?=bar)baz", "fooba")]
    public void Near_miss_walks_the_pattern(string pattern, string expectedStart) =>
        Assert.StartsWith(expectedStart, NearMiss.For(pattern), StringComparison.Ordinal);
}
