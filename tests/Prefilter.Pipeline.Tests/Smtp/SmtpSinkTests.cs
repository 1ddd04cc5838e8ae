using System.Text;
using MailKit.Net.Smtp;
using MimeKit;
using Prefilter.DevServices.Smtp;

namespace Prefilter.Pipeline.Tests.Smtp;

public sealed class SmtpSinkTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Keeps_the_envelope_and_the_exact_bytes_of_an_accepted_message()
    {
        await using var sink = await SmtpSink.StartAsync();
        var message = Mail("visible@example.org");

        await SendAsync(sink, message, "sender@example.net", ["visible@example.org", "hidden@example.org"]);

        var received = Assert.Single(sink.Messages);
        Assert.Equal("sender@example.net", received.Sender);
        Assert.Equal(["visible@example.org", "hidden@example.org"], received.Recipients);
        Assert.Equal("hello", received.ToMimeMessage().Subject);
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var sent = new MemoryStream();
        message.WriteTo(format, sent);
        Assert.Equal(Encoding.ASCII.GetString(sent.ToArray()), Encoding.ASCII.GetString(received.Data));
    }

    [Fact]
    public async Task Answers_the_scripted_transient_reply_for_the_first_attempts_then_accepts()
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(SmtpStage.Data, SmtpReply.ServiceNotAvailable, times: 2);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var error = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(sink, Mail("a@example.org"), "s@example.net", ["a@example.org"]));
            Assert.Equal(421, (int)error.StatusCode);
        }

        await SendAsync(sink, Mail("a@example.org"), "s@example.net", ["a@example.org"]);

        Assert.Single(sink.Messages);
        Assert.Equal(3, sink.DataAttempts);
    }

    [Fact]
    public async Task Refuses_a_scripted_recipient_with_the_scripted_reply_and_keeps_nothing()
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.Reply(SmtpStage.Recipient, SmtpReply.MailboxUnavailable, recipient: r => r == "gone@example.org");

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(sink, Mail("gone@example.org"), "s@example.net", ["gone@example.org"]));

        Assert.Equal(550, (int)error.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task Holds_a_transaction_until_released_and_signals_waiters()
    {
        await using var sink = await SmtpSink.StartAsync();
        var hold = sink.Script.Hold(SmtpStage.Data);
        using var timeout = new CancellationTokenSource(Patience);

        var sending = SendAsync(sink, Mail("a@example.org"), "s@example.net", ["a@example.org"]);
        await hold.Reached.WaitAsync(timeout.Token);
        Assert.False(sending.IsCompleted);
        Assert.Empty(sink.Messages);

        var waiting = sink.WaitForMessagesAsync(1, timeout.Token);
        hold.Release(SmtpReply.Ok);
        await sending;

        Assert.Single(await waiting);
    }

    private static MimeMessage Mail(string to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.net"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "hello";
        message.Body = new TextPart("plain") { Text = "body" };
        return message;
    }

    private static async Task SendAsync(SmtpSink sink, MimeMessage message, string sender, string[] recipients)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(sink.Host, sink.Port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(message, MailboxAddress.Parse(sender), recipients.Select(MailboxAddress.Parse));
        await client.DisconnectAsync(quit: true);
    }
}
