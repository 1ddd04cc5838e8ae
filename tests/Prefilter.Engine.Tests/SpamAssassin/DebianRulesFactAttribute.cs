namespace Prefilter.Engine.Tests.SpamAssassin;

/// <summary>A fact that needs Debian's SpamAssassin rule files; skipped with a message when they are not installed.</summary>
public sealed class DebianRulesFactAttribute : FactAttribute
{
    /// <summary>Where Debian's spamassassin package puts its rules.</summary>
    public const string RulesDirectory = "/usr/share/spamassassin";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when there are no rule files (xunit 2 decides skips at discovery).</summary>
    public DebianRulesFactAttribute()
    {
        if (!Directory.Exists(RulesDirectory) || Directory.GetFiles(RulesDirectory, "*.cf").Length == 0)
        {
            Skip = "install Debian's spamassassin package (apt-get install spamassassin) to run";
        }
    }
}
