namespace Prefilter.Engine.Scanning;

/// <summary>
/// All required literals of the checks that read one part, found in one pass over the text by an Aho-Corasick
/// automaton: every occurrence of every literal, each with the checks it wakes. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// A vectorised <c>IndexOfAny</c> over thousands of literals stops at nearly every word of a mail, and then each stop
/// has to find which literals start there; the automaton reads each character once, with one table lookup, and
/// knows at each position which literals end there. The transition table is dense over an alphabet of the
/// characters the literals use (all others share one class), so its size is states × that alphabet.
/// </remarks>
internal sealed class LiteralIndex
{
    private readonly bool ignoreCase;
    private readonly ushort[] asciiClass = new ushort[128];
    private readonly Dictionary<char, ushort> otherClass = [];
    private readonly int classes;
    private readonly int[] next;
    private readonly int[] outputStart;
    private readonly int[] outputLength;
    private readonly int[] outputCheck;

    /// <param name="literals">Each literal with the global indices of the checks it wakes.</param>
    /// <param name="ignoreCase">
    /// Plain literals match ignoring case as <see cref="StringComparison.OrdinalIgnoreCase"/> does (per character,
    /// upper-invariant); folded text is already lowercase and matches ordinally.
    /// </param>
    public LiteralIndex(IReadOnlyDictionary<string, List<int>> literals, bool ignoreCase)
    {
        this.ignoreCase = ignoreCase;
        this.classes = AssignClasses(literals.Keys, ignoreCase);
        var (children, ends) = Trie(literals);
        var outputs = new List<(int Length, int[] Checks)>[children.Count];
        this.next = Transitions(children, ends, outputs);
        (this.outputStart, this.outputLength, this.outputCheck) = Flatten(outputs);
        MarkOutputTargets();
    }

    // One class per character the literals use; class 0 for every other character. Returns the number of classes.
    private int AssignClasses(IEnumerable<string> literals, bool ignoreCase)
    {
        var classes = 1;
        foreach (var c in literals.SelectMany(literal => literal).Select(Fold).Distinct().Order())
        {
            var id = (ushort)classes++;
            if (c < 128)
            {
                this.asciiClass[c] = id;
            }
            else
            {
                this.otherClass.Add(c, id);
            }
        }

        if (ignoreCase)
        {
            // Both cases of an ASCII letter share its class, so the hot loop needs no folding for ASCII.
            for (var c = 'a'; c <= 'z'; c++)
            {
                this.asciiClass[c] = this.asciiClass[char.ToUpperInvariant(c)];
            }
        }

        return classes;
    }

    // The trie: children per state, the literals ending at each state.
    private (List<Dictionary<int, int>> Children, List<List<(int Length, int[] Checks)>> Ends) Trie(IReadOnlyDictionary<string, List<int>> literals)
    {
        var children = new List<Dictionary<int, int>> { new() };
        var ends = new List<List<(int Length, int[] Checks)>> { new() };
        foreach (var (literal, checks) in literals)
        {
            var state = 0;
            foreach (var c in literal)
            {
                var cls = ClassOf(c);
                if (!children[state].TryGetValue(cls, out var child))
                {
                    child = children.Count;
                    children[state].Add(cls, child);
                    children.Add([]);
                    ends.Add([]);
                }

                state = child;
            }

            ends[state].Add((literal.Length, [.. checks]));
        }

        return (children, ends);
    }

    // Breadth-first: each state's failure link is final before its children need it, so the dense table and the
    // outputs (own literals, then those of the failure state) are built in one sweep.
    private int[] Transitions(List<Dictionary<int, int>> children, List<List<(int Length, int[] Checks)>> ends, List<(int Length, int[] Checks)>[] outputs)
    {
        var states = children.Count;
        var next = new int[states * this.classes];
        var failure = new int[states];
        outputs[0] = ends[0];
        var queue = new Queue<int>();
        foreach (var (cls, child) in children[0])
        {
            next[cls] = child;
            queue.Enqueue(child);
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            outputs[state] = [.. ends[state], .. outputs[failure[state]]];
            for (var cls = 0; cls < this.classes; cls++)
            {
                if (children[state].TryGetValue(cls, out var child))
                {
                    failure[child] = next[failure[state] * this.classes + cls];
                    next[state * this.classes + cls] = child;
                    queue.Enqueue(child);
                }
                else
                {
                    next[state * this.classes + cls] = next[failure[state] * this.classes + cls];
                }
            }
        }

        return next;
    }

