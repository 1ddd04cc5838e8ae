using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Prefilter.DevServices.Corpus;
using Prefilter.Engine.Gating;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Commands;

/// <summary>
/// <c>prefilter gate &lt;candidate&gt; [--active &lt;set&gt;] [corpus-dir]</c>: the release gate offline, on a folder of mail
/// instead of the pipeline's <c>corpus/</c> container — to try a set before publishing and to time the gate.
/// </summary>
internal static class GateCommand
{
    public static Command Create()
    {
        var candidate = new Argument<string>("candidate") { Description = "Pattern-set JSON file to release" };
        var corpusDirectory = new Argument<string?>("corpus-dir")
        {
            Description = "Folder of mail files standing in for the traffic sample. Default: the SpamAssassin public corpus",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var active = new Option<string?>("--active") { Description = "The set serving now, to compare with (omit for a first publish)" };
        var everyNth = new Option<int>("--every") { Description = "Take every n-th message only", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the gate report as JSON" };
        var command = new Command("gate", "Run the release gate (lint, cost vs the active set, adversarial mail, verdict flips) with default budgets")
        {
            candidate, corpusDirectory, active, everyNth, json,
        };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var candidateSet = Inputs.ReadPatternSet(parseResult.GetValue(candidate)!);
            var activeSet = parseResult.GetValue(active) is { } activePath ? Inputs.ReadPatternSet(activePath) : null;
            var directory = parseResult.GetValue(corpusDirectory) ?? await SpamAssassinCorpus.EnsureDirectoryAsync(cancellationToken);
            var sample = SpamAssassinCorpus.List(directory, parseResult.GetValue(everyNth))
                .Select(message => new GateMessage(Path.GetRelativePath(directory, message.Path), message.ReadAllBytes()))
                .ToList();
            if (sample.Count == 0)
            {
                throw new CommandException(ExitCodes.InputError, $"no mail files in {directory}");
            }

            var clock = Stopwatch.StartNew();
            var report = new PatternSetGate(ScannerOptions.Default, new GateBudget()).Evaluate(candidateSet, activeSet, sample, cancellationToken);
            clock.Stop();

            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { elapsedSeconds = clock.Elapsed.TotalSeconds, report }, JsonOptions));
            }
            else
            {
                Console.WriteLine($"gate {(report.Passed ? "passed" : "REFUSED")} in {clock.Elapsed.TotalSeconds:0.0} s on {report.SampleMessages} sample + {report.AdversarialMessages} adversarial messages");
                Console.WriteLine($"candidate p50 {Ms(report.Candidate?.P50)}, p99 {Ms(report.Candidate?.P99)}, max {Ms(report.Candidate?.Max)}, deadline hits {report.Candidate?.DeadlineHits}");
                if (report.Active is { } activeCost)
                {
                    Console.WriteLine($"active    p50 {Ms(activeCost.P50)}, p99 {Ms(activeCost.P99)}; p99 ratio {report.P99CostRatio:0.00}; flips ham→spam {report.HamToSpamFlips}, spam→ham {report.SpamToHamFlips}");
                }

                foreach (var refusal in report.Refusals)
                {
                    Console.WriteLine($"  refused: {refusal}");
                }

                if (report.Blamed.Count > 0)
                {
                    Console.WriteLine($"  blamed: {string.Join(", ", report.Blamed)}");
                }
            }

            return report.Passed ? ExitCodes.Success : ExitCodes.Refused;
        });
    }

    private static string Ms(TimeSpan? time) => time is { } value ? $"{value.TotalMilliseconds:0.00} ms" : "-";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
