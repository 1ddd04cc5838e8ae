using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Scanning;

public class CompiledPatternSetTests
{
    [Fact]
    public void Body_rules_match_per_paragraph_with_the_subject_first()
    {
        var set = CompiledPatternSet.Compile(Of(
            Body("SUBJECT_IN_BODY", @"^Cheap meds$"),
            Body("ACROSS_PARAGRAPHS", @"first\s+second"),
            Body("IN_PARAGRAPH", @"(?i)\bbuy now\b", score: 6)));

        var result = set.Scan(Mail("Please BUY NOW today.\r\n\r\nfirst\r\n\r\nsecond", subject: "Cheap meds"));

        Assert.Equal(["SUBJECT_IN_BODY", "IN_PARAGRAPH"], result.HitIds());
        Assert.Equal(7, result.Score);
        Assert.Equal(VerdictAction.Tag, result.Action);
        Assert.Equal(set.Digest, result.SetDigest);
        Assert.False(result.Incomplete);
    }

    [Theory]
    [InlineData(ScanEngineMode.Hybrid)]
    [InlineData(ScanEngineMode.LinearOnly)]
    public void Every_execution_class_hits(ScanEngineMode mode)
    {
        var set = CompiledPatternSet.Compile(Of(
            Body("LINEAR", @"(?i)\bfree money\b"),
            Body("EDGE", @"(?<![\w.])offer(?!\w)"),
            Body("EDGE_CHECK", @"(?i)(?!money)m[o0]ney"),
            Body("BACKTRACKING", @"(\w)\1{4}"),
            Body("MISS", @"(?<!x)zzz(?!q)")), new ScannerOptions { EngineMode = mode });

        Assert.Equal(1, set.Classes.Linear);
        Assert.Equal(3, set.Classes.LinearWithEdgeCheck);
        Assert.Equal(1, set.Classes.CheckedBacktracking);

        var result = set.Scan(Mail("Free money! A special offer: m0ney for aaaaaa you. zzzq"));

        Assert.Equal(["LINEAR", "EDGE", "EDGE_CHECK", "BACKTRACKING"], result.HitIds());
    }

    [Theory]
    [InlineData(ScanEngineMode.Hybrid)]
    [InlineData(ScanEngineMode.LinearOnly)]
    public void A_pattern_that_explodes_on_backtracking_runs_linear_and_the_scan_completes(ScanEngineMode mode)
    {
        var set = CompiledPatternSet.Compile(Of(Body("EXPLODES", @"(a+)+$"), Body("EXPLODES_TOO", @"(x|xx)*y")), new ScannerOptions { EngineMode = mode });

        var result = set.Scan(Mail(new string('a', 1500) + "!\r\n\r\n" + new string('x', 1500) + "!"));

        Assert.Equal(RuleClassCountsLinear(2), set.Classes);
        Assert.Empty(result.Hits);
        Assert.False(result.Incomplete, result.IncompleteReason);
    }

    [Theory]
    [InlineData(ScanEngineMode.Hybrid)]
    [InlineData(ScanEngineMode.LinearOnly)]
    public void A_20_mb_mail_is_scanned_up_to_the_caps_and_says_so(ScanEngineMode mode)
    {
        var set = CompiledPatternSet.Compile(Of(
            Body("EARLY", @"(?i)\bact now\b"),
            Body("LATE", @"needle at the end"),
            Body("NO_LITERAL", @"(\w+\s?)+$"),
            MetaRule("BOTH", "EARLY && LATE")), new ScannerOptions { EngineMode = mode });
        var filler = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet consectetur\r\n", 20 * 1024 * 1024 / 40));

        var result = set.Scan(Mail("Act now!\r\n\r\n" + filler + "\r\nneedle at the end"));

        Assert.Contains("EARLY", result.HitIds());
        Assert.DoesNotContain("LATE", result.HitIds());
        Assert.True(result.Incomplete);
        Assert.False(result.DeadlineExceeded);
        Assert.Contains("cap", result.IncompleteReason);
        Assert.Equal(IncompleteCauses.MessageCap, result.IncompleteCauses);
    }

