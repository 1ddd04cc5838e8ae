using Prefilter.Cli.Local;
using Prefilter.DevServices.Corpus;

namespace Prefilter.Cli.Incident;

/// <summary>
/// A steady stream of corpus mail into the SMTP ingress, in the background, at a set rate, counting every mail the
/// ingress accepted (250) and every one it refused. Messages are taken from the corpus in a shuffled, repeatable order
/// and start again from the first when all were sent.
/// </summary>
internal sealed class MailFeeder : IAsyncDisposable
{
    private readonly MailSubmitter submitter;
    private readonly IReadOnlyList<CorpusMessage> corpus;
    private readonly TimeSpan interval;
    private readonly TimeProvider timeProvider;
    private readonly CancellationTokenSource stop = new();
    private Task? running;
    private int submitted;
    private int refused;

    private MailFeeder(MailSubmitter submitter, IReadOnlyList<CorpusMessage> corpus, double mailsPerSecond, TimeProvider timeProvider)
    {
        this.submitter = submitter;
        this.corpus = corpus;
        interval = TimeSpan.FromSeconds(1 / mailsPerSecond);
        this.timeProvider = timeProvider;
    }

    /// <summary>Mail the ingress accepted so far: each is stored and must end delivered, quarantined or dead-lettered.</summary>
    public int Submitted => Volatile.Read(ref submitted);

    /// <summary>Mail the ingress refused at the door (not accepted, so not the pipeline's to lose).</summary>
    public int Refused => Volatile.Read(ref refused);

    /// <summary>The first refusal the ingress gave, for the report; null when none.</summary>
    public string? FirstRefusal { get; private set; }

    /// <summary>The failure that stopped the feeder early, if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Connects to the SMTP ingress and starts feeding.</summary>
    /// <param name="host">Ingress address.</param>
    /// <param name="port">Ingress port.</param>
    /// <param name="recipient">Envelope recipient (a served domain).</param>
    /// <param name="corpus">The messages to send; must not be empty.</param>
    /// <param name="mailsPerSecond">Target rate; slower when the ingress cannot keep up.</param>
    /// <param name="seed">Seed of the shuffle, so runs send the same sequence.</param>
    /// <param name="timeProvider">Clock for pacing.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static async Task<MailFeeder> StartAsync(
        string host,
        int port,
        string recipient,
        IReadOnlyList<CorpusMessage> corpus,
        double mailsPerSecond,
        int seed,
        TimeProvider timeProvider,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(corpus.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mailsPerSecond);
        var shuffled = corpus.ToArray();
        new Random(seed).Shuffle(shuffled);
        var submitter = await MailSubmitter.ConnectSmtpAsync(host, port, "replay@example.net", [recipient], cancellationToken);
        var feeder = new MailFeeder(submitter, shuffled, mailsPerSecond, timeProvider);
        feeder.running = Task.Run(feeder.FeedAsync, CancellationToken.None);
        return feeder;
    }

    /// <summary>Stops feeding after the mail in progress; the counts are final afterwards.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            await running;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await submitter.DisposeAsync();
        stop.Dispose();
    }

    private async Task FeedAsync()
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            for (var sent = 0L; !stop.IsCancellationRequested; sent++)
            {
                var raw = await File.ReadAllBytesAsync(corpus[(int)(sent % corpus.Count)].Path, stop.Token);
                var refusal = await submitter.SubmitAsync(raw, CancellationToken.None);
                if (refusal is null)
                {
                    Interlocked.Increment(ref submitted);
                }
                else
                {
                    FirstRefusal ??= refusal;
                    Interlocked.Increment(ref refused);
                }

                // Pace against the start, so a slow submission is caught up instead of lowering the rate for good.
                var ahead = interval * (sent + 1) - timeProvider.GetElapsedTime(started);
                if (ahead > TimeSpan.Zero)
                {
                    await Task.Delay(ahead, timeProvider, stop.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped between two mails.
        }
        catch (Exception exception)
        {
            // The connection broke: mail stops flowing, and the report says why.
            Failure = exception;
        }
    }
}
