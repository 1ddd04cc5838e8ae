using System.Net.Http.Headers;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Prefilter.Pipeline.Ingest;

namespace Prefilter.Cli.Local;

/// <summary>
/// Feeds mail files into the pipeline through a door: the SMTP ingress (one connection for all files) or the HTTP
/// ingest. Each file is one message; a refused one is reported and the rest still go.
/// </summary>
internal sealed class MailSubmitter : IAsyncDisposable
{
    private readonly SmtpClient? smtp;
    private readonly HttpClient? http;
    private readonly string sender;
    private readonly IReadOnlyList<string> recipients;

    private MailSubmitter(SmtpClient? smtp, HttpClient? http, string sender, IReadOnlyList<string> recipients)
    {
        this.smtp = smtp;
        this.http = http;
        this.sender = sender;
        this.recipients = recipients;
    }

    /// <summary>Connects to an SMTP ingress (plain SMTP on loopback, as <c>prefilter up</c> serves it).</summary>
    public static async Task<MailSubmitter> ConnectSmtpAsync(string host, int port, string sender, IReadOnlyList<string> recipients, CancellationToken cancellationToken = default)
    {
        var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(host, port, SecureSocketOptions.None, cancellationToken);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new MailSubmitter(client, null, sender, recipients);
    }

    /// <summary>Posts to an HTTP ingest URL (e.g. <c>http://127.0.0.1:7071/api/mail</c>) with a function key.</summary>
    public static MailSubmitter ForHttp(Uri ingestUrl, string? key, string sender, IReadOnlyList<string> recipients)
    {
        var client = new HttpClient { BaseAddress = ingestUrl };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(LocalApiKey.HeaderName, key);
        }

        return new MailSubmitter(null, client, sender, recipients);
    }

    /// <summary>Submits one raw message.</summary>
    /// <param name="raw">The RFC 822 bytes.</param>
    /// <param name="cancellationToken">Cancels the submission.</param>
    /// <returns>Null when accepted, else the door's refusal.</returns>
    /// <exception cref="SmtpProtocolException">The SMTP connection broke.</exception>
    /// <exception cref="HttpRequestException">The HTTP ingest cannot be reached.</exception>
    public async Task<string?> SubmitAsync(byte[] raw, CancellationToken cancellationToken = default)
    {
        if (smtp is not null)
        {
            using var message = await MimeMessage.LoadAsync(new MemoryStream(raw), cancellationToken);
            try
            {
                await smtp.SendAsync(message, MailboxAddress.Parse(sender), recipients.Select(MailboxAddress.Parse), cancellationToken);
                return null;
            }
            catch (SmtpCommandException exception)
            {
                // The session is still usable: reset it so the next message starts clean.
                await smtp.NoOpAsync(cancellationToken);
                return $"{(int)exception.StatusCode} {exception.Message}";
            }
        }

        var query = $"?{HttpIngest.SenderParameter}={Uri.EscapeDataString(sender)}&{HttpIngest.RecipientsParameter}={Uri.EscapeDataString(string.Join(',', recipients))}";
        using var content = new ByteArrayContent(raw) { Headers = { ContentType = new MediaTypeHeaderValue("message/rfc822") } };
        using var response = await http!.PostAsync(query, content, cancellationToken);
        return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (smtp is not null)
        {
            if (smtp.IsConnected)
            {
                await smtp.DisconnectAsync(quit: true);
            }

            smtp.Dispose();
        }

        http?.Dispose();
    }
}
