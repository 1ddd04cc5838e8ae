using System.Buffers;

namespace Prefilter.Engine.Scanning;

public sealed partial class CompiledPatternSet
{
    // The Hyperscan pass: one run of a part's database per unit reports every check that matches there.
    private sealed partial class ScanRun
    {
        private Hyperscan.HyperscanScratch? scratch;

        private void AcceleratedPass(AcceleratedChecks accelerated, Units units)
        {
            var scratch = this.scratch ??= this.set.scratches!.Rent();
            var matched = ArrayPool<int>.Shared.Rent(accelerated.Checks.Length);
            var served = accelerated.Served;
            try
            {
                for (var unit = 0; unit < units.Count && !Stopped; unit++)
                {
                    this.cancellationToken.ThrowIfCancellationRequested();
                    var before = ScanClock;
                    if (before > this.deadline)
                    {
                        Stop();
                        return;
                    }

                    var count = accelerated.Scan(units[unit], scratch, matched);
                    SampleShared(served, before);
                    for (var i = 0; i < count; i++)
                    {
                        var id = matched[i];
                        var check = accelerated.Checks[id];
                        if (accelerated.Exact[id])
                        {
                            this.checkHit[check] = true;
                        }
                        else
                        {
                            Wake(check, unit, units);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(matched);
            }
        }

        private void ReturnScratch()
        {
            if (this.scratch is not null)
            {
                this.set.scratches!.Return(this.scratch);
                this.scratch = null;
            }
        }
    }
}
