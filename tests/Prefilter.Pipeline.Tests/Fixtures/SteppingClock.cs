namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>A clock whose every timestamp reading is <paramref name="step"/> later than the last: every scan timed by it passes its deadline.</summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref now, step.Ticks);
}