    [Theory]
    [InlineData(ScanEngineMode.Hybrid)]
    [InlineData(ScanEngineMode.LinearOnly)]
    public void A_bounded_pattern_near_its_work_budget_completes_on_its_worst_input(ScanEngineMode mode)
    {
        // 15 ways to try from each start, 8 characters wide: 120 steps a character on the backtracking interpreter,
        // whose every start on a run of 'a' tries them all.
        const string pattern = "(?:a|ab){0,3}c";
        Assert.Equal(15 * 8, RegexAnalyzer.Analyze(pattern).BacktrackingWork);
        var set = CompiledPatternSet.Compile(Of(Body("WORST", pattern), Body("AFTER", "needle")), new ScannerOptions { EngineMode = mode });

        var result = set.Scan(Mail(string.Concat(Enumerable.Repeat(new string('a', 4000) + "b\r\n", 100)) + "\r\nneedle"));

        Assert.False(result.Incomplete, result.IncompleteReason);
        Assert.Equal(["AFTER"], result.HitIds());
    }

    [Fact]
    public void A_set_with_a_rule_that_cannot_be_made_safe_is_rejected_with_its_id()
    {
        var rejected = Assert.Throws<PatternSetRejectedException>(() =>
            CompiledPatternSet.Compile(Of(Body("OK", "fine"), Body("BOMB", @"(\w+\s?)*(?<!x)$"))));

        Assert.Contains(rejected.Findings, finding => finding.RuleId == "BOMB" && finding.Reason.Contains("nested quantifier"));
    }

    [Fact]
    public void Header_rules_on_absent_headers_use_the_empty_value_or_if_unset_and_negation()
    {
        var set = CompiledPatternSet.Compile(Of(
            Header("NO_MAILER_EMPTY", "X-Mailer", "^$"),
            Header("MAILER_NOT_OUTLOOK", "X-Mailer", "Outlook", negate: true),
            Header("UNSET_VALUE", "X-Spam-Flag", "^UNSET$", ifUnset: "UNSET"),
            Header("SUBJECT_NOT_HELLO", "Subject", "Hello", negate: true),
            Header("MAILER_OUTLOOK", "X-Mailer", "Outlook")));

        var absent = set.Scan(Mail("body"));
        var present = set.Scan(Mail("body", extraHeaders: "X-Mailer: Microsoft Outlook 16\r\nX-Spam-Flag: NO\r\n"));

        Assert.Equal(["NO_MAILER_EMPTY", "MAILER_NOT_OUTLOOK", "UNSET_VALUE"], absent.HitIds());
        Assert.Equal(["MAILER_OUTLOOK"], present.HitIds());
    }

    [Fact]
    public void Address_and_name_header_rules_read_the_parsed_mailboxes()
    {
        var set = CompiledPatternSet.Compile(Of(
            Header("FROM_ADDR", "From:addr", @"@evil\.test$"),
            Header("FROM_NAME", "From:name", "(?i)^paypal"),
            Header("EXISTS_REPLY", "exists:Reply-To", "") with { Pattern = null }));

        var result = set.Scan(Mail("hi", from: "\"PayPal Service\" <billing@evil.test>", extraHeaders: "Reply-To: x@y.test\r\n"));

        Assert.Equal(["FROM_ADDR", "FROM_NAME", "EXISTS_REPLY"], result.HitIds());
    }

    [Fact]
    public void Raw_header_rules_read_the_value_as_written()
    {
        var set = CompiledPatternSet.Compile(Of(
            Header("SUBJECT_B64_RAW", "Subject:raw", @"(?i)=\?UTF-8\?B\?"),
            Header("SUBJECT_B64_DECODED", "Subject", @"(?i)=\?UTF-8\?B\?"),
            Header("DATE_TAB_RAW", "Date:raw", @"^\t"),
            Header("DATE_TAB_DECODED", "Date", @"^\t"),
            Header("FOLDED_RAW", "X-Folded:raw", @"^ one\n {8}two$"),
            Header("TIGHT_RAW", "ALL:raw", @"(?m)^X-Tight:\S"),
            Header("TIGHT_DECODED", "ALL", @"(?m)^X-Tight:\S")));

        // CRLF line ends, as on the wire: a raw value's folding reads as \n, as in SpamAssassin.
        var result = set.Scan(Mail("body", subject: "=?UTF-8?B?SGVsbG8=?=",
            extraHeaders: "Date:\tSat, 28 Nov 2026 10:00:00 +0000\r\nX-Folded: one\r\n        two\r\nX-Tight:value\r\n"));

        Assert.Equal(["SUBJECT_B64_RAW", "DATE_TAB_RAW", "FOLDED_RAW", "TIGHT_RAW"], result.HitIds());
    }

