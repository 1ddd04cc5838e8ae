using System.CommandLine;
using System.Text.Json;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter scan &lt;set&gt; &lt;mail-or-dir&gt;</c>: prints the verdict of each mail.</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var set = new Argument<string>("set") { Description = "Pattern-set JSON file" };
        var mail = new Argument<string>("mail") { Description = "A mail file (RFC 822) or a folder of them" };
        var json = new Option<bool>("--json") { Description = "One JSON verdict per line instead of text" };
        var command = new Command("scan", "Scan mail with a pattern set and print each verdict") { set, mail, json };
        return command.WithHandler((parseResult, cancellationToken) =>
        {
            var compiled = CompiledPatternSet.Compile(Inputs.ReadPatternSet(parseResult.GetValue(set)!));
            var asJson = parseResult.GetValue(json);
            foreach (var file in Inputs.MailFiles(parseResult.GetValue(mail)!))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = compiled.Scan(File.ReadAllBytes(file), cancellationToken);
                Console.WriteLine(asJson ? JsonLine(file, result) : TextLine(file, result));
            }

            return Task.FromResult(ExitCodes.Success);
        });
    }

    private static string TextLine(string file, ScanResult result)
    {
        var rules = string.Join(',', result.Hits.Select(hit => hit.RuleId));
        var incomplete = result.Incomplete ? $" INCOMPLETE ({result.IncompleteReason})" : "";
        return $"{file}: {result.Action.ToString().ToLowerInvariant()} score={result.Score:0.###} rules={rules}{incomplete}";
    }

    private static string JsonLine(string file, ScanResult result) =>
        // Stable names: scripts depend on them (issue 2, "Machine-readable output").
        JsonSerializer.Serialize(new
        {
            file,
            score = result.Score,
            action = result.Action.ToString().ToLowerInvariant(),
            rules = result.Hits.Select(hit => hit.RuleId),
            incomplete = result.Incomplete ? result.IncompleteReason ?? "incomplete" : null,
            elapsedMs = result.Elapsed.TotalMilliseconds,
            setDigest = result.SetDigest,
        });
}
