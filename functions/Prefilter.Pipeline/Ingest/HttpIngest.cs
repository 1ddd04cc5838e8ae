using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Ingest;

/// <summary>
/// The HTTP door: raw RFC 822 bytes plus an envelope in, a mail blob in <c>incoming/</c> out. The Function maps
/// <see cref="IngestRefusedException.StatusCode"/> to the response; on success it answers 202 with the blob name.
/// </summary>
/// <remarks>
/// Request shape (documented for clients): <c>POST /api/mail?from=sender@example.org&amp;to=a@contoso.example&amp;to=b@contoso.example</c>
/// with the raw message as the body (<c>Content-Type: message/rfc822</c>). <c>to</c> may repeat or hold a comma-separated
/// list; <c>from</c> may be empty for the null sender. Headers <see cref="SenderHeader"/> and <see cref="RecipientsHeader"/>
/// are equivalent alternatives. The envelope is explicit because the To:/Cc: headers do not carry Bcc recipients.
/// Every recipient must pass <see cref="DomainPolicy.CheckRecipient"/>; one refused recipient refuses the whole request (403, listing them),
/// nothing is stored, and the client can resend without them.
/// </remarks>
public sealed class HttpIngest
{
    /// <summary>Query parameter (or <c>X-Mail-From</c> header) with the sender.</summary>
    public const string SenderParameter = "from";

    /// <summary>Query parameter (or <c>X-Rcpt-To</c> header) with recipients; repeatable, comma-separated lists allowed.</summary>
    public const string RecipientsParameter = "to";

    /// <summary>Header alternative to <see cref="SenderParameter"/>.</summary>
    public const string SenderHeader = "X-Mail-From";

    /// <summary>Header alternative to <see cref="RecipientsParameter"/>; repeatable, comma-separated lists allowed.</summary>
    public const string RecipientsHeader = "X-Rcpt-To";

    /// <summary>The ingress name recorded on the blob.</summary>
    public const string IngressName = "http";

    private readonly MailStore mails;
    private readonly DomainPolicyProvider domains;
    private readonly long maxMailBytes;

    /// <summary>Creates the door.</summary>
    /// <param name="mails">Where accepted mail goes.</param>
    /// <param name="domains">Which recipients are served.</param>
    /// <param name="options">Size cap.</param>
    public HttpIngest(MailStore mails, DomainPolicyProvider domains, IOptions<IngestOptions> options)
    {
        this.mails = mails ?? throw new ArgumentNullException(nameof(mails));
        this.domains = domains ?? throw new ArgumentNullException(nameof(domains));
        maxMailBytes = (options ?? throw new ArgumentNullException(nameof(options))).Value.MaxMailBytes;
    }

    /// <summary>Builds the envelope from request parameters.</summary>
    /// <param name="sender">The <c>from</c> value; null or empty for the null sender.</param>
    /// <param name="recipients">Every <c>to</c> value; each may be a comma-separated list (commas inside a quoted local part do not split).</param>
    /// <exception cref="IngestRefusedException">
    /// No recipient, or a malformed address (<see cref="IngestRefusal.InvalidEnvelope"/>, 400); a recipient whose
    /// local part a downstream could route on (<see cref="IngestRefusal.RelayDenied"/>, 403).
    /// </exception>
    public static MailEnvelope ParseEnvelope(string? sender, IEnumerable<string?> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var list = recipients
            .Where(value => value is not null)
            .SelectMany(value => SplitAddresses(value!))
            .Select(address => address.Trim('<', '>'))
            .ToList();
        var hazards = list
            .Select(address => (Address: address, Hazard: EnvelopeAddress.TryParse(address, out var parsed, out _) ? parsed.RoutingHazard : null))
            .Where(entry => entry.Hazard is not null)
            .ToList();
        if (hazards.Count > 0)
        {
            throw new IngestRefusedException(
                IngestRefusal.RelayDenied,
                $"relaying denied: {string.Join("; ", hazards.Select(entry => $"{entry.Address}: {entry.Hazard}"))}",
                [.. hazards.Select(entry => entry.Address)]);
        }

        try
        {
            return new MailEnvelope((sender ?? "").Trim().Trim('<', '>'), list);
        }
        catch (MailEnvelopeException exception)
        {
            throw new IngestRefusedException(IngestRefusal.InvalidEnvelope, $"invalid envelope ('{SenderParameter}' / '{RecipientsParameter}'): {exception.Message}", innerException: exception);
        }
    }

    /// <summary>Checks the recipients and size, then stores the mail.</summary>
    /// <param name="body">The raw RFC 822 message.</param>
    /// <param name="envelope">The envelope (see <see cref="ParseEnvelope"/>).</param>
    /// <param name="declaredLength">The request's Content-Length, when known: an oversized mail is refused before reading.</param>
    /// <param name="cancellationToken">Cancels the read and the upload.</param>
    /// <returns>The stored blob (its name is the receipt).</returns>
    /// <exception cref="IngestRefusedException">Refused; nothing stored. See <see cref="IngestRefusedException.StatusCode"/>.</exception>
    public async Task<MailBlobInfo> IngestAsync(Stream body, MailEnvelope envelope, long? declaredLength = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(envelope);

        DomainPolicy policy;
        try
        {
            policy = await domains.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DomainPolicyUnavailableException exception)
        {
            throw new IngestRefusedException(IngestRefusal.PolicyUnavailable, "the domain policy is unavailable; try again later", innerException: exception);
        }

        var refused = envelope.Recipients.Select(policy.CheckRecipient).Where(check => !check.IsAccepted).ToList();
        if (refused.Count > 0)
        {
            throw new IngestRefusedException(
                IngestRefusal.RelayDenied,
                $"relaying denied: {string.Join("; ", refused.Select(check => $"{check.Address}: {check.Reason}"))}",
                [.. refused.Select(check => check.Address!.ToString())]);
        }

        if (declaredLength > maxMailBytes)
        {
            throw TooLarge(declaredLength.Value);
        }

        var content = await ReadCappedAsync(body, cancellationToken).ConfigureAwait(false);
        if (content.Length == 0)
        {
            throw new IngestRefusedException(IngestRefusal.EmptyMail, "the request body is empty; expected a raw RFC 822 message");
        }

        if (!RelayMessage.StartsWithHeaderField(content.Span))
        {
            throw new IngestRefusedException(IngestRefusal.NotAMessage, "the request body does not start with a header field ('Name: value'); expected a raw RFC 822 message");
        }

        return await mails.StoreAsync(BinaryData.FromBytes(content), envelope, IngressName, cancellationToken).ConfigureAwait(false);
    }

    // Splits on commas outside double quotes, so "a,b"@example.org stays one address.
    private static IEnumerable<string> SplitAddresses(string value)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i == value.Length || (value[i] == ',' && !quoted))
            {
                var item = value[start..i].Trim();
                if (item.Length > 0)
                {
                    yield return item;
                }

                start = i + 1;
            }
            else if (value[i] == '"' && (i == 0 || value[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
        }
    }

    private async Task<ReadOnlyMemory<byte>> ReadCappedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxMailBytes)
            {
                throw TooLarge(buffer.Length + read);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private IngestRefusedException TooLarge(long length) => new(
        IngestRefusal.TooLarge,
        $"mail of {(length > maxMailBytes ? "at least " : "")}{length} bytes exceeds the limit of {maxMailBytes} bytes ({nameof(IngestOptions)}.{nameof(IngestOptions.MaxMailBytes)})");
}
