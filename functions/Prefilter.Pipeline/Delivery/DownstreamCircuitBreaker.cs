using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Domains;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Stops relaying to a downstream that cannot be reached: after <see cref="DownstreamCircuitBreakerOptions.FailureThreshold"/>
/// connection failures in a row, mail for it is not tried for <see cref="DownstreamCircuitBreakerOptions.BreakDuration"/>
/// and waits for its next attempt instead; then one relay tries it, and its outcome closes the circuit or opens it
/// for another break. Per instance, keyed by host and port; thread-safe.
/// </summary>
/// <remarks>
/// Without it, a downstream that drops connections silently holds each delivery worker for the relay timeout, so a
/// single dead downstream slows the mail of every other one (Postfix marks such a destination "dead" for the same
/// reason). Only failures to connect, secure or talk count: a downstream that answers, even 4xx or 5xx, is up.
/// </remarks>
public sealed class DownstreamCircuitBreaker
{
    private readonly Dictionary<string, Circuit> circuits = new(StringComparer.OrdinalIgnoreCase);
    private readonly DownstreamCircuitBreakerOptions options;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates the breaker.</summary>
    /// <param name="options">Threshold and break.</param>
    /// <param name="timeProvider">Clock of the breaks.</param>
    public DownstreamCircuitBreaker(IOptions<DownstreamCircuitBreakerOptions> options, TimeProvider timeProvider)
    {
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    /// <summary>
    /// Whether a relay to <paramref name="downstream"/> may go now; after a break, the first caller gets the one trial
    /// and the break is extended for the others until it reports.
    /// </summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="refusal">When not allowed: why, and until when, in words for the mail's retry log.</param>
    public bool TryEnter(Downstream downstream, [NotNullWhen(false)] out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        var now = timeProvider.GetUtcNow();
        lock (circuits)
        {
            if (!circuits.TryGetValue(KeyOf(downstream), out var circuit) || circuit.Failures < options.FailureThreshold)
            {
                refusal = null;
                return true;
            }

            if (now >= circuit.OpenUntil)
            {
                circuit.OpenUntil = now + options.BreakDuration;
                refusal = null;
                return true;
            }

            refusal = $"not tried: {circuit.Failures} connection failures in a row, next try after {circuit.OpenUntil:O}";
            return false;
        }
    }

    /// <summary>Reports that the downstream answered (whatever it answered): the circuit closes.</summary>
    /// <param name="downstream">The downstream.</param>
    public void RecordAnswer(Downstream downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        lock (circuits)
        {
            circuits.Remove(KeyOf(downstream));
        }
    }

    /// <summary>Reports that the downstream could not be reached, secured or talked to.</summary>
    /// <param name="downstream">The downstream.</param>
    public void RecordConnectionFailure(Downstream downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        var now = timeProvider.GetUtcNow();
        lock (circuits)
        {
            var key = KeyOf(downstream);
            if (!circuits.TryGetValue(key, out var circuit))
            {
                circuits[key] = circuit = new Circuit();
            }

            circuit.Failures++;
            if (circuit.Failures >= options.FailureThreshold)
            {
                circuit.OpenUntil = now + options.BreakDuration;
            }
        }
    }

    private static string KeyOf(Downstream downstream) => $"{downstream.Host.Trim().TrimEnd('.')}:{downstream.Port}";

    private sealed class Circuit
    {
        public int Failures { get; set; }

        public DateTimeOffset OpenUntil { get; set; }
    }
}

/// <summary>When <see cref="DownstreamCircuitBreaker"/> stops trying a downstream; section <c>Delivery:CircuitBreaker</c>.</summary>
public sealed class DownstreamCircuitBreakerOptions
{
    /// <summary>Connection failures in a row that open the circuit. Default 5.</summary>
    [Range(1, 1000)]
    public int FailureThreshold { get; set; } = 5;

    /// <summary>How long an open circuit keeps mail from the downstream before one relay tries it again. Default 1 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(1);
}
