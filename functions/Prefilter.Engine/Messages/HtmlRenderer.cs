using System.Net;

namespace Prefilter.Engine.Messages;

/// <summary>
/// Renders HTML to the text a reader sees, in one forward pass without a DOM: script, style, head and
/// comments are dropped; inline tags vanish (so <c>V&lt;b&gt;&lt;/b&gt;iagra</c> reads <c>Viagra</c>, as in a
/// browser); block tags become line or paragraph breaks; entities are decoded; URI attributes
/// (<c>href</c>, <c>src</c>, …) are collected on the way.
/// </summary>
/// <remarks>
/// Every step moves forward and the searches it makes are linear, so a document costs O(length) whatever
/// its shape (unclosed tags, quotes or comments end at the end of the text, as in browsers).
/// </remarks>
internal static class HtmlRenderer
{
    private enum TagKind
    {
        Inline,
        LineBreak,
        ParagraphBreak,
        Cell,
        Hidden,
        Head,
    }

    public static void Render(ReadOnlySpan<char> html, ParagraphWriter text, UriCollector uris)
    {
        int i = 0;
        bool headNeverEnds = false;
        while (i < html.Length)
        {
            int lt = html[i..].IndexOf('<');
            if (lt < 0)
            {
                WriteText(html[i..], text);
                return;
            }

            if (lt > 0)
            {
                WriteText(html.Slice(i, lt), text);
            }

            i = ReadMarkup(html, i + lt, text, uris, ref headNeverEnds);
        }
    }

    private static void WriteText(ReadOnlySpan<char> run, ParagraphWriter text)
    {
        if (run.Contains('&'))
        {
            text.Write(WebUtility.HtmlDecode(run.ToString()), lineBreaksAreSpaces: true);
        }
        else
        {
            text.Write(run, lineBreaksAreSpaces: true);
        }
    }

    /// <summary>Reads the markup starting at <paramref name="i"/> (a <c>&lt;</c>) and returns where text resumes.</summary>
    private static int ReadMarkup(ReadOnlySpan<char> html, int i, ParagraphWriter text, UriCollector uris, ref bool headNeverEnds)
    {
        var rest = html[(i + 1)..];
        if (rest.StartsWith("!--"))
        {
            int close = rest[3..].IndexOf("-->");
            return close < 0 ? html.Length : i + 1 + 3 + close + 3;
        }

        if (rest.StartsWith('!') || rest.StartsWith('?'))
        {
            int gt = rest.IndexOf('>');
            return gt < 0 ? html.Length : i + 1 + gt + 1;
        }

        bool closing = rest.StartsWith('/');
        int nameStart = i + 1 + (closing ? 1 : 0);
        if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
        {
            // A '<' that opens no tag is text ("a < b").
            text.Write("<", lineBreaksAreSpaces: true);
            return i + 1;
        }

        int nameEnd = nameStart + 1;
        while (nameEnd < html.Length && char.IsAsciiLetterOrDigit(html[nameEnd]))
        {
            nameEnd++;
        }

        var name = html[nameStart..nameEnd];
        int end = ReadAttributes(html, nameEnd, closing ? null : uris);
        switch (Classify(name))
        {
            case TagKind.LineBreak:
                text.LineBreak();
                break;
            case TagKind.ParagraphBreak:
                text.Break();
                break;
            case TagKind.Cell:
                text.Space();
                break;
            case TagKind.Hidden when !closing:
                return SkipTo(html, end, name);
            case TagKind.Head when !closing && !headNeverEnds:
                int resume = SkipHead(html, end);
                headNeverEnds = resume == end;
                return resume;
        }

        return end;
    }

    /// <summary>Skips the content of a script/style/title element up to its closing tag, which is then read normally.</summary>
    private static int SkipTo(ReadOnlySpan<char> html, int from, ReadOnlySpan<char> name)
    {
        var rest = html[from..];
        int offset = 0;
        while (true)
        {
            int close = rest[offset..].IndexOf("</", StringComparison.Ordinal);
            if (close < 0)
            {
                return html.Length;
            }

            int at = offset + close;
            var after = rest[(at + 2)..];
            if (after.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                && (after.Length == name.Length || !char.IsAsciiLetterOrDigit(after[name.Length])))
            {
                return from + at;
            }

            offset = at + 2;
        }
    }

