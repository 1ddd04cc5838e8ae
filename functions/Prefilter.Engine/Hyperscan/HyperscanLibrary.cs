using System.Runtime.InteropServices;

namespace Prefilter.Engine.Hyperscan;

/// <summary>
/// Whether this process can use Hyperscan: the library loads and supports this CPU, and the environment does not say
/// <c>PREFILTER_HYPERSCAN=off</c> (how a machine with the library runs as one without it). The copy an app ships in
/// <c>runtimes/linux-x64/native</c> comes first (a Functions instance has no Debian package), then the system's.
/// </summary>
internal static unsafe class HyperscanLibrary
{
    /// <summary>The environment variable that turns Hyperscan off for the process.</summary>
    public const string Switch = "PREFILTER_HYPERSCAN";

    private static readonly Lazy<string?> LoadedVersion = new(Probe);

    /// <summary>True when the library loads and runs on this CPU.</summary>
    public static bool IsAvailable => LoadedVersion.Value is not null;

    /// <summary>The library's version string (<c>hs_version</c>), or null when it is not available.</summary>
    public static string? Version => LoadedVersion.Value;

    /// <summary>Where an app ships its copy of the library, relative to the app's folder.</summary>
    public static string ShippedPath { get; } = Path.Combine("runtimes", "linux-x64", "native", HyperscanNative.Library);

    private static string? Probe()
    {
        if (string.Equals(Environment.GetEnvironmentVariable(Switch), "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var assembly = typeof(HyperscanLibrary).Assembly;
        if (!NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, ShippedPath), out var library)
            && !NativeLibrary.TryLoad(HyperscanNative.Library, assembly, null, out library))
        {
            return null;
        }

        NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => name == HyperscanNative.Library ? library : IntPtr.Zero);
        return HyperscanNative.ValidPlatform() == HyperscanNative.Success ? Marshal.PtrToStringUTF8((IntPtr)HyperscanNative.Version()) : null;
    }
}
