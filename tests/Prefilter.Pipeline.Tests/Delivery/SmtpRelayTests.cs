using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Smtp;

namespace Prefilter.Pipeline.Tests.Delivery;

public sealed class SmtpRelayTests
{
    private static readonly SmtpRelay Relay = new(
        Options.Create(new SmtpRelayOptions { Timeout = TimeSpan.FromSeconds(30) }),
        new DownstreamCircuitBreaker(Options.Create(new DownstreamCircuitBreakerOptions()), TimeProvider.System),
        NullLogger<SmtpRelay>.Instance);

    [Fact]
    public async Task Sends_to_the_envelope_recipients_not_the_header_recipients()
    {
        await using var sink = await SmtpSink.StartAsync();
        var message = Mail(to: "shown@a.example");

        await Relay.RelayAsync(DownstreamOf(sink), null, message, "sender@b.example", ["hidden@a.example"]);

        var received = Assert.Single(sink.Messages);
        Assert.Equal(["hidden@a.example"], received.Recipients);
        Assert.Equal("sender@b.example", received.Sender);
        Assert.Equal("shown@a.example", received.ToMimeMessage().To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task Sends_bounces_with_the_null_sender()
    {
        await using var sink = await SmtpSink.StartAsync();

        await Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "", ["r@a.example"]);

        Assert.Equal("", Assert.Single(sink.Messages).Sender);
    }

    [Theory]
    [InlineData(SmtpStage.Data, 421)]
    [InlineData(SmtpStage.Data, 451)]
    [InlineData(SmtpStage.Recipient, 450)]
    public async Task A_4xx_reply_is_transient_and_carries_the_code(SmtpStage stage, int code)
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(stage, new SmtpReply(code, "4.0.0 later"));

        var error = await Assert.ThrowsAsync<TransientRelayException>(() => Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["r@a.example"]));