    [Theory]
    [InlineData("someone@example.com", true)]
    [InlineData("someone@mail.example.com", true)]
    [InlineData("someone@evil-example.com", false)]
    [InlineData("someone@example.com.evil.test", false)]
    [InlineData("Boss@Partner.TEST", true)]
    [InlineData("other@partner.test", false)]
    public void List_rules_match_exact_addresses_and_domains_with_subdomains_only(string from, bool hits)
    {
        var set = CompiledPatternSet.Compile(Of(List("LISTED", addresses: ["boss@partner.test"], domains: ["example.com"], score: -5)));

        var result = set.Scan(Mail("hi", from: from));

        Assert.Equal(hits, result.Hits.Any(hit => hit.RuleId == "LISTED"));
    }

    [Fact]
    public void Meta_rules_combine_hits_including_other_metas()
    {
        var set = CompiledPatternSet.Compile(Of(
            Body("__A", "alpha", score: 0),
            Body("__B", "beta", score: 0),
            Body("__C", "gamma", score: 0),
            MetaRule("TWO_OF_THREE", "__A + __B + __C >= 2", score: 3),
            MetaRule("NOT_C", "TWO_OF_THREE && !__C", score: 2)));

        Assert.Equal(["__A", "__B", "TWO_OF_THREE", "NOT_C"], set.Scan(Mail("alpha and beta")).HitIds());
        Assert.Equal(["__A", "__C", "TWO_OF_THREE"], set.Scan(Mail("alpha and gamma")).HitIds());
        Assert.Equal(["__A"], set.Scan(Mail("alpha only")).HitIds());
        Assert.Equal(5, set.Scan(Mail("alpha and beta")).Score);
    }

    [Fact]
    public void Metas_that_hit_when_none_of_their_rules_hit_do_so_and_stop_when_one_does()
    {
        var set = CompiledPatternSet.Compile(Of(
            Body("__A", "alpha", score: 0),
            Body("__B", "beta", score: 0),
            MetaRule("NEITHER", "!__A && !__B"),
            MetaRule("FEWER_THAN_ONE", "__A + __B < 1"),
            MetaRule("CONSTANT", "1"),
            MetaRule("READS_NEITHER", "NEITHER"),
            MetaRule("NOT_NEITHER", "!NEITHER")));

        // A meta that hits while reading only misses counts as a hit for the metas that read it.
        Assert.Equal(["NEITHER", "FEWER_THAN_ONE", "CONSTANT", "READS_NEITHER"], set.Scan(Mail("nothing here")).HitIds());
        Assert.Equal(["__B", "CONSTANT", "NOT_NEITHER"], set.Scan(Mail("beta")).HitIds());
    }

    [Theory]
    [InlineData(ScanEngineMode.Hybrid)]
    [InlineData(ScanEngineMode.LinearOnly)]
    public void The_deadline_stops_the_scan_with_an_incomplete_verdict(ScanEngineMode mode)
    {
        var clock = new SteppingTimeProvider(TimeSpan.FromMilliseconds(500));
        var set = CompiledPatternSet.Compile(
            Of(Enumerable.Range(0, 20).Select(i => Body($"R{i}", $@"\bword{i}\b|^")).ToArray()),
            new ScannerOptions { TimeProvider = clock, Deadline = TimeSpan.FromSeconds(2), EngineMode = mode, Accelerator = ScanAccelerator.None });

        var result = set.Scan(Mail("some text"));

        Assert.True(result.Incomplete);
        Assert.True(result.DeadlineExceeded);
        Assert.Contains("deadline", result.IncompleteReason);
        Assert.Equal(IncompleteCauses.Deadline, result.IncompleteCauses);
        Assert.InRange(result.Hits.Count, 1, 19);
    }

