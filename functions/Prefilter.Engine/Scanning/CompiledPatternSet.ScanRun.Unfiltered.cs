using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Scanning;

public sealed partial class CompiledPatternSet
{
    // The unfiltered pass: checks with no literal and no group run on every unit, or once over the units joined.
    private sealed partial class ScanRun
    {
        private void RunUnfiltered(int[] checks, Units units)
        {
            foreach (var check in checks)
            {
                if (units.Count > 1 && units.Joined is { } joined && this.set.CheckAt(check).Regex.CanRunJoined)
                {
                    RunJoined(check, joined, units, 0);
                    continue;
                }

                for (var unit = 0; unit < units.Count && !Stopped; unit++)
                {
                    Wake(check, unit, units);
                }
            }
        }

        // A filter pattern without unit anchors runs over all units joined, which replaces dozens of runs on short lines
        // and paragraphs by one. No unit before its leftmost match can match. A linear pattern's match inside one unit
        // is a match of that unit (a separator gives anchors and \b the same edges as a unit's ends); a match that
        // spans a separator only names the unit to run next, and the search goes on after that unit. A screen's or
        // core's match only says where unit runs start.
        private void RunJoined(int check, TextUnits joined, Units units, int from)
        {
            var regex = this.set.CheckAt(check).Regex;
            while (from <= joined.Text.Length && !this.checkHit[check] && !Stopped)
            {
                var before = ScanClock;
                if (before > this.deadline)
                {
                    Stop();
                    return;
                }

                this.regexRuns++;
                (int Index, int Length) match;
                try
                {
                    match = regex.NextJoinedMatch(joined.Text, from);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException)
                {
                    // The joined engine could not be built: every unit from here on runs on its own.
                    for (var unit = joined.IndexOfUnitAt(from); unit < units.Count && !Stopped; unit++)
                    {
                        Wake(check, unit, units);
                    }

                    return;
                }

                Sample(check, before);
                if (match.Index < 0)
                {
                    return;
                }

                var found = joined.IndexOfUnitAt(match.Index);
                if (!regex.JoinedMatchIsMatch)
                {
                    // A screen's match can be long (a backreference widened to any text), so finding the next one costs
                    // more than the unit runs, which test the screen on each unit first anyway.
                    for (var unit = found; unit < units.Count && !Stopped && !this.checkHit[check]; unit++)
                    {
                        Wake(check, unit, units);
                    }

                    return;
                }

                if (match.Index + match.Length <= units.EndOf(found))
                {
                    this.checkHit[check] = true;
                    return;
                }

                Wake(check, found, units);
                from = units.EndOf(found) + 1;
            }
        }
    }
}
