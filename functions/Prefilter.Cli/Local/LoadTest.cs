using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prefilter.Cli.Benchmarking;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Local;

/// <summary>
/// Pushes mail through a running <see cref="LocalStack"/>'s SMTP ingress and accounts for every mail it answered 250:
/// its outcome on the blob, when the downstream (the stack's sink) received it, and every copy it received. Each mail
/// carries an <c>X-Loadtest-Id</c> header, so copies are counted per mail and recipient whatever the corpus repeats.
/// </summary>
/// <param name="stack">The stack under load.</param>
/// <param name="mails">The raw mails to send, in order (a corpus, cycled by the caller).</param>
internal sealed class LoadTest(LocalStack stack, IReadOnlyList<byte[]> mails)
{
    /// <summary>The header that names each mail of a run.</summary>
    public const string IdHeader = "X-Loadtest-Id";

    /// <summary>Mails sent at once, each over its own connection.</summary>
    public int Connections { get; init; } = 8;

    /// <summary>Mails per second to send at most; 0 for as fast as the ingress takes them.</summary>
    public double Rate { get; init; }

    /// <summary>How long to wait, after the last mail was accepted, for every mail to reach an outcome.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The recipient of every mail (a served domain of the stack).</summary>
    public string Recipient { get; init; } = "user@example.com";

    /// <summary>
    /// Whether to inject six faults while mail flows, one after another, the first once a seventh of the mail was sent,
    /// the next once two sevenths were, and so on: the downstream answering 421 after DATA; Azurite killed and
    /// restarted; the downstream closing connections in the middle of DATA; the dev broker killed and restarted; the
    /// scan instance killed mid-scan (and replaced at once); the delivery processor stopped and started again. Each but
    /// the scan instance's lasts <see cref="FaultDuration"/>. The restarts need the stack's data on disk
    /// (<see cref="LocalStackOptions.DataDirectory"/>), and the downstream's faults end by clearing the sink's script, so
    /// run faults on a stack of their own.
    /// </summary>
    public bool Faults { get; init; }

    /// <summary>How long each fault lasts: the downstream's misbehaviour, the time Azurite and the broker stay down, the delivery processor's stop.</summary>
    public TimeSpan FaultDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Rounds of the release gate to run while mail flows (<see cref="GateUnderLoad"/>): each gates the serving set under
    /// a new version and the incident set. 0 runs none.
    /// </summary>
    public int GateRounds { get; init; }

    private int sent;

