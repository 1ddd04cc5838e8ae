using System.Text;
using Prefilter.Cli.Local;
using Prefilter.DevServices.Smtp;

namespace Prefilter.Cli.Tests;

/// <summary>
/// <c>prefilter up --data</c> as a user runs it, in its own process: killed with SIGKILL while mail is on its way, then
/// started again on the same folder, it delivers every mail its ingress answered 250, once.
/// </summary>
[Collection(UpProcess.CollectionName)]
public sealed class UpCrashTests : IAsyncLifetime
{
    private const int MailCount = 12;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly string folder = Directory.CreateTempSubdirectory("prefilter-up-crash-").FullName;
    private SmtpSink downstream = null!;

    private string Data => Path.Combine(folder, "data");

    public async Task InitializeAsync()
    {
        downstream = await SmtpSink.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(folder, "domains.json"), $$"""
            { "domains": [
              { "domain": "example.com", "downstream": { "host": "{{downstream.Host}}", "port": {{downstream.Port}}, "tls": "None" } },
              { "domain": "example.org", "downstream": { "host": "{{downstream.Host}}", "port": {{downstream.Port}}, "tls": "None" } } ] }
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "set.json"), LocalPatternSet.BuiltInJson());
    }

    public async Task DisposeAsync()
    {
        await downstream.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Mail_answered_250_before_a_kill_9_is_delivered_exactly_once_after_up_restarts_on_the_same_data()
    {
        // The first relay waits at the downstream without an answer, so when the process dies a claim check is locked
        // in the broker; the mail sent last is, most likely, not even scanned yet.
        var held = downstream.Script.Hold(SmtpStage.Data);

        // Every later relay waits as well, so no mail has the downstream's 250 when the process dies: a 250 the process
        // dies before recording is SMTP's own ambiguity (a second copy), which no restart can tell apart.
        var later = Enumerable.Range(0, 4 * MailCount).Select(_ => downstream.Script.Hold(SmtpStage.Data)).ToList();
        var accepted = new List<(string MessageId, string[] Recipients)>();
        bool ownedStateFile;
        await using (var first = await UpProcess.StartAsync(Arguments()))
        {
            Assert.Contains(first.Errors, line => line.StartsWith($"data: kept in {Data}", StringComparison.Ordinal));
            ownedStateFile = !first.Errors.Any(line => line.Contains("another prefilter up", StringComparison.Ordinal));
            accepted.AddRange(await SubmitAsync(first.SmtpIngress, MailCount));
            await held.Reached.WaitAsync(Patience);
            var azurite = first.ChildProcessIds();
            Assert.NotEmpty(azurite);

            await first.KillAsync();

            // Azurite sees its owner gone and stops by itself, saving its workspace; nothing of the run is left.
            await WaitUntilAsync(() => !azurite.Any(UpProcess.IsRunning), () => "Azurite to stop after its owner was killed");
        }

        downstream.Script.Clear();
        foreach (var hold in later.Prepend(held))
        {
            hold.Release(SmtpReply.ServiceNotAvailable);
        }
        Assert.Equal(MailCount, accepted.Count);

        await using var second = await UpProcess.StartAsync(Arguments());
        if (ownedStateFile)
        {
            Assert.Contains(second.Errors, line => line.StartsWith("removing", StringComparison.Ordinal) && line.Contains("did not stop cleanly", StringComparison.Ordinal));
        }

        var expected = accepted.SelectMany(mail => mail.Recipients.Select(recipient => (mail.MessageId, recipient))).ToHashSet();
        await WaitUntilAsync(
            () => expected.IsSubsetOf(Delivered().Keys),
            () => $"every accepted mail to reach the downstream; missing {string.Join(", ", expected.Except(Delivered().Keys))}; the restarted up wrote:\n{string.Join('\n', second.Errors.Concat(second.Output.TakeLast(40)))}");
        await second.WaitForOutputAsync(
            line => line.StartsWith($"received {MailCount} ", StringComparison.Ordinal) && line.Contains($" delivered {MailCount} ", StringComparison.Ordinal) && line.EndsWith(" in flight 0", StringComparison.Ordinal),
            Patience);

        Assert.Equal(expected.Order(), Delivered().Keys.Order());
        Assert.All(Delivered(), copies => Assert.Equal(1, copies.Value));

        // SIGTERM ends it cleanly: exit code 0, no exception on the console.
        Assert.Equal(0, await second.TerminateAsync(Patience));
        Assert.DoesNotContain(second.Errors.Concat(second.Output), line => line.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_data_up_says_at_start_that_a_crash_loses_accepted_mail()
    {
        await using var up = UpProcess.Launch("--api-port", "0", "--smtp-port", "0", "--set", Path.Combine(folder, "set.json"));

        var note = await up.WaitForErrorAsync(line => line.StartsWith("note: without --data", StringComparison.Ordinal), Patience);

        Assert.Contains("if this process is killed, mail it answered 250 and has not delivered yet is lost", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_broker_journal_stops_up_with_the_file_and_offset_and_is_left_as_it_was()
    {
        var journal = Path.Combine(Data, "servicebus", "broker.journal");
        Directory.CreateDirectory(Path.GetDirectoryName(journal)!);

        // A record whose checksum does not match, with more data after it: damage, not a write cut short by a crash.
        byte[] damaged = [4, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, .. Enumerable.Repeat((byte)9, 20)];
        await File.WriteAllBytesAsync(journal, damaged);
        await using var up = UpProcess.Launch(Arguments());

        Assert.Equal(ExitCodes.ServiceError, await up.WaitForExitAsync(Patience));

        Assert.Contains(up.Errors, line => line.Contains($"could not start: {journal}: the record at offset 0 is damaged", StringComparison.Ordinal));
        Assert.Equal(damaged, await File.ReadAllBytesAsync(journal));
    }

    private string[] Arguments() =>
        ["--data", Data, "--api-port", "0", "--smtp-port", "0", "--domains", Path.Combine(folder, "domains.json"), "--set", Path.Combine(folder, "set.json")];

    // Mail i goes to one recipient, or to two in different domains when i is odd; only mail answered 250 is returned.
    private static async Task<List<(string MessageId, string[] Recipients)>> SubmitAsync((string Host, int Port) ingress, int count)
    {
        var accepted = new List<(string, string[])>();
        for (var i = 0; i < count; i++)
        {
            string[] recipients = i % 2 == 0 ? ["user@example.com"] : ["user@example.com", "other@example.org"];
            var (raw, messageId) = LocalStackFixture.Mail($"crash test {i}", $"mail {i} of {count}");
            await using var submitter = await MailSubmitter.ConnectSmtpAsync(ingress.Host, ingress.Port, "sender@example.net", recipients);
            if (await submitter.SubmitAsync(raw) is null)
            {
                accepted.Add((messageId, recipients));
            }
        }

        return accepted;
    }

    // Copies at the downstream by Message-ID and envelope recipient.
    private Dictionary<(string MessageId, string Recipient), int> Delivered() =>
        downstream.Messages
            .SelectMany(message => message.Recipients.Select(recipient => (MessageId: message.ToMimeMessage().MessageId ?? "", Recipient: recipient)))
            .GroupBy(copy => copy)
            .ToDictionary(group => group.Key, group => group.Count());

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"waited {Patience} for {what()}");
            }
        }
    }
}