        Assert.Equal(code, error.StatusCode);
        Assert.Equal($"127.0.0.1:{sink.Port}", error.Downstream);
        Assert.Empty(sink.Messages);
    }

    [Theory]
    [InlineData(SmtpStage.Data, 554)]
    [InlineData(SmtpStage.Recipient, 550)]
    public async Task A_5xx_reply_is_permanent_and_carries_the_reply(SmtpStage stage, int code)
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(stage, new SmtpReply(code, "5.1.1 no such user here"));

        var error = await Assert.ThrowsAsync<PermanentRelayException>(() => Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["r@a.example"]));

        Assert.Equal(code, error.StatusCode);
        Assert.Contains("no such user here", error.Reply);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task A_recipient_refused_with_5xx_does_not_keep_the_mail_from_the_others()
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 no such user here"), recipient: r => r == "bob@a.example");

        var result = await Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["alice@a.example", "bob@a.example", "carol@a.example"]);

        Assert.Equal(["alice@a.example", "carol@a.example"], Assert.Single(sink.Messages).Recipients);
        var refusal = Assert.Single(result.RefusedRecipients);
        Assert.Equal(("bob@a.example", 550), (refusal.Recipient, refusal.StatusCode));
        Assert.Contains("no such user here", refusal.Reply);
    }

    [Fact]
    public async Task A_recipient_deferred_with_4xx_does_not_keep_the_mail_from_the_others()
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 no such user here"), recipient: r => r == "bob@a.example");
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(452, "4.2.2 mailbox full"), recipient: r => r == "carol@a.example");

        var result = await Relay.RelayAsync(
            DownstreamOf(sink), null, Mail(), "s@b.example", ["alice@a.example", "bob@a.example", "carol@a.example"], maxDeferredRecipients: 1);

        Assert.Equal(["alice@a.example"], Assert.Single(sink.Messages).Recipients);
        Assert.Equal("bob@a.example", Assert.Single(result.RefusedRecipients).Recipient);
        var deferral = Assert.Single(result.DeferredRecipients);
        Assert.Equal(("carol@a.example", 452), (deferral.Recipient, deferral.StatusCode));
        Assert.Contains("mailbox full", deferral.Reply);
    }

    [Fact]
    public async Task More_4xx_recipients_than_may_be_deferred_fail_the_whole_relay_before_the_data()
    {
        // Sending to the others now would send to them twice when the whole relay is retried.
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(452, "4.2.2 mailbox full"), recipient: r => r != "alice@a.example");

        var error = await Assert.ThrowsAsync<TransientRelayException>(() =>
            Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["alice@a.example", "bob@a.example", "carol@a.example"], maxDeferredRecipients: 1));

        Assert.Equal(452, error.StatusCode);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task A_relay_whose_recipients_are_all_refused_or_deferred_is_transient()
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(550, "5.1.1 no such user here"), recipient: r => r == "bob@a.example");
        sink.Script.Reply(SmtpStage.Recipient, new SmtpReply(452, "4.2.2 mailbox full"), recipient: r => r == "carol@a.example");

        var error = await Assert.ThrowsAsync<TransientRelayException>(() =>
            Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["bob@a.example", "carol@a.example"], maxDeferredRecipients: 5));

        Assert.Equal(452, error.StatusCode);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task A_downstream_that_does_not_listen_is_a_transient_failure_without_a_code()
    {
        // Port 1 (tcpmux): privileged and unused, so no server another test starts can take it meanwhile.
        var error = await Assert.ThrowsAsync<TransientRelayException>(() =>
            Relay.RelayAsync(new Downstream("127.0.0.1", 1, TlsPolicy.None, null), null, Mail(), "s@b.example", ["r@a.example"]));

        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task Requiring_starttls_from_a_downstream_without_it_is_a_transient_failure()
    {
        await using var sink = await SmtpSink.StartAsync();

        await Assert.ThrowsAsync<TransientRelayException>(() =>
            Relay.RelayAsync(DownstreamOf(sink) with { Tls = TlsPolicy.StartTls }, null, Mail(), "s@b.example", ["r@a.example"]));

        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Opportunistic_starttls_encrypts_even_when_the_certificate_is_not_trusted()
    {
        using var certificate = SelfSignedCertificate();
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Certificate = certificate });

        await Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["r@a.example"]);

        Assert.True(Assert.Single(sink.Messages).Secure);
    }

    [Fact]
    public async Task Opportunistic_starttls_sends_plain_to_a_downstream_that_does_not_offer_it()
    {
        await using var sink = await SmtpSink.StartAsync();

        await Relay.RelayAsync(DownstreamOf(sink), null, Mail(), "s@b.example", ["r@a.example"]);

        Assert.False(Assert.Single(sink.Messages).Secure);
    }

    [Fact]
    public async Task Required_starttls_refuses_an_untrusted_certificate_as_a_transient_failure()
    {
        using var certificate = SelfSignedCertificate();
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Certificate = certificate });

        var error = await Assert.ThrowsAsync<TransientRelayException>(() =>
            Relay.RelayAsync(DownstreamOf(sink) with { Tls = TlsPolicy.StartTls }, null, Mail(), "s@b.example", ["r@a.example"]));

        Assert.Null(error.StatusCode);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Eight_bit_data_goes_unchanged_to_a_downstream_without_8bitmime()
    {
        await using var downstream = new PlainDownstream();
        var accepted = System.Text.Encoding.Latin1.GetBytes("Subject: caf\u00e9\r\n\r\nna\u00efve \u00fc\r\n");

        await Relay.RelayAsync(new Downstream("127.0.0.1", downstream.Port, TlsPolicy.None, null), null, RelayMessage.Create([], accepted), "s@b.example", ["r@a.example"]);

        Assert.Equal(accepted, downstream.Data);
        Assert.Contains("MAIL FROM:<s@b.example>", downstream.Commands);
    }

    [Fact]
    public async Task A_mail_the_downstream_took_counts_as_delivered_when_the_caller_gives_up_during_QUIT()
    {
        // A worker stopping cancels its relays; once DATA was answered 250 the mail is the downstream's, and a
        // relay that threw now would be retried and delivered twice.
        using var stopping = new CancellationTokenSource();
        await using var downstream = new PlainDownstream { OnQuit = stopping.Cancel };

        var result = await Relay.RelayAsync(new Downstream("127.0.0.1", downstream.Port, TlsPolicy.None, null), null, Mail(), "s@b.example", ["r@a.example"], cancellationToken: stopping.Token);

        Assert.Equal("2.0.0 taken", result.Reply);
        Assert.True(stopping.IsCancellationRequested);
        Assert.NotNull(downstream.Data);
    }

    [Fact]
    public async Task A_non_ascii_local_part_fails_for_good_at_a_downstream_without_smtputf8_and_nothing_is_sent()
    {
        await using var downstream = new PlainDownstream();

        var error = await Assert.ThrowsAsync<PermanentRelayException>(() =>
            Relay.RelayAsync(new Downstream("127.0.0.1", downstream.Port, TlsPolicy.None, null), null, Mail(), "s@b.example", ["j\u00fcrgen@a.example"]));

        Assert.Equal(553, error.StatusCode);
        Assert.Contains("SMTPUTF8", error.Reply);
        Assert.Null(downstream.Data);
        Assert.DoesNotContain(downstream.Commands, command => command.StartsWith("MAIL", StringComparison.Ordinal));
    }

    private static X509Certificate2 SelfSignedCertificate() => SmtpIngressCertificate.CreateSelfSigned("sink.localhost");

    private static Downstream DownstreamOf(SmtpSink sink) => new(sink.Host, sink.Port, TlsPolicy.StartTlsWhenAvailable, null);

    private static RelayMessage Mail(string to = "r@a.example")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("s@b.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "relay test";
        message.Body = new TextPart("plain") { Text = "hello" };
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return RelayMessage.Create([], stream.ToArray());
    }
}