    [HyperscanAvailableFact]
    public void The_deadline_stops_the_hyperscan_pass_between_units_with_an_incomplete_verdict()
    {
        // Every clock read moves 500 ms on: the pass reads once per paragraph, so the fifth is past the deadline.
        var set = CompiledPatternSet.Compile(
            Of(Body("LATE", @"paragraph number 19")),
            new ScannerOptions { TimeProvider = new SteppingTimeProvider(TimeSpan.FromMilliseconds(500)), Deadline = TimeSpan.FromSeconds(2) });

        var result = set.Scan(Mail(string.Join("\r\n\r\n", Enumerable.Range(0, 20).Select(i => $"paragraph number {i}"))));

        Assert.Equal(ScanAccelerator.Hyperscan, set.Accelerator);
        Assert.True(result.DeadlineExceeded);
        Assert.Equal(IncompleteCauses.Deadline, result.IncompleteCauses);
        Assert.Empty(result.Hits);
    }

    [Theory]
    [InlineData(ScanEngineMode.Hybrid)]
    [InlineData(ScanEngineMode.LinearOnly)]
    public void Building_engines_on_first_use_does_not_count_against_the_deadline(ScanEngineMode mode)
    {
        // Every clock read moves 100 ms on. A warm scan reads once per regex run: ten runs, 1 s. A cold scan also
        // reads twice around each engine it builds, which without the exclusion makes its tenth run start 2.8 s in;
        // the deadline sits between the two.
        var words = Enumerable.Range(0, 10).Select(i => $"word{i}").ToArray();
        var set = CompiledPatternSet.Compile(
            Of([.. words.Select(word => Body(word.ToUpperInvariant(), $@"\b{word}\b"))]),
            new ScannerOptions { TimeProvider = new SteppingTimeProvider(TimeSpan.FromMilliseconds(100)), Deadline = TimeSpan.FromSeconds(2.4), EngineMode = mode, Accelerator = ScanAccelerator.None });
        var mail = Mail(string.Join(" ", words));

        var cold = set.Scan(mail);
        var warm = set.Scan(mail);

        Assert.False(cold.Incomplete, cold.IncompleteReason);
        Assert.Equal(10, cold.Hits.Count);
        Assert.True(cold.EngineBuildTime > TimeSpan.Zero);
        Assert.True(cold.Elapsed > cold.EngineBuildTime);
        Assert.Equal(TimeSpan.Zero, warm.EngineBuildTime);
        Assert.Equal(cold.HitIds(), warm.HitIds());
    }

    [Fact]
    public void Rule_costs_leave_out_engines_built_on_first_use()
    {
        // Every clock read moves 100 ms on. Building the rule's engine inside its first run reads the clock twice: one
        // step falls between those reads (the build) and one after them. Charged with the build, the cold run would
        // cost two steps more than the warm one; without it, one, which is all the build time the scan reports.
        var set = CompiledPatternSet.Compile(
            Of(Body("ALPHA", @"\balpha\b")),
            new ScannerOptions { TimeProvider = new SteppingTimeProvider(TimeSpan.FromMilliseconds(100)), CostSampleRate = 1, Accelerator = ScanAccelerator.None });
        var mail = Mail("alpha");

        var cold = set.Scan(mail);
        var warm = set.Scan(mail);

        var coldCost = Assert.Single(cold.RuleCosts!).Elapsed;
        var warmCost = Assert.Single(warm.RuleCosts!).Elapsed;
        Assert.True(cold.EngineBuildTime > TimeSpan.Zero);
        Assert.Equal(cold.EngineBuildTime, coldCost - warmCost);
    }

