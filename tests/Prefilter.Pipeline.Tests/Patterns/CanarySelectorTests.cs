using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;

namespace Prefilter.Pipeline.Tests.Patterns;

public sealed class CanarySelectorTests
{
    // Ten thousand fixed ids shaped like mail blob names: the counts below are exact for this set, so the bounds
    // (about five standard deviations wide) can never flake; they would catch a skewed or truncated hash.
    private static readonly string[] Ids = [.. Enumerable.Range(0, 10_000).Select(i => $"20261128T1200{i % 60:D2}000Z-{i:x8}0000000000000000000000aa.eml")];

    [Theory]
    [InlineData(1, 50, 150)]
    [InlineData(10, 850, 1150)]
    [InlineData(50, 4750, 5250)]
    public void The_share_of_mail_is_close_to_the_requested_share(double share, int atLeast, int atMost)
    {
        var count = Ids.Count(id => CanarySelector.IsCanary(id, share));

        Assert.InRange(count, atLeast, atMost);
    }

    [Fact]
    public void A_mail_in_a_smaller_stage_stays_in_every_larger_stage()
    {
        double[] stages = [0.5, 1, 10, 50, 99.9];
        foreach (var id in Ids)
        {
            var membership = stages.Select(share => CanarySelector.IsCanary(id, share)).ToArray();

            // Once in, never out again as the share grows.
            Assert.Equal(membership.OrderBy(inStage => inStage), membership);
        }

        Assert.DoesNotContain(Ids, id => CanarySelector.IsCanary(id, 0));
        Assert.All(Ids, id => Assert.True(CanarySelector.IsCanary(id, 100)));
    }

    [Theory]
    [InlineData("a.eml", GoldenA)]
    [InlineData("20261128T120000000Z-0123456789abcdef0123456789abcdef.eml", GoldenB)]
    public void The_bucket_is_the_same_in_every_process_and_release(string id, double expected)
    {
        // Fixed values: a hash that changed between releases (or string.GetHashCode, random per process) would move mail
        // between canary and active while instances of two releases serve side by side.
        Assert.Equal(expected, CanarySelector.Bucket(id), precision: 12);
        Assert.Equal(CanarySelector.Bucket(id), CanarySelector.Bucket(new string(id.ToCharArray())));
    }

    [Fact]
    public void An_empty_mail_id_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CanarySelector.IsCanary("", 10));
        Assert.Throws<ArgumentNullException>(() => CanarySelector.IsCanary(null!, 10));
    }

    private const double GoldenA = 23.001059432833447;
    private const double GoldenB = 95.09344454071052;
}
