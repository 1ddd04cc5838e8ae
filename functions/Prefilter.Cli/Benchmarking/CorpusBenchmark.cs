using System.Diagnostics;
using MimeKit;
using Prefilter.DevServices.Corpus;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Benchmarking;

/// <summary>
/// Measures the engine on a corpus against the least any MIME-aware scanner must do — MimeKit parsing with every text
/// part decoded to a string — in the same process and run, so the ratio holds whatever the machine.
/// </summary>
internal sealed class CorpusBenchmark(PatternSet set, IReadOnlyList<CorpusMessage> corpus)
{
    /// <summary>How many top rules by sampled cost the report lists.</summary>
    public int TopRules { get; init; } = 15;

    /// <summary>Timed passes of baseline and engine, interleaved; the fastest of each counts.</summary>
    public int Passes { get; init; } = 3;

    /// <summary>
    /// When above 0, SpamAssassin itself (<see cref="SpamAssassinCheck"/>) checks every n-th benchmarked message, and
    /// the report compares it with the engine's fastest pass on the same messages.
    /// </summary>
    public int SpamAssassinEvery { get; init; }

    /// <summary>
    /// When set, Rspamd from this installation (<see cref="RspamdCheck"/>) checks every benchmarked message, warm,
    /// in as many timed passes as the engine, and the report compares its fastest pass with the engine's.
    /// </summary>
    public RspamdInstallation? Rspamd { get; init; }

    /// <summary>The scanner options of every set the bench compiles; their engine mode is reported.</summary>
    public ScannerOptions Options { get; init; } = ScannerOptions.Default;

    /// <summary>The set's compiled-set artifact: the cold start loads it, as a deployed instance does; null to analyse the set.</summary>
    public CompiledSetArtifact? Artifact { get; init; }

    /// <summary>
    /// Runs cold start, a first engine pass (engines built on first use), then <see cref="Passes"/> interleaved
    /// baseline and engine passes over the warm process, then the rule cost passes (a warm-up and a timed pass of a
    /// copy of the set that times every regex run), a first pass of two more copies to weigh a publish's three sets, then SpamAssassin and Rspamd when asked; reports progress per pass.
    /// </summary>
    /// <exception cref="CommandException">SpamAssassin or Rspamd was asked for and could not run.</exception>
    public async Task<BenchReport> RunAsync(Action<string, int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var messages = corpus.Select(message => message.ReadAllBytes()).ToArray();
        var before = LiveBytes();
        var (report, engineMs, flagged) = Measure(messages, before, progress, cancellationToken);

        // Measure has returned, so nothing holds the compiled sets any more: what stays live is what they leaked.
        report = report with { Memory = report.Memory with { AfterReleaseMb = (LiveBytes() - before) / 1e6 } };
        if (SpamAssassinEvery > 0)
        {
            var (figures, verdicts) = await RunSpamAssassinAsync(engineMs, progress, cancellationToken);
            report = report with { SpamAssassin = figures, Verdicts = Verdicts.Of(corpus, flagged, verdicts) };
        }

        if (Rspamd is { } rspamd)
        {
            // Started after the engine's passes, so its start (compiling its TLD list and regexes) takes no CPU from them.
            var run = await RspamdCheck.RunAsync(rspamd, [.. corpus.Select(message => message.Path)], Passes, progress, cancellationToken);
            var messagesPerSecond = run.Messages / run.Seconds;
            report = report with { Rspamd = new RspamdFigures(run.Version, run.Messages, messagesPerSecond, report.MessagesPerSecond / messagesPerSecond) };
        }

        return report;
    }

    private async Task<(SpamAssassinFigures Figures, Dictionary<int, bool> Verdicts)> RunSpamAssassinAsync(double[] engineMs, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var sample = Enumerable.Range(0, corpus.Count).Where(index => index % SpamAssassinEvery == 0).ToList();
        progress?.Invoke($"SpamAssassin on {sample.Count} messages", 0, 1);
        var run = await SpamAssassinCheck.RunAsync([.. sample.Select(index => corpus[index].Path)], cancellationToken);
        progress?.Invoke($"SpamAssassin on {sample.Count} messages", 1, 1);
        var engineSeconds = sample.Sum(index => engineMs[index]) / 1000;
        var verdicts = sample.Select((index, position) => (index, run.IsSpam[position])).ToDictionary();
        return (new SpamAssassinFigures(
            run.Version,
            run.Messages,
            run.CompileSeconds,
            run.Messages / run.Seconds,
            run.Spam,
            sample.Count / engineSeconds,
            run.Seconds / engineSeconds), verdicts);
    }

