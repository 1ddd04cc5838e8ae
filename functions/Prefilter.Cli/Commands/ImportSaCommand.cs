using System.CommandLine;
using System.Text.Json;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter import-sa &lt;files or dir&gt; -o set.json</c>: SpamAssassin <c>.cf</c> rules to a pattern set.</summary>
internal static class ImportSaCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "SpamAssassin .cf files or folders of them (e.g. /usr/share/spamassassin)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the pattern set", Required = true };
        var name = new Option<string?>("--name") { Description = "Set name (default: spamassassin-<version of the rules>)" };
        var version = new Option<string?>("--version") { Description = "Set version label" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "List every skipped rule with its reason" };
        var command = new Command("import-sa", "Convert SpamAssassin rules (header, body, rawbody, uri, full, meta; ReplaceTags expanded) to a pattern set")
        {
            paths, output, name, version, verbose,
        };
        return command.WithHandler((parseResult, cancellationToken) =>
        {
            var importer = new SpamAssassinImporter(new SpamAssassinImportOptions { Name = parseResult.GetValue(name), Version = parseResult.GetValue(version) });
            ImportResult result;
            try
            {
                result = importer.ImportPaths(parseResult.GetValue(paths)!, cancellationToken);
            }
            catch (Exception e) when (e is FileNotFoundException or ArgumentException or IOException)
            {
                throw new CommandException(ExitCodes.InputError, e.Message);
            }

            var target = parseResult.GetValue(output)!;
            File.WriteAllText(target, PatternSetJson.Serialize(result.Set));

            Console.Error.WriteLine($"imported {result.Imported} rules from {result.Files.Count} files into {target}");
            Console.Error.WriteLine("  by kind: " + string.Join(", ", result.ImportedByKind.OrderBy(k => k.Key).Select(k => $"{k.Key.ToString().ToLowerInvariant()} {k.Value}")));
            Console.Error.WriteLine($"  ReplaceTags expansions: {result.ExpandedRules.Count}");
            var checks = result.Set.Rules.Where(rule => rule.Kind == RuleKind.Check).GroupBy(rule => rule.Check!).ToList();
            Console.Error.WriteLine($"  eval: tests run as built-in checks: {checks.Sum(group => group.Count())}" +
                (checks.Count == 0 ? "" : " (" + string.Join(", ", checks.Select(group => $"{group.Key} {group.Count()}")) + ")"));
            Console.Error.WriteLine($"skipped {result.Skipped.Count} rules: " + string.Join(", ", result.SkippedByReason.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}")));
            if (parseResult.GetValue(verbose))
            {
                foreach (var skipped in result.Skipped)
                {
                    Console.Error.WriteLine($"  {skipped.File}:{skipped.Line}: {skipped.RuleId}: {skipped.Reason}");
                }
            }

            // The summary scripts read: stable names (issue 2, "Machine-readable output").
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                imported = result.Imported,
                skipped = result.Skipped.Count,
                skippedReasons = result.SkippedByReason,
                output = target,
                digest = PatternSetJson.ComputeDigest(result.Set),
            }));
            return Task.FromResult(ExitCodes.Success);
        });
    }
}
