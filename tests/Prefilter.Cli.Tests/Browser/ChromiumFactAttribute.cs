namespace Prefilter.Cli.Tests.Browser;

/// <summary>A fact that drives headless Chromium; skipped with a message when Debian's chromium package is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Where Debian's chromium package puts the browser.</summary>
    public const string Executable = "/usr/bin/chromium";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the browser is missing (xunit 2 decides skips at discovery).</summary>
    public ChromiumFactAttribute()
    {
        if (!File.Exists(Executable))
        {
            Skip = "install Debian's chromium package (apt-get install --no-install-recommends chromium) to run";
        }
    }
}
