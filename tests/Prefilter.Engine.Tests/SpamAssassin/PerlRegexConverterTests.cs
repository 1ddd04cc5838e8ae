using System.Text.RegularExpressions;
using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Engine.Tests.SpamAssassin;

public class PerlRegexConverterTests
{
    [Theory]
    [InlineData("foo", "", "foo")]
    [InlineData("foo", "i", "(?i)foo")]
    [InlineData("a.b", "si", "(?si)a.b")]
    [InlineData("foo", "gop", "foo")]
    [InlineData(@"\d+\w\s", "", @"[0-9]+[a-zA-Z0-9_][\t\n\x0B\f\r ]")]
    [InlineData(@"\D\W\S", "", @"[^0-9][^a-zA-Z0-9_][^\t\n\x0B\f\r ]")]
    [InlineData(@"[\w.-]+", "", @"[a-zA-Z0-9_.\-]+")]
    [InlineData(@"[^\W\d]", "", @"[a-zA-Z0-9_-[0-9]]")]
    [InlineData(@"[\W_]", "", @"(?:[_]|[^a-zA-Z0-9_])")]
    [InlineData("[[:alpha:][:digit:]]", "", "[a-zA-Z0-9]")]
    [InlineData("[[:^space:]]", "", @"[^\t\n\x0B\f\r ]")]
    [InlineData("a++b", "", "(?>a+)b")]
    [InlineData("(?:ab)*+c", "", "(?>(?:ab)*)c")]
    [InlineData("x{2,3}+", "", "(?>x{2,3})")]
    [InlineData("x?+", "", "(?>x?)")]
    [InlineData("a+?", "", "a+?")]
    [InlineData(@"\x{263a}", "", "\u263A")]
    [InlineData(@"\x41\xc3\xA", "", "A\u00C3\\n")]
    [InlineData(@"\101\0", "", @"A\x00")]
    [InlineData(@"[\101-\103]", "", "[A-C]")]
    [InlineData(@"\o{101}", "", "A")]
    [InlineData(@"\N{U+263A}", "", "\u263A")]
    [InlineData(@"\x{1F600}+", "", @"(?:\uD83D\uDE00)+")]
    [InlineData(@"(a)\1", "", @"(a)\1")]
    [InlineData(@"(a)\g{-1}\g1", "", @"(a)\1\1")]
    [InlineData(@"(?<n>a)\k{n}\g{n}", "", @"(?<n>a)\k<n>\k<n>")]
    [InlineData(@"(?P<n>a)(?P=n)", "", @"(?<n>a)\k<n>")]
    [InlineData(@"(?'n'a)\k'n'", "", @"(?<n>a)\k<n>")]
    [InlineData(@"\h", "", @"[\t \xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000]")]
    [InlineData(@"\v\V", "", @"[\n\x0B\f\r\x85\u2028\u2029][^\n\x0B\f\r\x85\u2028\u2029]")]
    [InlineData(@"\R", "", @"(?>\r\n|[\n\x0B\f\r\x85\u2028\u2029])")]
    [InlineData(@"a\Nb", "", @"a[^\n]b")]
    [InlineData(" a b # comment\n c ", "x", "abc")]
    [InlineData(@"a\ b[ ]", "x", "a b[ ]")]
    [InlineData("a(?x: b c )d e", "", "a(?:bc)d e")]
    [InlineData("x{,3}", "", "x{0,3}")]
    [InlineData("x{ 2 , 3 }", "", "x{2,3}")]
    [InlineData("x{a}", "", @"x\{a}")]
    [InlineData("(?i)a(?-i)b", "", "(?i)a(?-i)b")]
    [InlineData("(?^i:a)", "", "(?i-msn:a)")]
    [InlineData("(?#note)a", "", "a")]
    [InlineData(@"\p{Lu}\pL\P{Nd}", "", @"\p{Lu}\p{L}\P{Nd}")]
    [InlineData(@"\/\-\@\.\_", "", @"/-@\._")]
    [InlineData(@"^\bfoo\B$\A\z\Z", "", @"^\bfoo\B$\A\z\Z")]
    [InlineData("[]a]", "", @"[\]a]")]
    [InlineData("[^]a]", "", @"[^\]a]")]
    [InlineData(@"(?<=a)(?<!b)(?=c)(?!d)(?>e)", "", @"(?<=a)(?<!b)(?=c)(?!d)(?>e)")]
    [InlineData(@"(a)?(?(1)b|c)", "", @"(a)?(?(1)b|c)")]
    [InlineData(@"\t\n\r\f\e\a\cA", "", @"\t\n\r\f\x1B\x07\x01")]
    public void Converts_perl_syntax_to_equivalent_dotnet_syntax(string perl, string modifiers, string expected)
    {
        Assert.True(PerlRegexConverter.TryConvert(perl, modifiers, out var converted, out var failure), failure?.Reason);
        Assert.Equal(expected, converted);
    }

