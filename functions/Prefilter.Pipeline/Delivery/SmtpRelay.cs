using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Relays one mail to one downstream over SMTP with the given envelope: <c>MAIL FROM</c> and <c>RCPT TO</c> come
/// from the stored envelope, never from the To/Cc headers, so Bcc recipients are delivered and no header can add a
/// recipient. The data is the <see cref="RelayMessage"/> as it is, dot-stuffed and never re-encoded. Returns only
/// after the downstream answered the data with 2xx. Thread-safe: each relay uses its own connection.
/// </summary>
/// <remarks>
/// <para>A recipient refused at <c>RCPT TO</c> does not keep the mail from the downstream's other recipients: the
/// data goes to those, and the refusal comes back in <see cref="SmtpRelayResult.RefusedRecipients"/> (5xx, "no such
/// user") or <see cref="SmtpRelayResult.DeferredRecipients"/> (4xx, "mailbox full": try again later, for those only).
/// Only as many 4xx as the caller can keep track of are deferred; one more fails the whole relay as transient before
/// the data is sent, so a retry sends to all of them again and none gets the mail twice.</para>
/// <para>What a careful MTA does with data a downstream did not promise to take: 8-bit data goes with
/// <c>BODY=8BITMIME</c> where the downstream offers it, and unchanged where it does not (never converted to
/// quoted-printable, which would break DKIM; Postfix does the same with <c>disable_mime_output_conversion</c>).
/// NUL bytes and lines over 998 bytes go unchanged too; a downstream that refuses them says so with 5xx and the mail
/// is dead-lettered with its reply. An envelope address with a non-ASCII local part needs <c>SMTPUTF8</c>: a
/// downstream without it gets nothing and the relay fails for good (<c>553 5.6.7</c>, as Postfix bounces); a
/// non-ASCII domain alone is sent in its <c>xn--</c> form.</para>
/// <para>TLS follows the downstream's <see cref="TlsPolicy"/>. <see cref="TlsPolicy.StartTlsWhenAvailable"/> is
/// opportunistic (RFC 7435), as between MTAs: it encrypts whenever the downstream offers STARTTLS and accepts any
/// certificate, since it would send in plain text otherwise. <see cref="TlsPolicy.StartTls"/> and
/// <see cref="TlsPolicy.Tls"/> require a certificate the machine trusts for the host name; an untrusted one is a
/// transient failure, so the mail waits for the downstream (or the policy) to be fixed instead of going out
/// unauthenticated. Credentials are sent with <c>AUTH PLAIN</c> (or <c>LOGIN</c>); a refused login is transient too,
/// as an operator can fix it.</para>
/// <para>Each relay reports to <see cref="DownstreamCircuitBreaker"/> whether the downstream answered or could not be
/// reached, and is not tried while the downstream's circuit is open: it fails at once as transient.</para>
/// </remarks>
public sealed class SmtpRelay
{
    // RFC 5321 §4.5.3.1.6: a line of text is at most 998 characters without its CRLF.
    private const int MaxLineLength = 998;

    private readonly SmtpRelayOptions options;
    private readonly DownstreamCircuitBreaker circuitBreaker;
    private readonly ILogger<SmtpRelay> logger;

