namespace Prefilter.Cli.Tests;

/// <summary>A fact that runs SpamAssassin itself; skipped with a message when Debian's spamassassin package is not installed.</summary>
public sealed class SpamAssassinFactAttribute : FactAttribute
{
    /// <summary>Where Debian's spamassassin package puts the Perl module.</summary>
    public const string ModulePath = "/usr/share/perl5/Mail/SpamAssassin.pm";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the module is missing (xunit 2 decides skips at discovery).</summary>
    public SpamAssassinFactAttribute()
    {
        if (!File.Exists(ModulePath))
        {
            Skip = "install Debian's spamassassin package (apt-get install spamassassin) to run";
        }
    }
}
