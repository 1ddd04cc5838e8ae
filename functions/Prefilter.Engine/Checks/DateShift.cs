using System.Text.RegularExpressions;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Checks;

/// <summary>
/// How far a mail's Date header is from when its relays received it, as SpamAssassin's <c>_check_date_diff</c> works
/// it out for <c>check_for_shifted_date</c>.
/// </summary>
internal static partial class DateShift
{
    /// <summary>
    /// Seconds from the time the mail was received to its Date header (negative: dated in the past): the Resent-Date or
    /// else the Date header against each Received header's date, the smallest difference; 0 when either is missing.
    /// </summary>
    /// <remarks>Parses the Date, Resent-Date and Received headers once, in time linear in their length.</remarks>
    /// <param name="headers">The mail's headers.</param>
    /// <param name="receivedLines">Its Received headers, unfolded (<see cref="MessageAnalysis.ReceivedLines"/>).</param>
    public static long Of(MessageHeaders headers, IReadOnlyList<string> receivedLines)
    {
        if (DateHeaderTime(headers) is not { } date || ReceivedTimes(receivedLines) is not { Count: > 0 } received)
        {
            return 0;
        }

        var diffs = received.Select(time => date - time).ToList();

        // SpamAssassin leaves out the last (oldest) Received header when it agrees exactly: the sender's own.
        if (diffs.Count > 1 && diffs[^1] == 0)
        {
            diffs.RemoveAt(diffs.Count - 1);
        }

        return diffs.OrderBy(Math.Abs).First();
    }

    private static long? DateHeaderTime(MessageHeaders headers)
    {
        foreach (var name in (ReadOnlySpan<string>)["Resent-Date", "Date"])
        {
            foreach (var value in headers.GetValues(name))
            {
                if (value.Length > 0 && SpamAssassinDate.Parse(value) is { } time)
                {
                    return time;
                }
            }
        }

        return null;
    }

    private static List<long> ReceivedTimes(IReadOnlyList<string> receivedLines)
    {
        var received = receivedLines.Where(value => value.Length > 0).ToList();
        if (received.Count == 0)
        {
            return [];
        }

        // A fetchmail hop (or a local delivery before it) tops the list of a mail fetched from a mailbox; its date is
        // when the mail was fetched, not received.
        var skip = 0;
        if (LocalDelivery().IsMatch(received[0]))
        {
            skip = received.Count > 1 && Fetchmail().IsMatch(received[1]) ? 2 : 0;
        }
        else if (Fetchmail().IsMatch(received[0]))
        {
            skip = 1;
        }

        var times = new List<long>();
        foreach (var value in received.Skip(skip))
        {
            if (ReceivedDate().Match(value) is { Success: true } match && SpamAssassinDate.Parse(match.Groups[1].Value) is { } time)
            {
                times.Add(time);
            }
        }

        return times;
    }

    [GeneratedRegex(@"\bfrom (?:localhost\s|(?:\S+ ){1,2}\S*\b127\.0\.0\.1\b)|qmail [0-9]+ invoked by uid [0-9]+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex LocalDelivery();

    [GeneratedRegex(@"\bby localhost with \w+ \(fetchmail-[0-9.]+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Fetchmail();

    // The date SpamAssassin takes from a Received header: the first one in it.
    [GeneratedRegex(@"(\s.?[0-9]+ \S\S\S [0-9]+ [0-9]+:[0-9]+:[0-9]+ \S+)", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex ReceivedDate();
}
