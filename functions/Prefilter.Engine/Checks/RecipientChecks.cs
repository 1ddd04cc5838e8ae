namespace Prefilter.Engine.Checks;

/// <summary>
/// The recipient list SpamAssassin's <c>_check_recipients</c> examines: To and Cc addresses (Bcc too when there are
/// fewer than five), neighbours that repeat dropped, at most 256; and the two facts it derives.
/// </summary>
internal sealed class RecipientList
{
    private const int SimilarCount = 5;
    private const int SortedCount = 7;
    private const int PrefixLength = 2;
    private const int MaxAddresses = 256;

    private RecipientList(IReadOnlyList<string> addresses)
    {
        Sorted = addresses.Count >= SortedCount && addresses.SequenceEqual(addresses.Order(StringComparer.Ordinal), StringComparer.Ordinal);
        Similarity = addresses.Count >= SimilarCount ? SimilarityOf(addresses) : 0;
    }

    /// <summary>Seven or more recipients, in ascending order: a list generated from a sorted address file.</summary>
    public bool Sorted { get; }

    /// <summary>
    /// Over every pair of recipients, how often their local parts start alike, plus how often their domains start alike
    /// without being the same, per pair; 0 with fewer than five recipients.
    /// </summary>
    public double Similarity { get; }

    public static RecipientList Of(MessageAnalysis message)
    {
        var headers = message.View.Headers;
        var inputs = new List<string>(headers.GetAddresses("To"));
        inputs.AddRange(headers.GetAddresses("Cc"));
        if (inputs.Count < SimilarCount)
        {
            inputs.AddRange(headers.GetAddresses("Bcc"));
        }

        var addresses = new List<string>();
        var previous = "";
        foreach (var current in inputs)
        {
            // SpamAssassin's loop ends at a value Perl counts as false.
            if (current is "" or "0" || addresses.Count == MaxAddresses)
            {
                break;
            }

            if (!current.Equals(previous, StringComparison.OrdinalIgnoreCase))
            {
                addresses.Add(previous = current);
            }
        }

        return new RecipientList(addresses);
    }

    private static double SimilarityOf(IReadOnlyList<string> addresses)
    {
        // As in SpamAssassin, the domains are listed only for addresses that have one, so with an address without '@'
        // later domains pair with the wrong users; kept, so that the check hits where SpamAssassin's does.
        var users = addresses.Select(address => Prefix(address)).ToArray();
        var domains = addresses.Where(address => address.Contains('@')).Select(address => address[(address.IndexOf('@') + 1)..]).ToArray();
        var hosts = domains.Select(Prefix).ToArray();
        var (hits, pairs) = (0, 0);
        for (var i = 0; i < addresses.Count; i++)
        {
            for (var j = i + 1; j < addresses.Count; j++)
            {
                hits += users[i] == users[j] ? 1 : 0;
                hits += At(hosts, i) == At(hosts, j) && At(domains, i) != At(domains, j) ? 1 : 0;
                pairs++;
            }
        }

        return (double)hits / pairs;
    }

    private static string Prefix(string text) => text.Length > PrefixLength ? text[..PrefixLength] : text;

    private static string At(string[] values, int index) => index < values.Length ? values[index] : "";
}

/// <summary>Recipients whose addresses look alike (SpamAssassin's <c>similar_recipients</c>): a harvested list.</summary>
internal sealed class SimilarRecipientsCheck(IReadOnlyList<PatternSets.CheckArgument> args) : BuiltInCheck
{
    private readonly double? min = args[0].Number;
    private readonly double? max = args[1].Number;

    public override bool Hits(MessageAnalysis message)
    {
        var similarity = message.Recipients.Similarity;
        return (this.min is not { } min || similarity >= min) && (this.max is not { } max || similarity < max);
    }
}

/// <summary>Seven or more recipients in sorted order (SpamAssassin's <c>sorted_recipients</c>).</summary>
internal sealed class SortedRecipientsCheck : BuiltInCheck
{
    public override bool Hits(MessageAnalysis message) => message.Recipients.Sorted;
}
