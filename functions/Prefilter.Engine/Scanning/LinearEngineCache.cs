using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The linear engines (<see cref="RegexOptions.NonBacktracking"/>) a compiled set builds on first use, held within a
/// memory budget: each automaton takes from 30 KB to tens of MB, and a set of a thousand patterns would otherwise keep
/// every one its mails ever woke. When a build takes the total over the budget, engines not used since the last sweep
/// are dropped (the clock algorithm, an approximation of least recently used) and rebuilt when next needed; hits are
/// the same, only the rebuild costs time, which scans leave out of their deadline like any build.
/// Thread-safe: lookups take no lock; builds and evictions take one.
/// </summary>
/// <param name="budgetBytes">The most the held engines may take, as estimated by <see cref="LinearEngineSlot.Bytes"/>.</param>
/// <param name="builds">Times each build, which scans leave out of their deadline.</param>
internal sealed class LinearEngineCache(long budgetBytes, EngineBuildTimer builds)
{
    private readonly List<LinearEngineSlot> held = [];
    private readonly Lock syncRoot = new();
    private int hand;

    /// <summary>What the held engines take, estimated.</summary>
    public long HeldBytes { get; private set; }

    /// <summary>The most the held engines took at once, estimated.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Engines dropped to stay within the budget.</summary>
    public long Evictions { get; private set; }

    /// <summary>Engines built, rebuilds after an eviction included.</summary>
    public long Builds { get; private set; }

    /// <summary>The slot's engine, built if it has none.</summary>
    /// <exception cref="NotSupportedException">The linear engine refuses the pattern.</exception>
    public Regex Get(LinearEngineSlot slot)
    {
        if (slot.Engine is { } engine)
        {
            // Read before written: every regex run passes here, and a write each time would bounce the slot's
            // cache line between the cores scanning at once.
            if (!slot.Used)
            {
                slot.Used = true;
            }

            return engine;
        }

        // An engine the analyzer built is taken as it is: no build, so no build time.
        var (built, bytes) = slot.Options == LinearEngineSlot.Plain && RegexAnalyzer.TakeSpareEngine(slot.Pattern) is { } spare
            ? spare
            : builds.Build(() => Build(slot));
        lock (this.syncRoot)
        {
            if (slot.Engine is { } raced)
            {
                return raced;
            }

            slot.Engine = built;
            slot.Bytes = bytes;
            slot.Used = true;
            this.held.Add(slot);
            HeldBytes += bytes;
            PeakBytes = Math.Max(PeakBytes, HeldBytes);
            Builds++;
            EvictBeyondBudget(slot);
            return built;
        }
    }

    // The size of an automaton is not observable; what its build allocated bounds what it retains then (it grows
    // later, as matching adds states, which the bench's heap figure shows).
    private static (Regex Engine, long Bytes) Build(LinearEngineSlot slot)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var engine = new Regex(slot.Pattern, slot.Options);
        return (engine, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private void EvictBeyondBudget(LinearEngineSlot keep)
    {
        // Two turns of the clock clear every use bit, so the loop ends even when every engine was used.
        for (var steps = 0; HeldBytes > budgetBytes && this.held.Count > 1 && steps < 2 * this.held.Count + 2; steps++)
        {
            this.hand %= this.held.Count;
            var slot = this.held[this.hand];
            if (slot == keep || slot.Used)
            {
                slot.Used = slot == keep;
                this.hand++;
                continue;
            }

            slot.Engine = null;
            HeldBytes -= slot.Bytes;
            Evictions++;
            this.held[this.hand] = this.held[^1];
            this.held.RemoveAt(this.held.Count - 1);
        }
    }
}

/// <summary>A linear engine a <see cref="LinearEngineCache"/> may hold: the pattern and options to (re)build it, and the engine while held.</summary>
/// <param name="pattern">The pattern, in .NET syntax.</param>
/// <param name="options">Options besides <see cref="RegexOptions.NonBacktracking"/> and the analyzer's base options.</param>
internal sealed class LinearEngineSlot(string pattern, RegexOptions options = RegexOptions.None)
{
    /// <summary>The options of an engine the analyzer may have built already.</summary>
    public const RegexOptions Plain = RegexAnalyzer.BaseOptions | RegexOptions.NonBacktracking;

    public string Pattern { get; } = pattern;

    public RegexOptions Options { get; } = Plain | options;

    /// <summary>The engine, while the cache holds it.</summary>
    public volatile Regex? Engine;

    /// <summary>Set on each use, cleared by the cache's sweep.</summary>
    public volatile bool Used;

    /// <summary>What building the engine allocated: an estimate of what it holds.</summary>
    public long Bytes;
}
