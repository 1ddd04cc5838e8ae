namespace Prefilter.DevServices.Smtp;

/// <summary>The point in an SMTP transaction at which a scripted reply is given.</summary>
public enum SmtpStage
{
    /// <summary>The reply to <c>RCPT TO</c>, once per recipient.</summary>
    Recipient,

    /// <summary>The reply after the message data (<c>DATA</c> … <c>.</c>), once per transaction.</summary>
    Data,
}
