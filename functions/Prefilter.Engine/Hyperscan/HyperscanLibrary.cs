using System.Runtime.InteropServices;

namespace Prefilter.Engine.Hyperscan;

/// <summary>
/// Whether this process can use Hyperscan: the library loads and supports this CPU, and the environment does not say
/// <c>PREFILTER_HYPERSCAN=off</c> (how a machine with the library runs as one without it).
/// </summary>
internal static unsafe class HyperscanLibrary
{
    private static readonly Lazy<string?> LoadedVersion = new(Probe);

    /// <summary>True when the library loads and runs on this CPU.</summary>
    public static bool IsAvailable => LoadedVersion.Value is not null;

    /// <summary>The library's version string (<c>hs_version</c>), or null when it is not available.</summary>
    public static string? Version => LoadedVersion.Value;

    /// <summary>The environment variable that turns Hyperscan off for the process.</summary>
    public const string Switch = "PREFILTER_HYPERSCAN";

    private static string? Probe()
    {
        if (string.Equals(Environment.GetEnvironmentVariable(Switch), "off", StringComparison.OrdinalIgnoreCase)
            || !NativeLibrary.TryLoad(HyperscanNative.Library, typeof(HyperscanLibrary).Assembly, null, out _))
        {
            return null;
        }

        return HyperscanNative.ValidPlatform() == HyperscanNative.Success ? Marshal.PtrToStringUTF8((IntPtr)HyperscanNative.Version()) : null;
    }
}
