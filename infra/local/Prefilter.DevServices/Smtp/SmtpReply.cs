namespace Prefilter.DevServices.Smtp;

/// <summary>An SMTP reply the sink sends: a three-digit status code and its text (enhanced status code first, by convention).</summary>
/// <param name="Code">The status code, 200–599.</param>
/// <param name="Text">The reply text after the code, without CR or LF.</param>
public sealed record SmtpReply(int Code, string Text)
{
    /// <summary><c>250 2.0.0 OK</c>: accepted.</summary>
    public static SmtpReply Ok { get; } = new(250, "2.0.0 OK");

    /// <summary><c>421 4.3.2 Service not available</c>: a transient refusal, the sender retries later.</summary>
    public static SmtpReply ServiceNotAvailable { get; } = new(421, "4.3.2 Service not available, try again later");

    /// <summary><c>451 4.3.0 Transaction aborted</c>: a transient failure while taking the message.</summary>
    public static SmtpReply TransactionAborted { get; } = new(451, "4.3.0 Transaction aborted");

    /// <summary><c>550 5.1.1 Mailbox unavailable</c>: a permanent refusal.</summary>
    public static SmtpReply MailboxUnavailable { get; } = new(550, "5.1.1 Mailbox unavailable");

    /// <summary>Whether the reply accepts (2xx).</summary>
    public bool IsPositive => Code is >= 200 and < 300;

    /// <inheritdoc />
    public override string ToString() => $"{Code} {Text}";
}
