using Azure.Storage.Blobs;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>
/// Test set-up: stores a set and makes it active through the release commit step (history and audit written), without
/// the gate, which these tests are not about. Publishing tests go through <see cref="PatternReleaseService"/>.
/// </summary>
internal static class TestActivation
{
    /// <summary>Makes <paramref name="set"/> active; the set it replaces becomes last known good.</summary>
    public static async Task<PatternSetRef> ActivateAsync(BlobServiceClient blobs, PipelineContainers containers, PatternSet set, DateTimeOffset at, string reason)
    {
        var store = new PatternStore(blobs, containers);
        await store.EnsureContainerAsync();
        var reference = await store.StoreSetAsync(set);
        var committer = new ReleaseStateCommitter(store, new ReleaseDocuments(blobs, containers, store));
        var snapshot = await committer.ReadAsync();
        if (snapshot?.State.Active != reference)
        {
            await committer.CommitAsync(
                snapshot,
                new PatternStateChange(at, ReleaseAction.Activate, snapshot?.State.Active, reference, "test", reason),
                state => state with { Active = reference, LastKnownGood = state.Active ?? state.LastKnownGood });
        }

        return reference;
    }
}
