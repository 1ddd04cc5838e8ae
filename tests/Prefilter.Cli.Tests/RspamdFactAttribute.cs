namespace Prefilter.Cli.Tests;

/// <summary>A fact that runs Rspamd itself; skipped with a message when Debian's rspamd package is not installed.</summary>
public sealed class RspamdFactAttribute : FactAttribute
{
    /// <summary>Where Debian's rspamd package puts the daemon and its client.</summary>
    public static readonly string[] Executables = ["/usr/bin/rspamd", "/usr/bin/rspamc"];

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when either is missing (xunit 2 decides skips at discovery).</summary>
    public RspamdFactAttribute()
    {
        if (!Executables.All(File.Exists))
        {
            Skip = "install Debian's rspamd package (apt-get install --no-install-recommends rspamd) to run";
        }
    }
}
