namespace Prefilter.Engine.Scanning;

/// <summary>
/// Times the regex engines a compiled set builds on first use, so that a scan can leave that time out of its
/// deadline. Building is a one-time cost of the pattern set, bounded by the analyzer's size checks, that no mail can
/// make larger; counted against the deadline, it made the first mails of a cold instance (after a deploy, a scale-out
/// or a rollback) incomplete, and their deadline hits looked like a slow pattern set to the gate and the watchdog.
/// </summary>
/// <param name="clock">The clock scans measure their deadline with.</param>
internal sealed class EngineBuildTimer(TimeProvider clock)
{
    // A scan runs on one thread from start to end and engines are built inside its regex runs, so a per-thread total
    // tells a scan what it spent building without passing scan state through the shared, thread-safe engines.
    [ThreadStatic]
    private static long threadTotal;

    /// <summary>Build time spent on the current thread so far, in timestamp units of the clock that measured it.</summary>
    public static long ThreadTotal => threadTotal;

    /// <summary>Builds an engine and adds the time it took to the current thread's total.</summary>
    public T Build<T>(Func<T> build)
    {
        var started = clock.GetTimestamp();
        try
        {
            return build();
        }
        finally
        {
            threadTotal += clock.GetTimestamp() - started;
        }
    }
}