    private (BenchReport Report, double[] EngineMs, bool[] Flagged) Measure(byte[][] messages, long before, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var coldStart = Stopwatch.StartNew();
        var compiled = CompiledPatternSet.Compile(set, Options, Artifact);
        compiled.Scan(messages[0], cancellationToken);
        coldStart.Stop();
        var afterColdStart = LiveBytes() - before + compiled.NativeBytes;

        var firstPass = Time(messages, "first pass", progress, cancellationToken, (bytes, _) => compiled.Scan(bytes, cancellationToken));
        var afterFirstPass = LiveBytes() - before + compiled.NativeBytes;

        // Both sides get the same treatment: a warm-up pass, then the fastest of several passes, so neither the JIT's
        // tiering nor a noisy neighbour in one pass decides the ratio.
        Time(messages, "baseline warm-up", progress, cancellationToken, ParseAndDecode);
        var baseline = TimeSpan.MaxValue;
        var engine = TimeSpan.MaxValue;
        var fastestPerMessage = new double[messages.Length];
        var results = new ScanResult[messages.Length];
        for (var pass = 1; pass <= Passes; pass++)
        {
            var parse = Time(messages, $"baseline {pass}/{Passes}", progress, cancellationToken, ParseAndDecode);
            baseline = parse < baseline ? parse : baseline;
            var times = new double[messages.Length];
            var scan = Time(messages, $"engine {pass}/{Passes}", progress, cancellationToken, (bytes, index) =>
            {
                var started = Stopwatch.GetTimestamp();
                results[index] = compiled.Scan(bytes, cancellationToken);
                times[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            });
            if (scan < engine)
            {
                engine = scan;
                fastestPerMessage = times;
            }
        }

        var percentiles = Percentiles.Of(fastestPerMessage);
        var flagged = results.Select(result => result.Action != VerdictAction.Deliver).ToArray();
        var costs = RuleCostPass(compiled, messages, progress, cancellationToken);
        var threeSets = ThreeSetsBytes(compiled, messages, before, progress, cancellationToken);
        return (new BenchReport
        {
            SetName = set.Name,
            SetDigest = compiled.Digest,
            Rules = set.Rules.Count,
            Classes = compiled.Classes,
            EngineMode = Options.EngineMode,
            Accelerator = compiled.Accelerator,
            AcceleratedRegexes = compiled.AcceleratedRegexes,
            DistinctRegexes = compiled.DistinctRegexes,
            UnfilteredRegexes = compiled.UnfilteredRegexes,
            RegexRunsPerMessage = results.Average(result => result.RegexRuns),
            Messages = messages.Length,
            Megabytes = messages.Sum(bytes => (long)bytes.Length) / 1e6,
            ColdStartMs = coldStart.Elapsed.TotalMilliseconds,
            ColdStartFromArtifact = compiled.LoadedFromArtifact,
            FirstPassMessagesPerSecond = messages.Length / firstPass.TotalSeconds,
            Memory = new MemoryFigures(afterColdStart / 1e6, afterFirstPass / 1e6, AfterReleaseMb: 0, compiled.NativeBytes / 1e6, threeSets / 1e6),
            LinearEngines = new LinearEngineFigures(
                Options.LinearEngineBudgetBytes / 1e6, compiled.LinearEngines.PeakBytes / 1e6, compiled.LinearEngines.Builds, compiled.LinearEngines.Evictions),
            Passes = Passes,
            ParseOnlyMessagesPerSecond = messages.Length / baseline.TotalSeconds,
            MessagesPerSecond = messages.Length / engine.TotalSeconds,
            ScanToParseRatio = engine / baseline,
            RuleCostMsPerMessage = costs.TotalMs / messages.Length,
            RuleCostToParseRatio = costs.TotalMs / baseline.TotalMilliseconds,
            P50Ms = percentiles.P50,
            P99Ms = percentiles.P99,
            MaxMs = percentiles.Max,
            Incomplete = results.Count(result => result.Incomplete),
            Verdicts = Verdicts.Of(corpus, flagged),
            TopRules = costs.Top,
        }, fastestPerMessage, flagged);
    }

    // A publish holds three compiled sets at once: the active set, the canary the provider compiled and the candidate
    // the gate compiled. Sets of the same expressions share Hyperscan's databases in a process; a candidate that
    // differs would not, so each copy's native memory is counted in full.
    private long ThreeSetsBytes(CompiledPatternSet active, byte[][] messages, long before, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var copies = new List<CompiledPatternSet>();
        foreach (var role in new[] { "canary", "candidate" })
        {
            var copy = CompiledPatternSet.Compile(set, Options, Artifact);
            Time(messages, $"{role} copy, first pass", progress, cancellationToken, (bytes, _) => copy.Scan(bytes, cancellationToken));
            copies.Add(copy);
        }

        var bytes = LiveBytes() - before + active.NativeBytes + copies.Sum(copy => copy.NativeBytes);
        GC.KeepAlive(copies);
        return bytes;
    }

    private static TimeSpan Time(byte[][] messages, string label, Action<string, int, int>? progress, CancellationToken cancellationToken, Action<byte[], int> work)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            work(messages[i], i);
            progress?.Invoke(label, i + 1, messages.Length);
        }

        return clock.Elapsed;
    }

    // Live objects only: full collections first, so garbage not yet collected does not count.
    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void ParseAndDecode(byte[] bytes, int index)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var message = MimeMessage.Load(stream);
        foreach (var part in message.BodyParts)
        {
            if (part is TextPart text)
            {
                _ = text.Text;
            }
        }
    }

    private (IReadOnlyList<RuleCostLine> Top, double TotalMs) RuleCostPass(
        CompiledPatternSet throughputSet, byte[][] messages, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        // Sampling every message costs timer reads per rule, so it runs as its own set and passes, not inside the
        // throughput figure; the first pass warms that set's engines as the throughput passes were warmed.
        var sampled = CompiledPatternSet.Compile(throughputSet.Set, Options with { CostSampleRate = 1.0 });
        Time(messages, "rule costs warm-up", progress, cancellationToken, (bytes, _) => sampled.Scan(bytes, cancellationToken));
        var totals = new Dictionary<string, double>();
        Time(messages, "rule costs", progress, cancellationToken, (bytes, _) =>
        {
            foreach (var cost in sampled.Scan(bytes, cancellationToken).RuleCosts ?? [])
            {
                totals[cost.RuleId] = totals.GetValueOrDefault(cost.RuleId) + cost.Elapsed.TotalMilliseconds;
            }
        });

        IReadOnlyList<RuleCostLine> top = [.. totals
            .OrderByDescending(entry => entry.Value)
            .Take(TopRules)
            .Select(entry => new RuleCostLine(entry.Key, entry.Value, entry.Value / messages.Length))];
        return (top, totals.Values.Sum());
    }
}
