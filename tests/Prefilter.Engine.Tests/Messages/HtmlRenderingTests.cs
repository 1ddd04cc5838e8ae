using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class HtmlRenderingTests
{
    private static MessageView Html(string html) =>
        Mail.Parse($"Content-Type: text/html; charset=utf-8\n\n{html}");

    [Fact]
    public void ScriptStyleHeadAndCommentsAreDropped()
    {
        var view = Html(
            "<html><head><title>secret title</title><style>p { color: red }</style></head>" +
            "<body><script>var hidden = 1;</script><!-- a comment -->visible text<SCRIPT type=x>more hidden</SCRIPT> end</body></html>");

        Assert.Equal(["visible text end"], view.Body.ToArray());
    }

    [Fact]
    public void InlineTagsVanishLikeInABrowser()
    {
        var view = Html("<p>V<b></b>ia<span style='x'>gra</span> <i>now</i></p>");

        Assert.Equal(["Viagra now"], view.Body.ToArray());
    }

    [Fact]
    public void BlockTagsBreakLinesAndParagraphs()
    {
        var view = Html("one<br>two<p>three</p><div>four</div><br><br>five<table><tr><td>a</td><td>b</td></tr></table>");

        Assert.Equal(["one two", "three", "four", "five", "a b"], view.Body.ToArray());
    }

    [Fact]
    public void SourceLineBreaksAreSpacesInHtml()
    {
        var view = Html("first\n\n\nsecond\r\n  third");

        Assert.Equal(["first second third"], view.Body.ToArray());
    }

    [Fact]
    public void EntitiesAreDecoded()
    {
        var view = Html("Fish &amp; chips &lt;b&gt; &#65;&#x42; caf&eacute;&nbsp;&nbsp;bar");

        Assert.Equal(["Fish & chips <b> AB café bar"], view.Body.ToArray());
    }

    [Fact]
    public void LoneLessThanIsText()
    {
        var view = Html("if a < b and c <3 then");

        Assert.Equal(["if a < b and c <3 then"], view.Body.ToArray());
    }

    [Fact]
    public void UnclosedCommentDropsTheRest()
    {
        var view = Html("before <!-- never closed <p>hidden</p>");

        Assert.Equal(["before"], view.Body.ToArray());
    }

    [Fact]
    public void UnclosedHeadDoesNotSwallowTheText()
    {
        var view = Html("<head><meta charset=utf-8>Buy now");

        Assert.Equal(["Buy now"], view.Body.ToArray());
    }

    [Fact]
    public void ManyUnclosedHeadsStillRenderTheText()
    {
        var view = Html(string.Concat(Enumerable.Repeat("<head>x", 3)));

        Assert.Equal(["xxx"], view.Body.ToArray());
    }

    [Fact]
    public void UriAttributesAreCollected()
    {
        var view = Html(
            "<a href=\"http://click.example/?a=1&amp;b=2\">x</a><img src='http://img.example/a.png'>" +
            "<form action=http://form.example/post><input></form><body background=\"http://bg.example/b.jpg\">" +
            "<a HREF = \" http://spaced.example/ \">y</a><a title=\"http://not-a-link.example\">z</a>");

        Assert.Equal(
            ["http://click.example/?a=1&b=2", "http://img.example/a.png", "http://form.example/post", "http://bg.example/b.jpg", "http://spaced.example/"],
            view.Uris.ToArray());
    }

    [Fact]
    public void QuotedGreaterThanDoesNotEndTheTag()
    {
        var view = Html("<a href=\"http://q.example/?x=>y\" title='a>b'>link text</a>");

        Assert.Equal(["link text"], view.Body.ToArray());
        Assert.Equal(["http://q.example/?x=>y"], view.Uris.ToArray());
    }

    [Fact]
    public void UnclosedQuoteEndsAtTheTag()
    {
        var view = Html("<a href=\"http://open.example/>after</a> tail");

        Assert.Equal(["after tail"], view.Body.ToArray());
    }

    [Fact]
    public void RawBodyKeepsTheMarkup()
    {
        var view = Html("<p>Hello <b>World</b></p>\n<p>second</p>");

        Assert.Equal(["<p>Hello <b>World</b></p>", "<p>second</p>"], view.RawBody.ToArray());
        Assert.Equal(["Hello World", "second"], view.Body.ToArray());
    }

    [Fact]
    public void AlternativePartsAreBothRead()
    {
        var view = Mail.Parse(
            "Subject: alt\nContent-Type: multipart/alternative; boundary=A\n\n--A\nContent-Type: text/plain\n\nplain version\n" +
            "--A\nContent-Type: text/html\n\n<p>html <b>version</b></p>\n--A--\n");

        Assert.Equal(["alt", "plain version", "html version"], view.Body.ToArray());
    }
}