    [Fact]
    public void A_large_pattern_is_built_once_for_lint_and_scan()
    {
        // Lint lends the engine weakly (a set that is only linted must not pin it), so a garbage collection between
        // compile and scan, which tests running beside this one cause often, takes it back and the scan builds it
        // again. Only an attempt without a collection in between shows the sharing.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var collections = GC.CollectionCount(0);

            // Large enough that lint asks the linear engine to build it; unique, so no earlier analysis is memoized.
            var word = "w" + Guid.NewGuid().ToString("N");
            var set = CompiledPatternSet.Compile(
                Of(Body("LARGE", word + "[a-z ]{0,3000}[0-9]")),
                new ScannerOptions { TimeProvider = new SteppingTimeProvider(TimeSpan.FromMilliseconds(1)) });
            var result = set.Scan(Mail($"{word} and 7"));

            Assert.Equal(["LARGE"], result.HitIds());
            if (GC.CollectionCount(0) == collections)
            {
                Assert.Equal(TimeSpan.Zero, result.EngineBuildTime);
                return;
            }
        }

        Assert.Fail("Every attempt saw a garbage collection between compile and scan; nothing was shown.");
    }

    [Fact]
    public void Sampled_scans_report_rule_costs()
    {
        var set = CompiledPatternSet.Compile(Of(Body("A", "alpha"), Body("B", @"\d+")), new ScannerOptions { CostSampleRate = 1 });

        var result = set.Scan(Mail("alpha 42"));

        Assert.NotNull(result.RuleCosts);
        Assert.Equal(["A", "B"], result.RuleCosts!.Select(cost => cost.RuleId).Order());
        Assert.Null(CompiledPatternSet.Compile(Of(Body("A", "alpha")), new ScannerOptions { CostSampleRate = 0 }).Scan(Mail("alpha")).RuleCosts);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a mail at all \0\0\xff")]
    [InlineData("From nobody Mon Jan  1 00:00:00 2026\nSubject: mbox\n\nbody with 8-bit \xe9\xe8 and a broken\n--boundary\n")]
    [InlineData("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=no-such-charset\n\nfree money\n--x")]
    public void Malformed_mail_gets_a_verdict(string raw)
    {
        var set = CompiledPatternSet.Compile(Of(Body("MONEY", "free money"), Header("NO_SUBJECT", "Subject", "^$")));

        var result = set.Scan(System.Text.Encoding.Latin1.GetBytes(raw));

        Assert.Equal(set.Digest, result.SetDigest);
        Assert.True(result.Score >= 0);
    }

    [Fact]
    public void Parallel_scans_give_the_same_results_as_sequential_ones()
    {
        var set = CompiledPatternSet.Compile(Of(
            Body("A", @"(?i)\bfree\b"), Body("B", @"(?<!\w)offer(?!\w)"), Body("C", @"(\w)\1{3}"),
            Header("S", "Subject", "(?i)win"), MetaRule("M", "A && S")));
        var mails = Enumerable.Range(0, 64).Select(i => Mail(
            i % 2 == 0 ? "free offer" : "nothing here aaaa", subject: i % 3 == 0 ? "You WIN" : "hi")).ToArray();
        var expected = mails.Select(mail => string.Join(",", set.Scan(mail).HitIds())).ToArray();

        var actual = new string[mails.Length];
        Parallel.For(0, mails.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            actual[i % mails.Length] = string.Join(",", set.Scan(mails[i % mails.Length]).HitIds()));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_cache_compiles_a_set_once_per_digest()
    {
        var cache = new CompiledPatternSetCache();
        var set = Of(Body("A", "alpha"));

        var first = cache.GetOrCompile(set);
        var again = cache.GetOrCompile(set with { Rules = [.. set.Rules] });
        var other = cache.GetOrCompile(Of(Body("A", "beta")));

        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.NotEqual(first.Digest, other.Digest);
        Assert.True(cache.TryGet(first.Digest, out var found) && ReferenceEquals(found, first));
    }

    private static Engine.Regexes.RuleClassCounts RuleClassCountsLinear(int count) => new(count, 0, 0, 0, 0);

    /// <summary>A clock that moves on by a fixed step every time it is read, so budgets pass deterministically.</summary>
    private sealed class SteppingTimeProvider(TimeSpan step) : TimeProvider
    {
        private long now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref this.now, step.Ticks);
    }
}
