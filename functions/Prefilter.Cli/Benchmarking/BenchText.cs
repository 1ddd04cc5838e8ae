using System.Text;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Benchmarking;

/// <summary>The human-readable form of a <see cref="BenchReport"/>.</summary>
internal static class BenchText
{
    public static string Format(BenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"set {report.SetName} ({report.Rules} rules, digest {report.SetDigest[..12]}…)");
        text.AppendLine(RuleClassText.Describe(report.Classes));
        text.AppendLine($"regexes: {report.DistinctRegexes} distinct, {report.UnfilteredRegexes} without a usable literal; {report.RegexRunsPerMessage:0} runs per message");
        text.AppendLine($"corpus: {report.Messages} messages, {report.Megabytes:0.0} MB");
        text.AppendLine($"cold start (compile + first scan{(report.ColdStartFromArtifact ? ", from the compiled-set artifact" : "")}): {report.ColdStartMs:0} ms");
        text.AppendLine($"first pass (engines built on first use): {report.FirstPassMessagesPerSecond:0} msg/s");
        var memory = report.Memory;
        text.AppendLine($"accelerator: {(report.Accelerator == ScanAccelerator.Hyperscan ? $"Hyperscan, {report.AcceleratedRegexes} of the {report.DistinctRegexes} regexes" : "none")}");
        text.AppendLine($"memory of the set (managed heap + native {memory.NativeMb:0} MB): {memory.AfterColdStartMb:0} MB after cold start, {memory.AfterFirstPassMb:0} MB after the first pass, {memory.AfterReleaseMb:0} MB left once released; {memory.ThreeSetsMb:0} MB with three sets loaded, as during a publish");
        text.AppendLine($"warm, fastest of {report.Passes} passes each:");
        text.AppendLine($"  baseline (MimeKit parse + decode): {report.ParseOnlyMessagesPerSecond:0} msg/s");
        text.AppendLine($"  scan: {report.MessagesPerSecond:0} msg/s — {report.ScanToParseRatio:0.00}× the baseline's time");
        text.AppendLine($"  of which rules' regex runs (timed pass): {report.RuleCostMsPerMessage:0.000} ms/message — {report.RuleCostToParseRatio:0.00}× the baseline's time");
        text.AppendLine($"per message: p50 {report.P50Ms:0.000} ms, p99 {report.P99Ms:0.000} ms, max {report.MaxMs:0.0} ms; incomplete {report.Incomplete}");
        var verdicts = report.Verdicts;
        text.AppendLine($"flagged (tag or quarantine): spam {verdicts.SpamFlagged}/{verdicts.Spam}, ham {verdicts.HamFlagged}/{verdicts.Ham}");
        foreach (var folder in verdicts.Folders)
        {
            var beside = folder.SpamAssassin is { } sa
                ? $"; on the {sa.Messages} SpamAssassin checked: SpamAssassin {Percent(sa.Flagged, sa.Messages)}, the scan {Percent(sa.ScanFlagged, sa.Messages)}"
                : "";
            text.AppendLine($"  {folder.Folder} ({(folder.Spam ? "spam" : "ham")}): {folder.Flagged}/{folder.Messages} flagged ({Percent(folder.Flagged, folder.Messages)}){beside}");
        }

        if (report.SpamAssassin is { } spamAssassin)
        {
            text.AppendLine($"SpamAssassin {spamAssassin.Version} itself on {spamAssassin.Messages} of the messages (local tests, no Bayes; rules compiled in {spamAssassin.CompileSeconds:0.0} s):");
            text.AppendLine($"  {spamAssassin.MessagesPerSecond:0.0} msg/s, {spamAssassin.SpamVerdicts} judged spam; the scan: {spamAssassin.ScanMessagesPerSecond:0} msg/s on the same messages — {spamAssassin.ScanSpeedup:0}× faster");
        }

        if (report.Rspamd is { } rspamd)
        {
            text.AppendLine($"Rspamd {rspamd.Version} on the same {rspamd.Messages} messages (local modules only, no Bayes; one worker, fed one at a time by rspamc; warm, fastest of {report.Passes} passes):");
            text.AppendLine($"  {rspamd.MessagesPerSecond:0} msg/s; the scan: {report.MessagesPerSecond:0} msg/s — {rspamd.ScanSpeedup:0.00}× Rspamd's rate");
        }

        text.AppendLine("top rules by sampled cost (total ms, ms/message):");
        foreach (var line in report.TopRules)
        {
            text.AppendLine($"  {line.RuleId,-32} {line.TotalMs,10:0.0} {line.MsPerMessage,10:0.0000}");
        }

        return text.ToString();
    }

    private static string Percent(int part, int whole) => whole == 0 ? "-" : $"{100.0 * part / whole:0.0} %";
}
