using Prefilter.DevServices.FunctionsHost;

namespace Prefilter.DevServices.Tests.FunctionsHost;

/// <summary>Which events and requests reach which function: the trigger paths and routes as the host reads them.</summary>
public sealed class TriggerMatchingTests
{
    [Theory]
    [InlineData("/api/patterns", "")]
    [InlineData("/api/patterns/", "")]
    [InlineData("/api/patterns/rollback", "rollback")]
    [InlineData("/api/patterns/versions/2026.11.28-1", "versions/2026.11.28-1")]
    [InlineData("/api/patternsx", null)]
    [InlineData("/api/mail", null)]
    public void A_catch_all_route_takes_the_rest_of_the_path(string path, string? rest)
    {
        var values = HttpRoute.Parse("patterns/{*rest}", ["post"]).Match("POST", path);

        Assert.Equal(rest, values is null ? null : values.GetValueOrDefault("rest", ""));
    }

    [Fact]
    public void A_route_takes_only_its_methods_and_only_under_api()
    {
        var route = HttpRoute.Parse("mail", ["post"]);

        Assert.NotNull(route.Match("post", "/api/mail"));
        Assert.NotNull(route.Match("POST", "/API/Mail/"));
        Assert.Null(route.Match("GET", "/api/mail"));
        Assert.Null(route.Match("POST", "/mail"));
        Assert.NotNull(HttpRoute.Parse("mail", []).Match("PATCH", "/api/mail"));
    }

    [Fact]
    public void A_route_parameter_takes_one_segment()
    {
        var route = HttpRoute.Parse("items/{id:int}/parts", []);

        Assert.Equal("42", route.Match("GET", "/api/items/42/parts")!["id"]);
        Assert.Null(route.Match("GET", "/api/items/42/43/parts"));
    }

    [Theory]
    [InlineData("incoming", "2026/12/07/abc.eml", "2026/12/07/abc.eml")]
    [InlineData("patterns", "uploads/set.json", null)]
    [InlineData("incomingx", "abc.eml", null)]
    public void A_blob_trigger_path_takes_blobs_of_its_container(string container, string blob, string? name)
    {
        var values = BlobTriggerPath.Parse("incoming/{name}").Match(container, blob);

        Assert.Equal(name, values?["name"]);
    }

    [Fact]
    public void A_blob_trigger_path_with_a_folder_takes_only_blobs_below_it()
    {
        var path = BlobTriggerPath.Parse("patterns/uploads/{name}");

        Assert.Equal("set.json", path.Match("patterns", "uploads/set.json")!["name"]);
        Assert.Null(path.Match("patterns", "sets/1/set.json"));
        Assert.Null(path.Match("patterns", "uploads/"));
    }

    [Fact]
    public void A_blob_trigger_path_without_a_container_is_refused() =>
        Assert.Throws<FormatException>(() => BlobTriggerPath.Parse("{name}"));
}
