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
        var arguments = new BenchArguments();
        var command = new Command("bench", "Benchmark a pattern set on a corpus against the MimeKit parse+decode baseline, in one run")
        {
            arguments.Set, arguments.CorpusDirectory, arguments.Json, arguments.EveryNth, arguments.Passes, arguments.SpamAssassinEvery,
            arguments.Rspamd, arguments.Artifact, arguments.EngineMode, arguments.EngineBudget, arguments.Accelerator,
        };
        return command.WithHandler((parseResult, cancellationToken) => RunAsync(arguments, parseResult, cancellationToken));
    }

    private static async Task<int> RunAsync(BenchArguments arguments, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var patternSet = Inputs.ReadPatternSet(parseResult.GetValue(arguments.Set)!);
        var directory = parseResult.GetValue(arguments.CorpusDirectory) ?? await SpamAssassinCorpus.EnsureDirectoryAsync(cancellationToken);
        if (!Directory.Exists(directory))
        {
            throw new CommandException(ExitCodes.InputError, $"no such folder: {directory}");
        }

        var corpus = SpamAssassinCorpus.List(directory, parseResult.GetValue(arguments.EveryNth));
        if (corpus.Count == 0)
        {
            throw new CommandException(ExitCodes.InputError, $"no mail files in {directory}");
        }

        ValidateCounts(arguments, parseResult);

        // Looked up before the engine's passes, so a missing Rspamd is said at once, not after minutes of bench.
        var rspamdInstallation = parseResult.GetValue(arguments.Rspamd) ? RspamdInstallation.Find(Environment.GetEnvironmentVariable("PATH")) : null;
        var benchmark = new CorpusBenchmark(patternSet, corpus)
        {
            Passes = parseResult.GetValue(arguments.Passes),
            SpamAssassinEvery = parseResult.GetValue(arguments.SpamAssassinEvery),
            Rspamd = rspamdInstallation,
            Options = new ScannerOptions
            {
                EngineMode = parseResult.GetValue(arguments.EngineMode) == "linear-only" ? ScanEngineMode.LinearOnly : ScanEngineMode.Hybrid,
                LinearEngineBudgetBytes = parseResult.GetValue(arguments.EngineBudget) * 1_000_000L,
                Accelerator = parseResult.GetValue(arguments.Accelerator) == "none" ? ScanAccelerator.None : ScanAccelerator.Hyperscan,
            },
            Artifact = parseResult.GetValue(arguments.Artifact) is { } artifactPath ? ReadArtifact(artifactPath) : null,
        };
        var report = await benchmark.RunAsync(
            Progress.PerStage(),
            cancellationToken);
        Console.WriteLine(parseResult.GetValue(arguments.Json) ? JsonSerializer.Serialize(report, JsonOptions) : BenchText.Format(report));
        return ExitCodes.Success;
    }

    private static void ValidateCounts(BenchArguments arguments, ParseResult parseResult)
    {
        if (parseResult.GetValue(arguments.Passes) < 1)
        {
            throw new CommandException(ExitCodes.InputError, "--passes must be at least 1");
        }

        if (parseResult.GetValue(arguments.EngineBudget) < 1)
        {
            throw new CommandException(ExitCodes.InputError, "--engine-budget-mb must be at least 1");
        }

        if (parseResult.GetValue(arguments.SpamAssassinEvery) < 0)
        {
            throw new CommandException(ExitCodes.InputError, "--spamassassin-every must not be negative");
        }
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

    private sealed class BenchArguments
    {
        public BenchArguments()
        {
            EngineMode.AcceptOnlyFromAmong("hybrid", "linear-only");
            Accelerator.AcceptOnlyFromAmong("hyperscan", "none");
        }

        public Argument<string> Set { get; } = new("set") { Description = "Pattern-set JSON file" };

        public Argument<string?> CorpusDirectory { get; } = new("corpus-dir")
        {
            Description = "Folder of mail files; folders named spam* are labelled spam. Default: the SpamAssassin public corpus (installed when missing)",
            Arity = ArgumentArity.ZeroOrOne,
        };

        public Option<bool> Json { get; } = new("--json") { Description = "Print the report as JSON" };

        public Option<int> EveryNth { get; } = new("--every") { Description = "Take every n-th message only (a quick sample)", DefaultValueFactory = _ => 1 };

        public Option<int> Passes { get; } = new("--passes") { Description = "Timed passes of baseline and engine after the warm-up; the fastest counts", DefaultValueFactory = _ => 3 };

        public Option<int> SpamAssassinEvery { get; } = new("--spamassassin-every")
        {
            Description = "Also time SpamAssassin itself (Perl, its installed rules, local tests) on every n-th benchmarked message, beside the scan of the same messages; 0 for not",
            DefaultValueFactory = _ => 0,
        };

        public Option<bool> Rspamd { get; } = new("--rspamd")
        {
            Description = "Also time Rspamd (Debian's package: local modules only, no Bayes, one worker on this process's cores) on every benchmarked message, fed by rspamc over HTTP",
        };

        public Option<string?> Artifact { get; } = new("--artifact")
        {
            Description = "The set's compiled-set artifact (prefilter lint --artifact): the cold start loads it instead of analysing the set, as a deployed instance does",
        };

        public Option<string> EngineMode { get; } = new("--engine-mode")
        {
            Description = "Which engine runs patterns that are linear on both: hybrid (bounded ones on the backtracking interpreter) or linear-only",
            DefaultValueFactory = _ => "hybrid",
        };

        public Option<string> Accelerator { get; } = new("--accelerator")
        {
            Description = "What runs patterns before .NET's engines: hyperscan (when libhs.so.5 loads; else none) or none",
            DefaultValueFactory = _ => "hyperscan",
        };

        public Option<int> EngineBudget { get; } = new("--engine-budget-mb")
        {
            Description = "The most memory, in MB (10^6 bytes, as the report's figures), the set's linear engines may hold before the least recently used are dropped",
            DefaultValueFactory = _ => (int)(ScannerOptions.Default.LinearEngineBudgetBytes / 1_000_000),
        };
    }
}
