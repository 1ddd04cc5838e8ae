namespace Prefilter.Pipeline.Domains;

/// <summary>
/// Where a served domain's clean mail goes. Two domains with equal downstreams share one relay per mail.
/// </summary>
/// <param name="Host">Host name or IP address of the downstream MTA.</param>
/// <param name="Port">TCP port, 1–65535.</param>
/// <param name="Tls">How the connection is secured.</param>
/// <param name="Credentials">SMTP AUTH credentials, or null when the downstream trusts the pre-filter by address.</param>
public sealed record Downstream(string Host, int Port, TlsPolicy Tls, DownstreamCredentials? Credentials)
{
    /// <inheritdoc />
    public override string ToString() => $"{Host}:{Port} ({Tls})";
}

/// <summary>
/// SMTP AUTH credentials of a downstream. The password is never in <c>domains.json</c>: the document names a
/// configuration key (an app setting, a Key Vault reference in Azure) that <see cref="DownstreamSecrets"/> reads.
/// </summary>
/// <param name="Username">The user name.</param>
/// <param name="PasswordSecret">Configuration key holding the password, e.g. <c>Downstreams:contoso:Password</c>.</param>
public sealed record DownstreamCredentials(string Username, string PasswordSecret);