    /// <summary>Sends every mail, waits for their outcomes, and reports.</summary>
    /// <param name="progress">Called with (stage, done, total).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <exception cref="InvalidOperationException"><see cref="Faults"/> on a stack that keeps its data in memory.</exception>
    public async Task<LoadTestReport> RunAsync(Action<string, int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (Faults && stack.DataDirectory is null)
        {
            throw new InvalidOperationException("faults restart Azurite and the dev broker, which needs the stack's data on disk (a data directory)");
        }

        var runId = Guid.NewGuid().ToString("N")[..8];
        var arrivals = new ConcurrentDictionary<string, List<long>>(StringComparer.Ordinal);
        void OnReceived(object? sender, SmtpSinkMessage message)
        {
            if (IdOf(message.Data) is { } id && id.StartsWith(runId, StringComparison.Ordinal))
            {
                var times = arrivals.GetOrAdd(id, _ => []);
                lock (times)
                {
                    times.Add(Stopwatch.GetTimestamp());
                }
            }
        }

        stack.Sink.MessageReceived += OnReceived;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var accepted = new ConcurrentDictionary<string, Accepted>(StringComparer.Ordinal);
            var faults = Faults ? InjectFaultsAsync(accepted, cancellationToken) : Task.FromResult<IReadOnlyList<InjectedFault>>([]);
            var gate = GateRounds > 0
                ? new GateUnderLoad(stack).RunAsync(GateRounds, () => Volatile.Read(ref sent) < mails.Count, cancellationToken)
                : Task.FromResult<IReadOnlyList<LoadTestGateRun>>([]);
            await SendAllAsync(runId, started, accepted, progress, cancellationToken).ConfigureAwait(false);
            var injected = await faults.ConfigureAwait(false);
            var gateRuns = await gate.ConfigureAwait(false);
            var outcomes = await DrainAsync(accepted, progress, cancellationToken).ConfigureAwait(false);
            var finished = Stopwatch.GetTimestamp();
            return Report(accepted, outcomes, arrivals, Stopwatch.GetElapsedTime(started, finished)) with
            {
                Faults = [.. injected.Select(fault => fault.Describe(started, accepted, outcomes, arrivals))],
                Gate = gateRuns,
            };
        }
        finally
        {
            stack.Sink.MessageReceived -= OnReceived;
        }
    }

    private async Task SendAllAsync(string runId, long started, ConcurrentDictionary<string, Accepted> accepted, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var relay = new SmtpRelay(
            Options.Create(new SmtpRelayOptions { Timeout = TimeSpan.FromMinutes(1), ClientName = "loadtest.localhost" }),
            new DownstreamCircuitBreaker(Options.Create(new DownstreamCircuitBreakerOptions()), TimeProvider.System),
            NullLogger<SmtpRelay>.Instance);
        var ingress = new Downstream(stack.SmtpIngress.Address.ToString(), stack.SmtpIngress.Port, TlsPolicy.None, null);
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, Connections)).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < mails.Count)
            {
                if (Rate > 0 && TimeSpan.FromSeconds(index / Rate) - Stopwatch.GetElapsedTime(started) is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }

                var id = $"{runId}-{index}";
                var data = RelayMessage.Create(Encoding.ASCII.GetBytes($"{IdHeader}: {id}\r\n"), mails[index]);
                try
                {
                    var result = await relay.RelayAsync(ingress, null, data, "loadtest@example.net", [Recipient], cancellationToken: cancellationToken).ConfigureAwait(false);
                    accepted[id] = new Accepted(BlobNameOf(result.Reply), Stopwatch.GetTimestamp());
                }
                catch (SmtpRelayException)
                {
                    // Not answered 250: the sender keeps such a mail; it is not the pipeline's to account for.
                }

                // Counted whether or not anyone watches progress: the faults are timed by it.
                var done = Interlocked.Increment(ref sent);
                progress?.Invoke("send", done, mails.Count);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    // Fault i of n starts once i/(n+1) of the mail was sent (or at once when sending is done), and lasts FaultDuration.
    private async Task<IReadOnlyList<InjectedFault>> InjectFaultsAsync(ConcurrentDictionary<string, Accepted> accepted, CancellationToken cancellationToken)
    {
        var plan = FaultPlan(cancellationToken);
        var injected = new List<InjectedFault>();
        for (var i = 0; i < plan.Length; i++)
        {
            while (Volatile.Read(ref sent) < mails.Count * (i + 1) / (plan.Length + 1))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }

            var start = Stopwatch.GetTimestamp();
            await plan[i].Start().ConfigureAwait(false);
            try
            {
                if (plan[i].Lasts)
                {
                    await Task.Delay(FaultDuration, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                await plan[i].End().ConfigureAwait(false);
            }

            injected.Add(new InjectedFault(plan[i].Kind, start, Stopwatch.GetTimestamp(), [.. accepted.Keys]));
        }

        return injected;
    }

    // The faults in the order they are injected. A kill ends with the restart; the scan instance's kill is over at once
    // (a fresh instance starts as the old one is cut off), so it has no duration to wait out.
    private (string Kind, bool Lasts, Func<Task> Start, Func<Task> End)[] FaultPlan(CancellationToken cancellationToken)
    {
        var delivery = stack.Services.GetRequiredService<DeliveryProcessorService>();
        var scan = stack.Services.GetRequiredService<ScanInstance>();
        var script = stack.Sink.Script;
        Task ClearScript()
        {
            script.Clear();
            return Task.CompletedTask;
        }

        return
        [
            (LoadTestFault.Downstream421, true, () =>
            {
                script.Reply(SmtpStage.Data, SmtpReply.ServiceNotAvailable);
                return Task.CompletedTask;
            }, ClearScript),
            (LoadTestFault.AzuriteRestarted, true, () => stack.Azurite.KillAsync(cancellationToken), () => stack.Azurite.RestartAsync(cancellationToken)),
            (LoadTestFault.DownstreamClosedMidData, true, () =>
            {
                script.CloseDuringData();
                return Task.CompletedTask;
            }, ClearScript),
            (LoadTestFault.BrokerRestarted, true, stack.Broker.KillAsync, () => stack.Broker.StartAsync(cancellationToken)),
            (LoadTestFault.ScanInstanceKilled, false, () => scan.KillAsync(TimeSpan.FromMinutes(1), cancellationToken), () => Task.CompletedTask),
            (LoadTestFault.DeliveryStopped, true, () => delivery.StopAsync(cancellationToken), () => delivery.StartAsync(cancellationToken)),
        ];
    }

    // Waits until every accepted mail's blob carries a final outcome, or the drain timeout passes. The blobs are listed
    // by arrival day, a request per 5,000 mails, rather than read one by one: a request per pending mail every poll
    // would load the storage the pipeline under test shares.
    private async Task<Dictionary<string, MailOutcome?>> DrainAsync(ConcurrentDictionary<string, Accepted> accepted, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var store = stack.Services.GetRequiredService<MailStore>();
        var days = accepted.Values.Select(mail => MailBlobName.DayPrefixOf(mail.BlobName)).Distinct(StringComparer.Ordinal).ToList();
        var outcomes = new Dictionary<string, MailOutcome?>(StringComparer.Ordinal);
        var pending = accepted.Keys.ToList();
        var deadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var final = new Dictionary<string, MailOutcome>(StringComparer.Ordinal);
            foreach (var day in days)
            {
                await foreach (var mail in store.ListAsync(day, cancellationToken).ConfigureAwait(false))
                {
                    if (mail.Outcome is { } outcome && outcome.IsFinal())
                    {
                        final[mail.Name] = outcome;
                    }
                }
            }

            var still = new List<string>();
            foreach (var id in pending)
            {
                if (final.TryGetValue(accepted[id].BlobName, out var outcome))
                {
                    outcomes[id] = outcome;
                }
                else
                {
                    still.Add(id);
                }
            }

            pending = still;
            progress?.Invoke("outcomes", accepted.Count - pending.Count, accepted.Count);
            if (pending.Count == 0 || Stopwatch.GetTimestamp() > deadline)
            {
                foreach (var id in pending)
                {
                    outcomes[id] = null;
                }

                return outcomes;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private LoadTestReport Report(
        ConcurrentDictionary<string, Accepted> accepted, Dictionary<string, MailOutcome?> outcomes, ConcurrentDictionary<string, List<long>> arrivals, TimeSpan elapsed)
    {
        var latencies = new List<double>();
        var duplicated = 0;
        foreach (var (id, times) in arrivals)
        {
            lock (times)
            {
                duplicated += times.Count - 1;
                if (accepted.TryGetValue(id, out var mail))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(mail.At, times.Min()).TotalMilliseconds);
                }
            }
        }

        var percentiles = latencies.Count == 0 ? new Percentiles(0, 0, 0) : Percentiles.Of([.. latencies]);
        int Count(MailOutcome outcome) => outcomes.Values.Count(value => value == outcome);
        return new LoadTestReport
        {
            Mails = mails.Count,
            Accepted = accepted.Count,
            MailsPerSecond = accepted.Count / elapsed.TotalSeconds,
            P50Ms = percentiles.P50,
            P99Ms = percentiles.P99,
            MaxMs = percentiles.Max,
            Delivered = Count(MailOutcome.Delivered),
            Quarantined = Count(MailOutcome.Quarantined),
            DeadLettered = Count(MailOutcome.DeadLettered),
            Lost = outcomes.Values.Count(value => value is null),
            Duplicated = duplicated,
        };
    }

    private static string BlobNameOf(string reply) => reply[(reply.LastIndexOf(' ') + 1)..];

    private static string? IdOf(byte[] data)
    {
        var text = Encoding.ASCII.GetString(data, 0, Math.Min(data.Length, 4096));
        var at = text.IndexOf(IdHeader + ": ", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var start = at + IdHeader.Length + 2;
        var end = text.IndexOf('\r', start);
        return end < 0 ? null : text[start..end];
    }

    private sealed record Accepted(string BlobName, long At);

    /// <summary>A fault as it ran: when it started and ended, and the mails accepted by its end.</summary>
    private sealed record InjectedFault(string Kind, long Start, long End, IReadOnlyList<string> AcceptedByEnd)
    {
        // Back at full rate once the mail the fault held up has reached the downstream: the latest first arrival of
        // every mail accepted by the fault's end and delivered, counted from that end (0 when all were there before it).
        public LoadTestFault Describe(long runStart, ConcurrentDictionary<string, Accepted> accepted, Dictionary<string, MailOutcome?> outcomes, ConcurrentDictionary<string, List<long>> arrivals)
        {
            long? caughtUp = End;
            foreach (var id in AcceptedByEnd.Where(id => outcomes.GetValueOrDefault(id) == MailOutcome.Delivered))
            {
                if (!arrivals.TryGetValue(id, out var times))
                {
                    caughtUp = null;
                    break;
                }

                lock (times)
                {
                    caughtUp = Math.Max(caughtUp.Value, times.Min());
                }
            }

            return new LoadTestFault(
                Kind,
                Stopwatch.GetElapsedTime(runStart, Start).TotalMilliseconds,
                Stopwatch.GetElapsedTime(Start, End).TotalMilliseconds,
                caughtUp is { } at ? Stopwatch.GetElapsedTime(End, at).TotalMilliseconds : null);
        }
    }
}

/// <summary>A fault a load test injected, as <c>--json</c> prints it in <c>faults</c>.</summary>
/// <param name="Kind">
/// <see cref="Downstream421"/>, <see cref="AzuriteRestarted"/>, <see cref="DownstreamClosedMidData"/>,
/// <see cref="BrokerRestarted"/>, <see cref="ScanInstanceKilled"/> or <see cref="DeliveryStopped"/>.
/// </param>
/// <param name="StartedAtMs">When it started, from the run's first send.</param>
/// <param name="DurationMs">How long it lasted.</param>
/// <param name="BackToFullRateMs">
/// From its end until every mail accepted by then (and delivered) had reached the downstream; null when one never did.
/// </param>
internal sealed record LoadTestFault(string Kind, double StartedAtMs, double DurationMs, double? BackToFullRateMs)
{
    /// <summary>The downstream answered 421 after DATA.</summary>
    public const string Downstream421 = "downstream-421";

    /// <summary>The delivery processor was stopped, then started again.</summary>
    public const string DeliveryStopped = "delivery-stopped";

    /// <summary>Azurite was killed (SIGKILL, once it had saved what it acknowledged), then started again on its folder and ports.</summary>
    public const string AzuriteRestarted = "azurite-restarted";

    /// <summary>The dev broker was stopped as by a crash (connections reset, journal left as it was), then started again from its journal.</summary>
    public const string BrokerRestarted = "broker-restarted";

    /// <summary>The downstream closed connections in the middle of DATA, without a reply.</summary>
    public const string DownstreamClosedMidData = "downstream-closed-mid-data";

    /// <summary>The scan instance was killed while it scanned, and a fresh one started.</summary>
    public const string ScanInstanceKilled = "scan-instance-killed";
}

/// <summary>What <c>prefilter loadtest</c> reports; <c>--json</c> prints it as is.</summary>
internal sealed record LoadTestReport
{
    /// <summary>Mails sent.</summary>
    public required int Mails { get; init; }

    /// <summary>Mails the ingress answered 250; the pipeline owes each an outcome.</summary>
    public required int Accepted { get; init; }

    /// <summary>Accepted mails per second, from the first send to the last outcome.</summary>
    public required double MailsPerSecond { get; init; }

    /// <summary>Median time from the ingress's 250 to the downstream's 250, in ms (delivered mail only).</summary>
    public required double P50Ms { get; init; }

    /// <summary>The 99th percentile of the same.</summary>
    public required double P99Ms { get; init; }

    /// <summary>The longest of the same.</summary>
    public required double MaxMs { get; init; }

    /// <summary>Accepted mails with outcome delivered.</summary>
    public required int Delivered { get; init; }

    /// <summary>Accepted mails with outcome quarantined.</summary>
    public required int Quarantined { get; init; }

    /// <summary>Accepted mails with outcome dead-lettered.</summary>
    public required int DeadLettered { get; init; }

    /// <summary>Accepted mails with no final outcome when the drain timeout ran out.</summary>
    public required int Lost { get; init; }

    /// <summary>Copies the downstream received beyond the first, per mail.</summary>
    public required int Duplicated { get; init; }

    /// <summary>The faults injected, in order; empty without <c>--faults</c>.</summary>
    public IReadOnlyList<LoadTestFault> Faults { get; init; } = [];

    /// <summary>The gate runs of <c>--gate-rounds</c>, in order; empty without it.</summary>
    public IReadOnlyList<LoadTestGateRun> Gate { get; init; } = [];

    /// <summary>The untimed run that warmed the process before this one (<c>--warmup</c>); null when there was none.</summary>
    public LoadTestReport? Warmup { get; init; }
}
