using System.Buffers;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

public sealed partial class CompiledPatternSet
{
    // The literal passes: one search of a literal index over the units wakes the checks whose literal it finds.
    private sealed partial class ScanRun
    {
        // One pass over all units' text; a literal that straddles two units wakes nothing.
        private void PlainPass(LiteralIndex index, Units units)
        {
            for (var segment = 0; segment < units.Segments && !Stopped; segment++)
            {
                var unit = units.FirstUnitOf(segment);
                var unitEnd = units.EndOf(unit);
                foreach (var (start, end, check) in index.Find(units.SegmentText(segment)))
                {
                    while (end > unitEnd)
                    {
                        unit++;
                        unitEnd = units.EndOf(unit);
                    }

                    if (start >= units.StartOf(unit))
                    {
                        Wake(check, unit, units);
                    }

                    if (Stopped)
                    {
                        return;
                    }
                }
            }
        }

        private void FoldedPass(ScanTarget target, Units units)
        {
            for (var unit = 0; unit < units.Count && !Stopped; unit++)
            {
                var text = units[unit];
                if (this.foldBuffer is null || this.foldBuffer.Length < text.Length)
                {
                    if (this.foldBuffer is not null)
                    {
                        ArrayPool<char>.Shared.Return(this.foldBuffer);
                    }

                    this.foldBuffer = ArrayPool<char>.Shared.Rent(Math.Max(text.Length, 1024));
                }

                var length = LookAlikeFold.Fold(text, this.foldBuffer, out var markers);
                ReadOnlySpan<char> folded = this.foldBuffer.AsSpan(0, length);
                if (markers != 0)
                {
                    foreach (var wake in target.MarkerWakes)
                    {
                        if ((wake.Markers & markers) != 0)
                        {
                            WakeMarked(wake, unit, units);
                        }
                    }
                }

                if (target.Folded is not { } index)
                {
                    continue;
                }

                foreach (var (_, _, check) in index.Find(folded))
                {
                    Wake(check, unit, units);
                    if (Stopped)
                    {
                        return;
                    }
                }
            }
        }

        private void WakeMarked(MarkerWake wake, int unit, Units units)
        {
            if (wake.Group is { } group && !Stopped && AnyLeftToRun(wake.Checks, unit) && FirstMatchOf(group, units[unit]) < 0)
            {
                return;
            }

            foreach (var check in wake.Checks)
            {
                Wake(check, unit, units);
            }
        }

        private bool AnyLeftToRun(int[] checks, int unit)
        {
            foreach (var check in checks)
            {
                if (!this.checkHit[check] && this.lastUnit[check] != unit + 1)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
