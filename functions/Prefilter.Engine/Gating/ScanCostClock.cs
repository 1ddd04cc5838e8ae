using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Prefilter.Engine.Gating;

/// <summary>What the gate's scan costs were measured with.</summary>
public enum CostClock
{
    /// <summary>CPU time of the scanning thread: time the thread waited for a core (a busy neighbour) is left out.</summary>
    ThreadCpu,

    /// <summary>Elapsed time, where the platform offers no per-thread CPU clock.</summary>
    Wall,
}

/// <summary>
/// Times a scan on the calling thread by its CPU time where the platform has a per-thread clock (Linux), else by
/// elapsed time. A scan runs on one thread from start to end, so its thread's CPU time is its cost; elapsed time also
/// counts every moment another process held the core, which is what made an unchanged set look twice as costly on a
/// loaded machine.
/// </summary>
internal static class ScanCostClock
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>The clock this platform measures with.</summary>
    public static CostClock Kind { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess && TryThreadCpu(out _) ? CostClock.ThreadCpu : CostClock.Wall;

    /// <summary>Runs <paramref name="action"/> and returns its result with the time it cost on <see cref="Kind"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The work; it must not leave the calling thread.</param>
    public static (T Result, TimeSpan Cost) Measure<T>(Func<T> action)
    {
        if (Kind == CostClock.Wall)
        {
            var started = Stopwatch.GetTimestamp();
            var wallResult = action();
            return (wallResult, Stopwatch.GetElapsedTime(started));
        }

        TryThreadCpu(out var before);
        var result = action();
        TryThreadCpu(out var after);
        return (result, after - before);
    }

    private static bool TryThreadCpu(out TimeSpan time)
    {
        if (ClockGetTime(ClockThreadCpuTime, out var spec) != 0)
        {
            time = default;
            return false;
        }

        time = TimeSpan.FromTicks((spec.Seconds * TimeSpan.TicksPerSecond) + (spec.Nanoseconds / TimeSpan.NanosecondsPerTick));
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // 64-bit Linux only (time_t and long are 64 bits); elsewhere Kind is Wall and this is never called.
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}
