using System.Text.RegularExpressions;

namespace Prefilter.Engine.Scanning;

public sealed partial class CompiledPatternSet
{
    // One regex run on one unit, under the scan deadline, costed when the scan is sampled.
    private sealed partial class ScanRun
    {
        /// <summary>Time spent building engines during this scan, in timestamp units.</summary>
        private long BuildTicks => EngineBuildTimer.ThreadTotal - this.buildsBefore;

        // The clock of the deadline and the rule costs stands still while engines are built: both are there for what
        // the mail makes rules do, and a rule charged with its engine's build on a cold set looks slow to the release gate.
        private long ScanClock => this.clock.GetTimestamp() - BuildTicks;

        private void Stop()
        {
            Stopped = true;
            MarkIncomplete(IncompleteCauses.Deadline, $"the scan deadline of {this.set.Options.Deadline.TotalMilliseconds:0} ms passed; later rules did not run");
        }

        private void Sample(int check, long before)
        {
            if (Sampled)
            {
                (this.cost ??= new long[this.set.checkCount])[check] += ScanClock - before;
                (this.runs ??= new int[this.set.checkCount])[check]++;
            }
        }

        // A run shared by several checks costs each of them its share.
        private void SampleShared(int[] checks, long before)
        {
            if (Sampled)
            {
                var share = (ScanClock - before) / checks.Length;
                foreach (var check in checks)
                {
                    (this.cost ??= new long[this.set.checkCount])[check] += share;
                    (this.runs ??= new int[this.set.checkCount])[check]++;
                }
            }
        }

        private void Wake(int check, int unit, Units units)
        {
            // Each (check, unit) runs once; a check that hit needs no further unit.
            if (this.checkHit[check] || this.lastUnit[check] == unit + 1)
            {
                return;
            }

            this.lastUnit[check] = unit + 1;
            var text = units[unit];
            if (this.reference || this.set.CheckAt(check).Regex.MayMatch(text))
            {
                Evaluate(check, text);
            }
        }

        private void Evaluate(int check, ReadOnlySpan<char> text)
        {
            if (Stopped)
            {
                return;
            }

            this.cancellationToken.ThrowIfCancellationRequested();
            var before = ScanClock;
            if (before > this.deadline)
            {
                Stop();
                return;
            }

            var scanCheck = this.set.CheckAt(check);
            this.regexRuns++;
            try
            {
                if (scanCheck.Regex.IsMatch(text))
                {
                    this.checkHit[check] = true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                MarkIncomplete(IncompleteCauses.RegexTimeout, $"a backtracking regex timed out on {scanCheck.Target.Describe()} (pattern '{Excerpt(scanCheck.Regex.Plan.Pattern)}')");
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException)
            {
                MarkIncomplete(IncompleteCauses.RegexFailed, $"a regex could not run on {scanCheck.Target.Describe()} (pattern '{Excerpt(scanCheck.Regex.Plan.Pattern)}'): {e.Message}");
            }

            Sample(check, before);
        }

        private static string Excerpt(string pattern) => pattern.Length <= 60 ? pattern : pattern[..60] + "…";
    }
}
