using System.Security.Cryptography;
using System.Text;
using Azure.Messaging.ServiceBus;
using Prefilter.DevServices.Smtp;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Telemetry;

namespace Prefilter.Pipeline.Tests.Delivery;

[Collection(PipelineCollection.Name)]
public sealed class DeliveryPipelineTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task Delivers_to_the_domains_downstream_with_verdict_headers_and_strips_forged_ones()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");

        // Before the processor starts, so its receive loop runs in this test's flow and the recorder sees it.
        using var metrics = new MetricRecorder();
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("bob@alpha.example", extraHeaders: "X-Prefilter-Verdict: Deliver\r\nX-Prefilter-Score: -50\r\n"),
            "sender@origin.example", ["bob@alpha.example"], VerdictAction.Tag);

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, Timeout()));
        Assert.Equal(["bob@alpha.example"], received.Recipients);
        Assert.Equal("sender@origin.example", received.Sender);
        var headers = received.ToMimeMessage().Headers;
        Assert.Equal("Tag", Assert.Single(headers, h => h.Field.Equals(VerdictHeaders.Verdict, StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Equal("5.5", Assert.Single(headers, h => h.Field.Equals(VerdictHeaders.Score, StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Equal("RULE_ONE, RULE_TWO", headers[VerdictHeaders.Rules]);
        Assert.Equal("0123abcd", headers[VerdictHeaders.Set]);
        Assert.Equal(VerdictHeaders.Verdict, headers[0].Field);

        var info = await scenario.WaitForOutcomeAsync(claim.BlobName);
        Assert.Equal(MailOutcome.Delivered, info.Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();
        Assert.Equal(0, scenario.Counts.DeadLettered);
        Assert.Equal(["delivered"], (await metrics.WaitForAsync(PipelineMetrics.DeliveriesName, 1, Timeout())).Select(delivery => delivery.Tags["prefilter.delivery.result"]));
    }

    [Fact]
    public async Task Splits_a_mail_for_two_domains_over_their_downstreams_with_only_their_recipients()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        var beta = await scenario.ServeAsync("beta.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("a1@alpha.example, b1@beta.example"),
            "sender@origin.example", ["a1@alpha.example", "b1@beta.example", "a2@alpha.example"]);

        Assert.Equal(["a1@alpha.example", "a2@alpha.example"], Assert.Single(await alpha.WaitForMessagesAsync(1, Timeout())).Recipients);
        Assert.Equal(["b1@beta.example"], Assert.Single(await beta.WaitForMessagesAsync(1, Timeout())).Recipients);
        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
    }

    [Fact]
    public async Task Delivers_to_a_bcc_recipient_that_no_header_names()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        await scenario.SubmitAsync(DeliveryScenario.Mail("undisclosed-recipients:;"), "sender@origin.example", ["secret@alpha.example"]);

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, Timeout()));
        Assert.Equal(["secret@alpha.example"], received.Recipients);
        Assert.DoesNotContain("secret@alpha.example", Encoding.UTF8.GetString(received.Data));
    }

    [Fact]
    public async Task A_downstream_answering_421_for_a_while_gets_the_mail_exactly_once_when_it_recovers()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        sink.Script.Reply(SmtpStage.Data, SmtpReply.ServiceNotAvailable, times: 3);
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();
        Assert.Single(sink.Messages);
        Assert.Equal(4, sink.DataAttempts);
        Assert.Equal(0, scenario.Counts.DeadLettered);
    }

    [Fact]
    public async Task A_downstream_answering_550_dead_letters_the_mail_with_its_reply()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 bob does not live here"));
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.DownstreamRejected, dead.DeadLetterReason);
        Assert.Contains("550", dead.DeadLetterErrorDescription);
        Assert.Contains("bob does not live here", dead.DeadLetterErrorDescription);
        var info = await scenario.WaitForOutcomeAsync(claim.BlobName);
        Assert.Equal(MailOutcome.DeadLettered, info.Outcome);
        Assert.Contains("bob does not live here", info.Metadata[MailMetadata.Reason]);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task A_downstream_refusing_one_recipient_takes_the_mail_for_the_others_and_it_is_dead_lettered_for_that_one()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        var beta = await scenario.ServeAsync("beta.example");
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 bob does not live here"), recipient: r => r == "bob@alpha.example");
        beta.Script.Reply(SmtpStage.Data, SmtpReply.ServiceNotAvailable, times: 1);
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("alice@alpha.example"), "sender@origin.example", ["alice@alpha.example", "bob@alpha.example", "carol@beta.example"]);

        // Beta's 421 makes a second attempt; it must not send alpha the mail again, nor forget bob's refusal.
        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.DownstreamRejected, dead.DeadLetterReason);
        Assert.Contains("bob@alpha.example 550", dead.DeadLetterErrorDescription);
        Assert.Contains("bob does not live here", dead.DeadLetterErrorDescription);
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        Assert.Equal(["alice@alpha.example"], Assert.Single(alpha.Messages).Recipients);
        Assert.Equal(1, alpha.DataAttempts);
        Assert.Equal(["carol@beta.example"], Assert.Single(beta.Messages).Recipients);
        Assert.Equal(2, beta.DataAttempts);
    }

    [Fact]
    public async Task A_recipient_deferred_with_4xx_gets_the_mail_on_a_retry_and_the_others_get_it_once()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(452, "4.2.2 carol's mailbox is full"), recipient: r => r == "carol@alpha.example", times: 1);
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("alice@alpha.example"), "sender@origin.example", ["alice@alpha.example", "carol@alpha.example", "dave@alpha.example"]);

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();
        Assert.Equal([["alice@alpha.example", "dave@alpha.example"], ["carol@alpha.example"]], alpha.Messages.Select(m => m.Recipients));
    }

    [Fact]
    public async Task A_mail_half_delivered_under_a_marker_written_by_the_running_version_resumes_with_the_waiting_recipient_only()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();
        var key = DownstreamProgressMarker.KeyOf(new Downstream(alpha.Host, alpha.Port, TlsPolicy.None, null), VerdictAction.Deliver);
        var marker = $"deferred a4628f94 0 {alpha.Host}:{alpha.Port} deferred carol@alpha.example 452 4.2.2 full; took the others: 250 OK";

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("alice@alpha.example"), "sender@origin.example", ["alice@alpha.example", "carol@alpha.example"],
            progress: new Dictionary<string, string> { [key] = marker });

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();
        Assert.Equal(["carol@alpha.example"], Assert.Single(alpha.Messages).Recipients);
    }

    [Fact]
    public async Task A_recipient_deferred_until_the_retries_run_out_is_named_when_the_mail_is_dead_lettered()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, maxAttempts: 3);
        var alpha = await scenario.ServeAsync("alpha.example");
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 bob does not live here"), recipient: r => r == "bob@alpha.example");
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(452, "4.2.2 carol's mailbox is full"), recipient: r => r == "carol@alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("alice@alpha.example"), "sender@origin.example", ["alice@alpha.example", "bob@alpha.example", "carol@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.RetriesExhausted, dead.DeadLetterReason);
        Assert.Contains("carol@alpha.example 452", dead.DeadLetterErrorDescription);
        Assert.Contains("bob@alpha.example 550", dead.DeadLetterErrorDescription);
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        Assert.Equal(["alice@alpha.example"], Assert.Single(alpha.Messages).Recipients);
    }

    [Fact]
    public async Task A_recipient_refused_on_the_retry_of_a_deferral_dead_letters_the_mail_naming_every_refusal()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 bob does not live here"), recipient: r => r == "bob@alpha.example");
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(452, "4.2.2 try carol later"), recipient: r => r == "carol@alpha.example", times: 1);
        alpha.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.2.1 carol's mailbox is disabled"), recipient: r => r == "carol@alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("alice@alpha.example"), "sender@origin.example", ["alice@alpha.example", "bob@alpha.example", "carol@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.DownstreamRejected, dead.DeadLetterReason);
        Assert.Contains("carol's mailbox is disabled", dead.DeadLetterErrorDescription);
        Assert.Contains("bob@alpha.example 550", dead.DeadLetterErrorDescription);
        Assert.Equal(["alice@alpha.example"], Assert.Single(alpha.Messages).Recipients);
    }

    [Fact]
    public async Task A_downstream_that_never_answers_is_not_tried_again_once_its_circuit_opens()
    {
        await using var silent = new SilentDownstream();
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, maxAttempts: 3, settings: new Dictionary<string, string?>
        {
            ["Delivery:Relay:timeout"] = "00:00:01",
            ["Delivery:CircuitBreaker:failureThreshold"] = "2",
            ["Delivery:CircuitBreaker:breakDuration"] = "01:00:00",
        });
        scenario.Serve("silent.example", new Downstream("127.0.0.1", silent.Port, TlsPolicy.None, null));
        var alpha = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        foreach (var i in Enumerable.Range(0, 3))
        {
            await scenario.SubmitAsync(DeliveryScenario.Mail($"user{i}@silent.example"), "sender@origin.example", [$"user{i}@silent.example"]);
        }

        var delivered = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);

        // Nine relays without the breaker (three mails, three attempts each); with it, the two failures that open it
        // and those already waiting for a greeting when it opened.
        var dead = new List<ServiceBusReceivedMessage>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            dead.Add(await scenario.ReceiveDeadLetterAsync());
        }

        Assert.All(dead, message => Assert.Equal(DeadLetterReasons.RetriesExhausted, message.DeadLetterReason));
        Assert.All(dead, message => Assert.Contains(" not tried: ", message.DeadLetterErrorDescription));
        Assert.InRange(silent.Connections, 2, 4);
        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(delivered.BlobName)).Outcome);
        Assert.Single(alpha.Messages);
    }

    [Fact]
    public async Task Transient_failures_past_the_attempt_limit_dead_letter_the_mail()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, maxAttempts: 3);
        var sink = await scenario.ServeAsync("alpha.example");
        sink.Script.Reply(SmtpStage.Data, SmtpReply.ServiceNotAvailable);
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.RetriesExhausted, dead.DeadLetterReason);
        Assert.Contains("421", dead.DeadLetterErrorDescription);
        Assert.Equal(3, sink.DataAttempts);
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
    }

    [Fact]
    public async Task A_retry_does_not_resend_to_a_downstream_that_already_took_the_mail()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        var beta = await scenario.ServeAsync("beta.example");
        beta.Script.Reply(SmtpStage.Data, SmtpReply.ServiceNotAvailable, times: 2);
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("a@alpha.example"), "sender@origin.example", ["a@alpha.example", "b@beta.example"]);

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();
        Assert.Single(alpha.Messages);
        Assert.Single(beta.Messages);
        Assert.Equal(1, alpha.DataAttempts);
        Assert.Equal(3, beta.DataAttempts);
    }

    [Fact]
    public async Task The_same_claim_check_twice_is_delivered_once()
    {
        // Duplicate detection off: the outcome marker alone must stop the second relay (as after the window ends).
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, queueOptions: q => q.DuplicateDetectionWindow = null);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);
        await scenario.WaitForOutcomeAsync(claim.BlobName);
        await scenario.SendAsync(claim.ToMessage());
        await scenario.WaitUntilQueueIsSettledAsync();

        Assert.Single(sink.Messages);
        Assert.Equal(1, sink.DataAttempts);
    }

    [Fact]
    public async Task A_delivery_worker_stopped_mid_message_delivers_it_once_after_restart()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        var hold = sink.Script.Hold(SmtpStage.Data);
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);
        await hold.Reached.WaitAsync(Timeout());

        // The worker goes away while the downstream holds the data unanswered; the sink then drops the transaction.
        await scenario.Processor.StopAsync(Timeout());
        hold.Release(SmtpReply.TransactionAborted);
        Assert.Empty(sink.Messages);
        Assert.Equal(MailOutcome.Scanned, (await scenario.Mails.GetInfoAsync(claim.BlobName)).Outcome);

        await scenario.Processor.StartAsync(Timeout());

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();
        Assert.Single(sink.Messages);
        Assert.Equal(0, scenario.Counts.DeadLettered);
    }

    [Fact]
    public async Task A_50_MB_mail_relays_through_the_claim_check()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();
        var line = new string('x', 76) + "\r\n";
        var body = new StringBuilder(52 * 1024 * 1024);
        while (body.Length < 50 * 1024 * 1024)
        {
            body.Append(line);
        }

        var mail = DeliveryScenario.Mail("bob@alpha.example", body: body.ToString());
        var claim = await scenario.SubmitAsync(mail, "sender@origin.example", ["bob@alpha.example"]);

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, Timeout()));
        var bodyBytes = Encoding.ASCII.GetBytes(body.ToString());
        Assert.True(received.Data.Length > bodyBytes.Length);
        Assert.Equal(SHA256.HashData(bodyBytes), SHA256.HashData(received.Data.AsSpan(received.Data.Length - bodyBytes.Length)));
        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
    }

    [Fact]
    public async Task A_recipient_whose_domain_quarantines_the_mail_is_not_relayed()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        var beta = await scenario.ServeAsync("beta.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(
            DeliveryScenario.Mail("a@alpha.example"), "sender@origin.example", ["a@alpha.example", "b@beta.example"], VerdictAction.Tag,
            new Dictionary<string, VerdictAction> { ["alpha.example"] = VerdictAction.Tag, ["beta.example"] = VerdictAction.Quarantine });

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        Assert.Equal(["a@alpha.example"], Assert.Single(alpha.Messages).Recipients);
        Assert.Empty(beta.Messages);
    }

    [Fact]
    public async Task A_recipient_whose_domain_left_the_policy_since_ingress_is_never_relayed_and_the_mail_is_dead_lettered_for_it()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var alpha = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("a@alpha.example"), "sender@origin.example", ["a@alpha.example", "x@gone.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.NoServedRecipient, dead.DeadLetterReason);
        Assert.Contains("x@gone.example", dead.DeadLetterErrorDescription);
        Assert.Equal(["a@alpha.example"], Assert.Single(alpha.Messages).Recipients);
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
    }

    [Fact]
    public async Task Failing_blob_storage_is_retried_with_backoff_not_by_abandoning_the_message()
    {
        // The delivery stage's storage points at a port nobody listens on (tcpmux, 1: privileged and unused, so no
        // server another test starts can take it meanwhile).
        var deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Prefilter.DevServices.Azurite.AzuriteHost.AccountKey +
            ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, maxAttempts: 2,
            settings: new Dictionary<string, string?> { ["Storage:connectionString"] = deadStorage }, quickStorageRetries: true);
        await scenario.Processor.StartAsync();

        await scenario.SendAsync(new Prefilter.Pipeline.Messaging.ClaimCheck
        {
            BlobName = "20261128T000000000Z-missing.eml",
            ETag = "\"0x1\"",
            Verdict = new Prefilter.Pipeline.ScanVerdict { Action = VerdictAction.Deliver, Score = 0, Rules = [], SetDigest = "abc" },
            DomainVerdicts = new Dictionary<string, VerdictAction>(),
            ScannedAt = DateTimeOffset.UtcNow,
        }.ToMessage());

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.RetriesExhausted, dead.DeadLetterReason);
        Assert.Contains("blob storage", dead.DeadLetterErrorDescription);
        Assert.Equal(2, DeliveryRetryScheduler.AttemptOf(dead));
        Assert.Equal(1, dead.DeliveryCount);
    }

    [Fact]
    public async Task The_processor_can_be_stopped_and_disposed_more_than_once_as_hosts_do()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        await scenario.StartAsync();

        await scenario.Processor.DisposeAsync();
        await scenario.Processor.DisposeAsync();
        await scenario.Processor.StopAsync();

        Assert.False(scenario.Processor.IsProcessing);
    }

    [Fact]
    public async Task A_message_that_is_not_a_claim_check_is_dead_lettered()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        await scenario.SendAsync(new Azure.Messaging.ServiceBus.ServiceBusMessage("{\"not\":\"a claim check\"}") { MessageId = "junk-1" });

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.InvalidClaimCheck, dead.DeadLetterReason);
    }

    [Fact]
    public async Task An_empty_mail_blob_is_dead_lettered_with_a_reason_instead_of_retried()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync([], "sender@origin.example", ["bob@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.MailUnreadable, dead.DeadLetterReason);
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        Assert.Equal(0, sink.DataAttempts);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(DeliveryScenario.Patience).Token;
}
