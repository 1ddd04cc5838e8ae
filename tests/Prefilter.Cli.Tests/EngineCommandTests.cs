using System.CommandLine;
using System.Text;
using System.Text.Json;
using Prefilter.Cli.Benchmarking;
using Prefilter.Cli.Commands;
using Prefilter.DevServices.Corpus;

namespace Prefilter.Cli.Tests;

/// <summary>
/// The engine commands and their machine-readable output: the names scripts depend on (issue 2). In the local-stack
/// collection so no other test class writes to the console while these capture it.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class EngineCommandTests : IDisposable
{
    private const string Set = """
        {
          "name": "cli-test", "version": "1", "created": "2026-11-28T00:00:00Z",
          "thresholds": { "tag": 5, "quarantine": 10 },
          "rules": [
            { "id": "CHEAP_PILLS", "kind": "body", "pattern": "(?i)cheap\\s+pills", "score": 6 },
            { "id": "SUBJ_WIN", "kind": "header", "header": "Subject", "pattern": "(?i)you have won", "score": 5 }
          ]
        }
        """;

    private readonly string folder = Directory.CreateTempSubdirectory("prefilter-engine-cli-").FullName;

    [Fact]
    public async Task Lint_accepts_a_sound_set_and_refuses_an_unknown_meta_reference()
    {
        var broken = Write("broken.json", Set.Replace("]\n", ", { \"id\": \"M\", \"kind\": \"meta\", \"expression\": \"NOPE && CHEAP_PILLS\" } ]\n", StringComparison.Ordinal));

        Assert.Equal(ExitCodes.Success, (await CommandRun.RunAsync(LintCommand.Create(), Write("set.json", Set))).Exit);
        Assert.Equal(ExitCodes.Refused, (await CommandRun.RunAsync(LintCommand.Create(), broken)).Exit);
        Assert.Equal(ExitCodes.InputError, (await CommandRun.RunAsync(LintCommand.Create(), Path.Combine(folder, "missing.json"))).Exit);
    }

    [Theory]
    [InlineData("\"thresholds\": { \"tag\": 5, \"quarantine\": 10 }", "\"thresholds\": { \"tag\": 12, \"quarantine\": 10 }", "above the quarantine threshold")]
    [InlineData("\"thresholds\": { \"tag\": 5, \"quarantine\": 10 }", "\"thresholds\": { \"tag\": -5, \"quarantine\": -1 }", "thresholds must be above 0")]
    [InlineData("(?i)cheap\\\\s+pills", "(a{1000}){1000}", "the limit is 50,000")]
    [InlineData("\"SUBJ_WIN\"", "\"SUBJ WIN!\"", "ids use only letters")]
    [InlineData("(?i)cheap\\\\s+pills", "(unclosed", "not a valid regular expression")]
    [InlineData("\"SUBJ_WIN\"", "\"CHEAP_PILLS\"", "duplicate id")]
    public async Task Scan_of_a_set_lint_refuses_prints_the_findings_not_a_stack_trace(string from, string to, string finding)
    {
        var set = Write("refused.json", Set.Replace(from, to, StringComparison.Ordinal));
        Assert.NotEqual(Set, File.ReadAllText(set));
        var mails = Directory.CreateDirectory(Path.Combine(folder, "mail")).FullName;
        File.WriteAllText(Path.Combine(mails, "ham.eml"), Mail("Notes", "see you at the meeting"));

        var (exit, _, error) = await CommandRun.RunAsync(ScanCommand.Create(), set, mails);

        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("is refused by lint", error, StringComparison.Ordinal);
        Assert.Contains(finding, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_escapes_control_characters_from_the_set_instead_of_printing_them()
    {
        var (exit, _, error) = await CommandRun.RunAsync(LintCommand.Create(), Write("nul.json", Set.Replace("\"SUBJ_WIN\"", "\"SUBJ\\u0000WIN\\u001b[31m\"", StringComparison.Ordinal)));

        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("SUBJ\\u0000WIN\\u001B[31m", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', error);
        Assert.DoesNotContain('\u001b', error);
    }

    [Fact]
    public async Task A_set_file_over_the_publish_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(folder, "huge.json");
        await using (var file = File.Create(path))
        {
            file.SetLength(Inputs.MaxSetBytes + 1);
        }

        var (exit, _, error) = await CommandRun.RunAsync(LintCommand.Create(), path);

        Assert.Equal(ExitCodes.InputError, exit);
        Assert.Contains("a pattern set may have at most 16,777,216", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_json_prints_one_object_per_mail_with_the_stable_names()
    {
        var mails = Directory.CreateDirectory(Path.Combine(folder, "mail")).FullName;
        File.WriteAllText(Path.Combine(mails, "ham.eml"), Mail("Notes", "see you at the meeting"));
        File.WriteAllText(Path.Combine(mails, "spam.eml"), Mail("You have won", "cheap   pills here"));

        var (exit, output, _) = await CommandRun.RunAsync(ScanCommand.Create(), Write("set.json", Set), mails, "--json");

        Assert.Equal(ExitCodes.Success, exit);
        var verdicts = JsonLines(output).ToDictionary(line => Path.GetFileName(line.GetProperty("file").GetString()!));
        Assert.Equal(["ham.eml", "spam.eml"], verdicts.Keys.Order());
        Assert.Equal("deliver", verdicts["ham.eml"].GetProperty("action").GetString());
        Assert.Equal("quarantine", verdicts["spam.eml"].GetProperty("action").GetString());
        Assert.Equal(11, verdicts["spam.eml"].GetProperty("score").GetDouble());
        Assert.Equal(["CHEAP_PILLS", "SUBJ_WIN"], verdicts["spam.eml"].GetProperty("rules").EnumerateArray().Select(rule => rule.GetString()).Order());
        Assert.Equal(JsonValueKind.Null, verdicts["spam.eml"].GetProperty("incomplete").ValueKind);
        Assert.True(verdicts["spam.eml"].GetProperty("elapsedMs").GetDouble() >= 0);
    }

    [Fact]
    public async Task Import_sa_ends_with_the_summary_object()
    {
        var rules = Write("rules.cf", """
            body     CHEAP_PILLS  /cheap\s+pills/i
            score    CHEAP_PILLS  3.0
            header   PERL_ONLY    eval:check_for_something()
            score    PERL_ONLY    1.0
            """);

        var (exit, output, _) = await CommandRun.RunAsync(ImportSaCommand.Create(), rules, "-o", Path.Combine(folder, "out.json"));

        Assert.Equal(ExitCodes.Success, exit);
        var summary = JsonLines(output).Last();
        Assert.Equal(1, summary.GetProperty("imported").GetInt32());
        Assert.Equal(1, summary.GetProperty("skipped").GetInt32());
        Assert.Single(summary.GetProperty("skippedReasons").EnumerateObject());
        Assert.True(File.Exists(Path.Combine(folder, "out.json")));
    }

    [Fact]
    public async Task Lint_writes_the_compiled_set_artifact_that_bench_cold_starts_from()
    {
        var set = Write("set.json", Set);
        var artifact = Path.Combine(folder, "set.artifact.json");

        var (lintExit, lintOutput, _) = await CommandRun.RunAsync(LintCommand.Create(), set, "--artifact", artifact);
        var (exit, output, _) = await CommandRun.RunAsync(BenchCommand.Create(), set, WriteCorpus(), "--json", "--passes", "1", "--artifact", artifact);
        var (plainExit, plainOutput, _) = await CommandRun.RunAsync(BenchCommand.Create(), set, WriteCorpus(), "--json", "--passes", "1");

        Assert.Equal((ExitCodes.Success, ExitCodes.Success, ExitCodes.Success), (lintExit, exit, plainExit));
        Assert.Contains("artifact: ", lintOutput, StringComparison.Ordinal);
        Assert.True(Engine.Scanning.CompiledSetArtifact.Parse(File.ReadAllBytes(artifact)).IsFor(JsonDocument.Parse(output).RootElement.GetProperty("setDigest").GetString()!));
        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("coldStartFromArtifact").GetBoolean());
        Assert.False(JsonDocument.Parse(plainOutput).RootElement.GetProperty("coldStartFromArtifact").GetBoolean());
    }

    [Fact]
    public async Task Bench_json_reports_scan_against_the_parse_baseline_with_the_stable_names()
    {
        var (exit, output, _) = await CommandRun.RunAsync(BenchCommand.Create(), Write("set.json", Set), WriteCorpus(), "--json", "--passes", "2");

        Assert.Equal(ExitCodes.Success, exit);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, report.GetProperty("messages").GetInt32());
        Assert.Equal(2, report.GetProperty("passes").GetInt32());
        foreach (var name in new[] { "messagesPerSecond", "p50Ms", "p99Ms", "maxMs", "coldStartMs", "firstPassMessagesPerSecond", "parseOnlyMessagesPerSecond", "scanToParseRatio", "ruleCostMsPerMessage", "ruleCostToParseRatio" })
        {
            Assert.True(report.GetProperty(name).GetDouble() > 0 || name is "p50Ms" or "p99Ms" or "maxMs", name);
        }

        // Heap figures are process-wide and other tests run beside this one: only their names are stable here.
        var memory = report.GetProperty("memory");
        Assert.All(new[] { "afterColdStartMb", "afterFirstPassMb", "afterReleaseMb", "threeSetsMb" }, name => Assert.Equal(JsonValueKind.Number, memory.GetProperty(name).ValueKind));
        Assert.Equal(0, report.GetProperty("incomplete").GetInt32());
        Assert.Equal(JsonValueKind.Array, report.GetProperty("topRules").ValueKind);
        Assert.Equal(JsonValueKind.Null, report.GetProperty("spamAssassin").ValueKind);
        Assert.Equal(JsonValueKind.Null, report.GetProperty("rspamd").ValueKind);
        Assert.Equal((1, 1, 1, 0), (
            report.GetProperty("verdicts").GetProperty("spam").GetInt32(),
            report.GetProperty("verdicts").GetProperty("spamFlagged").GetInt32(),
            report.GetProperty("verdicts").GetProperty("ham").GetInt32(),
            report.GetProperty("verdicts").GetProperty("hamFlagged").GetInt32()));
        Assert.Equal(["ham 1/0 spam:False", "spam 1/1 spam:True"], report.GetProperty("verdicts").GetProperty("folders").EnumerateArray()
            .Select(folder => $"{folder.GetProperty("folder").GetString()} {folder.GetProperty("messages").GetInt32()}/{folder.GetProperty("flagged").GetInt32()} spam:{folder.GetProperty("spam").GetBoolean()}"));
    }

    [Fact]
    public async Task Bench_reports_the_engine_mode_and_the_linear_engines_within_the_budget_it_was_given()
    {
        var (exit, output, _) = await CommandRun.RunAsync(BenchCommand.Create(), Write("set.json", Set), WriteCorpus(), "--json", "--passes", "1",
            "--engine-mode", "linear-only", "--engine-budget-mb", "1", "--accelerator", "none");
        var (badExit, _, badError) = await CommandRun.RunAsync(BenchCommand.Create(), Write("set.json", Set), WriteCorpus(), "--engine-budget-mb", "0");

        Assert.Equal(ExitCodes.Success, exit);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal("linear-only", report.GetProperty("engineMode").GetString());
        Assert.Equal("none", report.GetProperty("accelerator").GetString());
        Assert.Equal(0, report.GetProperty("acceleratedRegexes").GetInt32());
        var engines = report.GetProperty("linearEngines");
        Assert.Equal(1, engines.GetProperty("budgetMb").GetDouble());
        Assert.True(engines.GetProperty("builds").GetInt64() > 0, "linear-only built no linear engine");
        Assert.Equal(ExitCodes.InputError, badExit);
        Assert.Contains("--engine-budget-mb must be at least 1", badError, StringComparison.Ordinal);
    }

    [SpamAssassinFact]
    public async Task Bench_puts_spamassassin_itself_beside_the_scan_of_the_same_messages_when_asked()
    {
        var (exit, output, _) = await CommandRun.RunAsync(BenchCommand.Create(), Write("set.json", Set), WriteCorpus(), "--json", "--passes", "1", "--spamassassin-every", "1");

        Assert.Equal(ExitCodes.Success, exit);
        var spamAssassin = JsonDocument.Parse(output).RootElement.GetProperty("spamAssassin");
        Assert.Equal(2, spamAssassin.GetProperty("messages").GetInt32());
        Assert.Matches(@"^\d+\.\d+", spamAssassin.GetProperty("version").GetString());
        Assert.InRange(spamAssassin.GetProperty("spamVerdicts").GetInt32(), 0, 2);
        Assert.All(new[] { "compileSeconds", "messagesPerSecond", "scanMessagesPerSecond", "scanSpeedup" }, name => Assert.True(spamAssassin.GetProperty(name).GetDouble() > 0, name));
        var folders = JsonDocument.Parse(output).RootElement.GetProperty("verdicts").GetProperty("folders").EnumerateArray().ToList();
        Assert.Equal(2, folders.Count);
        Assert.All(folders, folder => Assert.Equal(1, folder.GetProperty("spamAssassin").GetProperty("messages").GetInt32()));
        Assert.Equal(spamAssassin.GetProperty("spamVerdicts").GetInt32(), folders.Sum(folder => folder.GetProperty("spamAssassin").GetProperty("flagged").GetInt32()));
        Assert.Equal(1, folders.Sum(folder => folder.GetProperty("spamAssassin").GetProperty("scanFlagged").GetInt32()));
    }

    [RspamdFact]
    public async Task Bench_puts_rspamd_beside_the_scan_of_the_same_messages_when_asked()
    {
        // Mail of the public corpus, not made-up mail: its Received headers, signatures and links are what would make
        // a module that needs the network look something up, which the bench refuses.
        var corpus = await SpamAssassinCorpus.EnsureDirectoryAsync();

        var (exit, output, error) = await CommandRun.RunAsync(BenchCommand.Create(), Write("set.json", Set), corpus, "--json", "--passes", "1", "--every", "400", "--rspamd");

        Assert.True(exit == ExitCodes.Success, error);
        var report = JsonDocument.Parse(output).RootElement;
        var rspamd = report.GetProperty("rspamd");
        Assert.Equal(SpamAssassinCorpus.List(corpus, 400).Count, rspamd.GetProperty("messages").GetInt32());
        Assert.Equal(report.GetProperty("messages").GetInt32(), rspamd.GetProperty("messages").GetInt32());
        Assert.Matches(@"^\d+\.\d+", rspamd.GetProperty("version").GetString());
        Assert.True(rspamd.GetProperty("messagesPerSecond").GetDouble() > 0);
        Assert.Equal(
            report.GetProperty("messagesPerSecond").GetDouble() / rspamd.GetProperty("messagesPerSecond").GetDouble(),
            rspamd.GetProperty("scanSpeedup").GetDouble(),
            tolerance: 1e-9);
    }

    [Fact]
    public void Rspamd_is_looked_up_on_the_path_and_its_absence_says_how_to_install_it()
    {
        var empty = Directory.CreateDirectory(Path.Combine(folder, "empty")).FullName;
        var clientOnly = Directory.CreateDirectory(Path.Combine(folder, "client-only")).FullName;
        var both = Directory.CreateDirectory(Path.Combine(folder, "both")).FullName;
        File.WriteAllText(Path.Combine(clientOnly, "rspamc"), "");
        File.WriteAllText(Path.Combine(both, "rspamd"), "");
        File.WriteAllText(Path.Combine(both, "rspamc"), "");

        var missing = Assert.Throws<CommandException>(() => RspamdInstallation.Find(string.Join(Path.PathSeparator, empty, clientOnly)));
        var found = RspamdInstallation.Find(string.Join(Path.PathSeparator, empty, clientOnly, both));

        Assert.Equal(ExitCodes.InputError, missing.ExitCode);
        Assert.Contains("apt-get install --no-install-recommends rspamd", missing.Message, StringComparison.Ordinal);
        Assert.Equal(new RspamdInstallation(Path.Combine(both, "rspamd"), Path.Combine(clientOnly, "rspamc")), found);
    }

    [Fact]
    public async Task Bench_refuses_a_negative_spamassassin_sample()
    {
        var (exit, _, error) = await CommandRun.RunAsync(BenchCommand.Create(), Write("set.json", Set), WriteCorpus(), "--spamassassin-every", "-1");

        Assert.Equal(ExitCodes.InputError, exit);
        Assert.Contains("--spamassassin-every must not be negative", error);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Gate_writes_the_paired_costs_behind_its_decision_and_needs_an_active_set_for_them()
    {
        var set = Write("set.json", Set);
        var costs = Path.Combine(folder, "costs.csv");

        var (exit, output, _) = await CommandRun.RunAsync(GateCommand.Create(), set, WriteCorpus(), "--active", set, "--costs", costs);
        var (noActive, _, error) = await CommandRun.RunAsync(GateCommand.Create(), set, WriteCorpus(), "--costs", costs + ".2");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("95 % interval", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(costs);
        Assert.Equal($"message,candidateMicroseconds,activeMicroseconds,clock={(OperatingSystem.IsLinux() ? Prefilter.Engine.Gating.CostClock.ThreadCpu : Prefilter.Engine.Gating.CostClock.Wall)}", lines[0]);
        Assert.Contains(lines, line => line.StartsWith("spam/1.eml,", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("adversarial/", StringComparison.Ordinal));
        Assert.All(lines.Skip(1), line => Assert.Equal(3, line.Split(',').Length));
        Assert.Equal(ExitCodes.Usage, noActive);
        Assert.Contains("--costs needs --active", error, StringComparison.Ordinal);
        Assert.False(File.Exists(costs + ".2"));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    // One spam and one ham mail, in folders named as the public corpus names them.
    private string WriteCorpus()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(folder, "corpus")).FullName;
        Directory.CreateDirectory(Path.Combine(corpus, "spam"));
        Directory.CreateDirectory(Path.Combine(corpus, "ham"));
        File.WriteAllText(Path.Combine(corpus, "spam", "1.eml"), Mail("You have won", "cheap pills"));
        File.WriteAllText(Path.Combine(corpus, "ham", "1.eml"), Mail("Notes", "the meeting"));
        return corpus;
    }

    private static string Mail(string subject, string body) =>
        $"From: a@example.org\r\nTo: b@example.com\r\nSubject: {subject}\r\nMessage-ID: <x@example.org>\r\n\r\n{body}\r\n";

    private static IEnumerable<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement);
}