    /// <summary>
    /// Skips the head up to <c>&lt;/head</c> or <c>&lt;body</c>; when neither follows, the head is not
    /// dropped, so a document that never closes its head still shows its text. The caller stops looking
    /// after a miss: neither can follow a later head either, and searching again per head would make
    /// thousands of head tags cost quadratic time.
    /// </summary>
    private static int SkipHead(ReadOnlySpan<char> html, int from)
    {
        var rest = html[from..];
        int close = rest.IndexOf("</head", StringComparison.OrdinalIgnoreCase);
        if (close < 0)
        {
            close = rest.IndexOf("<body", StringComparison.OrdinalIgnoreCase);
        }

        return close < 0 ? from : from + close;
    }

    /// <summary>Reads attributes up to the tag's closing <c>&gt;</c>, honouring quotes; returns the index after it.</summary>
    private static int ReadAttributes(ReadOnlySpan<char> html, int position, UriCollector? uris)
    {
        while (position < html.Length)
        {
            char c = html[position];
            if (c == '>')
            {
                return position + 1;
            }

            if (char.IsWhiteSpace(c) || c == '/')
            {
                position++;
                continue;
            }

            int nameStart = position;
            while (position < html.Length && html[position] is not ('=' or '>' or '/') && !char.IsWhiteSpace(html[position]))
            {
                position++;
            }

            var attribute = html[nameStart..position];
            while (position < html.Length && char.IsWhiteSpace(html[position]))
            {
                position++;
            }

            if (position >= html.Length || html[position] != '=')
            {
                if (position == nameStart)
                {
                    position++;
                }

                continue;
            }

            position++;
            while (position < html.Length && char.IsWhiteSpace(html[position]))
            {
                position++;
            }

            var value = ReadAttributeValue(html, ref position);
            if (uris is not null && IsUriAttribute(attribute))
            {
                uris.AddAttributeValue(value);
            }
        }

        return html.Length;
    }

    /// <summary>Reads a quoted or bare attribute value at <paramref name="position"/> and moves past it.</summary>
    private static ReadOnlySpan<char> ReadAttributeValue(ReadOnlySpan<char> html, ref int position)
    {
        if (position >= html.Length || html[position] is not ('"' or '\''))
        {
            int valueStart = position;
            while (position < html.Length && html[position] != '>' && !char.IsWhiteSpace(html[position]))
            {
                position++;
            }

            return html[valueStart..position];
        }

        char quote = html[position];
        int close = html[(position + 1)..].IndexOf(quote);
        if (close < 0)
        {
            // An unclosed quote runs to the end of the tag instead of swallowing the document.
            int gt = html[(position + 1)..].IndexOf('>');
            int stop = gt < 0 ? html.Length : position + 1 + gt;
            var unclosed = html[(position + 1)..stop];
            position = stop;
            return unclosed;
        }

        var value = html.Slice(position + 1, close);
        position += close + 2;
        return value;
    }

    private static bool IsUriAttribute(ReadOnlySpan<char> attribute)
    {
        if (attribute.Length is < 3 or > 10)
        {
            return false;
        }

        Span<char> lower = stackalloc char[10];
        int written = attribute.ToLowerInvariant(lower);
        return lower[..written] switch
        {
            "href" or "src" or "action" or "background" or "lowsrc" or "dynsrc" or "data" or "cite" or "longdesc"
                or "formaction" or "poster" or "codebase" => true,
            _ => false,
        };
    }

    private static TagKind Classify(ReadOnlySpan<char> name)
    {
        if (name.Length > 10)
        {
            return TagKind.Inline;
        }

        Span<char> lower = stackalloc char[10];
        int written = name.ToLowerInvariant(lower);
        return lower[..written] switch
        {
            "br" or "div" or "tr" or "li" or "dt" or "dd" or "option" or "caption" or "center" or "address"
                or "section" or "article" or "header" or "footer" or "nav" or "aside" or "main" or "figure" => TagKind.LineBreak,
            "p" or "h1" or "h2" or "h3" or "h4" or "h5" or "h6" or "hr" or "table" or "blockquote" or "pre"
                or "ul" or "ol" or "dl" or "form" or "fieldset" or "body" or "html" => TagKind.ParagraphBreak,
            "td" or "th" => TagKind.Cell,
            "script" or "style" or "title" or "noscript" or "template" or "xml" => TagKind.Hidden,
            "head" => TagKind.Head,
            _ => TagKind.Inline,
        };
    }
}
