using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Prefilter.Pipeline.Domains;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Relays one mail to one downstream over SMTP (MailKit) with the given envelope: <c>MAIL FROM</c> and
/// <c>RCPT TO</c> come from the stored envelope, never from the To/Cc headers, so Bcc recipients are delivered and
/// no header can add a recipient. Returns only after the downstream answered the data with 2xx. Thread-safe:
/// each relay uses its own connection.
/// </summary>
/// <remarks>
/// <para>A recipient refused at <c>RCPT TO</c> does not keep the mail from the downstream's other recipients: the
/// data goes to those, and the refusal comes back in <see cref="SmtpRelayResult.RefusedRecipients"/> (5xx, "no such
/// user") or <see cref="SmtpRelayResult.DeferredRecipients"/> (4xx, "mailbox full": try again later, for those only).
/// Only as many 4xx as the caller can keep track of are deferred; one more fails the whole relay as transient before
/// the data is sent, so a retry sends to all of them again and none gets the mail twice.</para>
/// <para>TLS follows the downstream's <see cref="TlsPolicy"/>. <see cref="TlsPolicy.StartTlsWhenAvailable"/> is
/// opportunistic (RFC 7435), as between MTAs: it encrypts whenever the downstream offers STARTTLS and accepts any
/// certificate, since it would send in plain text otherwise. <see cref="TlsPolicy.StartTls"/> and
/// <see cref="TlsPolicy.Tls"/> require a certificate the machine trusts for the host name; an untrusted one is a
/// transient failure, so the mail waits for the downstream (or the policy) to be fixed instead of going out
/// unauthenticated.</para>
/// <para>Each relay reports to <see cref="DownstreamCircuitBreaker"/> whether the downstream answered or could not be
/// reached, and is not tried while the downstream's circuit is open: it fails at once as transient.</para>
/// </remarks>
public sealed class SmtpRelay
{
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
    /// <param name="message">The mail as it is to be relayed (verdict headers already stamped).</param>
    /// <param name="sender">The envelope sender; empty for the null sender <c>&lt;&gt;</c> of bounces.</param>
    /// <param name="recipients">The envelope recipients for this downstream; at least one.</param>
    /// <param name="maxDeferredRecipients">
    /// How many recipients may answer 4xx at <c>RCPT TO</c> while the others get the mail; 0 makes any 4xx fail the
    /// whole relay.
    /// </param>
    /// <param name="cancellationToken">Aborts the transaction; the downstream then has not accepted the mail.</param>
    /// <returns>The downstream's reply to the data, and the recipients it refused with 5xx or deferred with 4xx.</returns>
    /// <exception cref="ArgumentException"><paramref name="recipients"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDeferredRecipients"/> is negative.</exception>
    /// <exception cref="TransientRelayException">4xx reply (to a recipient: past <paramref name="maxDeferredRecipients"/>, or for every recipient not refused), the downstream could not be reached, secured, authenticated to or talked to, or its circuit is open (not tried).</exception>
    /// <exception cref="PermanentRelayException">5xx reply: the downstream refused the sender, every recipient or the data.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SmtpRelayResult> RelayAsync(
        Downstream downstream,
        NetworkCredential? credentials,
        MimeMessage message,
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

        var name = $"{downstream.Host}:{downstream.Port}";
        if (!circuitBreaker.TryEnter(downstream, out var notTried))
        {
            throw new TransientRelayException(name, null, notTried);
        }

        using var client = new RelayClient(maxDeferredRecipients) { Timeout = (int)options.Timeout.TotalMilliseconds };
        if (options.ClientName is { Length: > 0 } clientName)
        {
            client.LocalDomain = clientName;
        }

        if (downstream.Tls == TlsPolicy.StartTlsWhenAvailable)
        {
            client.ServerCertificateValidationCallback = (_, _, _, errors) =>
            {
                if (errors != SslPolicyErrors.None)
                {
                    logger.LogDebug("Opportunistic TLS to {Downstream} with an unverified certificate: {Errors}", name, errors);
                }

                return true;
            };
        }

        string reply;
        try
        {
            await client.ConnectAsync(downstream.Host, downstream.Port, ToSocketOptions(downstream.Tls), cancellationToken).ConfigureAwait(false);
            if (credentials is not null)
            {
                await client.AuthenticateAsync(credentials, cancellationToken).ConfigureAwait(false);
            }

            reply = await client.SendAsync(
                FormatOptions.Default,
                message,
                new MailboxAddress(string.Empty, sender),
                recipients.Select(r => new MailboxAddress(string.Empty, r)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException e)
        {
            circuitBreaker.RecordAnswer(downstream);
            throw (int)e.StatusCode is >= 500 and < 600
                ? new PermanentRelayException(name, (int)e.StatusCode, e.Message, e)
                : new TransientRelayException(name, (int)e.StatusCode, e.Message, e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsConnectionFailure(e))
        {
            circuitBreaker.RecordConnectionFailure(downstream);
            throw new TransientRelayException(name, null, $"{e.GetType().Name}: {e.Message}", e);
        }

        circuitBreaker.RecordAnswer(downstream);

        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionFailure(e) || e is SmtpCommandException)
        {
            // The data was already answered 2xx: the mail is delivered, a failed goodbye must not make it retry.
            logger.LogWarning(e, "Downstream {Downstream} accepted the mail but QUIT failed", name);
        }

        return new SmtpRelayResult(reply, [.. client.Refused], [.. client.Deferred]);
    }

    private static SecureSocketOptions ToSocketOptions(TlsPolicy tls) => tls switch
    {
        TlsPolicy.None => SecureSocketOptions.None,
        TlsPolicy.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        TlsPolicy.StartTls => SecureSocketOptions.StartTls,
        TlsPolicy.Tls => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(tls), tls, "Unknown TLS policy."),
    };

    // MailKit ends the transaction at the first refused RCPT TO unless told otherwise: 5xx refusals, and 4xx up to the
    // caller's limit, are noted and the transaction goes on with the accepted recipients. When none is accepted, the
    // first deferral (else the first refusal) ends it after all: with a deferral the whole relay is worth a retry.
    private sealed class RelayClient(int maxDeferred) : SmtpClient
    {
        public List<RecipientRefusal> Refused { get; } = [];

        public List<RecipientRefusal> Deferred { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            var refusal = new RecipientRefusal(mailbox.Address, (int)response.StatusCode, response.Response);
            if (refusal.StatusCode is >= 500 and < 600)
            {
                Refused.Add(refusal);
                return;
            }

            if (refusal.StatusCode is >= 400 and < 500 && Deferred.Count < maxDeferred)
            {
                Deferred.Add(refusal);
                return;
            }

            base.OnRecipientNotAccepted(message, mailbox, response);
        }

        protected override void OnNoRecipientsAccepted(MimeMessage message)
        {
            var first = Deferred.Count > 0 ? Deferred[0] : Refused[0];
            throw new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, (SmtpStatusCode)first.StatusCode, new MailboxAddress(string.Empty, first.Recipient), first.Reply);
        }
    }

    private static bool IsConnectionFailure(Exception e) => e is
        SmtpProtocolException or
        ServiceNotConnectedException or
        AuthenticationException or
        SslHandshakeException or
        IOException or
        SocketException or
        TimeoutException or
        NotSupportedException;
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
