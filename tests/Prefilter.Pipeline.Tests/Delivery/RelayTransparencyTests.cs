using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prefilter.DevServices.Corpus;
using Prefilter.DevServices.Smtp;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Smtp;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Smtp;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// What the SMTP door accepted is what the downstream receives, byte for byte, after the verdict header lines: the
/// whole public corpus and mails made to trip a converting relay, sent through the real ingress and relayed by the
/// real relay to an SMTP server on loopback.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class RelayTransparencyTests(AzuriteFixture azurite)
{
    private static readonly byte[] Stamp = VerdictHeaders.Format(VerdictAction.Tag, new ScanVerdict { Action = VerdictAction.Tag, Score = 6, Rules = ["RULE_A"], SetDigest = "abc" });

    private static readonly SmtpRelay Relay = new(
        Options.Create(new SmtpRelayOptions { Timeout = TimeSpan.FromSeconds(30), ClientName = "prefilter.test" }),
        new DownstreamCircuitBreaker(Options.Create(new DownstreamCircuitBreakerOptions()), TimeProvider.System),
        NullLogger<SmtpRelay>.Instance);

    public static TheoryData<string, string> Crafted => new()
    {
        { "nul", "Subject: nul\r\n\r\nbefore\0after\r\n" },
        { "100 KB line", "Subject: long\r\n\r\n" + new string('x', 100 * 1024) + "\r\n" },
        { "8-bit, no MIME-Version, no 8BITMIME", "Subject: caf\u00e9\r\n\r\nna\u00efve r\u00e9sum\u00e9 \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9\r\n" },
        { "leading dots", "Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\n. \r\n" },
        { "no final line break", "Subject: open\r\n\r\nno newline at the end" },
    };

    [Theory]
    [MemberData(nameof(Crafted))]
    public async Task A_crafted_mail_arrives_as_it_was_accepted(string name, string text)
    {
        await using var bed = await Bed.StartAsync(azurite);
        var bytes = Encoding.UTF8.GetBytes(text);

        var (accepted, arrived) = await bed.AcceptAndRelayAsync(bytes, eightBit: name.StartsWith("8-bit", StringComparison.Ordinal) ? false : null);

        Assert.Equal(Expected(accepted), arrived);
    }

    [Fact]
    public async Task A_bare_lf_arrives_as_crlf_and_nothing_else_changes()
    {
        await using var bed = await Bed.StartAsync(azurite);

        var (accepted, arrived) = await bed.AcceptAndRelayAsync("Subject: lf\r\n\r\none\ntwo\rthree\r\n"u8.ToArray());

        Assert.EndsWith("one\ntwo\rthree\r\n", Encoding.ASCII.GetString(accepted));
        Assert.EndsWith("one\r\ntwo\r\nthree\r\n", Encoding.ASCII.GetString(arrived));
        Assert.Equal(Expected(accepted), arrived);
    }

    [Fact]
    public async Task Only_the_verdict_fields_a_sender_forged_are_removed()
    {
        await using var bed = await Bed.StartAsync(azurite);

        var (_, arrived) = await bed.AcceptAndRelayAsync(
            "X-Prefilter-Verdict: Deliver\r\n\tfolded on\r\nx-prefilter-score: -50\r\nX-Prefilterx: kept\r\nSubject: x\r\n\r\nX-Prefilter-Verdict: in the body, kept\r\n"u8.ToArray());

        var text = Encoding.ASCII.GetString(arrived);
        Assert.StartsWith(Encoding.ASCII.GetString(Stamp) + "Received: ", text);
        Assert.EndsWith("\r\nX-Prefilterx: kept\r\nSubject: x\r\n\r\nX-Prefilter-Verdict: in the body, kept\r\n", text);
        Assert.Equal(2, text.Split("X-Prefilter-Verdict:").Length - 1);
        Assert.DoesNotContain("folded on", text);
        Assert.DoesNotContain("-50", text);
    }

    [Fact]
    public async Task The_whole_public_corpus_arrives_byte_for_byte()
    {
        var corpus = SpamAssassinCorpus.List(await SpamAssassinCorpus.EnsureDirectoryAsync());
        await using var bed = await Bed.StartAsync(azurite);
        var different = new List<string>();

        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (message, _) =>
        {
            var (accepted, arrived) = await bed.AcceptAndRelayAsync(CrlfLines(message.ReadAllBytes()));
            if (!Expected(accepted).AsSpan().SequenceEqual(arrived))
            {
                lock (different)
                {
                    different.Add(message.Path);
                }
            }
        });

        Assert.True(corpus.Count > 6000, $"corpus of {corpus.Count} messages");
        Assert.Empty(different);
    }

    // What the relay must send: the verdict lines, then the accepted bytes with every line ending as CRLF.
    private static byte[] Expected(byte[] accepted)
    {
        using var output = new MemoryStream();
        output.Write(Stamp);
        for (var i = 0; i < accepted.Length; i++)
        {
            var b = accepted[i];
            if (b == '\r' && i + 1 < accepted.Length && accepted[i + 1] == '\n')
            {
                output.Write("\r\n"u8);
                i++;
            }
            else if (b is (byte)'\r' or (byte)'\n')
            {
                output.Write("\r\n"u8);
            }
            else
            {
                output.WriteByte(b);
            }
        }

        if (accepted.Length > 0 && accepted[^1] is not ((byte)'\n' or (byte)'\r'))
        {
            output.Write("\r\n"u8);
        }

        return output.ToArray();
    }

    // A file on disk has LF line ends; an SMTP client sends CRLF.
    private static byte[] CrlfLines(byte[] file)
    {
        using var output = new MemoryStream(file.Length + 256);
        foreach (var b in file)
        {
            if (b == '\n')
            {
                output.WriteByte((byte)'\r');
            }

            output.WriteByte(b);
        }

        return output.ToArray();
    }

    private sealed class Bed : IAsyncDisposable
    {
        private readonly AzuriteFixture azurite;
        private readonly PipelineContainers containers;
        private readonly ServiceProvider services;
        private readonly SmtpSink sink;

        private Bed(AzuriteFixture azurite, PipelineContainers containers, ServiceProvider services, SmtpSink sink)
        {
            this.azurite = azurite;
            this.containers = containers;
            this.services = services;
            this.sink = sink;
        }

        private SmtpIngress Ingress => services.GetRequiredService<SmtpIngress>();

        public static async Task<Bed> StartAsync(AzuriteFixture azurite)
        {
            var containers = azurite.NewContainers();
            await azurite.CreateContainersAsync(containers);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:connectionString"] = azurite.ConnectionString,
                ["Storage:containerPrefix"] = containers.Prefix,
                ["SmtpIngress:port"] = "0",
            }).Build();
            var services = new ServiceCollection().AddLogging().AddPrefilterSmtpIngress(configuration).BuildServiceProvider();
            var sink = await SmtpSink.StartAsync();
            await services.GetRequiredService<DomainPolicyStore>().WriteAsync(
                new DomainPolicy([new ServedDomain("served.example", new Downstream(sink.Host, sink.Port, TlsPolicy.None, null), null, false)]), null);
            await services.GetRequiredService<SmtpIngress>().StartAsync();
            return new Bed(azurite, containers, services, sink);
        }

        /// <summary>Sends the data through the ingress (dot-stuffed), then relays what it stored; returns both.</summary>
        public async Task<(byte[] Accepted, byte[] Arrived)> AcceptAndRelayAsync(byte[] data, bool? eightBit = null)
        {
            await using var session = await SmtpConversation.OpenAsync(Ingress.EndPoint!);
            await session.SendAsync("EHLO client.example");
            var recipient = $"r{Guid.NewGuid():N}@served.example";
            Assert.StartsWith("250", await session.SendAsync(eightBit == true ? "MAIL FROM:<s@origin.example> BODY=8BITMIME" : "MAIL FROM:<s@origin.example>"));
            Assert.StartsWith("250", await session.SendAsync($"RCPT TO:<{recipient}>"));
            Assert.StartsWith("354", await session.SendAsync("DATA"));
            await session.WriteAsync(DotStuff(data));
            var reply = await session.SendAsync(".");
            Assert.StartsWith("250 2.0.0 Queued as ", reply);
            var stored = await services.GetRequiredService<MailStore>().DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
            var accepted = stored.Content.ToArray();

            await Relay.RelayAsync(
                new Downstream(sink.Host, sink.Port, TlsPolicy.None, null), null, RelayMessage.Create(Stamp, accepted), stored.Envelope.MailFrom, stored.Envelope.Recipients);
            return (accepted, sink.Messages.Single(m => m.Recipients.Contains(recipient)).Data);
        }

        public async ValueTask DisposeAsync()
        {
            await Ingress.StopAsync();
            await services.DisposeAsync();
            await sink.DisposeAsync();
            await azurite.DeleteContainersAsync(containers);
        }

        // Doubles a dot at the start of a line, and ends the data with CRLF when it does not, as a client does.
        private static byte[] DotStuff(byte[] data)
        {
            using var output = new MemoryStream(data.Length + 64);
            var atLineStart = true;
            foreach (var b in data)
            {
                if (atLineStart && b == '.')
                {
                    output.WriteByte((byte)'.');
                }

                output.WriteByte(b);
                atLineStart = b == '\n';
            }

            if (!atLineStart)
            {
                output.Write("\r\n"u8);
            }

            return output.ToArray();
        }
    }
}
