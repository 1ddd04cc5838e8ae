using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prefilter.Cli.Local;
using Prefilter.DevServices.Corpus;

namespace Prefilter.Cli.Commands;

/// <summary>
/// <c>prefilter loadtest</c>: starts the local stack, pushes the public corpus (cycled) through its SMTP ingress, and
/// reports throughput, end-to-end latency and the accounting of every mail answered 250.
/// </summary>
internal static class LoadTestCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Mails to send; the public corpus (6,046 mails) is cycled", DefaultValueFactory = _ => 1000 };
        var warmup = new Option<int>("--warmup")
        {
            Description = "Mails sent, and accounted for, before the timed run, so it measures a warm process (JIT, the set's engines built on first use); 0 times a cold one",
            DefaultValueFactory = _ => 500,
        };
        var rate = new Option<double>("--rate") { Description = "Mails per second at most; 0 for as fast as the ingress takes them", DefaultValueFactory = _ => 0 };
        var set = new Option<string?>("--set") { Description = "Pattern set to scan with (default: as 'prefilter up' chooses)" };
        var connections = new Option<int>("--connections") { Description = "SMTP connections sending at once", DefaultValueFactory = _ => 8 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var faults = new Option<bool>("--faults")
        {
            Description = "Inject six faults while mail flows, 30 s each: the downstream answering 421, Azurite killed and restarted, the downstream closing connections mid-DATA, "
                + "the dev broker killed and restarted, the scan instance killed mid-scan (at once, no duration), the delivery processor stopped",
        };
        var gateRounds = new Option<int>("--gate-rounds")
        {
            Description = "While mail flows, run the release gate this many rounds, each on the serving set under a new version (must pass) and on the incident set (must be refused); nothing is released",
        };
        var data = new Option<string?>("--data") { Description = "Folder for Azurite's and the broker's data (as 'prefilter up --data'); with --faults and without it, a temporary folder deleted at the end" };
        var command = new Command("loadtest", "Start the local pipeline, push the public corpus through its SMTP ingress, and account for every mail") { count, warmup, rate, set, connections, json, faults, gateRounds, data };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(count) < 1 || parseResult.GetValue(connections) < 1 || parseResult.GetValue(rate) < 0 || parseResult.GetValue(warmup) < 0 || parseResult.GetValue(gateRounds) < 0)
            {
                throw new CommandException(ExitCodes.Usage, "--count and --connections must be at least 1, --rate, --warmup and --gate-rounds not negative");
            }

            // Shuffled with a fixed seed: the corpus lists its ham folders first, and a run should see ham and spam mixed,
            // the same mix every time.
            var corpus = SpamAssassinCorpus.List(await SpamAssassinCorpus.EnsureDirectoryAsync(cancellationToken)).ToArray();
            new Random(1).Shuffle(corpus);
            // The warm-up sends the mails that follow the timed run's in that order, so the timed mails are not ones it
            // has just scanned (unless the run cycles the corpus).
            var timed = parseResult.GetValue(count);
            List<byte[]> Mails(int from, int mailCount) => [.. Enumerable.Range(from, mailCount).Select(i => WithoutMboxLine(corpus[i % corpus.Length].ReadAllBytes()))];
            var mails = Mails(0, timed);
            var warmupMails = Mails(timed, parseResult.GetValue(warmup));
            var dataDirectory = parseResult.GetValue(data);
            string? temporary = null;
            if (dataDirectory is null && parseResult.GetValue(faults))
            {
                // Killing Azurite and the broker tests a restart only when their data outlives them.
                temporary = dataDirectory = Path.Combine(Path.GetTempPath(), $"prefilter-loadtest-{Guid.NewGuid():N}");
                await Console.Error.WriteLineAsync($"--faults without --data: Azurite and the dev broker keep their data in {temporary}, deleted at the end");
            }

            try
            {
                return await RunAsync(parseResult, warmupMails, mails, dataDirectory, cancellationToken);
            }
            finally
            {
                if (temporary is not null && Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }
        });

        Task<int> RunAsync(ParseResult parseResult, List<byte[]> warmupMails, List<byte[]> mails, string? dataDirectory, CancellationToken cancellationToken) =>
            RunOnStackAsync(
                new LocalStackOptions { ApiPort = 0, SmtpPort = 0, PatternSetPath = parseResult.GetValue(set), ConsoleLogLevel = LogLevel.Error, DataDirectory = dataDirectory },
                warmupMails,
                stack => new LoadTest(stack, mails)
                {
                    Connections = parseResult.GetValue(connections),
                    Rate = parseResult.GetValue(rate),
                    Faults = parseResult.GetValue(faults),
                    GateRounds = parseResult.GetValue(gateRounds),
                },
                parseResult.GetValue(json),
                cancellationToken);
    }

    // Starts the stack, warms it with warmupMails over as many connections as the timed run, runs the timed run, and
    // prints the report; the exit code says whether every mail was accounted for once and the gate decided as expected.
    private static async Task<int> RunOnStackAsync(
        LocalStackOptions options, List<byte[]> warmupMails, Func<LocalStack, LoadTest> timedRun, bool json, CancellationToken cancellationToken)
    {
        LocalStack stack;
        try
        {
            stack = await LocalStack.StartAsync(options, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or SocketException or InvalidOperationException)
        {
            throw new CommandException(ExitCodes.ServiceError, $"could not start the local stack: {exception.Message}");
        }

        await using (stack)
        {
            var load = timedRun(stack);
            LoadTestReport? warm = null;
            if (warmupMails.Count > 0)
            {
                warm = await new LoadTest(stack, warmupMails) { Connections = load.Connections }.RunAsync(Progress.PerStage(), cancellationToken);
            }

            var report = await load.RunAsync(Progress.PerStage(), cancellationToken) with { Warmup = warm };
            Console.WriteLine(json ? JsonSerializer.Serialize(report, JsonOptions) : Text(report, stack.PatternSource));
            var gateAsExpected = report.Gate.All(run => run.Passed == (run.Candidate == GateUnderLoad.SameSet));
            return gateAsExpected && new[] { report, warm }.All(run => run is null or { Lost: 0, Duplicated: 0 }) ? ExitCodes.Success : ExitCodes.ServiceError;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    // The corpus files are mbox entries: their first line ("From sender date") is the mailbox's, not the mail's.
    private static byte[] WithoutMboxLine(byte[] file)
    {
        if (!file.AsSpan().StartsWith("From "u8))
        {
            return file;
        }

        var lf = Array.IndexOf(file, (byte)'\n');
        return lf < 0 ? file : file[(lf + 1)..];
    }

    private static string Text(LoadTestReport report, string patternSource) => $"""
        pattern set: {patternSource}
        {(report.Warmup is { } warm ? $"warm-up, not timed: {warm.Accepted} of {warm.Mails} mails accepted, {warm.MailsPerSecond:0.0} mails/s; lost {warm.Lost}, duplicated {warm.Duplicated}" : "no warm-up: a cold process")}
        {report.Accepted} of {report.Mails} mails accepted, {report.MailsPerSecond:0.0} mails/s from the first send to the last outcome
        latency, ingress 250 to downstream 250: p50 {report.P50Ms:0} ms, p99 {report.P99Ms:0} ms, max {report.MaxMs:0} ms
        delivered {report.Delivered}, quarantined {report.Quarantined}, dead-lettered {report.DeadLettered}; lost {report.Lost}, duplicated {report.Duplicated}
        """ + string.Concat(report.Faults.Select(fault =>
            $"\nfault {fault.Kind} at {fault.StartedAtMs / 1000:0.0} s for {fault.DurationMs / 1000:0.0} s; back at full rate {(fault.BackToFullRateMs is { } back ? $"{back / 1000:0.0} s after it ended" : "never")}"))
        + (report.Gate.Count == 0 ? "" : $"""

            gate under load: the serving set again passed {GateCount(report, GateUnderLoad.SameSet, passed: true)}, the incident set was refused {GateCount(report, GateUnderLoad.Incident, passed: false)}; {report.Gate.Count(run => !run.UnderLoad)} of {report.Gate.Count} runs ended after the last mail was sent
            """);

    private static string GateCount(LoadTestReport report, string candidate, bool passed) =>
        $"{report.Gate.Count(run => run.Candidate == candidate && run.Passed == passed)} of {report.Gate.Count(run => run.Candidate == candidate)}";
}
