using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Delivery;

/// <summary>How <see cref="SmtpRelay"/> talks to downstreams; bound from the <c>Delivery:Relay</c> configuration section.</summary>
public sealed class SmtpRelayOptions
{
    /// <summary>
    /// The longest wait for any one read or write on the downstream connection. A downstream that stalls longer
    /// counts as a transient failure, so a hung server cannot hold a delivery (and its Service Bus lock) for ever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The name the relay gives in <c>EHLO</c>; null for the machine's host name.</summary>
    public string? ClientName { get; set; }
}
