using System.Text.RegularExpressions;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Checks;

/// <summary>
/// What built-in checks read about one mail beyond its parsed view, each fact computed on first use and at most once
/// per scan. Not thread-safe: one per scan.
/// </summary>
internal sealed partial class MessageAnalysis(MessageView view)
{
    private bool _datesRead;
    private long? _dateHeaderTime;
    private long _dateShift;

    /// <summary>The parsed mail.</summary>
    public MessageView View { get; } = view;

    /// <summary>
    /// Seconds from the time the mail was received to its Date header (negative: dated in the past), as SpamAssassin's
    /// <c>check_for_shifted_date</c> computes it: the Resent-Date or else the Date header against each Received header's
    /// date, the smallest difference; 0 when either is missing.
    /// </summary>
    public long DateShift
    {
        get
        {
            ReadDates();
            return _dateShift;
        }
    }

    /// <summary>SpamAssassin's <c>MESSAGEID</c>: the Message-IDs of the mail, joined; empty when there is none.</summary>
    public string MessageIds =>
        string.Concat(MessageIdHeaders.Select(name => View.Headers.GetValues(name)).SelectMany(values => values).Select(value => value + "\n"));

    // In the order SpamAssassin's MESSAGEID pseudo-header concatenates them.
    private static readonly string[] MessageIdHeaders = ["X-Message-Id", "Resent-Message-Id", "X-Original-Message-ID", "Message-Id"];

    private void ReadDates()
    {
        if (_datesRead)
        {
            return;
        }

        _datesRead = true;
        _dateHeaderTime = DateHeaderTime();
        if (_dateHeaderTime is not { } date)
        {
            return;
        }

        var received = ReceivedTimes();
        if (received.Count == 0)
        {
            return;
        }

        var diffs = received.Select(time => date - time).ToList();

        // SpamAssassin leaves out the last (oldest) Received header when it agrees exactly: the sender's own.
        if (diffs.Count > 1 && diffs[^1] == 0)
        {
            diffs.RemoveAt(diffs.Count - 1);
        }

        _dateShift = diffs.OrderBy(Math.Abs).First();
    }

    private long? DateHeaderTime()
    {
        foreach (var name in (ReadOnlySpan<string>)["Resent-Date", "Date"])
        {
            foreach (var value in View.Headers.GetValues(name))
            {
                if (value.Length > 0 && SpamAssassinDate.Parse(value) is { } time)
                {
                    return time;
                }
            }
        }

        return null;
    }

    private List<long> ReceivedTimes()
    {
        var received = View.Headers
            .Where(header => header.Name.Equals("Received", StringComparison.OrdinalIgnoreCase))
            .Select(header => SpamAssassinUnfold(header.RawValue))
            .Where(value => value.Length > 0)
            .ToList();
        var times = new List<long>();
        if (received.Count == 0)
        {
            return times;
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

        foreach (var value in received.Skip(skip))
        {
            if (ReceivedDate().Match(value) is { Success: true } match && SpamAssassinDate.Parse(match.Groups[1].Value) is { } time)
            {
                times.Add(time);
            }
        }

        return times;
    }

    // SpamAssassin unfolds a header by turning each line break and the whitespace after it into one space, so a date
    // folded before its zone still reads as "23:30:41 -0400".
    private static string SpamAssassinUnfold(string rawValue) => Folding().Replace(rawValue, " ").Trim();

    [GeneratedRegex(@"\n[ \t]+", RegexOptions.CultureInvariant)]
    private static partial Regex Folding();

    [GeneratedRegex(@"\bfrom (?:localhost\s|(?:\S+ ){1,2}\S*\b127\.0\.0\.1\b)|qmail [0-9]+ invoked by uid [0-9]+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex LocalDelivery();

    [GeneratedRegex(@"\bby localhost with \w+ \(fetchmail-[0-9.]+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Fetchmail();

    /// <summary>The date SpamAssassin takes from a Received header (after its last hop).</summary>
    [GeneratedRegex(@"(\s.?[0-9]+ \S\S\S [0-9]+ [0-9]+:[0-9]+:[0-9]+ \S+)", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    internal static partial Regex ReceivedDate();
}
