using Prefilter.Engine.Checks;
using Prefilter.Engine.Messages;
using Prefilter.Engine.Meta;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Turns one scan's check results into rule hits: regex rules from their checks, header-exists and list rules from
/// the headers, then metas in dependency order. Built once per compiled set as flat arrays; immutable and
/// thread-safe.
/// </summary>
/// <remarks>
/// A mail hits a few dozen of a large set's rules, so most metas read only misses and take the value they have then,
/// computed once; a meta is evaluated only when one of the rules it reads hit.
/// </remarks>
internal sealed class RuleHits
{
    private readonly int ruleCount;
    private readonly int[] checkRules;
    private readonly int[] checkOf;
    private readonly bool[] negated;
    private readonly (int Rule, string Header)[] existsRules;
    private readonly (int Rule, ListMatcher List)[] listRules;
    private readonly (int Rule, BuiltInCheck Check)[] builtInRules;
    private readonly int[] metaOrder;
    private readonly BoundMetaExpression?[] metaOf;

    // The metas that read each rule, as one array sliced by rule: rule r's readers are
    // this.readers[this.readersStart[r] .. this.readersStart[r + 1]].
    private readonly int[] readersStart;
    private readonly int[] readers;

    /// <param name="ruleCount">Rules in the set; hits are indexed like them.</param>
    /// <param name="checkRules">Regex rules: the check each reads and whether it hits when its regex found nothing.</param>
    /// <param name="existsRules">Rules that hit when a header is present.</param>
    /// <param name="listRules">Address and domain list rules.</param>
    /// <param name="builtInRules">Rules that run a built-in check.</param>
    /// <param name="metas">Meta rules, each after every meta it reads.</param>
    public RuleHits(int ruleCount, IReadOnlyList<(int Rule, int Check, bool Negate)> checkRules,
        IReadOnlyList<(int Rule, string Header)> existsRules, IReadOnlyList<(int Rule, ListMatcher List)> listRules,
        IReadOnlyList<(int Rule, BuiltInCheck Check)> builtInRules, IReadOnlyList<(int Rule, BoundMetaExpression Meta)> metas)
    {
        this.ruleCount = ruleCount;
        this.checkRules = [.. checkRules.Select(rule => rule.Rule)];
        this.checkOf = new int[ruleCount];
        this.negated = new bool[ruleCount];
        foreach (var (rule, check, negate) in checkRules)
        {
            this.checkOf[rule] = check;
            this.negated[rule] = negate;
        }

        this.existsRules = [.. existsRules];
        this.listRules = [.. listRules];
        this.builtInRules = [.. builtInRules];
        this.metaOrder = [.. metas.Select(meta => meta.Rule)];
        this.metaOf = new BoundMetaExpression?[ruleCount];
        var readers = new List<int>[ruleCount];
        foreach (var (rule, meta) in metas)
        {
            this.metaOf[rule] = meta;
            foreach (var reference in meta.Indices.Where(reference => reference >= 0).Distinct())
            {
                (readers[reference] ??= []).Add(rule);
            }
        }

        this.readersStart = new int[ruleCount + 1];
        for (var rule = 0; rule < ruleCount; rule++)
        {
            this.readersStart[rule + 1] = this.readersStart[rule] + (readers[rule]?.Count ?? 0);
        }

        this.readers = [.. readers.Where(list => list is not null).SelectMany(list => list)];
    }

    /// <summary>Fills <paramref name="hits"/> (one flag per rule, all false on entry).</summary>
    /// <param name="checkHit">Per check: whether its regex matched some unit.</param>
    /// <param name="checkDone">Per check: whether its regex ran on every unit (a negated rule needs that).</param>
    /// <param name="message">The parsed mail and what was computed about it, or null when it could not be read.</param>
    /// <param name="hits">Per rule, written.</param>
    /// <param name="read">Scratch, one flag per rule, all false on entry: whether a meta reads a rule that hit.</param>
    public void Resolve(ReadOnlySpan<bool> checkHit, ReadOnlySpan<bool> checkDone, MessageAnalysis? message, Span<bool> hits, Span<bool> read)
    {
        foreach (var rule in this.checkRules)
        {
            // A negated rule hits only when its regex ran everywhere and found nothing.
            var check = this.checkOf[rule];
            if (this.negated[rule] ? checkDone[check] && !checkHit[check] : checkHit[check])
            {
                Hit(rule, hits, read);
            }
        }

        if (message?.View is { } view)
        {
            foreach (var (rule, header) in this.existsRules)
            {
                if (view.Headers.Contains(header))
                {
                    Hit(rule, hits, read);
                }
            }

            foreach (var (rule, list) in this.listRules)
            {
                if (list.Matches(view.Headers))
                {
                    Hit(rule, hits, read);
                }
            }

            foreach (var (rule, check) in this.builtInRules)
            {
                if (check.Hits(message))
                {
                    Hit(rule, hits, read);
                }
            }
        }

        ReadOnlySpan<bool> values = hits[..ruleCount];
        foreach (var meta in this.metaOrder)
        {
            var expression = this.metaOf[meta]!;
            if (read[meta] ? expression.Hits(values) : expression.HitsWhenNoneHit)
            {
                Hit(meta, hits, read);
            }
        }
    }

    private void Hit(int rule, Span<bool> hits, Span<bool> read)
    {
        hits[rule] = true;
        for (var i = this.readersStart[rule]; i < this.readersStart[rule + 1]; i++)
        {
            read[this.readers[i]] = true;
        }
    }
}
