using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit.Utils;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Smtp;

/// <summary>
/// One client connection to the SMTP ingress: the RFC 5321 conversation, with ESMTP's <c>PIPELINING</c>,
/// <c>SIZE</c>, <c>8BITMIME</c>, <c>SMTPUTF8</c>, <c>ENHANCEDSTATUSCODES</c> and <c>STARTTLS</c>. Every reply
/// text is our own, with an enhanced status code; every way the session ends other than <c>QUIT</c> is announced
/// with <c>421</c> first, so a sending MTA knows to try again.
/// </summary>
internal sealed class SmtpSession
{
    // RFC 5321 §4.5.3.1.4 allows 512 octets for a command line; extensions (SIZE, SMTPUTF8, long VERP addresses) need more.
    private const int MaxCommandLength = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SmtpIngressContext ingress;
    private readonly IPEndPoint? remote;
    private readonly string id = Guid.NewGuid().ToString("N");
    private readonly SmtpReader reader;
    private Stream stream;
    private string? helo;
    private bool extended;
    private bool secure;
    private int errors;
    private Transaction? transaction;

    public SmtpSession(SmtpIngressContext ingress, Stream stream, IPEndPoint? remote)
    {
        this.ingress = ingress;
        this.stream = stream;
        this.remote = remote;
        reader = new SmtpReader(stream);
    }

    private SmtpIngressOptions Options => ingress.Options;

    /// <summary>Runs the conversation until <c>QUIT</c>, a <c>421</c>, or the client leaves.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await ReplyAsync(220, null, $"{Options.ServerName} ESMTP ready", stopping).ConfigureAwait(false);
            while (true)
            {
                CommandLine? line;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    timeout.CancelAfter(Options.CommandTimeout);
                    try
                    {
                        line = await reader.ReadLineAsync(MaxCommandLength, timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        await CloseAsync("4.4.2", "Timeout waiting for a command, closing connection").ConfigureAwait(false);
                        return;
                    }
                }

                if (line is null)
                {
                    return;
                }

                if (!await ExecuteAsync(line, stopping).ConfigureAwait(false))
                {
                    return;
                }

                if (errors >= Options.MaxErrors)
                {
                    ingress.Logger.LogWarning("SMTP session {SessionId} from {Remote} closed after {Errors} refused commands", id, remote, errors);
                    await CloseAsync("4.7.0", "Too many errors, closing connection").ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await CloseAsync("4.3.2", "Service shutting down, try again later").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or AuthenticationException or ObjectDisposedException)
        {
            ingress.Logger.LogDebug(exception, "SMTP session {SessionId} from {Remote} ended by the connection", id, remote);
        }
    }

    /// <summary>Says <c>421</c> and nothing more; the caller closes the connection.</summary>
    public Task CloseAsync(string status, string text) => TryReplyAsync(421, status, text);

