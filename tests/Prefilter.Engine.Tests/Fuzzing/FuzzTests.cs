using System.Text;
using CsCheck;
using Prefilter.Engine.Linting;
using Prefilter.Engine.Meta;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;
using Prefilter.Engine.SpamAssassin;
using Prefilter.Engine.Tests.PatternSets;

namespace Prefilter.Engine.Tests.Fuzzing;

/// <summary>
/// Property-based fuzzing (CsCheck generators): inputs mutated from the seeds in <c>Fuzzing/Seeds</c> and generated
/// from each parser's own alphabet. The property is always the same: bad input gets a verdict or a documented
/// refusal, never an unhandled exception, and a scan that overran its deadline says so. Generation starts from a
/// fixed seed, so a run is the same every time and CI cannot fail on luck; <c>PREFILTER_FUZZ_SEED</c> explores
/// elsewhere. <see cref="Iterations"/> per target: 300 in the test run, more where <c>PREFILTER_FUZZ_ITERATIONS</c>
/// says so (<c>.ci/run</c>'s bounded fuzzing run). Every input a run found failing is kept as a regression case
/// (<see cref="Found_inputs_stay_fixed"/>, and the mails in <c>Fuzzing/Seeds</c>).
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FuzzTests
{
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("PREFILTER_FUZZ_ITERATIONS"), out var configured) && configured > 0 ? configured : 300;

    private static readonly string SeedDirectory = Path.Combine(AppContext.BaseDirectory, "Fuzzing", "Seeds");

    // Tokens that reach the parsers' edge cases: MIME structure, encodings, HTML, header syntax, line ends, NUL.
    private static readonly string[] MailTokens =
    [
        "\r\n", "\n", "\r", "\0", "--b1", "--b1--", "\r\n\r\n", "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
        "Content-Type: message/rfc822\r\n\r\n", "Content-Transfer-Encoding: base64\r\n", "Content-Transfer-Encoding: quoted-printable\r\n",
        "=?utf-8?B?", "=?iso-8859-1?Q?=E9", "?=", "=\r\n", "=ZZ", "<html><body>", "<a href=\"", "http://", "%00", "&#x", ";",
        "<", ">", "\"", ":", " ", "\t", "Subject: ", "From: ", "Received: ", "\u00e9", "\ud83d\ude00", new string('A', 300),
    ];

    private static readonly string[] RegexTokens =
    [
        "a", "b", ".", "*", "+", "?", "*?", "{2}", "{1,3}", "{0,}", "(", ")", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>", "[", "]",
        "[^", "\\", "\\b", "\\d", "\\w", "\\s", "\\1", "\\x{263a}", "\\Q", "\\E", "|", "^", "$", "\\z", "\\A", "#", "-", "(?i)", "(?s)",
        "\\p{L}", "\\N", "\\K", "\\G", "{", "}", "(?<n>", "\\k<n>", "(?|", "@", "%", "\u00e9", " ",
    ];

    private static readonly string[] MetaTokens =
    [
        "A", "B", "__C", " ", "&&", "||", "!", "(", ")", "+", "-", "*", "/", ">", "<", ">=", "==", "!=", "1", "0.5", "-3", "and", "or",
    ];

    private static readonly ulong Seed =
        ulong.TryParse(Environment.GetEnvironmentVariable("PREFILTER_FUZZ_SEED"), out var seed) ? seed : 20261207;

    private static readonly CompiledPatternSet Set = CompiledPatternSet.Compile(PatternSetJson.Parse(SampleSets.Complete));

    [Theory]
    [InlineData("\u00e9{1,3}{[^b(?={2}\\p{L}]", "i")]
    public void Found_inputs_stay_fixed(string perlPattern, string modifiers)
    {
        if (PerlRegexConverter.TryConvert(perlPattern, modifiers, out var converted, out _))
        {
            _ = RegexAnalyzer.Analyze(converted);
        }
    }

    [Fact]
    public void The_scanner_gives_every_mutated_mail_a_verdict()
    {
        var seeds = Directory.GetFiles(SeedDirectory, "*.eml").Select(File.ReadAllBytes).ToList();
        Assert.NotEmpty(seeds);

        Run(Mutated(seeds, MailTokens), mail =>
        {
            var result = Set.Scan(mail);
            if (result.Elapsed - result.EngineBuildTime > Set.Options.Deadline && !result.Incomplete)
            {
                throw new InvalidOperationException($"the scan took {result.Elapsed} past its deadline without saying so");
            }
        }, Print);
    }

    [Fact]
    public void The_set_reader_and_linter_refuse_mutated_sets_with_findings()
    {
        var seeds = SampleSets.ValidDocuments.Select(Encoding.UTF8.GetBytes).ToList();

        Run(Mutated(seeds, ["{", "}", "[", "]", "\"", ",", ":", "null", "1e309", "-0", "\\u0000", "\"kind\": \"meta\"", "\"pattern\": \"(a+)+$\"", "(?<=a+)"]), bytes =>
        {
            var json = Encoding.UTF8.GetString(bytes);
            var report = PatternSetLinter.Lint(json);
            if (report.IsValid)
            {
                // What lint passes must compile.
                CompiledPatternSet.Compile(PatternSetJson.Parse(json));
            }
        }, Print);
    }

    [Fact]
    public void The_perl_regex_converter_converts_or_says_why()
    {
        Run(Generated(RegexTokens, 24), pattern =>
        {
            if (PerlRegexConverter.TryConvert(pattern, "i", out var converted, out _))
            {
                _ = RegexAnalyzer.Analyze(converted);
            }
        }, text => text);
    }

    [Fact]
    public void The_meta_parser_parses_or_says_where()
    {
        Run(Generated(MetaTokens, 20), text =>
        {
            try
            {
                MetaExpression.Parse(text);
            }
            catch (MetaExpressionException)
            {
                // The documented refusal, with offset and reason.
            }
        }, text => text);
    }

    // Draws Iterations inputs from one fixed seed and runs the property on each; a failure names the input and the seed.
    private static void Run<T>(Gen<T> gen, Action<T> property, Func<T, string> print)
    {
        var random = new PCG(1, Seed);
        for (var i = 0; i < Iterations; i++)
        {
            var input = gen.Generate(random, null!, out _);
            try
            {
                property(input);
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"input {i} of seed {Seed} fails: {print(input)}", exception);
            }
        }
    }

    // A seed with 1 – 6 edits: flip a byte, insert a token, delete a range, repeat a range (deep nesting), truncate.
    private static Gen<byte[]> Mutated(IReadOnlyList<byte[]> seeds, string[] tokens) =>
        Gen.Select(
            Gen.Int[0, seeds.Count - 1],
            Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Array[1, 6],
            (seed, edits) => edits.Aggregate(seeds[seed], (bytes, edit) => Edit(bytes, edit.Item1, edit.Item2, edit.Item3, tokens)));

    private static byte[] Edit(byte[] bytes, int kind, int a, int b, string[] tokens)
    {
        var list = new List<byte>(bytes);
        var at = list.Count == 0 ? 0 : a % (list.Count + 1);
        switch (kind)
        {
            case 0 when list.Count > 0:
                list[a % list.Count] ^= (byte)(1 << (b % 8));
                break;
            case 1:
                list.InsertRange(at, Encoding.UTF8.GetBytes(tokens[b % tokens.Length]));
                break;
            case 2:
                list.RemoveRange(at, Math.Min(b % 64, list.Count - at));
                break;
            case 3:
                var length = Math.Min(1 + (b % 40), list.Count - at);
                var slice = list.GetRange(at, length);
                for (var i = 0; i < 1 + (b % 200); i++)
                {
                    list.InsertRange(at, slice);
                }

                break;
            case 4:
                list.RemoveRange(at, list.Count - at);
                break;
        }

        return [.. list];
    }

    private static Gen<string> Generated(string[] tokens, int maxTokens) =>
        Gen.Int[0, tokens.Length - 1].Array[0, maxTokens].Select(indexes => string.Concat(indexes.Select(i => tokens[i])));

    private static string Print(byte[] bytes) => Convert.ToBase64String(bytes);
}
