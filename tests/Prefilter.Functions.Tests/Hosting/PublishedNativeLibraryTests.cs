using System.Runtime.InteropServices;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>The engine's accelerator ships with the function app: a Functions instance has no Debian package to install.</summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class PublishedNativeLibraryTests(FunctionsHostFixture fixture)
{
    [HyperscanInstalledFact]
    public void The_published_app_carries_a_loadable_hyperscan_in_its_native_runtime_folder()
    {
        var shipped = Path.Combine(fixture.AppDirectory, "runtimes", "linux-x64", "native", "libhs.so.5");

        Assert.True(File.Exists(shipped), $"{shipped} is not in the publish output");
        Assert.True(NativeLibrary.TryLoad(shipped, out var library), $"{shipped} does not load");
        Assert.True(NativeLibrary.TryGetExport(library, "hs_scan", out _), $"{shipped} has no hs_scan");
    }
}

/// <summary>A fact that needs Debian's <c>libhyperscan5</c> on the machine that builds the app.</summary>
public sealed class HyperscanInstalledFactAttribute : FactAttribute
{
    public HyperscanInstalledFactAttribute()
    {
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libhs.so.5"))
        {
            Skip = "install Debian's libhyperscan5 (apt-get install libhyperscan5) and build again to run";
        }
    }
}
