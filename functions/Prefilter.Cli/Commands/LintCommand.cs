using System.CommandLine;
using Prefilter.Engine.Linting;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter lint &lt;set&gt;</c>: refuses a pattern set that could not be served safely, naming rule, line and reason.</summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var set = new Argument<string>("set") { Description = "Pattern-set JSON file" };
        var command = new Command("lint", "Check a pattern set: JSON and schema, duplicate ids, regex syntax and cost class, meta references and cycles, scores") { set };
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

            Console.WriteLine($"ok: digest {report.Digest}");
            return ExitCodes.Success;
        });
    }
}
