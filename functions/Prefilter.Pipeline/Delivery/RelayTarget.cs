using System.Net;

namespace Prefilter.Pipeline.Delivery;

/// <summary>Where <see cref="SmtpRelay"/> sends a mail.</summary>
/// <param name="Host">The downstream's host name or address.</param>
/// <param name="Port">The downstream's port.</param>
/// <param name="Tls">How the connection is secured.</param>
/// <param name="Credentials">The login for <c>AUTH</c>, or null to send without.</param>
public sealed record RelayTarget(string Host, int Port, DownstreamTls Tls, NetworkCredential? Credentials = null);
