using System.Text;
using CsCheck;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Smtp;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Telemetry;

namespace Prefilter.Pipeline.Tests.Smtp;

[Collection(PipelineCollection.Name)]
public sealed class SmtpIngressTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly List<ServiceProvider> extraHosts = [];
    private PipelineContainers containers = null!;
    private ServiceProvider services = null!;
    private SmtpIngress ingress = null!;

    private MailStore Mails => services.GetRequiredService<MailStore>();

    public async Task InitializeAsync()
    {
        containers = azurite.NewContainers();
        await azurite.CreateContainersAsync(containers);
        (services, ingress) = await StartIngressAsync([]);
        var downstream = new Downstream("127.0.0.1", 25, TlsPolicy.None, null);
        await services.GetRequiredService<DomainPolicyStore>().WriteAsync(
            new DomainPolicy([new ServedDomain("served.example", downstream, null, false)]), null);
    }

    public async Task DisposeAsync()
    {
        await ingress.StopAsync();
        await services.DisposeAsync();
        foreach (var host in extraHosts)
        {
            await host.GetRequiredService<SmtpIngress>().StopAsync();
            await host.DisposeAsync();
        }

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
        Assert.Matches(@"^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby prefilter\.localhost with ESMTP id [0-9a-f]{32};\r\n\t", content);
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

    [Theory]
    [InlineData("user%evil.test@served.example", "'%'")]
    [InlineData("\"user@evil.test\"@served.example", "'@'")]
    [InlineData("\"user%evil.test\"@served.example", "'%'")]
    [InlineData("evil.test!user@served.example", "'!'")]
    [InlineData("@served.example:user@evil.test", "source route")]
    [InlineData("@relay.example,@served.example:user@served.example", "source route")]
    public async Task A_recipient_a_downstream_could_route_elsewhere_is_refused_with_550_5_7_1_and_the_reason(string recipient, string reason)
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        Assert.StartsWith("250 2.1.0", await session.SendAsync("MAIL FROM:<s@elsewhere.example>"));

        var refused = await session.SendAsync($"RCPT TO:<{recipient}>");
        Assert.StartsWith("550 5.7.1 Relaying denied", refused);
        Assert.Contains(reason, refused);

        Assert.StartsWith("250 2.1.5", await session.SendAsync("RCPT TO:<ok@served.example>"));
        var stored = await SendDataAsync(session, "Subject: mixed\r\n\r\nbody\r\n");
        Assert.Equal(["ok@served.example"], stored.Envelope.Recipients);
    }

    [Theory]
    [InlineData("\"john..doe\"@served.example")]
    [InlineData("\"john doe\"@served.example")]
    [InlineData("\"a,b\"@served.example")]
    public async Task A_quoted_local_part_without_routing_characters_is_accepted_and_stored_with_its_quotes(string recipient)
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");

        Assert.StartsWith("250 2.1.5", await session.SendAsync($"RCPT TO:<{recipient}>"));

        var stored = await SendDataAsync(session, "Subject: quoted\r\n\r\nbody\r\n");
        Assert.Equal([recipient], stored.Envelope.Recipients);
    }

    [Theory]
    [InlineData("a(b@served.example")]
    [InlineData("john..doe@served.example")]
    [InlineData("user@evil.test@served.example")]
    public async Task A_recipient_that_is_not_a_mailbox_is_refused_at_rcpt_with_501_5_1_3(string recipient)
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");

        Assert.StartsWith("501 5.1.3", await session.SendAsync($"RCPT TO:<{recipient}>"));
    }

    [Theory]
    [InlineData("postmaster@served.example")]
    [InlineData("Postmaster@SERVED.EXAMPLE")]
    public async Task Postmaster_of_a_served_domain_is_accepted_even_from_the_null_sender(string recipient)
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<>");

        Assert.StartsWith("250 2.1.5", await session.SendAsync($"RCPT TO:<{recipient}>"));
        var stored = await SendDataAsync(session, "Subject: bounce\r\n\r\nbody\r\n");
        Assert.Equal("", stored.Envelope.MailFrom);
    }

    [Fact]
    public async Task Refused_commands_are_each_answered_and_then_the_session_ends_with_421()
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");
        Assert.StartsWith("250", await session.SendAsync("RCPT TO:<ok@served.example>"));
        var limit = new SmtpIngressOptions().MaxErrors;

        for (var i = 1; i < limit; i++)
        {
            var reply = await session.SendAsync($"RCPT TO:<victim{i}@elsewhere.example>");
            Assert.StartsWith("550 5.7.1", reply);
            Assert.DoesNotContain("retry", reply);
        }

        var last = await session.SendAsync($"RCPT TO:<victim{limit}@elsewhere.example>");
        Assert.StartsWith("550 5.7.1", last);
        Assert.StartsWith("421 4.7.0", await session.ReadReplyAsync());
        Assert.True(await session.IsClosedAsync());
    }

    [Fact]
    public async Task Speaks_in_its_own_words_with_enhanced_status_codes()
    {
        await using var session = await OpenAsync();

        Assert.Equal("220 prefilter.localhost ESMTP ready", session.Greeting);
        var ehlo = (await session.SendAsync("EHLO client.example")).Split('\n');
        Assert.Equal(["250-PIPELINING", $"250-SIZE {64 * 1024 * 1024}", "250-8BITMIME", "250-SMTPUTF8", "250-ENHANCEDSTATUSCODES", "250 STARTTLS"], ehlo[1..]);
        Assert.StartsWith("502 5.5.1", await session.SendAsync("TURN"));
        Assert.StartsWith("503 5.5.1", await session.SendAsync("RCPT TO:<a@served.example>"));
        Assert.StartsWith("503 5.5.1", await session.SendAsync("DATA"));
        Assert.StartsWith("501 5.5.4", await session.SendAsync("MAIL FROM:a@served.example"));
        Assert.StartsWith("555 5.5.4", await session.SendAsync("MAIL FROM:<s@elsewhere.example> BODY=BINARYMIME"));
        Assert.StartsWith("500 5.5.2", await session.SendAsync(new string('A', 5000)));
        Assert.StartsWith("221 2.0.0", await session.SendAsync("QUIT"));
    }

    [Fact]
    public async Task A_non_ascii_address_needs_smtputf8()
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");
        Assert.StartsWith("553 5.6.7", await session.SendAsync("RCPT TO:<jürgen@served.example>"));
        await session.SendAsync("RSET");

        Assert.StartsWith("250", await session.SendAsync("MAIL FROM:<s@elsewhere.example> SMTPUTF8"));
        Assert.StartsWith("250 2.1.5", await session.SendAsync("RCPT TO:<jürgen@served.example>"));
        var stored = await SendDataAsync(session, "Subject: utf8\r\n\r\nbody\r\n");
        Assert.Equal(["jürgen@served.example"], stored.Envelope.Recipients);
        Assert.Contains(" with UTF8SMTP id ", Encoding.UTF8.GetString(stored.Content.ToArray()));
    }

    [Fact]
    public async Task Starttls_encrypts_the_session_and_forgets_what_came_before_the_handshake()
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");

        // A command pipelined after STARTTLS in plain text must not be run inside TLS (CVE-2011-0411).
        await session.WriteAsync("STARTTLS\r\nHELP\r\n");
        Assert.StartsWith("220 2.0.0", await session.ReadReplyAsync());
        await session.UpgradeAsync();
        Assert.StartsWith("250 2.0.0", await session.SendAsync("NOOP"));
        Assert.StartsWith("503 5.5.1", await session.SendAsync("MAIL FROM:<s@elsewhere.example>"));
        var ehlo = await session.SendAsync("EHLO client.example");
        Assert.DoesNotContain("STARTTLS", ehlo);

        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");
        await session.SendAsync("RCPT TO:<a@served.example>");
        var stored = await SendDataAsync(session, "Subject: tls\r\n\r\nbody\r\n");
        Assert.Contains(" with ESMTPS id ", Encoding.UTF8.GetString(stored.Content.ToArray()));
    }

    [Fact]
    public async Task A_mail_client_delivers_over_starttls()
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=prefilter.localhost" };
        await client.ConnectAsync(ingress.EndPoint!.Address.ToString(), ingress.EndPoint.Port, MailKit.Security.SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        var reply = await client.SendAsync(Message("a@served.example"), new MailboxAddress("", "s@elsewhere.example"), [new MailboxAddress("", "a@served.example")]);
        await client.DisconnectAsync(true);

        var stored = await Mails.DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
        Assert.Contains(" with ESMTPS id ", Encoding.UTF8.GetString(stored.Content.ToArray()));
    }

    [Fact]
    public async Task Accepted_mail_and_refused_recipients_are_counted_by_door_and_reason()
    {
        using var metrics = new MetricRecorder();

        // An ingress of its own, started on this test's flow, so that the recorder sees its sessions.
        var (_, counted) = await StartIngressAsync([]);
        await using var session = await SmtpConversation.OpenAsync(counted.EndPoint!);
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");
        Assert.StartsWith("550 5.7.1", await session.SendAsync("RCPT TO:<victim@elsewhere.example>"));
        Assert.StartsWith("550 5.7.1", await session.SendAsync("RCPT TO:<victim%elsewhere.example@served.example>"));
        Assert.StartsWith("501 5.1.3", await session.SendAsync("RCPT TO:<john..doe@served.example>"));
        Assert.StartsWith("502 5.5.1", await session.SendAsync("XYZZY"));
        Assert.StartsWith("250 2.1.5", await session.SendAsync("RCPT TO:<ok@served.example>"));
        await SendDataAsync(session, "Subject: counted\r\n\r\nbody\r\n");

        Assert.Equal(["smtp"], metrics.Of(PipelineMetrics.IngressAcceptedName).Select(accepted => accepted.Tags["prefilter.ingress.door"]));
        var refused = metrics.Of(PipelineMetrics.IngressRefusedName);
        Assert.Equal(["relay-denied", "relay-denied", "invalid-envelope"], refused.Select(refusal => refusal.Tags["prefilter.ingress.reason"]));
        Assert.All(refused, refusal => Assert.Equal("smtp", refusal.Tags["prefilter.ingress.door"]));
    }

    [Fact]
    public async Task Require_tls_refuses_a_sender_until_starttls()
    {
        var (_, strict) = await StartIngressAsync(new() { ["SmtpIngress:RequireTls"] = "true" });
        await using var session = await SmtpConversation.OpenAsync(strict.EndPoint!);
        await session.SendAsync("EHLO client.example");

        Assert.StartsWith("530 5.7.0", await session.SendAsync("MAIL FROM:<s@elsewhere.example>"));
        await session.StartTlsAsync();
        await session.SendAsync("EHLO client.example");
        Assert.StartsWith("250 2.1.0", await session.SendAsync("MAIL FROM:<s@elsewhere.example>"));
    }

    [Fact]
    public async Task A_mail_over_the_size_limit_is_refused_with_552_and_the_session_goes_on()
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        var limit = new SmtpIngressOptions().MaxMessageSize;

        Assert.StartsWith("552 5.3.4", await session.SendAsync($"MAIL FROM:<s@elsewhere.example> SIZE={limit + 1}"));
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");
        await session.SendAsync("RCPT TO:<a@served.example>");
        Assert.StartsWith("354", await session.SendAsync("DATA"));
        var line = Encoding.ASCII.GetBytes(new string('x', 1000) + "\r\n");
        await session.WriteAsync("Subject: big\r\n\r\n");
        for (var written = 0; written <= limit; written += line.Length)
        {
            await session.WriteAsync(line);
        }

        Assert.StartsWith("552 5.3.4", await session.SendAsync("."));
        Assert.StartsWith("250 2.0.0", await session.SendAsync("RSET"));
        Assert.Empty(await Mails.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task Only_crlf_dot_crlf_ends_the_data_so_a_bare_lf_cannot_smuggle_a_second_mail()
    {
        await using var session = await OpenAsync();
        await session.SendAsync("EHLO client.example");
        await session.SendAsync("MAIL FROM:<s@elsewhere.example>");
        await session.SendAsync("RCPT TO:<a@served.example>");
        await session.SendAsync("DATA");

        const string data = "Subject: one\r\n\r\nbody\n.\nMAIL FROM:<x@evil.example>\r\n.\r.\r\n..leading dot\r\n";
        var reply = await session.SendAsync(data + ".");

        Assert.StartsWith("250 2.0.0", reply);
        var stored = await Mails.DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
        var content = Encoding.ASCII.GetString(stored.Content.ToArray());
        // A line's first dot is the sender's stuffing and goes (RFC 5321 §4.5.2); ".\r." is not the terminator.
        Assert.EndsWith("Subject: one\r\n\r\nbody\n.\nMAIL FROM:<x@evil.example>\r\n\r.\r\n.leading dot\r\n", content);
        Assert.Single(await Mails.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task A_silent_client_is_told_421_before_the_connection_closes()
    {
        var (_, impatient) = await StartIngressAsync(new() { ["SmtpIngress:CommandTimeout"] = "00:00:01" });
        await using var session = await SmtpConversation.OpenAsync(impatient.EndPoint!);

        Assert.StartsWith("421 4.4.2", await session.ReadReplyAsync());
        Assert.True(await session.IsClosedAsync());
    }

    [Fact]
    public async Task Stopping_tells_open_sessions_421()
    {
        var (_, stopping) = await StartIngressAsync([]);
        await using var session = await SmtpConversation.OpenAsync(stopping.EndPoint!);
        await session.SendAsync("EHLO client.example");

        await stopping.StopAsync();

        Assert.StartsWith("421 4.3.2", await session.ReadReplyAsync());
    }

    [SwaksFact]
    public async Task Swaks_is_refused_for_the_percent_hack_and_delivers_over_tls()
    {
        var port = ingress.EndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (refusedCode, refusedOutput) = await Swaks.RunAsync("--server", "127.0.0.1", "--port", port, "--from", "s@elsewhere.example", "--to", "user%evil.test@served.example");
        Assert.NotEqual(0, refusedCode);
        Assert.Contains("<** 550 5.7.1 Relaying denied", refusedOutput);

        var (code, output) = await Swaks.RunAsync("--server", "127.0.0.1", "--port", port, "--tls", "--from", "s@elsewhere.example", "--to", "a@served.example");
        Assert.True(code == 0, output);
        Assert.Contains("<~  250 2.0.0 Queued as", output);
        Assert.Single(await Mails.ListAsync("").ToListAsync());
    }

    [Fact]
    [Trait("Category", "Fuzz")]
    public async Task Random_command_sequences_get_well_formed_replies_and_421_before_any_close()
    {
        string[] tokens =
        [
            "EHLO client.example", "HELO x", "MAIL FROM:<s@elsewhere.example>", "MAIL FROM:<>", "RCPT TO:<a@served.example>",
            "RCPT TO:<user%evil@served.example>", "RCPT TO:<\"a b\"@served.example>", "DATA", "RSET", "NOOP", "VRFY a", "STARTTLS x",
            "MAIL FROM:<a@b> SIZE=99999999999999999999", "MAIL FROM:<a@b> BODY=8BITMIME SMTPUTF8", "RCPT TO:<jürgen@served.example>",
            "mail from:<x@y.example>", "RCPT TO:<@a,@b:c@served.example>", "RCPT TO:", "MAIL", "\u0000", "\u00ff\u00fe", "<>",
            "RCPT TO:<a@served.example> NOTIFY=NEVER", ".", "Subject: x", new string('x', 5000), "QUIT",
        ];
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("PREFILTER_FUZZ_ITERATIONS"), out var configured) && configured > 0 ? configured / 10 : 30;

        // A fixed seed: the same sequences every run, so CI cannot fail on luck (PREFILTER_FUZZ_SEED explores elsewhere).
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("PREFILTER_FUZZ_SEED"), out var configuredSeed) ? configuredSeed : 20261207;
        var random = new PCG(2, seed);
        var sequences = Gen.Int[0, tokens.Length - 1].Array[1, 40];
        for (var i = 0; i < iterations; i++)
        {
            var lines = sequences.Generate(random, null!, out _).Select(index => tokens[index]).ToList();
            await using var session = await SmtpConversation.OpenAsync(ingress.EndPoint!);
            try
            {
                await ConverseAsync(session, lines);
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"sequence {i} of seed {seed} fails: {string.Join(" | ", lines)}", exception);
            }
        }

        static async Task ConverseAsync(SmtpConversation session, IEnumerable<string> lines)
        {
            var last = session.Greeting;
            foreach (var command in lines)
            {
                string reply;
                try
                {
                    reply = await session.SendAsync(command);
                }
                catch (Exception exception) when (exception is IOException or EndOfStreamException)
                {
                    // The server closed the connection: only after saying 221 or 421.
                    Assert.Matches("^(221|421) ", last.Split('\n')[^1]);
                    return;
                }

                foreach (var line in reply.Split('\n'))
                {
                    Assert.Matches(@"^[2-5][0-9][0-9][ -]", line);
                }

                last = reply;
                if (reply.StartsWith("354", StringComparison.Ordinal))
                {
                    // In DATA every line is data until the dot: end it, as a client would.
                    last = await session.SendAsync("\r\n.");
                }

                if (last.StartsWith("221", StringComparison.Ordinal) || last.Split('\n')[^1].StartsWith("421", StringComparison.Ordinal))
                {
                    return;
                }
            }
        }
    }

    private async Task<(ServiceProvider Services, SmtpIngress Ingress)> StartIngressAsync(Dictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["SmtpIngress:port"] = "0",
            ["SmtpIngress:selfSignedCertificate"] = "true",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var host = new ServiceCollection().AddLogging().AddPrefilterSmtpIngress(new ConfigurationBuilder().AddInMemoryCollection(values).Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var started = host.GetRequiredService<SmtpIngress>();
        await started.StartAsync();
        if (services is not null)
        {
            extraHosts.Add(host);
        }

        return (host, started);
    }

    private Task<SmtpConversation> OpenAsync() => SmtpConversation.OpenAsync(ingress.EndPoint!);

    private async Task<StoredMail> SendDataAsync(SmtpConversation session, string data)
    {
        Assert.StartsWith("354", await session.SendAsync("DATA"));
        var reply = await session.SendAsync(data + ".");
        Assert.StartsWith("250 2.0.0 Queued as ", reply);
        return await Mails.DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
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
