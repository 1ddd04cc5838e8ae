using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Engine.Tests.SpamAssassin;

/// <summary>
/// Runs every imported regex of Debian's rules in .NET and, as SpamAssassin compiles it, in Perl over the same lines,
/// and requires the same hits. Perl comes with the spamassassin package.
/// </summary>
public class PerlDifferentialTests(DebianRulesFixture fixture) : IClassFixture<DebianRulesFixture>
{
    // What SpamAssassin does with a rule regex: prepend the modifiers, compile with /aa.
    private const string PerlScript = """
        use strict; use MIME::Base64;
        my ($patterns, $lines, $hits) = @ARGV;
        open(my $p, '<:raw', $patterns) or die "$patterns: $!";
        my @rules;
        while (<$p>) {
          chomp; my ($id, $mods, $b64) = split /\t/;
          my $pat = decode_base64($b64); $pat = "(?$mods)$pat" if $mods ne '';
          my $re = eval { qr/$pat/aa }; die "$id: $@" unless $re;
          push @rules, [$id, $re];
        }
        open(my $l, '<:raw', $lines) or die "$lines: $!";
        open(my $o, '>', $hits) or die "$hits: $!";
        my $i = 0;
        while (my $line = <$l>) {
          $line =~ s/\n\z//;
          for my $r (@rules) { print $o "$r->[0] $i\n" if $line =~ $r->[1]; }
          $i++;
        }
        """;

    [DebianRulesFact]
    public void Converted_regexes_hit_exactly_the_lines_perl_hits()
    {
        // Octet view on both sides: byte sequences stay bytes, as Perl sees them.
        var result = new SpamAssassinImporter(new SpamAssassinImportOptions { DecodeUtf8Sequences = false })
            .ImportPaths([DebianRulesFactAttribute.RulesDirectory]);
        var configuration = ReadConfiguration();
        // Rules the import generated (one per header of a joined pseudo-header) have no regex of their own in the files.
        var regexRules = result.Set.Rules.Where(r => r.Pattern is not null && configuration.Rules.ContainsKey(r.Id)).ToList();
        var lines = InputLines(configuration);
        var directory = Directory.CreateTempSubdirectory("sa-perl-diff-");
        try
        {
            var patterns = Path.Combine(directory.FullName, "patterns.tsv");
            File.WriteAllLines(patterns, regexRules.Select(r => PerlLine(configuration, r)), Encoding.Latin1);
            var linesFile = Path.Combine(directory.FullName, "lines.txt");
            File.WriteAllText(linesFile, string.Concat(lines.Select(l => l + "\n")), Encoding.Latin1);
            var hitsFile = Path.Combine(directory.FullName, "hits.txt");
            Perl.Run(PerlScript, patterns, linesFile, hitsFile);

            var perlHits = File.ReadAllLines(hitsFile).ToHashSet(StringComparer.Ordinal);
            var dotnetHits = new HashSet<string>(StringComparer.Ordinal);
            foreach (var rule in regexRules)
            {
                var regex = new Regex(rule.Pattern!);
                for (var i = 0; i < lines.Count; i++)
                {
                    if (regex.IsMatch(lines[i]))
                    {
                        dotnetHits.Add($"{rule.Id} {i}");
                    }
                }
            }

            Assert.True(perlHits.Count > 100, $"only {perlHits.Count} hits: the input lines exercise too little");
            var onlyPerl = perlHits.Except(dotnetHits).Order(StringComparer.Ordinal).Take(10).ToList();
            var onlyDotnet = dotnetHits.Except(perlHits).Order(StringComparer.Ordinal).Take(10).ToList();
            Assert.True(onlyPerl.Count == 0 && onlyDotnet.Count == 0, $"only Perl: {string.Join(", ", onlyPerl)}; only .NET: {string.Join(", ", onlyDotnet)}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [DebianRulesFact]
    public void Converted_regexes_pass_spamassassins_own_regression_tests()
    {
        var rules = fixture.Result.Set.Rules.Where(r => r.Pattern is not null && r.Kind is RuleKind.Body or RuleKind.RawBody or RuleKind.Uri)
            .ToDictionary(r => r.Id);
        var checkedCount = 0;
        foreach (var line in File.ReadLines(Path.Combine(DebianRulesFactAttribute.RulesDirectory, "regression_tests.cf"), Encoding.Latin1))
        {
            var test = Regex.Match(line, @"^test\s+(\S+)\s+(ok|fail)\s+(.*)$");
            if (!test.Success || !rules.TryGetValue(test.Groups[1].Value, out var rule))
            {
                continue;
            }

            var expected = test.Groups[2].Value == "ok";
            Assert.True(expected == Regex.IsMatch(test.Groups[3].Value, rule.Pattern!), $"{line} (pattern {rule.Pattern})");
            checkedCount++;
        }

        Assert.True(checkedCount > 5, $"only {checkedCount} regression tests apply");
    }

    private static RuleConfiguration ReadConfiguration()
    {
        var parser = new RuleFileParser();
        foreach (var file in Directory.GetFiles(DebianRulesFactAttribute.RulesDirectory, "*.cf").Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(file, Encoding.Latin1);
            parser.Read(Path.GetFileName(file), reader, CancellationToken.None);
        }

        return parser.Configuration;
    }

    /// <summary>The rule's regex as SpamAssassin compiles it: delimiters stripped, ReplaceTags expanded.</summary>
    private static string PerlLine(RuleConfiguration configuration, Rule rule)
    {
        var text = configuration.Rules[rule.Id].Text;
        if (rule.Kind == RuleKind.Header)
        {
            text = Regex.Match(text, @"[=!]~\s*(.+)$").Groups[1].Value;
            text = Regex.Replace(text, @"\s+\[if-unset:\s+(.+)\]$", string.Empty);
        }

        Assert.True(PerlRegexLiteral.TryParse(text, out var literal, out var error), error);
        var pattern = configuration.ReplaceTags.Rules.Contains(rule.Id) ? configuration.ReplaceTags.Expand(literal.Pattern) : literal.Pattern;
        return $"{rule.Id}\t{literal.Modifiers}\t{Convert.ToBase64String(Encoding.Latin1.GetBytes(pattern))}";
    }

    /// <summary>Sample mails, descriptions, regression strings and, when installed, part of the public corpus.</summary>
    private static List<string> InputLines(RuleConfiguration configuration)
    {
        var lines = new List<string>();
        foreach (var sample in Directory.GetFiles("/usr/share/doc/spamassassin/examples", "sample-*.txt"))
        {
            lines.AddRange(File.ReadAllLines(sample, Encoding.Latin1));
        }

        lines.AddRange(configuration.Descriptions.Values);
        lines.AddRange(File.ReadLines(Path.Combine(DebianRulesFactAttribute.RulesDirectory, "regression_tests.cf"), Encoding.Latin1)
            .Select(l => Regex.Match(l, @"^test\s+\S+\s+(?:ok|fail)\s+(.*)$")).Where(m => m.Success).Select(m => m.Groups[1].Value));
        var corpus = CorpusDirectory();
        if (corpus is not null)
        {
            foreach (var mail in Directory.GetFiles(corpus, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(30))
            {
                lines.AddRange(File.ReadAllLines(mail, Encoding.Latin1));
            }
        }

        return lines;
    }

    // Found from this source file's place in the checkout: test binaries may be built anywhere (--artifacts-path).
    private static string? CorpusDirectory([CallerFilePath] string sourceFile = "")
    {
        for (var directory = new FileInfo(sourceFile).Directory; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "infra", "local", "node_modules", "@stdlib", "datasets-spam-assassin", "data");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
