using System.Text;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Tests.PatternSets;

/// <summary>Round trips over many generated sets, so odd text and numbers are covered, not just the samples.</summary>
public class RoundTripTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_sets_survive_serialize_and_canonical_round_trips(int seed)
    {
        var set = Generate(new Random(seed));
        var canonical = PatternSetJson.ToCanonicalUtf8(set);

        var fromIndented = PatternSetJson.Parse(PatternSetJson.Serialize(set));
        var fromCanonical = PatternSetJson.Parse(canonical);

        PatternSetJsonTests.AssertSameSet(set, fromIndented);
        PatternSetJsonTests.AssertSameSet(set with { Created = set.Created.ToUniversalTime() }, fromCanonical);
        Assert.Equal(canonical, PatternSetJson.ToCanonicalUtf8(fromIndented));
        Assert.Equal(canonical, PatternSetJson.ToCanonicalUtf8(fromCanonical));
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character_in_both_forms()
    {
        var set = SampleSets.With(new Rule { Id = "A", Kind = RuleKind.Body, Pattern = "a\ud800b" });

        var viaCanonical = PatternSetJson.Parse(PatternSetJson.ToCanonicalUtf8(set));

        Assert.Equal("a\ufffdb", viaCanonical.Rules[0].Pattern);
        Assert.Equal(PatternSetJson.ComputeDigest(set), PatternSetJson.ComputeDigest(viaCanonical));
    }

    private static PatternSet Generate(Random random)
    {
        var rules = new List<Rule>();
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            var kind = (RuleKind)random.Next(0, 8);
            rules.Add(new Rule
            {
                Id = $"R{rules.Count}_{Text(random, 3, ascii: true)}",
                Kind = kind,
                Description = random.Next(3) == 0 ? null : Text(random, 20),
                Score = Number(random),
                Flags = [.. Enumerable.Range(0, random.Next(3)).Select(_ => Text(random, 6, ascii: true) + "f")],
                Pattern = random.Next(4) == 0 ? null : Text(random, 30),
                Negate = random.Next(2) == 0,
                Header = random.Next(2) == 0 ? null : Text(random, 10),
                IfUnset = random.Next(3) == 0 ? Text(random, 5) : null,
                Target = random.Next(3) == 0 ? AttachmentTargets.ContentType : null,
                Addresses = [.. Enumerable.Range(0, random.Next(3)).Select(_ => Text(random, 12))],
                Domains = [.. Enumerable.Range(0, random.Next(3)).Select(_ => Text(random, 12))],
                Expression = random.Next(3) == 0 ? Text(random, 15) : null,
            });
        }

        return new PatternSet
        {
            Name = Text(random, 10),
            Version = Text(random, 5),
            Created = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)
                .AddTicks((long)(random.NextDouble() * TimeSpan.FromDays(20_000).Ticks))
                .ToOffset(TimeSpan.FromMinutes(15 * random.Next(-48, 56))),
            Description = random.Next(2) == 0 ? null : Text(random, 40),
            Thresholds = random.Next(3) == 0 ? new Thresholds() : new Thresholds(Number(random), Number(random)),
            Rules = rules,
        };
    }

    private static double Number(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => random.Next(-10, 11),
        2 => Math.Round(random.NextDouble() * 20 - 10, 3),
        3 => random.NextDouble() * Math.Pow(10, random.Next(-300, 300)),
        4 => -random.NextDouble(),
        _ => BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x7FEF_FFFF_FFFF_FFFF)),
    };

    // Printable ASCII, controls, JSON's special characters, Latin-1, CJK and astral-plane text (valid pairs only).
    private static string Text(Random random, int maxLength, bool ascii = false)
    {
        var text = new StringBuilder();
        for (var i = random.Next(0, maxLength + 1); i > 0; i--)
        {
            switch (ascii ? 0 : random.Next(6))
            {
                case 0:
                    text.Append(ascii ? (char)random.Next('a', 'z' + 1) : (char)random.Next(0x20, 0x7F));
                    break;
                case 1:
                    text.Append((char)random.Next(0, 0x20));
                    break;
                case 2:
                    text.Append("\"\\/<>&'+"[random.Next(8)]);
                    break;
                case 3:
                    text.Append((char)random.Next(0xA0, 0x100));
                    break;
                case 4:
                    text.Append((char)random.Next(0x4E00, 0x9FFF));
                    break;
                default:
                    text.Append(char.ConvertFromUtf32(random.Next(0x1F300, 0x1F6FF)));
                    break;
            }
        }

        return text.ToString();
    }
}
