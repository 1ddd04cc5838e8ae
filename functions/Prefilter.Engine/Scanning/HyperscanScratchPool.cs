using System.Collections.Concurrent;
using Prefilter.Engine.Hyperscan;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Scratch spaces fit for every database of one compiled set, one per concurrent scan: Hyperscan's scratch may serve
/// one scan at a time. A scan rents one and returns it.
/// </summary>
internal sealed class HyperscanScratchPool
{
    private readonly HyperscanScratch prototype;
    private readonly ConcurrentBag<HyperscanScratch> free = [];
    private int made = 1;

    public HyperscanScratchPool(IEnumerable<HyperscanDatabase> databases)
    {
        this.prototype = HyperscanScratch.Allocate(databases);
        this.free.Add(this.prototype);
    }

    /// <summary>The bytes all scratch spaces made so far hold.</summary>
    public long HeldBytes => this.prototype.Size * Volatile.Read(ref this.made);

    public HyperscanScratch Rent()
    {
        if (this.free.TryTake(out var scratch))
        {
            return scratch;
        }

        Interlocked.Increment(ref this.made);
        return this.prototype.Clone();
    }

    public void Return(HyperscanScratch scratch) => this.free.Add(scratch);
}