    // Each state's outputs as a run of (length, check) entries: state s owns entries start[s] to start[s + 1].
    private static (int[] Start, int[] Length, int[] Check) Flatten(List<(int Length, int[] Checks)>[] outputs)
    {
        var start = new int[outputs.Length + 1];
        var lengths = new List<int>();
        var checkList = new List<int>();
        for (var state = 0; state < outputs.Length; state++)
        {
            start[state] = lengths.Count;
            foreach (var (length, checks) in outputs[state])
            {
                foreach (var check in checks)
                {
                    lengths.Add(length);
                    checkList.Add(check);
                }
            }
        }

        start[outputs.Length] = lengths.Count;
        return (start, [.. lengths], [.. checkList]);
    }

    // The hot loop reads one entry per character: the target's row offset, complemented when the target has
    // outputs, so neither a multiplication nor a second lookup is needed on the way.
    private void MarkOutputTargets()
    {
        for (var i = 0; i < this.next.Length; i++)
        {
            var target = this.next[i];
            this.next[i] = this.outputStart[target] != this.outputStart[target + 1] ? ~(target * this.classes) : target * this.classes;
        }
    }

    /// <summary>Every occurrence of every literal in <paramref name="text"/>, by end position.</summary>
    public Matches Find(ReadOnlySpan<char> text) => new(this, text);

    private char Fold(char c) =>
        this.ignoreCase && !char.IsSurrogate(c) ? char.ToUpperInvariant(c) : c;

    private int ClassOf(char c)
    {
        if (c < 128)
        {
            return this.asciiClass[c];
        }

        if (this.otherClass.Count == 0)
        {
            return 0;
        }

        // A few non-ASCII characters fold to ASCII ones (U+017F long s to S), as OrdinalIgnoreCase compares them.
        var folded = Fold(c);
        return folded < 128 ? this.asciiClass[folded] : this.otherClass.GetValueOrDefault(folded);
    }

    /// <summary>Enumerates literal occurrences: each is one (start, check) pair; a check may come several times.</summary>
    public ref struct Matches
    {
        private readonly LiteralIndex index;
        private readonly ReadOnlySpan<char> text;
        private int row;
        private int position;
        private int output;
        private int outputEnd;

        internal Matches(LiteralIndex index, ReadOnlySpan<char> text)
        {
            this.index = index;
            this.text = text;
            this.position = -1;
        }

        /// <summary>Where the current literal starts in the text.</summary>
        public readonly int Start => this.position - this.index.outputLength[this.output] + 1;

        /// <summary>Where the current literal ends in the text (past its last character).</summary>
        public readonly int End => this.position + 1;

        /// <summary>A check the current literal wakes.</summary>
        public readonly int Check => this.index.outputCheck[this.output];

        /// <summary>Moves to the next (occurrence, check) pair.</summary>
        public bool MoveNext()
        {
            if (++this.output < this.outputEnd)
            {
                return true;
            }

            var index = this.index;
            var next = index.next;
            var ascii = index.asciiClass;
            var row = this.row;
            for (var position = this.position + 1; position < this.text.Length; position++)
            {
                var c = this.text[position];
                var target = next[row + (c < 128 ? ascii[c] : index.ClassOf(c))];
                if (target >= 0)
                {
                    row = target;
                    continue;
                }

                row = ~target;
                var state = row / index.classes;
                this.row = row;
                this.position = position;
                this.output = index.outputStart[state];
                this.outputEnd = index.outputStart[state + 1];
                return true;
            }

            this.row = row;
            this.position = this.text.Length;
            this.outputEnd = 0;
            return false;
        }

        public readonly Matches GetEnumerator() => this;

        public readonly (int Start, int End, int Check) Current => (Start, End, Check);
    }
}
