namespace Prefilter.Engine.Scanning;

public sealed partial class CompiledPatternSet
{
    // The group pass: checks with no literal to find share one run of their alternation.
    private sealed partial class ScanRun
    {
        // One run of the group's alternation decides for all members when none can match; otherwise the members run
        // on their own, over the joined units from the group's first match on, or on the one unit.
        private void RunGroup(CheckGroup group, Units units)
        {
            var joined = group.Joined && units.Count > 1 ? units.Joined : null;
            if (joined is null && units.Count > 1)
            {
                RunUnfiltered(group.Checks, units);
                return;
            }

            var first = Stopped ? -1 : FirstMatchOf(group, joined is null ? units[0] : joined.Text);
            if (first < 0)
            {
                return;
            }

            if (joined is null)
            {
                RunUnfiltered(group.Checks, units);
                return;
            }

            foreach (var check in group.Checks)
            {
                RunJoined(check, joined, units, first);
            }
        }

        // One run of a group's alternation, its cost shared among the members; -1 when none can match or the deadline
        // has passed.
        private int FirstMatchOf(CheckGroup group, ReadOnlySpan<char> text)
        {
            var before = ScanClock;
            if (before > this.deadline)
            {
                Stop();
                return -1;
            }

            this.regexRuns++;
            var first = group.FirstMatch(text);
            SampleShared(group.Checks, before);
            return first;
        }
    }
}
