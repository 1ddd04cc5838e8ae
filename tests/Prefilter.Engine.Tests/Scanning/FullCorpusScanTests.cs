using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Tests.Messages;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>
/// Every message of the public corpus through the imported SpamAssassin set: each gets a verdict from that set, none
/// throws, and the verdicts separate the labelled folders.
/// </summary>
public sealed class FullCorpusScanTests(SpamAssassinCorpusFixture fixture) : IClassFixture<SpamAssassinCorpusFixture>
{
    [SpamAssassinCorpusFact]
    public void Every_public_corpus_message_gets_a_verdict_and_spam_is_flagged_more_than_ham()
    {
        var files = PublicCorpus.Messages();
        Assert.True(files.Count >= 6046, $"expected the 6,046 corpus messages, found {files.Count}");
        var compiled = fixture.Compiled;
        var flagged = new int[2];
        var totals = new int[2];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.ForEach(files, file =>
        {
            var spam = Path.GetFileName(Path.GetDirectoryName(file)!).StartsWith("spam", StringComparison.Ordinal) ? 1 : 0;
            try
            {
                var result = compiled.Scan(File.ReadAllBytes(file));
                if (result.SetDigest != compiled.Digest)
                {
                    failures.Add($"{file}: verdict names set {result.SetDigest}");
                }

                Interlocked.Increment(ref totals[spam]);
                if (result.Action != VerdictAction.Deliver)
                {
                    Interlocked.Increment(ref flagged[spam]);
                }
            }
            catch (Exception exception)
            {
                failures.Add($"{file}: {exception.GetType().Name}: {exception.Message}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(20)));
        Assert.Equal(files.Count, totals[0] + totals[1]);
        var spamRate = flagged[1] / (double)totals[1];
        var hamRate = flagged[0] / (double)totals[0];
        Assert.True(spamRate > 10 * hamRate && spamRate > 0.2, $"flagged: spam {flagged[1]}/{totals[1]}, ham {flagged[0]}/{totals[0]}");
    }
}
