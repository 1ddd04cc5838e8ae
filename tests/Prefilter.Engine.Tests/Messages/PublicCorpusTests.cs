using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class PublicCorpusTests
{
    [PublicCorpusFact]
    public void EverySampledMessageParsesWithASubjectOrANote()
    {
        var files = PublicCorpus.Messages();
        Assert.True(files.Count > 6000, $"expected the 6,046 corpus messages, found {files.Count}");

        // Every third message: all folders, a third of the cost.
        var sample = files.Where((_, i) => i % 3 == 0).ToArray();
        int withBody = 0;
        int withUris = 0;
        var failures = new List<string>();
        foreach (var file in sample)
        {
            MessageView view;
            try
            {
                view = MessageView.Parse(File.ReadAllBytes(file));
            }
            catch (Exception exception)
            {
                failures.Add($"{file}: {exception.GetType().Name}: {exception.Message}");
                continue;
            }

            if (!view.Headers.Contains("Subject") && view.Notes.Count == 0)
            {
                failures.Add($"{file}: neither a Subject nor a note");
            }

            withBody += view.Body.Count > (view.BodyStartsWithSubject ? 1 : 0) ? 1 : 0;
            withUris += view.Uris.Count > 0 ? 1 : 0;
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));

        // A reader that lost the bodies or the links would still "parse": check it found them in most mail.
        Assert.True(withBody > sample.Length * 0.97, $"{withBody} of {sample.Length} messages have body text");
        Assert.True(withUris > sample.Length * 0.5, $"{withUris} of {sample.Length} messages have URIs");
    }

    [PublicCorpusFact]
    public void CutAndCorruptedMessagesNeverThrowAndKeepTheirHeaders()
    {
        var random = new Random(7);
        var failures = new List<string>();
        int withHeaders = 0;
        int corrupted = 0;
        foreach (var file in PublicCorpus.Messages().Where((_, i) => i % 60 == 0))
        {
            byte[] original = File.ReadAllBytes(file);
            for (int variant = 0; variant < 8; variant++)
            {
                byte[] bytes = (byte[])original.Clone();
                int length = variant < 4 ? random.Next(bytes.Length + 1) : bytes.Length;
                if (variant >= 4)
                {
                    // About one byte in two hundred replaced by a random one.
                    for (int j = 0; j <= bytes.Length / 200; j++)
                    {
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    }

                    corrupted++;
                }

                try
                {
                    var view = MessageView.Parse(bytes.AsMemory(0, length));
                    _ = view.Full;
                    _ = view.Headers.All;
                    _ = view.Headers.GetAddresses("From");
                    withHeaders += variant >= 4 && view.Headers.Count > 5 ? 1 : 0;
                }
                catch (Exception exception)
                {
                    failures.Add($"{file} variant {variant}: {exception.GetType().Name}: {exception.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));

        // Damage in a few header lines must not cost the whole header block.
        Assert.True(withHeaders > corrupted * 0.95, $"{withHeaders} of {corrupted} corrupted messages kept their headers");
    }
}
