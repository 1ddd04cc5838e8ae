namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// What the relays of one attempt answered, in the order they came, as the texts the mail's retry log or dead-letter
/// reason gives: the failures a retry may fix, and the refusals that stand.
/// </summary>
internal sealed class RelayAnswers
{
    private readonly List<string> transient = [];
    private readonly List<string> refused;
    private readonly int unserved;

    /// <summary>Starts with the recipients whose domain no longer is served: refused before any relay.</summary>
    /// <param name="unserved">The envelope recipients outside the domain policy.</param>
    public RelayAnswers(IReadOnlyList<string> unserved)
    {
        refused = [.. unserved.Select(recipient => $"{recipient}: recipient domain not served")];
        this.unserved = unserved.Count;
    }

    /// <summary>Whether a relay failed in a way a later attempt may fix.</summary>
    public bool AnyTransient => transient.Count > 0;

    /// <summary>Whether a recipient was refused for good.</summary>
    public bool AnyRefused => refused.Count > 0;

    /// <summary>Whether every refusal is a recipient whose domain is not served: no downstream refused anything.</summary>
    public bool OnlyUnserved => refused.Count == unserved;

    /// <summary>The transient failures, then the refusals.</summary>
    public IReadOnlyList<string> All => [.. transient, .. refused];

    /// <summary>The refusals.</summary>
    public IReadOnlyList<string> Refusals => refused;

    /// <summary>Adds a failure a later attempt may fix.</summary>
    /// <param name="failure">What failed.</param>
    public void AddTransient(string failure) => transient.Add(failure);

    /// <summary>Adds a refusal that stands.</summary>
    /// <param name="refusal">Who refused what.</param>
    public void AddRefused(string refusal) => refused.Add(refusal);
}
