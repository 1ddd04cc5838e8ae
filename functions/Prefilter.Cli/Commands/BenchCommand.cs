using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Prefilter.Cli.Benchmarking;
using Prefilter.DevServices.Corpus;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Commands;

/// <summary>
/// <c>prefilter bench &lt;set&gt; &lt;corpus-dir&gt; [--json]</c>: engine speed as a ratio to MimeKit parse-and-decode, and
/// optionally beside SpamAssassin itself and Rspamd.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var set = new Argument<string>("set") { Description = "Pattern-set JSON file" };
        var corpusDirectory = new Argument<string?>("corpus-dir")
        {
            Description = "Folder of mail files; folders named spam* are labelled spam. Default: the SpamAssassin public corpus (installed when missing)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var everyNth = new Option<int>("--every") { Description = "Take every n-th message only (a quick sample)", DefaultValueFactory = _ => 1 };
        var passes = new Option<int>("--passes") { Description = "Timed passes of baseline and engine after the warm-up; the fastest counts", DefaultValueFactory = _ => 3 };
        var spamAssassinEvery = new Option<int>("--spamassassin-every")
        {
            Description = "Also time SpamAssassin itself (Perl, its installed rules, local tests) on every n-th benchmarked message, beside the scan of the same messages; 0 for not",
            DefaultValueFactory = _ => 0,
        };
        var rspamd = new Option<bool>("--rspamd")
        {
            Description = "Also time Rspamd (Debian's package: local modules only, no Bayes, one worker on this process's cores) on every benchmarked message, fed by rspamc over HTTP",
        };
        var artifact = new Option<string?>("--artifact")
        {
            Description = "The set's compiled-set artifact (prefilter lint --artifact): the cold start loads it instead of analysing the set, as a deployed instance does",
        };
        var engineMode = new Option<string>("--engine-mode")
        {
            Description = "Which engine runs patterns that are linear on both: hybrid (bounded ones on the backtracking interpreter) or linear-only",
            DefaultValueFactory = _ => "hybrid",
        };
        engineMode.AcceptOnlyFromAmong("hybrid", "linear-only");
        var engineBudget = new Option<int>("--engine-budget-mb")
        {
            Description = "The most memory, in MB (10^6 bytes, as the report's figures), the set's linear engines may hold before the least recently used are dropped",
            DefaultValueFactory = _ => (int)(ScannerOptions.Default.LinearEngineBudgetBytes / 1_000_000),
        };
        var command = new Command("bench", "Benchmark a pattern set on a corpus against the MimeKit parse+decode baseline, in one run")
        {
            set, corpusDirectory, json, everyNth, passes, spamAssassinEvery, rspamd, artifact, engineMode, engineBudget,
        };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var patternSet = Inputs.ReadPatternSet(parseResult.GetValue(set)!);
            var directory = parseResult.GetValue(corpusDirectory) ?? await SpamAssassinCorpus.EnsureDirectoryAsync(cancellationToken);
            if (!Directory.Exists(directory))
            {
                throw new CommandException(ExitCodes.InputError, $"no such folder: {directory}");
            }

            var corpus = SpamAssassinCorpus.List(directory, parseResult.GetValue(everyNth));
            if (corpus.Count == 0)
            {
                throw new CommandException(ExitCodes.InputError, $"no mail files in {directory}");
            }

            if (parseResult.GetValue(passes) < 1)
            {
                throw new CommandException(ExitCodes.InputError, "--passes must be at least 1");
            }

            if (parseResult.GetValue(engineBudget) < 1)
            {
                throw new CommandException(ExitCodes.InputError, "--engine-budget-mb must be at least 1");
            }

            if (parseResult.GetValue(spamAssassinEvery) < 0)
            {
                throw new CommandException(ExitCodes.InputError, "--spamassassin-every must not be negative");
            }

            // Looked up before the engine's passes, so a missing Rspamd is said at once, not after minutes of bench.
            var rspamdInstallation = parseResult.GetValue(rspamd) ? RspamdInstallation.Find(Environment.GetEnvironmentVariable("PATH")) : null;
            var benchmark = new CorpusBenchmark(patternSet, corpus)
            {
                Passes = parseResult.GetValue(passes),
                SpamAssassinEvery = parseResult.GetValue(spamAssassinEvery),
                Rspamd = rspamdInstallation,
                Options = new ScannerOptions
                {
                    EngineMode = parseResult.GetValue(engineMode) == "linear-only" ? ScanEngineMode.LinearOnly : ScanEngineMode.Hybrid,
                    LinearEngineBudgetBytes = parseResult.GetValue(engineBudget) * 1_000_000L,
                },
                Artifact = parseResult.GetValue(artifact) is { } artifactPath ? ReadArtifact(artifactPath) : null,
            };
            var report = await benchmark.RunAsync(
                Progress.PerStage(),
                cancellationToken);
            Console.WriteLine(parseResult.GetValue(json) ? JsonSerializer.Serialize(report, JsonOptions) : BenchText.Format(report));
            return ExitCodes.Success;
        });
    }

    private static CompiledSetArtifact ReadArtifact(string path)
    {
        try
        {
            return CompiledSetArtifact.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new CommandException(ExitCodes.InputError, $"cannot read the artifact {path}: {e.Message}");
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}
