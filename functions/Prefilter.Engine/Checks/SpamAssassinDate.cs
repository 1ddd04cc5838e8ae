using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

/// <summary>
/// Dates read the way SpamAssassin's <c>Util::parse_rfc822_date</c> reads them, leniently and from anywhere in the text,
/// so that checks built on them agree with SpamAssassin on the dates real mail carries, malformed ones included.
/// </summary>
internal static partial class SpamAssassinDate
{
    private static readonly Dictionary<string, int> Months = new(StringComparer.OrdinalIgnoreCase)
    {
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
    };

    // SpamAssassin's %TZ; any other zone counts as -0000.
    private static readonly Dictionary<string, int> ZoneMinutes = new(StringComparer.Ordinal)
    {
        ["UT"] = 0, ["UTC"] = 0,
        ["NDT"] = -150, ["AST"] = -240, ["ADT"] = -180, ["NST"] = -210, ["EST"] = -300, ["EDT"] = -240,
        ["CST"] = -360, ["CDT"] = -300, ["MST"] = -420, ["MDT"] = -360, ["PST"] = -480, ["PDT"] = -420,
        ["HST"] = -600, ["AKST"] = -540, ["AKDT"] = -480, ["HADT"] = -540, ["HAST"] = -600,
        ["GMT"] = 0, ["BST"] = 60, ["IST"] = 60, ["WET"] = 0, ["WEST"] = 60, ["CET"] = 60, ["CEST"] = 120,
        ["EET"] = 120, ["EEST"] = 180, ["MSK"] = 180, ["MSD"] = 240, ["MET"] = 60, ["MEZ"] = 60, ["MEST"] = 120,
        ["MESZ"] = 120, ["BRST"] = -120, ["BRT"] = -180,
        ["AEST"] = 600, ["AEDT"] = 660, ["ACST"] = 570, ["ACDT"] = 630, ["AWST"] = 480,
        ["NZST"] = 720, ["NZDT"] = 780,
        ["JST"] = 540, ["KST"] = 540, ["HKT"] = 480, ["SGT"] = 480, ["PHT"] = 480,
        ["IDT"] = 180,
    };

    /// <summary>Seconds since the Unix epoch of the first date in <paramref name="text"/>; null when there is none.</summary>
    /// <remarks>
    /// As SpamAssassin does: the day, month and year are found first (<c>1 Aug 2002</c>, <c>Aug 1 12:00:00 2002</c> or a
    /// two- or three-digit year), then the first time of day, then a numeric zone or else the first word of two to four
    /// capitals (a known zone, or -0000); out-of-range fields are clamped (second, minute, hour, years to 1970–2037) and a
    /// day past the month's end becomes the first of the next month. Linear in the text's length.
    /// </remarks>
    public static long? Parse(string text)
    {
        var rest = " " + Whitespace().Replace(Comma().Replace(text, " "), " ") + " ";
        int day, month, year;
        Match match;
        if ((match = DayMonthYear().Match(rest)).Success)
        {
            (day, month, year) = (Number(match.Groups[1].Value), Months[match.Groups[2].Value], Number(match.Groups[3].Value));
        }
        else if ((match = MonthDayTimeYear().Match(rest)).Success)
        {
            (day, month, year) = (Number(match.Groups[2].Value), Months[match.Groups[1].Value], Number(match.Groups[3].Value));
        }
        else if ((match = DayMonthShortYear().Match(rest)).Success)
        {
            (day, month, year) = (Number(match.Groups[1].Value), Months[match.Groups[2].Value], Number(match.Groups[3].Value));
        }
        else
        {
            return null;
        }

        var yearDigits = match.Groups[3].Length;
        year = yearDigits == 2 && year < 50 ? year + 2000 : yearDigits != 4 ? year + 1900 : year;
        rest = Remove(rest, match);

        int hour = 0, minute = 0, second = 0;
        if ((match = TimeOfDay().Match(rest)).Success)
        {
            hour = Number(match.Groups[1].Value);
            minute = Number(match.Groups[2].Value);
            second = match.Groups[4].Success ? Number(match.Groups[4].Value) : 0;
            rest = Remove(rest, match);
        }

        var zoneMinutes = 0;
        if ((match = NumericZone().Match(rest)).Success)
        {
            var digits = match.Groups[1].Value;
            var minutes = (Number(digits[1..3]) * 60) + Number(digits[3..5]);
            zoneMinutes = digits[0] == '-' ? -minutes : minutes;
        }
        else if ((match = ZoneName().Match(rest)).Success && ZoneMinutes.TryGetValue(match.Groups[1].Value, out var known))
        {
            zoneMinutes = known;
        }

        second = Math.Min(second, 59);
        minute = Math.Min(minute, 59);
        hour = Math.Min(hour, 23);
        if (day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month))
        {
            day = 1;
            if (++month > 12)
            {
                month = 1;
                year++;
            }
        }

        year = Math.Clamp(year, 1970, 2037);
        if (day < 1)
        {
            // Time::Local refuses day 0, and SpamAssassin then has no date.
            return null;
        }

        var time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).ToUnixTimeSeconds();
        var offset = zoneMinutes * 60L;

        // A zone east of UTC cannot take a time before the epoch below 0, as in SpamAssassin.
        return offset > 0 && time < offset ? 0 : time - offset;
    }

    private static string Remove(string text, Match match) => string.Concat(text.AsSpan(0, match.Index), " ", text.AsSpan(match.Index + match.Length));

    // Digit runs come from the regexes; the longest that fits an int is plenty for any real field.
    private static int Number(string digits) => digits.Length > 9 ? int.MaxValue : int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(",[ \t\r\n\f\v]*", RegexOptions.CultureInvariant)]
    private static partial Regex Comma();

    [GeneratedRegex(@"[ \t\r\n\f\v]+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@" ([0-9]+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) ", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex DayMonthYear();

    [GeneratedRegex(@" (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +([0-9]+) [0-9]+:[0-9]+:[0-9]+ ([0-9]{4}) ", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex MonthDayTimeYear();

    [GeneratedRegex(@" ([0-9]+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{2,3}) ", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex DayMonthShortYear();

    [GeneratedRegex(@" ([0-9]?[0-9]):([0-9][0-9])(:([0-9][0-9]))? ", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex TimeOfDay();

    [GeneratedRegex(@" ([-+][0-9]{4}) ", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex NumericZone();

    [GeneratedRegex(@"\b([A-Z]{2,4}(?:-DST)?)\b", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex ZoneName();
}
