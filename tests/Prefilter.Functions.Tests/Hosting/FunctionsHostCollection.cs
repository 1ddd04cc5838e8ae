namespace Prefilter.Functions.Tests.Hosting;

/// <summary>The tests that run the published app under the host stand-in: one app, one set of emulators, for all of them.</summary>
[CollectionDefinition(Name)]
public sealed class FunctionsHostCollection : ICollectionFixture<FunctionsHostFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "functions-host";
}
