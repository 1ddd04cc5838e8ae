using System.Text;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Smtp;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Smtp;

[Collection(PipelineCollection.Name)]
public sealed class SmtpIngressTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private PipelineContainers containers = null!;
    private ServiceProvider services = null!;
    private SmtpIngress ingress = null!;

    private MailStore Mails => services.GetRequiredService<MailStore>();

    public async Task InitializeAsync()
    {
        containers = azurite.NewContainers();
        await azurite.CreateContainersAsync(containers);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["SmtpIngress:port"] = "0",
        }).Build();
        services = new ServiceCollection().AddLogging().AddPrefilterSmtpIngress(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var downstream = new Downstream("127.0.0.1", 25, TlsPolicy.None, null);
        await services.GetRequiredService<DomainPolicyStore>().WriteAsync(
            new DomainPolicy([new ServedDomain("served.example", downstream, null, false)]), null);
        ingress = services.GetRequiredService<SmtpIngress>();
        await ingress.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await ingress.StopAsync();
        await services.DisposeAsync();
        await azurite.DeleteContainersAsync(containers);
    }

    [Fact]
    public async Task Stores_the_mail_with_a_trace_line_and_its_envelope_before_answering_250()
    {
        var message = Message("shown@served.example");

        var reply = await SendAsync(message, "sender@elsewhere.example", "shown@served.example", "bcc@served.example");

        var name = reply[(reply.LastIndexOf(' ') + 1)..];
        var stored = await Mails.DownloadAsync(name);
        Assert.Equal("sender@elsewhere.example", stored.Envelope.MailFrom);
        Assert.Equal(["shown@served.example", "bcc@served.example"], stored.Envelope.Recipients);
        var content = Encoding.UTF8.GetString(stored.Content.ToArray());
        Assert.StartsWith("Received: from [127.0.0.1] by prefilter.localhost with ESMTP id ", content);
        Assert.EndsWith("\r\n" + Wire(message), content);
        Assert.Equal("ingress", MimeMessage.Load(stored.Content.ToStream()).Subject);
        Assert.Equal(SmtpIngress.IngressName, stored.Info.Metadata[MailMetadata.Ingress]);
    }

    [Fact]
    public async Task Refuses_a_recipient_of_an_unlisted_domain_with_550_5_7_1_and_stores_nothing()
    {
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() =>
            SendAsync(Message("victim@elsewhere.example"), "spammer@elsewhere.example", "victim@elsewhere.example"));

        Assert.Equal(550, (int)error.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
        Assert.Contains("5.7.1", error.Message);
        Assert.Empty(await Mails.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task Keeps_only_the_served_recipients_of_a_mixed_envelope()
    {
        using var client = new TolerantSmtpClient();
        await client.ConnectAsync(ingress.EndPoint!.Address.ToString(), ingress.EndPoint.Port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(Message("a@served.example"), MailboxAddress.Parse("s@elsewhere.example"),
            [MailboxAddress.Parse("a@served.example"), MailboxAddress.Parse("outsider@elsewhere.example")]);
        await client.DisconnectAsync(true);

        Assert.Equal(["outsider@elsewhere.example"], client.Refused);
        var stored = Assert.Single(await Mails.ListAsync("").ToListAsync());
        Assert.Equal(["a@served.example"], (await Mails.ReadEnvelopeAsync(stored)).Recipients);
    }

    [Fact]
    public async Task Answers_451_when_the_mail_cannot_be_stored()
    {
        await azurite.Blobs.GetBlobContainerClient(containers.Incoming).DeleteIfExistsAsync();

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() =>
            SendAsync(Message("a@served.example"), "s@elsewhere.example", "a@served.example"));

        Assert.Equal(451, (int)error.StatusCode);
        Assert.Equal(SmtpErrorCode.MessageNotAccepted, error.ErrorCode);
    }

    [Fact]
    public async Task Accepts_the_null_sender_of_a_bounce()
    {
        var reply = await SendAsync(Message("a@served.example"), "", "a@served.example");

        var stored = await Mails.DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
        Assert.Equal("", stored.Envelope.MailFrom);
    }

    [Fact]
    public async Task Refuses_a_sender_address_without_a_usable_domain_at_mail_from()
    {
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() =>
            SendAsync(Message("a@served.example"), "someone@localhost", "a@served.example"));

        Assert.Equal(553, (int)error.StatusCode);
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, error.ErrorCode);
        Assert.Empty(await Mails.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task Refuses_the_recipients_past_the_limit_with_452_so_the_sender_sends_them_later()
    {
        using var client = new TolerantSmtpClient();
        await client.ConnectAsync(ingress.EndPoint!.Address.ToString(), ingress.EndPoint.Port, MailKit.Security.SecureSocketOptions.None);
        var recipients = Enumerable.Range(0, new SmtpIngressOptions().MaxRecipients + 2).Select(i => MailboxAddress.Parse($"r{i}@served.example")).ToList();

        await client.SendAsync(Message("r0@served.example"), MailboxAddress.Parse("s@elsewhere.example"), recipients);
        await client.DisconnectAsync(true);

        Assert.Equal(2, client.Refused.Count);
        var stored = Assert.Single(await Mails.ListAsync("").ToListAsync());
        Assert.Equal(new SmtpIngressOptions().MaxRecipients, (await Mails.ReadEnvelopeAsync(stored)).Recipients.Count);
    }

    private static MimeMessage Message(string to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@elsewhere.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "ingress";
        message.Body = new TextPart("plain") { Text = "hello\r\n.leading dot\r\n" };
        return message;
    }

    private static string Wire(MimeMessage message)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();
        message.WriteTo(format, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private async Task<string> SendAsync(MimeMessage message, string sender, params string[] recipients)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(ingress.EndPoint!.Address.ToString(), ingress.EndPoint.Port, MailKit.Security.SecureSocketOptions.None);
        var reply = await client.SendAsync(message, new MailboxAddress("", sender), recipients.Select(r => new MailboxAddress("", r)));
        await client.DisconnectAsync(true);
        return reply;
    }

    // Goes on with the accepted recipients when one is refused, as an MTA does.
    private sealed class TolerantSmtpClient : SmtpClient
    {
        public List<string> Refused { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Refused.Add(mailbox.Address);
    }
}
