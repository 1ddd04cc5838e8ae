using System.Net.Sockets;
using System.Text;
using Prefilter.DevServices.Smtp;

namespace Prefilter.DevServices.Tests.Smtp;

/// <summary>The sink hanging up in the middle of DATA, seen from a plain SMTP client on loopback.</summary>
public sealed class SmtpSinkCloseTests
{
    [Fact]
    public async Task A_transaction_cut_short_gets_no_reply_and_no_message_and_the_next_one_is_taken()
    {
        await using var sink = await SmtpSink.StartAsync();
        sink.Script.CloseDuringData(times: 1);

        var cut = await SendAsync(sink);
        var taken = await SendAsync(sink);

        Assert.Null(cut);
        Assert.StartsWith("250", taken);
        Assert.Equal(1, sink.Script.ClosedDuringData);
        Assert.Single(sink.Messages);
    }

    // One transaction on a connection of its own; the reply to the data, or null when the connection ended without one.
    private static async Task<string?> SendAsync(SmtpSink sink)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(sink.Host, sink.Port);
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<string?> ReplyAsync()
        {
            string? line;
            do
            {
                line = await reader.ReadLineAsync();
            }
            while (line is { Length: > 3 } && line[3] == '-');
            return line;
        }

        async Task<string?> CommandAsync(string command)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            return await ReplyAsync();
        }

        await ReplyAsync();
        await CommandAsync("EHLO client.localhost");
        await CommandAsync("MAIL FROM:<a@example.net>");
        await CommandAsync("RCPT TO:<b@example.org>");
        Assert.StartsWith("354", await CommandAsync("DATA"));
        try
        {
            var body = "Subject: cut\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 2000)) + ".\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(body));
            return await ReplyAsync();
        }
        catch (IOException)
        {
            // Reset by the sink while the data was still going out.
            return null;
        }
    }
}