    // Returns false when the session is over.
    private async Task<bool> ExecuteAsync(CommandLine line, CancellationToken cancellationToken)
    {
        if (ReferenceEquals(line, CommandLine.TooLong))
        {
            return await RefuseAsync(500, "5.5.2", "Line too long", cancellationToken).ConfigureAwait(false);
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(line.Bytes);
        }
        catch (DecoderFallbackException)
        {
            return await RefuseAsync(500, "5.5.2", "Command is not valid UTF-8", cancellationToken).ConfigureAwait(false);
        }

        var space = text.IndexOf(' ');
        var verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var argument = space < 0 ? string.Empty : text[(space + 1)..].Trim();
        return verb switch
        {
            "EHLO" => await HelloAsync(argument, extended: true, cancellationToken).ConfigureAwait(false),
            "HELO" => await HelloAsync(argument, extended: false, cancellationToken).ConfigureAwait(false),
            "MAIL" => await MailAsync(argument, cancellationToken).ConfigureAwait(false),
            "RCPT" => await RecipientAsync(argument, cancellationToken).ConfigureAwait(false),
            "DATA" => await DataAsync(argument, cancellationToken).ConfigureAwait(false),
            "RSET" => await ResetAsync(argument, cancellationToken).ConfigureAwait(false),
            "NOOP" => await OkAsync(250, "2.0.0", "OK", cancellationToken).ConfigureAwait(false),
            "QUIT" => await QuitAsync(cancellationToken).ConfigureAwait(false),
            "STARTTLS" => await StartTlsAsync(argument, cancellationToken).ConfigureAwait(false),
            "VRFY" => await OkAsync(252, "2.5.2", "Cannot verify the user, but will accept the message and attempt delivery", cancellationToken).ConfigureAwait(false),
            "HELP" => await OkAsync(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT STARTTLS VRFY", cancellationToken).ConfigureAwait(false),
            "" => await RefuseAsync(500, "5.5.2", "Empty command", cancellationToken).ConfigureAwait(false),
            _ => await RefuseAsync(502, "5.5.1", $"Command '{Printable(verb)}' not implemented", cancellationToken).ConfigureAwait(false),
        };
    }

    private async Task<bool> HelloAsync(string argument, bool extended, CancellationToken cancellationToken)
    {
        if (argument.Length == 0 || argument.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return await RefuseAsync(501, "5.5.4", $"{(extended ? "EHLO" : "HELO")} needs a domain name or address literal", cancellationToken).ConfigureAwait(false);
        }

        helo = argument;
        this.extended = extended;
        transaction = null;
        if (!extended)
        {
            return await OkAsync(250, null, Options.ServerName, cancellationToken).ConfigureAwait(false);
        }

        var lines = new List<string> { $"{Options.ServerName} greets {Printable(argument)}", "PIPELINING", $"SIZE {Options.MaxMessageSize}", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES" };
        if (!secure && ingress.Certificate is not null)
        {
            lines.Add("STARTTLS");
        }

        var builder = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            builder.Append("250").Append(i == lines.Count - 1 ? ' ' : '-').Append(lines[i]).Append("\r\n");
        }

        await WriteAsync(builder.ToString(), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> MailAsync(string argument, CancellationToken cancellationToken)
    {
        if (helo is null)
        {
            return await RefuseAsync(503, "5.5.1", "Send EHLO or HELO first", cancellationToken).ConfigureAwait(false);
        }

        if (transaction is not null)
        {
            return await RefuseAsync(503, "5.5.1", "Sender already given; send RSET to start again", cancellationToken).ConfigureAwait(false);
        }

        if (Options.RequireTls && !secure)
        {
            return await RefuseAsync(530, "5.7.0", "Must issue a STARTTLS command first", cancellationToken).ConfigureAwait(false);
        }

        if (!TryReadPath(argument, "FROM:", out var path, out var parameters))
        {
            return await RefuseAsync(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]", cancellationToken).ConfigureAwait(false);
        }

        var utf8 = false;
        foreach (var parameter in parameters)
        {
            var equals = parameter.IndexOf('=');
            var (name, value) = equals < 0 ? (parameter.ToUpperInvariant(), null) : (parameter[..equals].ToUpperInvariant(), parameter[(equals + 1)..]);
            switch (name)
            {
                case "SIZE" when extended && long.TryParse(value, out var size) && size >= 0:
                    if (size > Options.MaxMessageSize)
                    {
                        return await RefuseAsync(552, "5.3.4", $"Message size exceeds the limit of {Options.MaxMessageSize} bytes", cancellationToken, IngestRefusal.TooLarge).ConfigureAwait(false);
                    }

                    break;
                case "BODY" when extended && value is not null && (value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase)):
                    break;
                case "SMTPUTF8" when extended && value is null:
                    utf8 = true;
                    break;
                default:
                    return await RefuseAsync(555, "5.5.4", $"MAIL parameter '{Printable(parameter)}' not recognised", cancellationToken).ConfigureAwait(false);
            }
        }

        var sender = string.Empty;
        if (path.Length > 0)
        {
            if (!EnvelopeAddress.TryParse(path, out var address, out var error))
            {
                return await RefuseAsync(553, "5.1.7", $"Bad sender address syntax: {error}", cancellationToken, IngestRefusal.InvalidEnvelope).ConfigureAwait(false);
            }

            if (address.IsInternational && !utf8)
            {
                return await RefuseAsync(553, "5.6.7", "Non-ASCII sender address needs the SMTPUTF8 parameter", cancellationToken).ConfigureAwait(false);
            }

            try
            {
                sender = MailEnvelope.CanonicalSender(address.ToString());
            }
            catch (MailEnvelopeException exception)
            {
                return await RefuseAsync(553, "5.1.7", $"Bad sender address: {exception.Reason}", cancellationToken, IngestRefusal.InvalidEnvelope).ConfigureAwait(false);
            }
        }

        transaction = new Transaction(sender, utf8);
        return await OkAsync(250, "2.1.0", "Sender OK", cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> RecipientAsync(string argument, CancellationToken cancellationToken)
    {
        if (transaction is null)
        {
            return await RefuseAsync(503, "5.5.1", "Send MAIL FROM first", cancellationToken).ConfigureAwait(false);
        }

        if (!TryReadPath(argument, "TO:", out var path, out var parameters))
        {
            return await RefuseAsync(501, "5.5.4", "Syntax: RCPT TO:<address>", cancellationToken).ConfigureAwait(false);
        }

        if (parameters.Count > 0)
        {
            return await RefuseAsync(555, "5.5.4", $"RCPT parameter '{Printable(parameters[0])}' not recognised", cancellationToken).ConfigureAwait(false);
        }

        if (transaction.Recipients.Count >= Options.MaxRecipients)
        {
            // Not an error: the sender sends these recipients in a later transaction (RFC 5321 §4.5.3.1.10).
            return await OkAsync(452, "4.5.3", "Too many recipients", cancellationToken).ConfigureAwait(false);
        }

        if (path.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseAsync(550, "5.1.1", "This pre-filter has no mailbox of its own; write to postmaster@ a domain it serves", cancellationToken).ConfigureAwait(false);
        }

        DomainPolicy policy;
        try
        {
            policy = await ingress.Policies.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // No policy to decide with (DomainPolicyUnavailableException or a storage error): defer, never accept blindly.
            ingress.Logger.LogError(exception, "Domain policy unavailable; deferring recipient {Recipient}", path);
            return await RefuseAsync(451, "4.3.0", "Recipient policy unavailable, try again later", cancellationToken, IngestRefusal.PolicyUnavailable).ConfigureAwait(false);
        }

        var check = policy.CheckRecipient(path);
        switch (check.Rejection)
        {
            case RecipientRejection.Syntax:
                return await RefuseAsync(501, "5.1.3", $"Bad recipient address syntax: {check.Reason}", cancellationToken, IngestRefusal.InvalidEnvelope).ConfigureAwait(false);
            case RecipientRejection.RoutingHazard:
            case RecipientRejection.DomainNotServed:
                ingress.Logger.LogInformation("Refused recipient {Recipient} from {Sender}: {Reason}", path, transaction.Sender, check.Reason);
                return await RefuseAsync(550, "5.7.1", $"Relaying denied: {check.Reason}", cancellationToken, IngestRefusal.RelayDenied).ConfigureAwait(false);
        }

        var address = check.Address!;
        if (address.IsInternational && !transaction.Utf8)
        {
            return await RefuseAsync(553, "5.6.7", "Non-ASCII recipient address needs the SMTPUTF8 parameter on MAIL FROM", cancellationToken).ConfigureAwait(false);
        }

        transaction.Recipients.Add(address.ToString());
        return await OkAsync(250, "2.1.5", "Recipient OK", cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> DataAsync(string argument, CancellationToken cancellationToken)
    {
        if (argument.Length > 0)
        {
            return await RefuseAsync(501, "5.5.4", "DATA takes no parameters", cancellationToken).ConfigureAwait(false);
        }

        if (transaction is null)
        {
            return await RefuseAsync(503, "5.5.1", "Send MAIL FROM first", cancellationToken).ConfigureAwait(false);
        }

        if (transaction.Recipients.Count == 0)
        {
            return await RefuseAsync(554, "5.5.1", "No valid recipients", cancellationToken).ConfigureAwait(false);
        }

        await ReplyAsync(354, null, "End data with <CR><LF>.<CR><LF>", cancellationToken).ConfigureAwait(false);
        byte[]? data;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(Options.DataTimeout);
            try
            {
                data = await reader.ReadDataAsync(Options.MaxMessageSize, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await CloseAsync("4.4.2", "Timeout waiting for data, closing connection").ConfigureAwait(false);
                return false;
            }
            catch (EndOfStreamException)
            {
                return false;
            }
        }

        var current = transaction;
        transaction = null;
        if (data is null)
        {
            return await RefuseAsync(552, "5.3.4", $"Message size exceeds the limit of {Options.MaxMessageSize} bytes", cancellationToken, IngestRefusal.TooLarge).ConfigureAwait(false);
        }

        var envelope = new MailEnvelope(current.Sender, current.Recipients);
        try
        {
            var stored = await ingress.Mails.StoreAsync(BinaryData.FromBytes(Trace(current, data)), envelope, SmtpIngress.IngressName, cancellationToken).ConfigureAwait(false);
            ingress.Logger.LogDebug("Accepted mail {BlobName} from {Sender} for {RecipientCount} recipients", stored.Name, envelope.MailFrom, envelope.Recipients.Count);
            PipelineMetrics.Accepted(SmtpIngress.IngressName);
            return await OkAsync(250, "2.0.0", $"Queued as {stored.Name}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The sender still holds the mail: a temporary failure makes it try again, so nothing is lost.
            ingress.Logger.LogError(exception, "Could not store a mail from {Sender} for {RecipientCount} recipients; answered 451", envelope.MailFrom, envelope.Recipients.Count);
            return await RefuseAsync(451, "4.3.0", "Could not store the message, try again later", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> ResetAsync(string argument, CancellationToken cancellationToken)
    {
        if (argument.Length > 0)
        {
            return await RefuseAsync(501, "5.5.4", "RSET takes no parameters", cancellationToken).ConfigureAwait(false);
        }

        transaction = null;
        return await OkAsync(250, "2.0.0", "OK", cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> QuitAsync(CancellationToken cancellationToken)
    {
        await ReplyAsync(221, "2.0.0", $"{Options.ServerName} closing connection", cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task<bool> StartTlsAsync(string argument, CancellationToken cancellationToken)
    {
        if (ingress.Certificate is not { } certificate)
        {
            return await RefuseAsync(454, "4.7.0", "TLS not available", cancellationToken).ConfigureAwait(false);
        }

        if (secure)
        {
            return await RefuseAsync(503, "5.5.1", "TLS already active", cancellationToken).ConfigureAwait(false);
        }

        if (argument.Length > 0)
        {
            return await RefuseAsync(501, "5.5.4", "STARTTLS takes no parameters", cancellationToken).ConfigureAwait(false);
        }

        await ReplyAsync(220, "2.0.0", "Ready to start TLS", cancellationToken).ConfigureAwait(false);

        // Whatever the client sent after STARTTLS in plain text must not count as sent over TLS (RFC 3207 §4.2).
        reader.Discard();
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions { ServerCertificate = certificate, ClientCertificateRequired = false, CertificateRevocationCheckMode = X509RevocationMode.NoCheck },
            cancellationToken).ConfigureAwait(false);
        stream = tls;
        reader.Stream = tls;
        secure = true;

        // The client starts again with EHLO (RFC 3207 §4.2): nothing it said before TLS is kept.
        helo = null;
        extended = false;
        transaction = null;
        return true;
    }

    // "FROM:<path> params" or "TO:<path> params"; a space after the colon is tolerated, as Postfix does.
    private static bool TryReadPath(string argument, string keyword, out string path, out List<string> parameters)
    {
        path = string.Empty;
        parameters = [];
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = argument[keyword.Length..].TrimStart();
        if (!rest.StartsWith('<'))
        {
            return false;
        }

        // The path ends at the first '>' outside a quoted local part.
        var quoted = false;
        var close = -1;
        for (var i = 1; i < rest.Length; i++)
        {
            if (rest[i] == '\\' && quoted)
            {
                i++;
            }
            else if (rest[i] == '"')
            {
                quoted = !quoted;
            }
            else if (rest[i] == '>' && !quoted)
            {
                close = i;
                break;
            }
        }

        if (close < 0)
        {
            return false;
        }

        path = rest[1..close];
        parameters = [.. rest[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        return close + 1 == rest.Length || rest[close + 1] == ' ';
    }

    // The trace line, then the data as sent (RFC 5321 §4.4). The protocol name follows RFC 3848. No "for" clause:
    // it would show Bcc recipients to everyone the mail reaches.
    private byte[] Trace(Transaction current, byte[] data)
    {
        var client = remote is null ? "[unknown]" : $"[{remote.Address}]";
        var from = helo is not null && helo.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '[' or ']' or ':') ? $"{helo} ({client})" : client;
        var protocol = (current.Utf8 ? "UTF8SMTP" : extended ? "ESMTP" : "SMTP") + (secure ? "S" : "");
        var received = Encoding.ASCII.GetBytes(
            $"Received: from {from}\r\n\tby {Options.ServerName} with {protocol} id {id};\r\n\t{DateUtils.FormatDate(ingress.TimeProvider.GetUtcNow())}\r\n");
        var result = new byte[received.Length + data.Length];
        received.CopyTo(result, 0);
        data.CopyTo(result, received.Length);
        return result;
    }

    // A refusal that turns mail away (not a protocol error) is counted by its reason, like the HTTP door's.
    private async Task<bool> RefuseAsync(int code, string status, string text, CancellationToken cancellationToken, IngestRefusal? refusal = null)
    {
        errors++;
        if (refusal is { } reason)
        {
            PipelineMetrics.Refused(SmtpIngress.IngressName, reason);
        }

        await ReplyAsync(code, status, text, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> OkAsync(int code, string? status, string text, CancellationToken cancellationToken)
    {
        await ReplyAsync(code, status, text, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private Task ReplyAsync(int code, string? status, string text, CancellationToken cancellationToken) =>
        WriteAsync(status is null ? $"{code} {text}\r\n" : $"{code} {status} {text}\r\n", cancellationToken);

    private async Task WriteAsync(string reply, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(reply), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task TryReplyAsync(int code, string status, string text)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ReplyAsync(code, status, text, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone; there is nobody left to tell.
        }
    }

    // Echoed client text is reduced to printable ASCII, so a reply cannot carry what the client smuggled in.
    private static string Printable(string text)
    {
        var value = new string([.. text.Take(64).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        return text.Length > 64 ? value + "..." : value;
    }

    private sealed class Transaction(string sender, bool utf8)
    {
        public string Sender { get; } = sender;

        public bool Utf8 { get; } = utf8;

        public List<string> Recipients { get; } = [];
    }
}
