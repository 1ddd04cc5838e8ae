using Prefilter.Engine.Checks;
using Prefilter.Engine.Messages;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>The part of a mail a check reads; cheaper parts come first in scan order.</summary>
internal enum TargetKind
{
    HeaderValue,
    HeaderAddresses,
    HeaderDisplayNames,
    HeaderAll,
    HeaderRaw,
    HeaderAllRaw,
    AttachmentFileName,
    AttachmentContentType,
    Uri,
    Body,
    RawBody,
    Full,
}

/// <summary>
/// One part of a mail (a named header, the body paragraphs, the URIs, …) with every check that reads it and one
/// literal index over their required literals.
/// </summary>
internal sealed class ScanTarget(TargetKind kind, string? headerName, string? ifUnset)
{
    public TargetKind Kind { get; } = kind;

    /// <summary>The part of the mail the target reads, to tell whether a cap that cut the mail touched it.</summary>
    public MessageParts Part => Kind switch
    {
        TargetKind.Uri => MessageParts.Uris,
        TargetKind.Body => MessageParts.Body,
        TargetKind.RawBody => MessageParts.RawBody,
        TargetKind.Full => MessageParts.Full,
        TargetKind.AttachmentFileName or TargetKind.AttachmentContentType => MessageParts.Attachments,
        _ => MessageParts.Headers,
    };

    /// <summary>For header targets.</summary>
    public string? HeaderName { get; } = headerName;

    /// <summary>For header targets: whether the header is one SpamAssassin makes from its analysis (<see cref="PseudoHeaders"/>).</summary>
    public bool IsPseudoHeader { get; } = PseudoHeaders.IsPseudoHeader(headerName);

    /// <summary>For header targets: the value rules see when the header is absent (SpamAssassin <c>[if-unset: …]</c>).</summary>
    public string AbsentValue { get; } = ifUnset ?? "";

    public List<ScanCheck> Checks { get; } = [];

    /// <summary>Checks with no useful literal: they run on every unit of the part.</summary>
    public int[] Unfiltered { get; private set; } = [];

    /// <summary>
    /// Checks without a useful literal tested a group at a time before any member runs (see
    /// <see cref="CheckGroup"/>); these are not in <see cref="Unfiltered"/>.
    /// </summary>
    public CheckGroup[] UnfilteredGroups { get; private set; } = [];

    /// <summary>Whether the part's units come joined (<see cref="TextUnits"/>), so checks can run over all of them at once.</summary>
    private bool ComesJoined => Kind is TargetKind.Body or TargetKind.RawBody or TargetKind.Uri;

    /// <summary>Checks woken by plain literals.</summary>
    public LiteralIndex? Plain { get; private set; }

    /// <summary>Checks woken by literals of the look-alike-folded text.</summary>
    public LiteralIndex? Folded { get; private set; }

    /// <summary>
    /// Folded checks also woken by marker characters in a unit (non-ASCII letters and symbols, '&amp;'), a group at a
    /// time where their patterns can be grouped.
    /// </summary>
    public MarkerWake[] MarkerWakes { get; private set; } = [];

    public bool HasFoldedPass => Folded is not null || MarkerWakes.Length > 0;

    /// <summary>The checks Hyperscan runs, when it runs any; the literal passes and groups hold only the others.</summary>
    public AcceleratedChecks? Accelerated { get; private set; }

    // Larger groups skip more runs when none matches, but their automaton grows and one member's match sends the
    // whole group to one-by-one runs; measured on the public corpus with the SpamAssassin set.
    private const int GroupSize = 16;

    // A pattern that a few characters can match ("e", "^> ", "[0-9]%") matches most mails and would send its whole
    // group to one-by-one runs; it runs alone, and cheaply, since its first match comes early.
    private static bool MatchesOften(RegexPlan plan) =>
        RegexShapes.MinWidth(RegexSyntax.Parse(plan.Pattern)) <= OftenMatchingWidth;

    private const int OftenMatchingWidth = 4;

