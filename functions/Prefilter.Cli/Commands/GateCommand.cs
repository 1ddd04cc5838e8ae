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
        var costs = new Option<string?>("--costs") { Description = "Write each message's cost under both sets (CSV, microseconds) to this file" };
        var command = new Command("gate", "Run the release gate (lint, cost vs the active set, adversarial mail, verdict flips) with default budgets")
        {
            candidate, corpusDirectory, active, everyNth, json, costs,
        };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var candidateSet = Inputs.ReadPatternSet(parseResult.GetValue(candidate)!);
            var activeSet = parseResult.GetValue(active) is { } activePath ? Inputs.ReadPatternSet(activePath) : null;
            if (activeSet is null && parseResult.GetValue(costs) is not null)
            {
                throw new CommandException(ExitCodes.Usage, "--costs needs --active: the costs are pairs of candidate and active");
            }

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
            if (parseResult.GetValue(costs) is { } costsPath)
            {
                WriteCosts(costsPath, report);
            }

            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { elapsedSeconds = clock.Elapsed.TotalSeconds, report }, JsonOptions));
            }
            else
            {
                Console.WriteLine($"gate {(report.Passed ? "passed" : "REFUSED")} in {clock.Elapsed.TotalSeconds:0.0} s on {report.SampleMessages} sample + {report.AdversarialMessages} adversarial messages");
                Console.WriteLine($"cost clock: {report.CostClock}");
                Console.WriteLine($"candidate p50 {Ms(report.Candidate?.P50)}, p99 {Ms(report.Candidate?.P99)}, max {Ms(report.Candidate?.Max)}, deadline hits {report.Candidate?.DeadlineHits}");
                if (report.Active is { } activeCost)
                {
                    var interval = report.P99CostRatioInterval!;
                    Console.WriteLine($"active    p50 {Ms(activeCost.P50)}, p99 {Ms(activeCost.P99)}; p99 ratio {interval.Ratio:0.00} ({CostRatioEstimate.Confidence:0 %} interval {interval.Lower:0.00}–{interval.Upper:0.00}); flips ham→spam {report.HamToSpamFlips}, spam→ham {report.SpamToHamFlips}");
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

    // Rows in corpus order; the clock in the header says what the numbers are.
    private static void WriteCosts(string path, GateReport report)
    {
        var costs = report.Costs!;
        using var writer = new StreamWriter(path);
        writer.WriteLine($"message,candidateMicroseconds,activeMicroseconds,clock={report.CostClock}");
        for (var i = 0; i < costs.MessageIds.Count; i++)
        {
            writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{costs.MessageIds[i]},{costs.Candidate[i].Ticks / 10},{costs.Active[i].Ticks / 10}"));
        }
    }

    private static string Ms(TimeSpan? time) => time is { } value ? $"{value.TotalMilliseconds:0.00} ms" : "-";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
