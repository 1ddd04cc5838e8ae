namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>
/// The integration tests that need Azurite and the dev broker: started once for all of them.
/// Use <c>[Collection(PipelineCollection.Name)]</c> and take <see cref="AzuriteFixture"/> and/or
/// <see cref="DevBrokerFixture"/> in the constructor; <see cref="PipelineTestBed"/> wires the real services on top.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<DevBrokerFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "pipeline";
}
