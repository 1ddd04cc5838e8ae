namespace Prefilter.DevServices.Smtp;

/// <summary>
/// A scripted pause: the first transaction that reaches the held stage waits, without replying,
/// until the test releases it with the reply to send. Lets a test act while a client is mid-transaction.
/// </summary>
public sealed class SmtpSinkHold
{
    private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SmtpReply> released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SmtpSinkHold(SmtpStage stage) => Stage = stage;

    /// <summary>The stage at which the transaction waits.</summary>
    public SmtpStage Stage { get; }

    /// <summary>Completes when a transaction has reached the stage and is waiting.</summary>
    public Task Reached => reached.Task;

    /// <summary>Lets the waiting transaction go on with <paramref name="reply"/>; later calls have no effect.</summary>
    /// <param name="reply">The reply the waiting transaction gets.</param>
    /// <exception cref="ArgumentNullException"><paramref name="reply"/> is null.</exception>
    public void Release(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        released.TrySetResult(reply);
    }

    internal async Task<SmtpReply> WaitAsync(CancellationToken cancellationToken)
    {
        reached.TrySetResult();
        return await released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
