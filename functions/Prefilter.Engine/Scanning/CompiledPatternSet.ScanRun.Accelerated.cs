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

                    var text = units[unit];
                    var count = accelerated.Scan(text, scratch, matched);
                    SampleShared(served, before);
                    var ascii = System.Text.Ascii.IsValid(text);
                    for (var i = 0; i < count; i++)
                    {
                        var id = matched[i];
                        var use = accelerated.Uses[id];
                        if (!AcceleratedChecks.AppliesTo(use, ascii))
                        {
                            continue;
                        }

                        if (use is HyperscanExpressionUse.Exact or HyperscanExpressionUse.ExactOnAscii)
                        {
                            this.checkHit[accelerated.Checks[id]] = true;
                        }
                        else
                        {
                            Wake(accelerated.Checks[id], unit, units);
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
