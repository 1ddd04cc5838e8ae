using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Prefilter.Cli.Ingress;
using Prefilter.Pipeline.Smtp;

namespace Prefilter.Cli.Tests;

/// <summary>
/// <c>prefilter ingress</c>'s host on loopback, on the shared stack's storage: STARTTLS with a PEM certificate from
/// files and with a Key Vault certificate as Container Apps mounts it, mail accepted and stored (and then delivered by
/// the stack's pipeline), the SMTP door's refusals.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class IngressCommandTests(LocalStackFixture fixture) : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("prefilter-ingress-").FullName;
    private IHost host = null!;

    private SmtpIngress Ingress => host.Services.GetRequiredService<SmtpIngress>();

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=mx.prefilter.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(folder, "mx.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(folder, "mx.key"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(folder, "settings.json"), $$"""
            { "Storage": { "connectionString": {{System.Text.Json.JsonSerializer.Serialize(fixture.Stack.Azurite.ConnectionString)}} },
              "SmtpIngress": { "port": 0, "serverName": "mx.prefilter.test",
                               "certificatePath": {{System.Text.Json.JsonSerializer.Serialize(Path.Combine(folder, "mx.crt"))}},
                               "certificateKeyPath": {{System.Text.Json.JsonSerializer.Serialize(Path.Combine(folder, "mx.key"))}} } }
            """);
        host = IngressHost.Build(Path.Combine(folder, "settings.json"), new Dictionary<string, string?>());
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Takes_mail_over_starttls_with_the_configured_certificate_and_the_pipeline_delivers_it()
    {
        var (raw, messageId) = LocalStackFixture.Ham();
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=mx.prefilter.test" };
        await client.ConnectAsync(Ingress.EndPoint!.Address.ToString(), Ingress.EndPoint.Port, SecureSocketOptions.StartTls);

        var reply = await client.SendAsync(MimeMessage.Load(new MemoryStream(raw)), MailboxAddress.Parse("sender@example.net"), [MailboxAddress.Parse("user@example.com")]);
        await client.DisconnectAsync(true);

        Assert.StartsWith("2.0.0 Queued as ", reply, StringComparison.Ordinal);
        var stored = await fixture.Mails.DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
        Assert.Contains(" with ESMTPS id ", System.Text.Encoding.ASCII.GetString(stored.Content.ToArray()), StringComparison.Ordinal);
        Assert.Equal(["user@example.com"], (await fixture.WaitForSinkAsync(messageId)).Recipients);
    }

    [Theory]
    [InlineData("user%evil.test@example.com")]
    [InlineData("\"user@evil.test\"@example.com")]
    [InlineData("evil.test!user@example.com")]
    [InlineData("someone@elsewhere.example")]
    public async Task Refuses_what_the_SMTP_door_refuses(string recipient)
    {
        var (raw, _) = LocalStackFixture.Ham();
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync(Ingress.EndPoint!.Address.ToString(), Ingress.EndPoint.Port, SecureSocketOptions.StartTls);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() =>
            client.SendAsync(MimeMessage.Load(new MemoryStream(raw)), MailboxAddress.Parse("sender@example.net"), [new MailboxAddress("", recipient)]));

        Assert.Equal(550, (int)error.StatusCode);
        Assert.StartsWith("5.7.1 Relaying denied", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KeyVaultContentType.Pkcs12)]
    [InlineData(KeyVaultContentType.Pem)]
    public async Task Offers_starttls_with_a_Key_Vault_certificate_mounted_as_a_Container_Apps_secret_volume(KeyVaultContentType contentType)
    {
        // Container Apps writes a Key Vault secret to a file named after it, without an extension. A certificate's
        // secret holds the PKCS#12 as Base64 text (application/x-pkcs12) or the key and chain as PEM (application/x-pem-file).
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=mx.vault.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var mounted = Path.Combine(folder, "smtp-certificate");
        await File.WriteAllTextAsync(mounted, contentType == KeyVaultContentType.Pkcs12
            ? Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12))
            : key.ExportPkcs8PrivateKeyPem() + "\n" + certificate.ExportCertificatePem());
        using var edge = IngressHost.Build(null, EdgeSettings(mounted));
        await edge.StartAsync();
        try
        {
            var ingress = edge.Services.GetRequiredService<SmtpIngress>();
            string? presented = null;
            using var client = new SmtpClient
            {
                ServerCertificateValidationCallback = (_, offered, _, _) =>
                {
                    presented = offered?.GetCertHashString();
                    return true;
                },
            };
            await client.ConnectAsync(ingress.EndPoint!.Address.ToString(), ingress.EndPoint.Port, SecureSocketOptions.StartTls);
            var (raw, _) = LocalStackFixture.Ham();
            var reply = await client.SendAsync(MimeMessage.Load(new MemoryStream(raw)), MailboxAddress.Parse("sender@example.net"), [MailboxAddress.Parse("user@example.com")]);
            await client.DisconnectAsync(true);

            Assert.Equal(certificate.Thumbprint, presented);
            var stored = await fixture.Mails.DownloadAsync(reply[(reply.LastIndexOf(' ') + 1)..]);
            Assert.Contains(" with ESMTPS id ", System.Text.Encoding.ASCII.GetString(stored.Content.ToArray()), StringComparison.Ordinal);
        }
        finally
        {
            await edge.StopAsync();
        }
    }

    [Fact]
    public async Task A_mounted_file_that_is_no_certificate_stops_the_start_and_names_the_file()
    {
        var mounted = Path.Combine(folder, "smtp-certificate");
        await File.WriteAllTextAsync(mounted, "not a certificate");
        using var edge = IngressHost.Build(null, EdgeSettings(mounted));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => edge.StartAsync());

        Assert.Contains($"'{mounted}' cannot be loaded", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The settings the container app gets (infra/modules/edge.bicep), on loopback and the stack's storage.</summary>
    private Dictionary<string, string?> EdgeSettings(string certificatePath) => new()
    {
        ["Storage:connectionString"] = fixture.Stack.Azurite.ConnectionString,
        ["SmtpIngress:ListenAddress"] = "127.0.0.1",
        ["SmtpIngress:Port"] = "0",
        ["SmtpIngress:ServerName"] = "mx.vault.test",
        ["SmtpIngress:CertificatePath"] = certificatePath,
    };
}

/// <summary>The two content types of a Key Vault certificate, which decide what its secret holds.</summary>
public enum KeyVaultContentType
{
    /// <summary>application/x-pkcs12: the secret is the PKCS#12 as Base64 text.</summary>
    Pkcs12,

    /// <summary>application/x-pem-file: the secret is the private key and the certificate chain as PEM.</summary>
    Pem,
}
