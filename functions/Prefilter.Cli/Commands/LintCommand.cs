using System.CommandLine;
using Prefilter.Engine.Linting;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter lint &lt;set&gt;</c>: refuses a pattern set that could not be served safely, naming rule, line and reason.</summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var set = new Argument<string>("set") { Description = "Pattern-set JSON file" };
        var artifact = new Option<string?>("--artifact") { Description = "Write the set's compiled-set artifact (the analysis a release stores beside the set) to this file when the set passes" };
        var command = new Command("lint", "Check a pattern set: JSON and schema, duplicate ids, regex syntax and cost class, meta references and cycles, scores") { set, artifact };
        return command.WithHandler(parseResult =>
        {
            var path = parseResult.GetValue(set)!;
            var report = PatternSetLinter.Lint(Inputs.ReadSetText(path));
            foreach (var finding in report.Findings)
            {
                Console.Error.WriteLine(FindingText.Format(path, finding));
            }

            Console.WriteLine(RuleClassText.Describe(report.Classes));
            if (!report.IsValid)
            {
                Console.WriteLine($"refused: {report.Findings.Count} finding(s)");
                return ExitCodes.Refused;
            }

            if (parseResult.GetValue(artifact) is { } artifactPath)
            {
                var compiled = CompiledSetArtifact.Create(Inputs.ReadPatternSet(path));
                try
                {
                    File.WriteAllBytes(artifactPath, compiled.ToUtf8Json());
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new CommandException(ExitCodes.InputError, $"cannot write {artifactPath}: {e.Message}");
                }

                Console.WriteLine($"artifact: {artifactPath} ({compiled.Plans.Count} patterns, engine build {compiled.Engine})");
            }

            Console.WriteLine($"ok: digest {report.Digest}");
            return ExitCodes.Success;
        });
    }
}
