namespace Prefilter.Engine.Messages;

/// <summary>
/// Turns text into SpamAssassin body paragraphs: a whitespace run holding two or more line breaks ends a
/// paragraph, any other whitespace run becomes one space, paragraphs are trimmed, and a paragraph longer
/// than the cap is split at its last space before the cap (or hard at the cap when it has none).
/// </summary>
internal sealed class ParagraphWriter : IDisposable
{
    private readonly TextUnitsBuilder units = new(4096);
    private readonly int maxChars;
    private readonly int maxParagraphs;
    private bool inParagraph;
    private bool pendingSpace;
    private int pendingNewlines;

    public ParagraphWriter(int maxChars, int maxParagraphs)
    {
        this.maxChars = maxChars;
        this.maxParagraphs = maxParagraphs;
    }

    /// <summary>True once text was dropped because <c>MaxParagraphs</c> was reached.</summary>
    public bool Truncated { get; private set; }

    public int Count => units.Count;

    /// <summary>
    /// Writes text; whitespace state carries over between calls, so a paragraph can span calls.
    /// With <paramref name="lineBreaksAreSpaces"/> (HTML text) a line break is plain whitespace and only
    /// <see cref="LineBreak"/> and <see cref="Break"/> separate lines.
    /// </summary>
    public void Write(ReadOnlySpan<char> text, bool lineBreaksAreSpaces = false)
    {
        // One pass, one branch per character: runs are short in prose, so searching for them costs more than it saves.
        int runStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (!IsWhitespace(c))
            {
                continue;
            }

            if (i > runStart)
            {
                WriteRun(text[runStart..i]);
            }

            if (c == '\n' && !lineBreaksAreSpaces)
            {
                pendingNewlines++;
            }

            pendingSpace = true;
            runStart = i + 1;
        }

        if (runStart < text.Length)
        {
            WriteRun(text[runStart..]);
        }
    }

    /// <summary>A line break (HTML <c>br</c>, <c>div</c>, …): two in a row end the paragraph.</summary>
    public void LineBreak()
    {
        pendingNewlines++;
        pendingSpace = true;
    }

    /// <summary>Whitespace between words that the text itself does not carry (HTML table cells).</summary>
    public void Space()
    {
        pendingSpace = true;
    }

    /// <summary>Ends the current paragraph: the next text starts a new one.</summary>
    public void Break()
    {
        pendingNewlines = 2;
    }

    public TextUnits Build() => units.Build();

    /// <summary>Unicode whitespace, as Perl's <c>\s</c> under Unicode rules (SpamAssassin collapses it with <c>s/\s+/ /g</c>).</summary>
    private static bool IsWhitespace(char c) =>
        c <= ' ' ? c == ' ' || (uint)(c - '\t') <= '\r' - '\t' : c >= '\u0085' && char.IsWhiteSpace(c);

    public void Dispose() => units.Dispose();

    private void WriteRun(ReadOnlySpan<char> run)
    {
        if (Truncated)
        {
            return;
        }

        if (!inParagraph || pendingNewlines >= 2)
        {
            if (!TryStartParagraph())
            {
                return;
            }
        }
        else if (pendingSpace)
        {
            if (units.CurrentLength < maxChars)
            {
                units.Append(' ');
            }
            else if (!TryStartParagraph())
            {
                return;
            }
        }

        pendingSpace = false;
        pendingNewlines = 0;
        AppendBounded(run);
    }

    private bool TryStartParagraph()
    {
        if (units.Count >= maxParagraphs)
        {
            Truncated = true;
            return false;
        }

        units.StartUnit();
        inParagraph = true;
        return true;
    }

    private void AppendBounded(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            int room = maxChars - units.CurrentLength;
            if (text.Length <= room)
            {
                units.Append(text);
                return;
            }

            units.Append(text[..room]);
            text = text[room..];

            // The paragraph is full: continue in a new one, splitting at the last space like SpamAssassin.
            if (units.Count >= maxParagraphs)
            {
                Truncated = true;
                return;
            }

            int lastSpace = units.Current.LastIndexOf(' ');
            if (lastSpace > 0)
            {
                units.SplitCurrentAt(lastSpace);
            }
            else
            {
                units.StartUnit();
            }
        }
    }
}
