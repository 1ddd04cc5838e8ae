namespace Prefilter.DevServices.Smtp;

/// <summary>
/// What the sink answers at <c>RCPT TO</c> and after <c>DATA</c>, and whether it hangs up during <c>DATA</c>. Rules are
/// tried in the order they were added; the first one that applies and has uses left gives the reply. With no such rule
/// the sink answers <c>250</c>. Safe to change while the sink serves.
/// </summary>
public sealed class SmtpSinkScript
{
    private readonly Lock gate = new();
    private readonly List<Rule> rules = [];
    private int closedDuringData;

    /// <summary>How many transactions the sink cut short in the middle of the data (<see cref="CloseDuringData"/>).</summary>
    public int ClosedDuringData => Volatile.Read(ref this.closedDuringData);

    /// <summary>Answers <paramref name="reply"/> at <paramref name="stage"/> for the next <paramref name="times"/> uses.</summary>
    /// <param name="stage">Where the reply is given.</param>
    /// <param name="reply">The reply, e.g. <see cref="SmtpReply.ServiceNotAvailable"/>.</param>
    /// <param name="times">How many times the rule applies; <see cref="int.MaxValue"/> (the default) for always.</param>
    /// <param name="recipient">
    /// Limits the rule to a recipient: at <see cref="SmtpStage.Recipient"/> the address in <c>RCPT TO</c>,
    /// at <see cref="SmtpStage.Data"/> any recipient of the transaction. Null for all.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="reply"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="times"/> is not positive.</exception>
    public void Reply(SmtpStage stage, SmtpReply reply, int times = int.MaxValue, Func<string, bool>? recipient = null)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (gate)
        {
            rules.Add(new Rule(stage, reply, null, times, recipient));
        }
    }

    /// <summary>
    /// Makes the sink close the connection in the middle of the message data of the next <paramref name="times"/>
    /// transactions: after <c>354</c> it reads part of the data, then closes the socket without a reply, so the message
    /// is neither accepted nor refused and the client cannot tell which.
    /// </summary>
    /// <param name="times">How many transactions it happens to; <see cref="int.MaxValue"/> (the default) for all.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="times"/> is not positive.</exception>
    public void CloseDuringData(int times = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (gate)
        {
            rules.Add(new Rule(SmtpStage.Data, null, null, times, null) { CloseDuringData = true });
        }
    }

    /// <summary>Makes the next transaction that reaches <paramref name="stage"/> wait until the returned hold is released.</summary>
    /// <param name="stage">Where the transaction waits.</param>
    /// <returns>The hold to wait on and release.</returns>
    public SmtpSinkHold Hold(SmtpStage stage)
    {
        var hold = new SmtpSinkHold(stage);
        lock (gate)
        {
            rules.Add(new Rule(stage, null, hold, 1, null));
        }

        return hold;
    }

    /// <summary>Removes every rule: from now on the sink answers <c>250</c>.</summary>
    public void Clear()
    {
        lock (gate)
        {
            rules.Clear();
        }
    }

    internal async Task<SmtpReply> NextAsync(SmtpStage stage, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
    {
        Rule? chosen = null;
        lock (gate)
        {
            foreach (var rule in rules)
            {
                if (rule.Stage == stage && !rule.CloseDuringData && rule.Remaining > 0 && (rule.Recipient is null || recipients.Any(rule.Recipient)))
                {
                    if (rule.Remaining != int.MaxValue)
                    {
                        rule.Remaining--;
                    }

                    chosen = rule;
                    break;
                }
            }
        }

        return chosen switch
        {
            null => SmtpReply.Ok,
            { Hold: { } hold } => await hold.WaitAsync(cancellationToken).ConfigureAwait(false),
            _ => chosen.Reply!,
        };
    }

    // Taken when the sink answers 354: the data that follows is cut short.
    internal bool TakeCloseDuringData()
    {
        lock (gate)
        {
            foreach (var rule in rules)
            {
                if (rule.CloseDuringData && rule.Remaining > 0)
                {
                    if (rule.Remaining != int.MaxValue)
                    {
                        rule.Remaining--;
                    }

                    this.closedDuringData++;
                    return true;
                }
            }
        }

        return false;
    }

    private sealed class Rule(SmtpStage stage, SmtpReply? reply, SmtpSinkHold? hold, int remaining, Func<string, bool>? recipient)
    {
        public SmtpStage Stage { get; } = stage;

        public SmtpReply? Reply { get; } = reply;

        public SmtpSinkHold? Hold { get; } = hold;

        public int Remaining { get; set; } = remaining;

        public Func<string, bool>? Recipient { get; } = recipient;

        public bool CloseDuringData { get; init; }
    }
}
