using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;

namespace Prefilter.Pipeline.Tests.Delivery;

public sealed class DownstreamCircuitBreakerTests
{
    private static readonly Downstream Dead = new("dead.example", 25, TlsPolicy.None, null);
    private static readonly Downstream Alive = new("alive.example", 25, TlsPolicy.None, null);

    private readonly FakeTimeProvider time = new();
    private readonly DownstreamCircuitBreaker breaker;

    public DownstreamCircuitBreakerTests() =>
        breaker = new DownstreamCircuitBreaker(Options.Create(new DownstreamCircuitBreakerOptions { FailureThreshold = 3, BreakDuration = TimeSpan.FromMinutes(1) }), time);

    [Fact]
    public void Opens_after_the_threshold_of_connection_failures_in_a_row_for_that_downstream_only()
    {
        Fail(Dead, 2);
        Assert.True(breaker.TryEnter(Dead, out _));

        Fail(Dead, 1);

        Assert.False(breaker.TryEnter(Dead, out var refusal));
        Assert.Contains("not tried: 3 connection failures in a row", refusal);
        Assert.True(breaker.TryEnter(Alive, out _));
    }

    [Fact]
    public void An_answer_between_failures_starts_the_count_again()
    {
        Fail(Dead, 2);
        breaker.RecordAnswer(Dead);
        Fail(Dead, 2);

        Assert.True(breaker.TryEnter(Dead, out _));
    }

    [Fact]
    public void After_the_break_one_relay_tries_and_the_others_wait_for_its_outcome()
    {
        Fail(Dead, 3);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.True(breaker.TryEnter(Dead, out _));
        Assert.False(breaker.TryEnter(Dead, out _));

        breaker.RecordAnswer(Dead);
        Assert.True(breaker.TryEnter(Dead, out _));
        Assert.True(breaker.TryEnter(Dead, out _));
    }

    [Fact]
    public void A_failed_trial_opens_the_circuit_for_another_break()
    {
        Fail(Dead, 3);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(breaker.TryEnter(Dead, out _));

        Fail(Dead, 1);
        time.Advance(TimeSpan.FromSeconds(59));

        Assert.False(breaker.TryEnter(Dead, out var refusal));
        Assert.Contains("4 connection failures in a row", refusal);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryEnter(Dead, out _));
    }

    private void Fail(Downstream downstream, int times)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.RecordConnectionFailure(downstream);
        }
    }
}
