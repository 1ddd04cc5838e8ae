using System.Text;
using Azure.Storage.Blobs;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Smtp;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// The whole path as <c>prefilter up</c> runs it: SMTP ingress → incoming blob → scan stage (called as the blob
/// trigger would) → claim check on the deliver queue → delivery processor → the domain's downstream (a sink),
/// with the three halves wired together in one container the way a host wires them.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class SmtpToDownstreamTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task Mail_sent_to_the_ingress_reaches_its_downstream_with_its_verdict_and_spam_stays_in_quarantine()
    {
        var containers = azurite.NewContainers();
        await azurite.CreateContainersAsync(containers);
        var queue = broker.NewDeliverQueue();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["ServiceBus"] = broker.ConnectionString,
            ["ServiceBus:deliverQueue"] = queue,
            ["SmtpIngress:port"] = "0",
        }).Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddPrefilterScanning(configuration)
            .AddPrefilterDelivery(configuration)
            .AddPrefilterSmtpIngress(configuration)
            .AddPrefilterGateCorpus(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await using var downstream = await SmtpSink.StartAsync();
        await services.GetRequiredService<DomainPolicyStore>().WriteAsync(
            new DomainPolicy([new ServedDomain("contoso.example", new Downstream(downstream.Host, downstream.Port, TlsPolicy.None, null), null, false)]), null);
        await TestActivation.ActivateAsync(services.GetRequiredService<BlobServiceClient>(), containers, TestData.Set("1.0.0"), DateTimeOffset.UtcNow, "end to end");
        var ingress = services.GetRequiredService<SmtpIngress>();
        var processor = services.GetRequiredService<DeliveryProcessorService>();
        await ingress.StartAsync();
        await processor.StartAsync();
        try
        {
            using var client = new SmtpClient();
            await client.ConnectAsync(ingress.EndPoint!.Address.ToString(), ingress.EndPoint.Port, MailKit.Security.SecureSocketOptions.None);
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(
                Load(TestData.Mail("hello", to: "victim@elsewhere.example")), MailboxAddress.Parse("s@fabrikam.example"), [MailboxAddress.Parse("victim@elsewhere.example")]));
            Assert.Equal(550, (int)refused.StatusCode);
            var ham = await client.SendAsync(Load(TestData.Mail("See you at lunch.", subject: "ham")), MailboxAddress.Parse("s@fabrikam.example"),
                [MailboxAddress.Parse("alice@contoso.example"), MailboxAddress.Parse("hidden@contoso.example")]);
            var tagged = await client.SendAsync(Load(TestData.Mail("Cheap watches here.", subject: "tagged")), MailboxAddress.Parse("s@fabrikam.example"),
                [MailboxAddress.Parse("alice@contoso.example")]);
            var spam = await client.SendAsync(Load(TestData.Mail("Buy viagra now.", subject: "spam")), MailboxAddress.Parse("s@fabrikam.example"),
                [MailboxAddress.Parse("alice@contoso.example")]);
            await client.DisconnectAsync(true);

            var scan = services.GetRequiredService<ScanStage>();
            foreach (var reply in new[] { ham, tagged, spam })
            {
                await scan.ScanAsync(BlobNameIn(reply));
            }

            using var timeout = new CancellationTokenSource(DeliveryScenario.Patience);
            var received = (await downstream.WaitForMessagesAsync(2, timeout.Token)).ToDictionary(m => m.ToMimeMessage().Subject ?? "");
            Assert.Equal(["alice@contoso.example", "hidden@contoso.example"], received["ham"].Recipients);
            Assert.Equal("Deliver", received["ham"].ToMimeMessage().Headers[VerdictHeaders.Verdict]);
            Assert.Equal("Tag", received["tagged"].ToMimeMessage().Headers[VerdictHeaders.Verdict]);
            Assert.Contains("CHEAP_WORD", received["tagged"].ToMimeMessage().Headers[VerdictHeaders.Rules]);
            Assert.Matches(@"^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby ", Encoding.ASCII.GetString(received["ham"].Data.AsSpan(VerdictHeaderBlockLength(received["ham"]))));

            var mails = services.GetRequiredService<MailStore>();
            Assert.Equal(MailOutcome.Quarantined, (await mails.GetInfoAsync(BlobNameIn(spam))).Outcome);
            Assert.True(await mails.IsQuarantinedAsync(BlobNameIn(spam)));
            await WaitForOutcomeAsync(mails, BlobNameIn(ham), MailOutcome.Delivered, timeout.Token);
            await WaitForOutcomeAsync(mails, BlobNameIn(tagged), MailOutcome.Delivered, timeout.Token);
            Assert.Equal(2, downstream.Messages.Count);
        }
        finally
        {
            await processor.StopAsync();
            await ingress.StopAsync();
            await azurite.DeleteContainersAsync(containers);
        }
    }

    private static MimeMessage Load(string raw) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

    private static string BlobNameIn(string reply) => reply[(reply.LastIndexOf(' ') + 1)..];

    // The four X-Prefilter-* headers come first; the ingress's trace line follows them.
    private static int VerdictHeaderBlockLength(SmtpSinkMessage message)
    {
        var text = Encoding.ASCII.GetString(message.Data);
        var received = text.IndexOf("Received:", StringComparison.Ordinal);
        Assert.True(received > 0 && text[..received].Split("\r\n", StringSplitOptions.RemoveEmptyEntries).All(line => line.StartsWith("X-Prefilter-", StringComparison.Ordinal) || line.StartsWith(' ') || line.StartsWith('\t')));
        return received;
    }

    private static async Task WaitForOutcomeAsync(MailStore mails, string blobName, MailOutcome expected, CancellationToken cancellationToken)
    {
        while ((await mails.GetInfoAsync(blobName, cancellationToken)).Outcome != expected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
