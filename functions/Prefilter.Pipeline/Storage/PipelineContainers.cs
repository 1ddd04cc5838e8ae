namespace Prefilter.Pipeline.Storage;

/// <summary>
/// The blob containers of the pipeline. The Functions app uses the fixed names; a prefix exists so
/// that tests sharing one Azurite account can each work in their own set of containers.
/// </summary>
public sealed class PipelineContainers
{
    /// <summary>Accepted mail waiting for (or past) its scan; the scan trigger watches it.</summary>
    public const string IncomingName = "incoming";

    /// <summary>Pattern set versions and <c>state.json</c>.</summary>
    public const string PatternsName = "patterns";

    /// <summary>Copies of quarantined mail.</summary>
    public const string QuarantineName = "quarantine";

    /// <summary>Sampled traffic and adversarial mail for the release gate.</summary>
    public const string CorpusName = "corpus";

    /// <summary>Operator configuration such as <c>domains.json</c>.</summary>
    public const string ConfigName = "config";

    /// <summary>Creates the container names with an optional prefix.</summary>
    /// <param name="prefix">Prepended to every name; lowercase letters, digits and hyphens so names stay valid.</param>
    /// <exception cref="ArgumentException">The prefix would make an invalid container name.</exception>
    public PipelineContainers(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) || prefix.Length > 40)
        {
            throw new ArgumentException($"container prefix '{prefix}' must be at most 40 lowercase letters, digits or hyphens", nameof(prefix));
        }

        Prefix = prefix;
    }

    /// <summary>The prefix in front of every name (empty in production).</summary>
    public string Prefix { get; }

    /// <summary>Name of the incoming container.</summary>
    public string Incoming => Prefix + IncomingName;

    /// <summary>Name of the patterns container.</summary>
    public string Patterns => Prefix + PatternsName;

    /// <summary>Name of the quarantine container.</summary>
    public string Quarantine => Prefix + QuarantineName;

    /// <summary>Name of the corpus container.</summary>
    public string Corpus => Prefix + CorpusName;

    /// <summary>Name of the config container.</summary>
    public string Config => Prefix + ConfigName;

    /// <summary>All names, for creating them at start-up.</summary>
    public IReadOnlyList<string> All => [Incoming, Patterns, Quarantine, Corpus, Config];
}
