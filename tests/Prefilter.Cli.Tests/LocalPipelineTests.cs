using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.Cli.Local;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Storage;
using Xunit.Abstractions;

namespace Prefilter.Cli.Tests;

/// <summary>Mail through the local stack as <c>prefilter up</c> runs it: the SMTP and HTTP doors, delivery, quarantine, counts.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class LocalPipelineTests(LocalStackFixture fixture)
{
    [Fact]
    public async Task Mail_submitted_through_the_SMTP_ingress_reaches_the_sink_with_verdict_headers()
    {
        var (raw, messageId) = LocalStackFixture.Ham();
        await using (var submitter = await MailSubmitter.ConnectSmtpAsync(fixture.Stack.SmtpIngress.Address.ToString(), fixture.Stack.SmtpIngress.Port, "sender@example.net", ["user@example.com", "bcc@example.org"]))
        {
            Assert.Null(await submitter.SubmitAsync(raw));
        }

        var delivered = await fixture.WaitForSinkAsync(messageId);
        var message = delivered.ToMimeMessage();
        Assert.Equal(["bcc@example.org", "user@example.com"], delivered.Recipients.Order(StringComparer.Ordinal));
        Assert.Equal("Deliver", message.Headers["X-Prefilter-Verdict"], ignoreCase: true);
        Assert.False(string.IsNullOrEmpty(message.Headers["X-Prefilter-Score"]));
        using var status = await fixture.Api.GetAsync("api/patterns");
        var active = (await LocalStackFixture.JsonAsync(status)).GetProperty("state").GetProperty("active");
        Assert.Equal("local-default-1", active.GetProperty("version").GetString());
        Assert.Contains(active.GetProperty("digest").GetString()!, message.Headers["X-Prefilter-Set"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spam_posted_to_the_HTTP_ingest_is_quarantined_and_not_relayed()
    {
        var (raw, messageId) = LocalStackFixture.Spam();
        using var response = await fixture.PostMailAsync(raw, "user@example.org");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var blob = (await LocalStackFixture.JsonAsync(response)).GetProperty("blob").GetString()!;

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        MailBlobInfo info;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
            info = await fixture.Mails.GetInfoAsync(blob, timeout.Token);
        }
        while (info.Outcome is null);

        Assert.Equal(MailOutcome.Quarantined, info.Outcome);
        Assert.True(await fixture.Mails.IsQuarantinedAsync(blob));
        Assert.DoesNotContain(fixture.Stack.Sink.Messages, message => System.Text.Encoding.ASCII.GetString(message.Data).Contains(messageId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_recipient_outside_the_served_domains_is_refused_at_both_doors()
    {
        var (raw, _) = LocalStackFixture.Ham();
        var before = await fixture.Stack.CountAsync();

        using var response = await fixture.PostMailAsync(raw, "someone@elsewhere.example");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await LocalStackFixture.JsonAsync(response);
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Assert.Equal("someone@elsewhere.example", problem.GetProperty("recipients")[0].GetString());

        await using var submitter = await MailSubmitter.ConnectSmtpAsync(fixture.Stack.SmtpIngress.Address.ToString(), fixture.Stack.SmtpIngress.Port, "sender@example.net", ["someone@elsewhere.example"]);
        var refusal = await submitter.SubmitAsync(raw);
        Assert.NotNull(refusal);
        Assert.StartsWith("550", refusal, StringComparison.Ordinal);
        Assert.Equal(before.Received, (await fixture.Stack.CountAsync()).Received);
    }

    [Fact]
    public async Task The_live_counts_add_up_to_what_was_received()
    {
        var before = await fixture.WaitForCountsAsync(counts => counts.InFlight == 0);
        await using (var submitter = await MailSubmitter.ConnectSmtpAsync(fixture.Stack.SmtpIngress.Address.ToString(), fixture.Stack.SmtpIngress.Port, "sender@example.net", ["user@example.com"]))
        {
            foreach (var (raw, _) in new[] { LocalStackFixture.Ham(), LocalStackFixture.Spam(), LocalStackFixture.Ham(), LocalStackFixture.Spam(), LocalStackFixture.Ham() })
            {
                Assert.Null(await submitter.SubmitAsync(raw));
            }
        }

        var after = await fixture.WaitForCountsAsync(counts => counts.Received == before.Received + 5 && counts.InFlight == 0);
        Assert.Equal(after.Received, after.Delivered + after.Quarantined + after.DeadLettered + after.InFlight);
        Assert.Equal(after.Received, after.Scanned);
        Assert.Equal(before.Delivered + 3, after.Delivered);
        Assert.Equal(before.Quarantined + 2, after.Quarantined);
        Assert.Equal(before.DeadLettered, after.DeadLettered);
    }

    [Theory]
    [InlineData("user%evil.test@example.com", HttpStatusCode.Forbidden, "percent hack")]
    [InlineData("\"user@evil.test\"@example.com", HttpStatusCode.Forbidden, "quoted address")]
    [InlineData("evil.test!user@example.com", HttpStatusCode.Forbidden, "bang path")]
    [InlineData("@example.com:user@evil.test", HttpStatusCode.Forbidden, "source route")]
    [InlineData("a(b@example.com", HttpStatusCode.BadRequest, "not a valid local part")]
    [InlineData("john..doe@example.com", HttpStatusCode.BadRequest, "not a valid local part")]
    public async Task The_HTTP_door_applies_the_same_address_rules_as_the_SMTP_door(string recipient, HttpStatusCode status, string reason)
    {
        var (raw, _) = LocalStackFixture.Ham();
        var before = await fixture.Stack.CountAsync();

        using var response = await fixture.PostMailAsync(raw, recipient);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, (await LocalStackFixture.JsonAsync(response)).GetProperty("detail").GetString());
        Assert.Equal(before.Received, (await fixture.Stack.CountAsync()).Received);
    }

    [Fact]
    public async Task A_quoted_local_part_posted_over_HTTP_is_delivered_with_its_quotes()
    {
        var (raw, messageId) = LocalStackFixture.Ham();

        using var response = await fixture.PostMailAsync(raw, "\"john doe\"@example.com");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var delivered = await fixture.WaitForSinkAsync(messageId);
        // The sink (the SmtpServer package) reports the mailbox without its quotes.
        Assert.Equal("john doe@example.com", Assert.Single(delivered.Recipients).Replace("\"", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mail_the_downstream_refuses_is_counted_as_dead_lettered()
    {
        fixture.Stack.Sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 no such user"), recipient: r => r.StartsWith("nobody-", StringComparison.Ordinal));
        var before = await fixture.WaitForCountsAsync(counts => counts.InFlight == 0);
        var (raw, _) = LocalStackFixture.Ham();

        using var response = await fixture.PostMailAsync(raw, $"nobody-{Guid.NewGuid():N}@example.com");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var after = await fixture.WaitForCountsAsync(counts => counts.DeadLettered == before.DeadLettered + 1 && counts.InFlight == 0);
        Assert.Equal(after.Received, after.Delivered + after.Quarantined + after.DeadLettered + after.InFlight);
        Assert.Contains($"dead-lettered {after.DeadLettered}", after.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The load test's accounting, run small against the shared local stack.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class LoadTestTests(LocalStackFixture fixture)
{
    [Fact]
    public async Task Every_mail_answered_250_is_accounted_for_once()
    {
        var mails = Enumerable.Range(0, 30).Select(i => i % 3 == 0 ? LocalStackFixture.Spam().Raw : LocalStackFixture.Ham().Raw).ToList();

        var report = await new LoadTest(fixture.Stack, mails) { Connections = 4, Recipient = "user@example.org" }.RunAsync();

        Assert.Equal((30, 30, 0, 0), (report.Mails, report.Accepted, report.Lost, report.Duplicated));
        Assert.Equal(30, report.Delivered + report.Quarantined + report.DeadLettered);
        Assert.Equal(10, report.Quarantined);
        Assert.True(report.P50Ms > 0 && report.P50Ms <= report.P99Ms && report.P99Ms <= report.MaxMs);
    }
}

/// <summary>The release gate run by the load test while mail flows, on a stack whose gate has the default budgets.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class GateUnderLoadTests
{
    [Fact]
    public async Task The_gate_run_while_mail_flows_passes_the_serving_set_again_and_refuses_the_incident_set()
    {
        // A stack of its own: the shared one's gate refuses every plain publish by design.
        await using var stack = await LocalStack.StartAsync(new LocalStackOptions { ApiPort = 0, SmtpPort = 0, ConsoleLogLevel = Microsoft.Extensions.Logging.LogLevel.None });
        var mails = Enumerable.Range(0, 40).Select(i => i % 4 == 0 ? LocalStackFixture.Spam().Raw : LocalStackFixture.Ham().Raw).ToList();

        var report = await new LoadTest(stack, mails) { Connections = 2, Rate = 20, Recipient = "user@example.org", GateRounds = 2 }.RunAsync();

        Assert.Equal((0, 0), (report.Lost, report.Duplicated));
        Assert.Equal(
            [GateUnderLoad.SameSet, GateUnderLoad.Incident, GateUnderLoad.SameSet, GateUnderLoad.Incident],
            report.Gate.Select(run => run.Candidate));
        foreach (var run in report.Gate)
        {
            Assert.True(run.Passed == (run.Candidate == GateUnderLoad.SameSet), $"{run.Candidate}: {string.Join("; ", run.Refusals)}");
            Assert.NotNull(run.P99CostRatio);
        }
    }
}

/// <summary>
/// The load test's six faults, run small on a stack of its own with its data on disk (the faults kill and restart
/// Azurite and the broker, change what its downstream answers, replace its scan instance and stop its delivery), with
/// retries and the downstream's circuit break a second long instead of production's minute so the run ends quickly.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class LoadTestFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_fault_is_injected_and_reported_and_every_mail_still_ends_with_one_outcome()
    {
        var data = Directory.CreateTempSubdirectory("prefilter-faults-").FullName;
        try
        {
            await using var stack = await LocalStack.StartAsync(new LocalStackOptions
            {
                ApiPort = 0,
                SmtpPort = 0,
                DataDirectory = data,
                ConsoleLogLevel = Microsoft.Extensions.Logging.LogLevel.None,
                Settings = new Dictionary<string, string?>
                {
                    ["Delivery:Backoff:0"] = "00:00:01",
                    ["Delivery:CircuitBreaker:BreakDuration"] = "00:00:01",
                },
            });
            var mails = Enumerable.Range(0, 120).Select(i => i % 4 == 0 ? LocalStackFixture.Spam().Raw : LocalStackFixture.Ham().Raw).ToList();
            var azurite = stack.Azurite.ProcessId;

            var report = await new LoadTest(stack, mails)
            {
                Connections = 2,
                Rate = 5,
                Recipient = "user@example.org",
                Faults = true,
                FaultDuration = TimeSpan.FromSeconds(2),
                DrainTimeout = TimeSpan.FromMinutes(3),
            }.RunAsync();

            Assert.Equal((120, 0, 0), (report.Mails, report.Lost, report.Duplicated));
            Assert.True(report.Accepted > 0);
            Assert.Equal(report.Accepted, report.Delivered + report.Quarantined + report.DeadLettered);
            Assert.Equal(0, report.DeadLettered);
            Assert.Equal(
                [LoadTestFault.Downstream421, LoadTestFault.AzuriteRestarted, LoadTestFault.DownstreamClosedMidData, LoadTestFault.BrokerRestarted, LoadTestFault.ScanInstanceKilled, LoadTestFault.DeliveryStopped],
                report.Faults.Select(fault => fault.Kind));
            Assert.All(report.Faults.Zip(report.Faults.Skip(1)), pair => Assert.True(pair.Second.StartedAtMs >= pair.First.StartedAtMs + pair.First.DurationMs));

            // Each fault was felt: the downstream answered 421 to some DATA and hung up during others, Azurite is another
            // process, scans were cut off, and the broker serves again (delivery went on after it).
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(report));
            Assert.True(stack.Sink.DataAttempts > stack.Sink.Messages.Count, $"{stack.Sink.DataAttempts} DATA for {stack.Sink.Messages.Count} mails");
            Assert.True(stack.Sink.Script.ClosedDuringData > 0);
            Assert.NotEqual(azurite, stack.Azurite.ProcessId);
            Assert.True(stack.Services.GetRequiredService<ScanInstance>().ScansCutOff > 0);
            Assert.Equal(0, stack.Broker.GetQueueCounts(Prefilter.Pipeline.Messaging.ServiceBusOptions.DefaultDeliverQueue).Active);
            Assert.True(stack.Services.GetRequiredService<Prefilter.Pipeline.Delivery.DeliveryProcessorService>().IsProcessing);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
