namespace Prefilter.Engine.Scanning;

/// <summary>What a compiled set's linear engines hold and have cost; sizes are estimates (what each build allocated).</summary>
/// <param name="HeldBytes">What the engines held now take.</param>
/// <param name="PeakBytes">The most they took at once.</param>
/// <param name="Builds">Engines built, rebuilds after an eviction included.</param>
/// <param name="Evictions">Engines dropped to stay within the budget.</param>
public sealed record LinearEngineUse(long HeldBytes, long PeakBytes, long Builds, long Evictions);