    // A unit with a marker character wakes dozens of look-alike rules, and almost never does one match; one run of
    // their alternation spares the others. Measured on the public corpus: 375,000 runs of which 22 matched.
    private static IEnumerable<MarkerWake> GroupMarkerWakes(List<ScanCheck> checks, LinearEngineCache engines)
    {
        foreach (var sameMarkers in checks.GroupBy(check => check.Regex.Plan.MarkerWakes))
        {
            foreach (var members in sameMarkers.Where(check => check.Regex.CanBeGrouped).Chunk(GroupSize))
            {
                var group = new CheckGroup(members, engines, joined: false);
                yield return new MarkerWake(sameMarkers.Key, group.Checks, group);
            }

            var loners = sameMarkers.Where(check => !check.Regex.CanBeGrouped).Select(check => check.Index).ToArray();
            if (loners.Length > 0)
            {
                yield return new MarkerWake(sameMarkers.Key, loners, null);
            }
        }
    }

    /// <summary>What names the target in a compiled-set artifact: its kind, header and absent value.</summary>
    public string Key => KeyOf(Kind, HeaderName, AbsentValue);

    public static string KeyOf(TargetKind kind, string? headerName, string? ifUnset) =>
        $"{kind}\u0000{headerName?.ToLowerInvariant()}\u0000{ifUnset}";

    public string Describe() => HeaderName is null ? Kind.ToString() : $"{Kind} {HeaderName}";

    /// <summary>Builds the literal indexes and the groups once all checks are added.</summary>
    /// <param name="engines">Holds the groups' engines when they are built on first use.</param>
    /// <param name="accelerated">The checks Hyperscan runs, which the passes leave out.</param>
    public void Seal(LinearEngineCache engines, AcceleratedChecks? accelerated)
    {
        Accelerated = accelerated;
        var plain = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        var folded = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var unfiltered = new List<int>();
        var groupable = new List<ScanCheck>();
        var markerWakes = new List<ScanCheck>();
        foreach (var check in Checks.Where(check => accelerated?.Holds(check.Index) != true))
        {
            var plan = check.Regex.Plan;
            if (plan.RequiredLiterals.Count == 0)
            {
                if (check.Regex.CanBeGrouped && (!ComesJoined || check.Regex.CanRunJoined) && !MatchesOften(plan))
                {
                    groupable.Add(check);
                }
                else
                {
                    unfiltered.Add(check.Index);
                }

                continue;
            }

            var index = plan.LiteralsAreLookAlikeFolded ? folded : plain;
            foreach (var literal in plan.RequiredLiterals)
            {
                if (!index.TryGetValue(literal, out var wakes))
                {
                    index.Add(literal, wakes = []);
                }

                wakes.Add(check.Index);
            }

            if (plan.MarkerWakes != 0)
            {
                markerWakes.Add(check);
            }
        }

        Unfiltered = [.. unfiltered];
        UnfilteredGroups = [.. groupable.Chunk(GroupSize).Select(members => new CheckGroup(members, engines, ComesJoined))];
        MarkerWakes = [.. GroupMarkerWakes(markerWakes, engines)];
        Plain = plain.Count > 0 ? new LiteralIndex(plain, ignoreCase: true) : null;
        Folded = folded.Count > 0 ? new LiteralIndex(folded, ignoreCase: false) : null;
    }
}

/// <summary>
/// Checks woken when a unit holds any of the marker characters in <paramref name="Markers"/>: after one run of their
/// <paramref name="Group"/> matched in the unit, or each on its own when there is no group.
/// </summary>
internal sealed record MarkerWake(byte Markers, int[] Checks, CheckGroup? Group);

/// <summary>One (part, regex) pair: evaluated at most once per unit and message, shared by every rule that uses it.</summary>
internal sealed class ScanCheck(int index, ScanTarget target, RuleRegex regex)
{
    private int absent; // 0 unknown, 1 no match, 2 match; computed once per compiled set

    public int Index { get; } = index;

    public ScanTarget Target { get; } = target;

    public RuleRegex Regex { get; } = regex;

    /// <summary>Whether the regex matches the value an absent header has: decided once, then never run again.</summary>
    public bool MatchesAbsent()
    {
        if (this.absent == 0)
        {
            bool matches;
            try
            {
                var (screened, exact) = Target.Accelerated?.Holds(Index) == true ? Target.Accelerated.MatchesOnce(Index, Target.AbsentValue) : (true, false);
                matches = screened && (exact || Regex.IsMatch(Target.AbsentValue));
            }
            catch (Exception e) when (e is System.Text.RegularExpressions.RegexMatchTimeoutException or InvalidOperationException)
            {
                matches = false;
            }

            this.absent = matches ? 2 : 1;
        }

        return this.absent == 2;
    }
}