    [Theory]
    [InlineData(@"^\w+$", "caf\u00E9", false)] // /aa: \w is ASCII only
    [InlineData(@"^\s$", "\u00A0", false)] // /aa: \s is ASCII only
    [InlineData(@"^\d$", "\u0663", false)] // ARABIC-INDIC DIGIT THREE
    [InlineData(@"^\h$", "\u00A0", true)] // \h is not restricted by /aa
    [InlineData("a++a", "aaaa", false)] // possessive: gives nothing back
    [InlineData("^(?:ab)*+ab$", "ababab", false)]
    [InlineData(@"^\v$", "\u2028", true)] // Perl's \v is vertical whitespace, not .NET's vertical tab only
    [InlineData("^[[:punct:]]+$", "!/:@[`{~", true)]
    [InlineData("^[^\\W\\d]+$", "abc_", true)]
    [InlineData("^[^\\W\\d]+$", "ab1", false)]
    [InlineData("^x{,2}$", "xx", true)]
    public void Converted_regex_matches_like_spamassassin(string perl, string input, bool matches)
    {
        Assert.True(PerlRegexConverter.TryConvert(perl, "", out var converted, out var failure), failure?.Reason);
        Assert.Equal(matches, Regex.IsMatch(input, converted));
    }

    [Theory]
    [InlineData(@"a\Kb", RegexFailureKind.Unsupported, @"\K (keep) at offset 1")]
    [InlineData("(?|(a)|(b))", RegexFailureKind.Unsupported, "branch reset (?|…) at offset 0")]
    [InlineData("a(?R)?", RegexFailureKind.Unsupported, "recursion or subroutine call at offset 1")]
    [InlineData("(a)(?1)", RegexFailureKind.Unsupported, "recursion or subroutine call at offset 3")]
    [InlineData("(?<n>a)(?&n)", RegexFailureKind.Unsupported, "recursion or subroutine call at offset 7")]
    [InlineData("(*FAIL)", RegexFailureKind.Unsupported, "backtracking control verb")]
    [InlineData(@"\X", RegexFailureKind.Unsupported, @"\X (grapheme cluster) at offset 0")]
    [InlineData(@"\p{Han}", RegexFailureKind.Unsupported, @"Unicode property \p{Han}")]
    [InlineData(@"\N{SNOWMAN}", RegexFailureKind.Unsupported, @"named character \N{SNOWMAN}")]
    [InlineData("[^\\W\\S]", RegexFailureKind.Unsupported, "negated class with more than one")]
    [InlineData("(?u)a", RegexFailureKind.Unsupported, "charset modifier (?u)")]
    [InlineData("a(?{ 1 })", RegexFailureKind.Invalid, "embedded code (?{…}) at offset 1")]
    [InlineData(@"\Qa.b\E", RegexFailureKind.Invalid, @"\Q is not a regex escape")]
    [InlineData(@"a\y", RegexFailureKind.Invalid, @"unrecognized escape \y (SpamAssassin rejects the rule) at offset 1")]
    [InlineData(@"[\w-z]", RegexFailureKind.Invalid, "false [] range")]
    [InlineData("[[:foo:]]", RegexFailureKind.Invalid, "POSIX class [:foo:] unknown")]
    [InlineData("(a", RegexFailureKind.Invalid, "unmatched (")]
    [InlineData("a)", RegexFailureKind.Invalid, "unmatched )")]
    [InlineData("[a", RegexFailureKind.Invalid, "unmatched [")]
    [InlineData(@"\1", RegexFailureKind.NotConstructible, "does not construct in .NET")]
    [InlineData("[z-a]", RegexFailureKind.NotConstructible, "does not construct in .NET")]
    public void Refuses_what_has_no_equivalent_with_the_feature_and_offset(string perl, RegexFailureKind kind, string reasonPart)
    {
        Assert.False(PerlRegexConverter.TryConvert(perl, "", out _, out var failure));
        Assert.Equal(kind, failure.Kind);
        Assert.Contains(reasonPart, failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_charset_modifier_after_the_delimiter()
    {
        Assert.False(PerlRegexConverter.TryConvert("a", "u", out _, out var failure));
        Assert.Equal(RegexFailureKind.Unsupported, failure.Kind);
        Assert.Contains("charset modifier /u", failure.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/foo/i", "foo", "i")]
    [InlineData("m{a/b}", "a/b", "")]
    [InlineData("m!a/b!si", "a/b", "si")]
    [InlineData("m|x|", "x", "")]
    [InlineData("m(a(b))", "a(b)", "")]
    [InlineData("qr<x>", "x", "")]
    [InlineData(@"/a\/b/", @"a\/b", "")]
    public void Splits_delimited_regexes_like_spamassassin(string text, string pattern, string modifiers)
    {
        Assert.True(PerlRegexLiteral.TryParse(text, out var literal, out var error), error);
        Assert.Equal(pattern, literal.Pattern);
        Assert.Equal(modifiers, literal.Modifiers);
    }

    [Theory]
    [InlineData("foo", "missing regexp delimiters")]
    [InlineData("/foo", "invalid end delimiter/mods")]
    [InlineData("/fo/o/", "unquoted delimiter '/' found")]
    [InlineData(@"m\a\", "backslash delimiter not allowed")]
    [InlineData("/a(?{ 1 })/", "eval (?{}) found")]
    public void Rejects_delimited_regexes_spamassassin_rejects(string text, string error)
    {
        Assert.False(PerlRegexLiteral.TryParse(text, out _, out var actual));
        Assert.Equal(error, actual);
    }
}
