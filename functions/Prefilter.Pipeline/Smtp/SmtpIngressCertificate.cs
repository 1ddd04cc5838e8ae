using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Prefilter.Pipeline.Smtp;

/// <summary>Loads the certificate the SMTP ingress offers with <c>STARTTLS</c>, as <see cref="SmtpIngressOptions"/> say.</summary>
public static class SmtpIngressCertificate
{
    /// <summary>Loads the configured certificate, makes a self-signed one, or returns null when TLS is not configured.</summary>
    /// <param name="options">The ingress options.</param>
    /// <returns>A certificate with its private key, or null.</returns>
    /// <remarks>
    /// The file's content decides its form, not its name: PEM (a certificate chain, its key in the same file or in
    /// <see cref="SmtpIngressOptions.CertificateKeyPath"/>), binary PKCS#12, or PKCS#12 as Base64 text. The last is
    /// what a Key Vault certificate's secret holds when Container Apps mounts it as a file (named after the secret,
    /// without an extension); a PEM certificate in Key Vault gives a PEM file with its key.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The file cannot be read, is none of those forms, or holds no private key; the message names the file.</exception>
    public static X509Certificate2? Load(SmtpIngressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CertificatePath is { Length: > 0 } path)
        {
            try
            {
                var certificate = Read(path, options);
                if (!certificate.HasPrivateKey)
                {
                    certificate.Dispose();
                    throw new InvalidOperationException($"The SMTP ingress certificate '{path}' has no private key.");
                }

                // A PKCS#12 round trip gives a PEM-loaded key a form SslStream can use on every platform.
                using (certificate)
                {
                    return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
                }
            }
            catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"The SMTP ingress certificate '{path}' cannot be loaded: {exception.Message}", exception);
            }
        }

        return options.SelfSignedCertificate ? CreateSelfSigned(options.ServerName) : null;
    }

    private static X509Certificate2 Read(string path, SmtpIngressOptions options)
    {
        var content = File.ReadAllBytes(path);
        var text = Encoding.ASCII.GetString(content).Trim();
        if (text.StartsWith("-----BEGIN ", StringComparison.Ordinal))
        {
            return X509Certificate2.CreateFromPemFile(path, options.CertificateKeyPath);
        }

        // Binary PKCS#12 holds bytes outside the Base64 alphabet, so only the text form decodes.
        var pkcs12 = TryDecodeBase64(text) ?? content;
        return X509CertificateLoader.LoadPkcs12(pkcs12, options.CertificatePassword);
    }

    private static byte[]? TryDecodeBase64(string text)
    {
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    /// <summary>Makes a self-signed certificate for <paramref name="serverName"/>, valid for a year.</summary>
    /// <param name="serverName">The host name it is for.</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 CreateSelfSigned(string serverName)
    {
        ArgumentException.ThrowIfNullOrEmpty(serverName);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={serverName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(serverName);
        request.CertificateExtensions.Add(names.Build());
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