    /// <summary>Creates the relay.</summary>
    /// <param name="options">Timeout and client name.</param>
    /// <param name="circuitBreaker">Keeps relays from downstreams that cannot be reached.</param>
    /// <param name="logger">Where a failed <c>QUIT</c> after an accepted mail is logged.</param>
    public SmtpRelay(IOptions<SmtpRelayOptions> options, DownstreamCircuitBreaker circuitBreaker, ILogger<SmtpRelay> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(circuitBreaker);
        ArgumentNullException.ThrowIfNull(logger);
        this.options = options.Value;
        this.circuitBreaker = circuitBreaker;
        this.logger = logger;
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="downstream"/> for <paramref name="recipients"/>.</summary>
    /// <param name="downstream">The downstream: host, port, TLS policy.</param>
    /// <param name="credentials">The login for <c>AUTH</c> (resolved from the downstream's secret), or null to send without.</param>
    /// <param name="message">The data to send (verdict headers already on top).</param>
    /// <param name="sender">The envelope sender as stored; empty for the null sender <c>&lt;&gt;</c> of bounces.</param>
    /// <param name="recipients">The envelope recipients for this downstream, as stored; at least one.</param>
    /// <param name="maxDeferredRecipients">
    /// How many recipients may answer 4xx at <c>RCPT TO</c> while the others get the mail; 0 makes any 4xx fail the
    /// whole relay.
    /// </param>
    /// <param name="cancellationToken">Aborts the transaction; the downstream then has not accepted the mail.</param>
    /// <returns>The downstream's reply to the data, and the recipients it refused with 5xx or deferred with 4xx.</returns>
    /// <exception cref="ArgumentException"><paramref name="recipients"/> is empty, or an address is not an <see cref="EnvelopeAddress"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDeferredRecipients"/> is negative.</exception>
    /// <exception cref="TransientRelayException">4xx reply (to a recipient: past <paramref name="maxDeferredRecipients"/>, or for every recipient not refused), the downstream could not be reached, secured, authenticated to or talked to, or its circuit is open (not tried).</exception>
    /// <exception cref="PermanentRelayException">5xx reply: the downstream refused the sender, every recipient or the data; or the envelope needs <c>SMTPUTF8</c> and the downstream lacks it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SmtpRelayResult> RelayAsync(
        Downstream downstream,
        NetworkCredential? credentials,
        RelayMessage message,
        string sender,
        IReadOnlyList<string> recipients,
        int maxDeferredRecipients = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDeferredRecipients);
        ArgumentNullException.ThrowIfNull(downstream);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("A relay needs at least one envelope recipient.", nameof(recipients));
        }

        var from = sender.Length == 0 ? null : AddressOf(sender, nameof(sender));
        var to = recipients.Select(r => AddressOf(r, nameof(recipients))).ToList();
        using var activity = PipelineActivities.StartRelay(downstream.Host, downstream.Port, recipients.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await RelayAsync(downstream, credentials, message, from, to, maxDeferredRecipients, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(TelemetryAttributes.RelayResult, "accepted");
            PipelineMetrics.Relayed(downstream.Host, downstream.Port, "accepted", Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (SmtpRelayException exception)
        {
            var result = exception is PermanentRelayException ? "refused" : "failed";
            PipelineActivities.Failed(activity, exception);
            activity?.SetTag(TelemetryAttributes.RelayResult, result).SetTag(TelemetryAttributes.SmtpReplyCode, exception.StatusCode);
            PipelineMetrics.Relayed(downstream.Host, downstream.Port, result, Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    private async Task<SmtpRelayResult> RelayAsync(
        Downstream downstream,
        NetworkCredential? credentials,
        RelayMessage message,
        EnvelopeAddress? from,
        List<EnvelopeAddress> to,
        int maxDeferredRecipients,
        CancellationToken cancellationToken)
    {
        var name = $"{downstream.Host}:{downstream.Port}";
        if (!circuitBreaker.TryEnter(downstream, out var notTried))
        {
            throw new TransientRelayException(name, null, notTried);
        }

        DownstreamConnection? connection = null;
        try
        {
            connection = await OpenAsync(downstream, name, cancellationToken).ConfigureAwait(false);
            if (credentials is not null)
            {
                await AuthenticateAsync(connection, name, credentials, cancellationToken).ConfigureAwait(false);
            }

            var result = await SendAsync(connection, name, message, from, to, maxDeferredRecipients, cancellationToken).ConfigureAwait(false);
            circuitBreaker.RecordAnswer(downstream);
            try
            {
                await connection.QuitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionFailure(e) || e is DownstreamReplyException or OperationCanceledException)
            {
                // The data was already answered 2xx: the mail is delivered, and a goodbye that failed or was given up
                // on (the worker stopping) must not make it retry, which would deliver it twice.
                logger.LogWarning(e, "Downstream {Downstream} accepted the mail but QUIT failed", name);
            }

            return result;
        }
        catch (DownstreamReplyException e)
        {
            circuitBreaker.RecordAnswer(downstream);
            throw e.Reply.Code is >= 500 and < 600 && e.Step != "AUTH"
                ? new PermanentRelayException(name, e.Reply.Code, $"{e.Step}: {e.Reply.Text}", e)
                : new TransientRelayException(name, e.Reply.Code, $"{e.Step}: {e.Reply.Text}", e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsConnectionFailure(e))
        {
            circuitBreaker.RecordConnectionFailure(downstream);
            throw new TransientRelayException(name, null, $"{e.GetType().Name}: {e.Message}", e);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<DownstreamConnection> OpenAsync(Downstream downstream, string name, CancellationToken cancellationToken)
    {
        RemoteCertificateValidationCallback validate = downstream.Tls == TlsPolicy.StartTlsWhenAvailable
            ? (_, _, _, errors) =>
            {
                if (errors != SslPolicyErrors.None)
                {
                    logger.LogDebug("Opportunistic TLS to {Downstream} with an unverified certificate: {Errors}", name, errors);
                }

                return true;
            }
        : (_, _, _, errors) => errors == SslPolicyErrors.None;
        var clientName = options.ClientName is { Length: > 0 } configured ? configured : Dns.GetHostName();
        var connection = await DownstreamConnection.ConnectAsync(
            downstream.Host, downstream.Port, downstream.Tls == TlsPolicy.Tls, validate, options.Timeout, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.HelloAsync(clientName, cancellationToken).ConfigureAwait(false);
            if (downstream.Tls is TlsPolicy.StartTls or TlsPolicy.StartTlsWhenAvailable)
            {
                if (connection.Extensions.ContainsKey("STARTTLS"))
                {
                    await connection.StartTlsAsync(downstream.Host, validate, cancellationToken).ConfigureAwait(false);
                    await connection.HelloAsync(clientName, cancellationToken).ConfigureAwait(false);
                }
                else if (downstream.Tls == TlsPolicy.StartTls)
                {
                    throw new AuthenticationException("The downstream does not offer STARTTLS, which its TLS policy requires.");
                }
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task AuthenticateAsync(DownstreamConnection connection, string name, NetworkCredential credentials, CancellationToken cancellationToken)
    {
        var mechanisms = connection.Extensions.TryGetValue("AUTH", out var offered) ? offered.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        DownstreamReply reply;
        if (mechanisms.Contains("PLAIN", StringComparer.OrdinalIgnoreCase))
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{credentials.UserName}\0{credentials.Password}"));
            reply = await connection.CommandAsync($"AUTH PLAIN {token}", cancellationToken).ConfigureAwait(false);
        }
        else if (mechanisms.Contains("LOGIN", StringComparer.OrdinalIgnoreCase))
        {
            reply = await connection.CommandAsync("AUTH LOGIN", cancellationToken).ConfigureAwait(false);
            reply.EnsureCode(334, "AUTH");
            reply = await connection.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.UserName)), cancellationToken).ConfigureAwait(false);
            reply.EnsureCode(334, "AUTH");
            reply = await connection.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Password)), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new AuthenticationException($"{name} offers neither AUTH PLAIN nor AUTH LOGIN, and the domain policy gives credentials for it.");
        }

        reply.EnsureCode(235, "AUTH");
    }

    private async Task<SmtpRelayResult> SendAsync(
        DownstreamConnection connection, string name, RelayMessage message, EnvelopeAddress? from, List<EnvelopeAddress> to, int maxDeferred, CancellationToken cancellationToken)
    {
        var eightBitOffered = connection.Extensions.ContainsKey("8BITMIME");
        if (message.HasNul || message.LongestLine > MaxLineLength || (message.Has8BitData && !eightBitOffered))
        {
            // Sent as accepted all the same (see the remarks); the log says why a downstream might refuse it.
            logger.LogInformation(
                "Relaying to {Downstream} unchanged: NUL bytes {HasNul}, longest line {LongestLine} bytes, 8-bit data {Has8Bit} with 8BITMIME offered {EightBitOffered}",
                name, message.HasNul, message.LongestLine, message.Has8BitData, eightBitOffered);
        }

        var utf8Offered = connection.Extensions.ContainsKey("SMTPUTF8");
        var needsUtf8 = (from is { HasAsciiForm: false }) || to.Any(r => !r.HasAsciiForm);
        if (needsUtf8 && !utf8Offered)
        {
            throw new DownstreamReplyException("MAIL", new DownstreamReply(553, [$"5.6.7 {name} does not offer SMTPUTF8, which a non-ASCII address in the envelope needs"]));
        }

        var useUtf8 = utf8Offered && (needsUtf8 || (from?.IsInternational ?? false) || to.Any(r => r.IsInternational));
        string Write(EnvelopeAddress address) => useUtf8 ? address.ToString() : address.ToAsciiString();

        var mail = new StringBuilder($"MAIL FROM:<{(from is null ? string.Empty : Write(from))}>");
        if (connection.Extensions.ContainsKey("SIZE"))
        {
            mail.Append(" SIZE=").Append(message.Content.Length);
        }

        if (message.Has8BitData && eightBitOffered)
        {
            mail.Append(" BODY=8BITMIME");
        }

        if (useUtf8)
        {
            mail.Append(" SMTPUTF8");
        }

        var reply = await connection.CommandAsync(mail.ToString(), cancellationToken).ConfigureAwait(false);
        EnsurePositive(reply, "MAIL");

        var accepted = 0;
        var refused = new List<RecipientRefusal>();
        var deferred = new List<RecipientRefusal>();
        foreach (var recipient in to)
        {
            reply = await connection.CommandAsync($"RCPT TO:<{Write(recipient)}>", cancellationToken).ConfigureAwait(false);
            var refusal = new RecipientRefusal(recipient.ToString(), reply.Code, reply.Text);
            switch (reply.Code / 100)
            {
                case 2:
                    accepted++;
                    break;
                case 5:
                    refused.Add(refusal);
                    break;
                case 4 when deferred.Count < maxDeferred:
                    deferred.Add(refusal);
                    break;
                default:
                    throw new DownstreamReplyException($"RCPT TO:<{recipient}>", reply);
            }
        }

        if (accepted == 0)
        {
            // With a deferral among them the whole relay is worth a retry; with only refusals it is not.
            var first = deferred.Count > 0 ? deferred[0] : refused[0];
            throw new DownstreamReplyException($"RCPT TO:<{first.Recipient}>", new DownstreamReply(first.StatusCode, [first.Reply]));
        }

        reply = await connection.CommandAsync("DATA", cancellationToken).ConfigureAwait(false);
        reply.EnsureCode(354, "DATA");
        reply = await connection.SendDataAsync(message.Content, cancellationToken).ConfigureAwait(false);
        EnsurePositive(reply, "end of data");
        return new SmtpRelayResult(reply.Text, refused, deferred);
    }

    private static void EnsurePositive(DownstreamReply reply, string step)
    {
        if (reply.Code / 100 != 2)
        {
            throw new DownstreamReplyException(step, reply);
        }
    }

    private static EnvelopeAddress AddressOf(string address, string parameter) =>
        EnvelopeAddress.TryParse(address, out var parsed, out var error)
            ? parsed
            : throw new ArgumentException($"'{address}' is not an envelope address: {error}", parameter);

    private static bool IsConnectionFailure(Exception e) => e is
        IOException or
        SocketException or
        TimeoutException or
        AuthenticationException or
        ObjectDisposedException;
}

/// <summary>What a downstream answered to a relay that it accepted for at least one recipient.</summary>
/// <param name="Reply">Its reply to the data, e.g. <c>2.0.0 OK queued as 1234</c>.</param>
/// <param name="RefusedRecipients">The recipients it refused with 5xx at <c>RCPT TO</c>; they did not get the mail.</param>
/// <param name="DeferredRecipients">The recipients it answered 4xx at <c>RCPT TO</c>; they did not get the mail yet.</param>
public sealed record SmtpRelayResult(string Reply, IReadOnlyList<RecipientRefusal> RefusedRecipients, IReadOnlyList<RecipientRefusal> DeferredRecipients);

/// <summary>A downstream's refusal of one envelope recipient at <c>RCPT TO</c>: 5xx for good, 4xx for now.</summary>
/// <param name="Recipient">The refused address.</param>
/// <param name="StatusCode">The status code.</param>
/// <param name="Reply">The reply text.</param>
public sealed record RecipientRefusal(string Recipient, int StatusCode, string Reply);
