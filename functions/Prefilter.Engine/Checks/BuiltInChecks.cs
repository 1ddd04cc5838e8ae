using System.Diagnostics.CodeAnalysis;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Checks;

/// <summary>
/// The built-in checks a <c>check</c> rule can name. Each is a fixed function of the mail with typed arguments: a set
/// chooses among them and cannot run code of its own.
/// </summary>
public static class BuiltInChecks
{
    private static readonly CheckParameter MinHours = new("minHours", CheckParameterType.NumberOrNull);
    private static readonly CheckParameter MaxHours = new("maxHours", CheckParameterType.NumberOrNull);

    private static readonly BuiltInCheckInfo[] Catalog =
    [
        new("shifted_date", "check_for_shifted_date", [MinHours, MaxHours],
            "The Date header (Resent-Date first) differs from the Received headers' dates by at least minHours and less " +
            "than maxHours, negative for a date in the past; the Received date closest to the Date header counts, and a " +
            "mail without a Date or a dated Received header has a difference of 0. null leaves that end open.",
            "Parses the Date, Resent-Date and Received headers once per mail (at most MaxHeaders headers of " +
            "MaxHeaderBytes in all), in time linear in their length.",
            args => new ShiftedDateCheck(args)),
        new("subject_is_all_caps", "subject_is_all_caps", [],
            "The Subject, without Re:/Fwd: prefixes, has more than one word, at least 10 bytes, and no lowercase ASCII " +
            "letter; subjects encoded in CJK and Cyrillic charsets are left alone.",
            "Reads the Subject once, in time linear in its length.",
            _ => new SubjectAllCapsCheck()),
        new("outlook_message_id", "check_outlook_message_id", [],
            "The Message-ID has Outlook's form but its embedded time is far from the times of the Date and the first " +
            "Received header: ratware imitating Outlook.",
            "Reads the Message-ID, Date and Received headers once, in time linear in their length.",
            _ => new OutlookMessageIdCheck()),
        new("forged_yahoo_received", "check_for_forged_yahoo_received_headers", [],
            "The From address is at yahoo.com but no Received header is one of Yahoo!'s own mail servers (webmail, " +
            "submission, groups), and no Yahoo! server handed the mail over.",
            "Reads From, the Received headers and the relays once, linear in their length.",
            _ => new ForgedYahooReceivedCheck()),
        new("header_count_range", "check_header_count_range",
            [new("header", CheckParameterType.HeaderName), new("min", CheckParameterType.Number), new("max", CheckParameterType.Number)],
            "The mail has between min and max (both included) distinct values of the header.",
            "Compares the header's values, at most MaxHeaders of MaxHeaderBytes in all.",
            args => new HeaderCountRangeCheck(args)),
        new("similar_recipients", "similar_recipients",
            [new("min", CheckParameterType.NumberOrNull), new("max", CheckParameterType.NumberOrNull)],
            "With five or more recipients (To and Cc, Bcc when fewer), the share of recipient pairs whose local parts " +
            "start with the same two characters, plus those whose different domains do, is at least min and less than max.",
            "Compares the prefixes of every pair of at most 256 recipients.",
            args => new SimilarRecipientsCheck(args)),
        new("sorted_recipients", "sorted_recipients", [],
            "Seven or more recipients (To and Cc, Bcc when fewer), in ascending order.",
            "Sorts at most 256 recipients.",
            _ => new SortedRecipientsCheck()),
        new("freemail_from", "check_freemail_from", [],
            "One of the sender's addresses (the first Resent-From's, or else From, Envelope-Sender, Resent-Sender, " +
            "X-Envelope-From and the envelope sender) is at a domain of the set's freemailDomains.",
            "Looks up each sender address once.",
            _ => new FreemailFromCheck()),
        new("freemail_header", "check_freemail_header",
            [new("header", CheckParameterType.HeaderName), new("pattern", CheckParameterType.Pattern, Optional: true)],
            "An address in the header (EnvelopeFrom: the envelope sender), lowercase, is at a domain of the set's " +
            "freemailDomains and matches the pattern when one is given.",
            "Looks up each address of the header once; the pattern runs on the linear engine.",
            args => new FreemailHeaderCheck(args)),
        new("missing_to_header", "check_for_missing_to_header", [],
            "The mail has neither a To nor an Apparently-To header.",
            "Two header lookups.",
            _ => new MissingToHeaderCheck()),
    ];

    private static readonly Dictionary<string, BuiltInCheckInfo> ByName = Catalog.ToDictionary(check => check.Name, StringComparer.Ordinal);

    private static readonly Dictionary<string, BuiltInCheckInfo> BySpamAssassinEval =
        Catalog.ToDictionary(check => check.SpamAssassinEval, StringComparer.Ordinal);

    /// <summary>Every built-in check, in the order the format's documentation lists them.</summary>
    public static IReadOnlyList<BuiltInCheckInfo> All => Catalog;

    /// <summary>Looks up a check by the name a rule gives (exact, lowercase).</summary>
    /// <param name="name">The name, e.g. <c>shifted_date</c>.</param>
    /// <param name="check">The check when found.</param>
    /// <returns>True when there is such a check.</returns>
    public static bool TryGet([NotNullWhen(true)] string? name, [NotNullWhen(true)] out BuiltInCheckInfo? check) =>
        ByName.TryGetValue(name ?? "", out check);

    /// <summary>Looks up the check that does a SpamAssassin <c>eval:</c> function.</summary>
    /// <param name="function">The function's name, e.g. <c>check_for_shifted_date</c>.</param>
    /// <param name="check">The check when there is one.</param>
    /// <returns>True when a built-in check does that function.</returns>
    public static bool TryGetBySpamAssassinEval(string function, [NotNullWhen(true)] out BuiltInCheckInfo? check) =>
        BySpamAssassinEval.TryGetValue(function, out check);
}
