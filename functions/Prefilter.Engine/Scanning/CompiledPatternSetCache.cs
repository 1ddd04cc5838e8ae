using System.Collections.Concurrent;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Compiled sets by digest, so every scan of one set shares one <see cref="CompiledPatternSet"/> (and the regex
/// engines it has built). Thread-safe; a set is compiled once even when many scans ask for it at the same time.
/// </summary>
/// <param name="options">Options every set compiled here uses; <see cref="ScannerOptions.Default"/> when null.</param>
/// <param name="capacity">How many sets to keep; the least recently used goes first. Default 4 (active, canary, last-known-good, one spare).</param>
public sealed class CompiledPatternSetCache(ScannerOptions? options = null, int capacity = 4)
{
    private readonly ConcurrentDictionary<string, Lazy<CompiledPatternSet>> sets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> lastUse = new(StringComparer.Ordinal);
    private long clock;

    /// <summary>Number of sets held.</summary>
    public int Count => this.sets.Count;

    /// <summary>The compiled set with the digest of <paramref name="set"/>, compiling it on first request.</summary>
    /// <param name="set">The set.</param>
    /// <param name="artifact">The set's compiled-set artifact, used on first request when it is valid for the set (see <see cref="CompiledPatternSet.Compile"/>).</param>
    /// <returns>The compiled set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is null.</exception>
    /// <exception cref="PatternSetRejectedException">Lint refuses the set (not cached: the next call tries again).</exception>
    public CompiledPatternSet GetOrCompile(PatternSet set, CompiledSetArtifact? artifact = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        var digest = PatternSetJson.ComputeDigest(set);
        var entry = this.sets.GetOrAdd(digest, _ => new Lazy<CompiledPatternSet>(() => CompiledPatternSet.Compile(set, options, artifact)));
        try
        {
            var compiled = entry.Value;
            this.lastUse[digest] = Interlocked.Increment(ref this.clock);
            Evict();
            return compiled;
        }
        catch
        {
            this.sets.TryRemove(new KeyValuePair<string, Lazy<CompiledPatternSet>>(digest, entry));
            throw;
        }
    }

    /// <summary>The compiled set with <paramref name="digest"/> when it is held.</summary>
    /// <param name="digest">A set digest.</param>
    /// <param name="compiled">The compiled set when found.</param>
    /// <returns>True when found.</returns>
    public bool TryGet(string digest, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CompiledPatternSet? compiled)
    {
        compiled = null;
        if (this.sets.TryGetValue(digest, out var entry) && entry.IsValueCreated)
        {
            compiled = entry.Value;
            this.lastUse[digest] = Interlocked.Increment(ref this.clock);
        }

        return compiled is not null;
    }

    private void Evict()
    {
        while (this.sets.Count > Math.Max(1, capacity))
        {
            var oldest = this.lastUse.OrderBy(pair => pair.Value).FirstOrDefault();
            if (oldest.Key is null || !this.sets.TryRemove(oldest.Key, out _))
            {
                return;
            }

            this.lastUse.TryRemove(oldest.Key, out _);
        }
    }
}
