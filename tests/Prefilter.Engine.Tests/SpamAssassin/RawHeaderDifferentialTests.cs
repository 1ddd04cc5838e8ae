using System.Diagnostics;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Tests.Scanning;

namespace Prefilter.Engine.Tests.SpamAssassin;

/// <summary>
/// The imported <c>Name:raw</c> and <c>ALL:raw</c> header rules against SpamAssassin itself (Mail::SpamAssassin from
/// Debian's package) on the same sample of the public corpus: the same rules must hit the same messages.
/// </summary>
public sealed class RawHeaderDifferentialTests(SpamAssassinCorpusFixture fixture) : IClassFixture<SpamAssassinCorpusFixture>
{
    // Prints "index rule" for each listed rule that SpamAssassin (local tests, no Bayes) hits on each listed file.
    private const string PerlScript = """
        use strict; use warnings; use Mail::SpamAssassin;
        my ($files, $ids) = @ARGV;
        open(my $f, '<', $files) or die "$files: $!"; chomp(my @files = <$f>); close $f;
        my %wanted = map { $_ => 1 } split /,/, $ids;
        my $sa = Mail::SpamAssassin->new({ local_tests_only => 1, dont_copy_prefs => 1, userprefs_filename => '/dev/null', post_config_text => "use_bayes 0\n" });
        for my $i (0 .. $#files) {
          open(my $in, '<:raw', $files[$i]) or die "$files[$i]: $!"; my $raw = do { local $/; <$in> }; close $in;
          my $mail = $sa->parse($raw); my $status = $sa->check($mail);
          for my $rule (split /,/, join(',', $status->get_names_of_tests_hit, $status->get_names_of_subtests_hit)) {
            print "$i $rule\n" if $wanted{$rule};
          }
          $status->finish; $mail->finish;
        }
        """;

    [SpamAssassinCorpusFact]
    public void Raw_header_rules_hit_the_messages_spamassassin_hits()
    {
        var rawRules = fixture.Set.Rules
            .Where(rule => rule.Kind == RuleKind.Header && rule.Header is { } header && header.EndsWith(":raw", StringComparison.Ordinal))
            .Select(rule => rule.Id)
            .ToHashSet();
        Assert.NotEmpty(rawRules);

        var expected = SpamAssassinHits(fixture.Messages.Select(message => message.File).ToList(), rawRules);
        var actual = fixture.Messages
            .SelectMany((message, index) => fixture.Compiled.Scan(message.Bytes).Hits
                .Where(hit => rawRules.Contains(hit.RuleId))
                .Select(hit => $"{index} {hit.RuleId}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    private static List<string> SpamAssassinHits(IReadOnlyList<string> files, IReadOnlySet<string> rules)
    {
        var directory = Directory.CreateTempSubdirectory("sa-raw-diff-");
        try
        {
            var list = Path.Combine(directory.FullName, "files.txt");
            File.WriteAllLines(list, files.Select(Path.GetFullPath));
            var script = Path.Combine(directory.FullName, "hits.pl");
            File.WriteAllText(script, PerlScript);
            var start = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { script, list, string.Join(",", rules) })
            {
                start.ArgumentList.Add(argument);
            }

            using var perl = Process.Start(start) ?? throw new InvalidOperationException("perl did not start");
            var errors = perl.StandardError.ReadToEndAsync();
            var output = perl.StandardOutput.ReadToEnd();
            perl.WaitForExit();
            Assert.True(perl.ExitCode == 0, $"perl failed: {errors.Result}");
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
