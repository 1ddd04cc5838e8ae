using System.Buffers;
using Prefilter.Engine.Checks;
using Prefilter.Engine.Messages;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Scanning;

public sealed partial class CompiledPatternSet
{
    /// <summary>Scans one mail. Never throws for bad mail: what could not be read or run makes the verdict incomplete.</summary>
    /// <param name="message">The raw RFC 822 message (an mbox <c>From </c> line is allowed).</param>
    /// <param name="cancellationToken">Stops the scan between regex runs.</param>
    /// <returns>The verdict.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ScanResult Scan(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var clock = Options.TimeProvider;
        var started = clock.GetTimestamp();
        var run = new ScanRun(this, started, cancellationToken);
        try
        {
            MessageView view;
            try
            {
                view = MessageView.Parse(message, Options.Limits);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The view promises not to throw for bad input; if it does anyway, the mail still gets a verdict.
                run.MarkIncomplete(IncompleteCauses.Unreadable, $"the mail could not be read: {e.Message}");
                return run.Result(null, clock.GetElapsedTime(started));
            }

            if ((view.TruncatedParts & _partsRead) != MessageParts.None)
            {
                run.MarkIncomplete(IncompleteCauses.MessageCap, "a message cap cut the mail: " + string.Join("; ", view.Notes));
            }

            run.NestedTooDeep = view.NestedTooDeep;
            run.Sampled = view.Size >= Options.CostSampleMinBytes
                || (Options.CostSampleRate > 0 && Random.Shared.NextDouble() < Options.CostSampleRate);
            foreach (var target in _targets)
            {
                if (run.Stopped)
                {
                    break;
                }

                run.ScanTarget(target, view);
            }

            return run.Result(view, clock.GetElapsedTime(started));
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>The state of one scan: index-addressed results shared by the rules, budgets, costs.</summary>
    private sealed partial class ScanRun : IDisposable
    {
        private readonly CompiledPatternSet _set;
        private readonly TimeProvider _clock;
        private readonly long _deadline;
        private readonly long _buildsBefore;
        private readonly CancellationToken _cancellationToken;
        private readonly bool _reference;
        private readonly bool[] _checkHit;
        private readonly bool[] _checkDone;
        private readonly int[] _lastUnit;
        private long[]? _cost;
        private int[]? _runs;
        private char[]? _foldBuffer;
        private MessageAnalysis? _analysis;
        private List<string>? _incomplete;
        private IncompleteCauses _causes;
        private int _regexRuns;

        public ScanRun(CompiledPatternSet set, long started, CancellationToken cancellationToken)
        {
            _set = set;
            _clock = set.Options.TimeProvider;
            var ticks = set.Options.Deadline.Ticks * (double)_clock.TimestampFrequency / TimeSpan.TicksPerSecond;
            _deadline = ticks >= long.MaxValue - started ? long.MaxValue : started + (long)ticks;
            _buildsBefore = EngineBuildTimer.ThreadTotal;
            _cancellationToken = cancellationToken;
            _reference = set.Options.RunEveryRegexOnEveryUnit;
            _checkHit = ArrayPool<bool>.Shared.Rent(set._checkCount);
            _checkDone = ArrayPool<bool>.Shared.Rent(set._checkCount);
            _lastUnit = ArrayPool<int>.Shared.Rent(set._checkCount);
            Array.Clear(_checkHit, 0, set._checkCount);
            Array.Clear(_checkDone, 0, set._checkCount);
            Array.Clear(_lastUnit, 0, set._checkCount);
        }

        public bool Stopped { get; private set; }

        public bool Sampled { get; set; }

        public bool NestedTooDeep { get; set; }

        public void MarkIncomplete(IncompleteCauses cause, string reason)
        {
            _causes |= cause;
            (_incomplete ??= []).Add(reason);
        }

        // Nesting that deep hides text from every rule, so what the rules found cannot clear the mail.
        private VerdictAction ActionFor(double score)
        {
            var action = _set.Set.Thresholds.ActionFor(score);
            return NestedTooDeep && action == VerdictAction.Deliver ? VerdictAction.Tag : action;
        }

        public void ScanTarget(ScanTarget target, MessageView view)
        {
            var headers = view.Headers;
            switch (target.Kind)
            {
                case TargetKind.HeaderValue:
                case TargetKind.HeaderRaw:
                    var value = target.IsPseudoHeader ? Analysis(view).PseudoHeader(target.HeaderName!)
                        : target.Kind == TargetKind.HeaderValue ? headers.GetJoined(target.HeaderName!) : headers.GetRawJoined(target.HeaderName!);
                    if (value is null)
                    {
                        Absent(target);
                    }
                    else
                    {
                        Run(target, new Units(value));
                    }

                    break;
                case TargetKind.HeaderAddresses:
                case TargetKind.HeaderDisplayNames:
                    // A pseudo-header's value carries addresses at most, never display names.
                    var list = target.Kind == TargetKind.HeaderAddresses
                        ? target.IsPseudoHeader ? Analysis(view).AddressesOf(target.HeaderName!) : headers.GetAddresses(target.HeaderName!)
                        : target.IsPseudoHeader ? [] : headers.GetDisplayNames(target.HeaderName!);
                    if (list.Count == 0)
                    {
                        Absent(target);
                    }
                    else
                    {
                        Run(target, new Units(list));
                    }

                    break;
                case TargetKind.HeaderAll:
                    Run(target, new Units(headers.All));
                    break;
                case TargetKind.HeaderAllRaw:
                    Run(target, new Units(headers.AllRaw));
                    break;
                case TargetKind.AttachmentFileName:
                    Run(target, new Units(view.Attachments.Select(a => a.FileName).OfType<string>().ToList()));
                    break;
                case TargetKind.AttachmentContentType:
                    Run(target, new Units(view.Attachments.Select(a => a.ContentType).ToList()));
                    break;
                case TargetKind.Uri:
                    Run(target, new Units(view.Uris));
                    break;
                case TargetKind.Body:
                    Run(target, new Units(view.Body));
                    break;
                case TargetKind.RawBody:
                    Run(target, new Units(view.RawBody));
                    break;
                case TargetKind.Full:
                    Run(target, new Units(view.Full));
                    break;
            }
        }

        private void Absent(ScanTarget target)
        {
            foreach (var check in target.Checks)
            {
                if (_reference)
                {
                    Evaluate(check.Index, target.AbsentValue);
                }
                else
                {
                    _checkHit[check.Index] = check.MatchesAbsent();
                }
            }

            MarkDone(target);
        }

        private void Run(ScanTarget target, Units units)
        {
            if (units.Count == 0)
            {
                MarkDone(target);
                return;
            }

            if (_reference)
            {
                ReferencePass(target, units);
            }
            else
            {
                FilteredPasses(target, units);
            }

            if (!Stopped)
            {
                MarkDone(target);
            }
        }

        // The reference: every check on every unit, no literal or group deciding what runs.
        private void ReferencePass(ScanTarget target, Units units)
        {
            for (var unit = 0; unit < units.Count && !Stopped; unit++)
            {
                foreach (var check in target.Checks)
                {
                    Wake(check.Index, unit, units);
                }
            }
        }

        // Literal passes wake the checks whose literals they find; the group and unfiltered passes run the rest.
        private void FilteredPasses(ScanTarget target, Units units)
        {
            if (target.Plain is { } plain)
            {
                PlainPass(plain, units);
            }

            if (target.HasFoldedPass)
            {
                FoldedPass(target, units);
            }

            foreach (var group in target.UnfilteredGroups)
            {
                RunGroup(group, units);
            }

            RunUnfiltered(target.Unfiltered, units);
        }

        private void MarkDone(ScanTarget target)
        {
            foreach (var check in target.Checks)
            {
                _checkDone[check.Index] = true;
            }
        }

        /// <summary>The facts built-in checks and pseudo-headers read about the mail, computed once per scan on first use.</summary>
        private MessageAnalysis Analysis(MessageView view) => _analysis ??= new MessageAnalysis(view, _set._freemail);

        public ScanResult Result(MessageView? view, TimeSpan elapsed)
        {
            var rules = _set._rules;
            var hits = ArrayPool<bool>.Shared.Rent(rules.Length);
            var read = ArrayPool<bool>.Shared.Rent(rules.Length);
            try
            {
                Array.Clear(hits, 0, rules.Length);
                Array.Clear(read, 0, rules.Length);
                _set._ruleHits.Resolve(_checkHit, _checkDone, view is null ? null : Analysis(view), hits, read);
                var score = 0.0;
                var found = new List<RuleHit>();
                for (var i = 0; i < rules.Length; i++)
                {
                    if (hits[i])
                    {
                        score += rules[i].Rule.Score;
                        found.Add(new RuleHit(rules[i].Rule.Id, rules[i].Rule.Score));
                    }
                }

                return new ScanResult
                {
                    Score = score,
                    Action = ActionFor(score),
                    Hits = found,
                    SetDigest = _set.Digest,
                    Elapsed = elapsed,
                    EngineBuildTime = _clock.GetElapsedTime(0, BuildTicks),
                    Incomplete = _incomplete is not null,
                    DeadlineExceeded = Stopped,
                    IncompleteCauses = _causes,
                    IncompleteReason = _incomplete is null ? null : string.Join("; ", _incomplete.Distinct()),
                    RuleCosts = Sampled ? Costs() : null,
                    RegexRuns = _regexRuns,
                };
            }
            finally
            {
                ArrayPool<bool>.Shared.Return(hits);
                ArrayPool<bool>.Shared.Return(read);
            }
        }

        private List<RuleCost> Costs()
        {
            var costs = new List<RuleCost>();
            if (_cost is null)
            {
                return costs;
            }

            foreach (var rule in _set._rules)
            {
                if (rule.Check is { } check && _cost[check.Index] > 0)
                {
                    costs.Add(new RuleCost(rule.Rule.Id, TimeSpan.FromTicks(_cost[check.Index] * TimeSpan.TicksPerSecond / _clock.TimestampFrequency))
                    {
                        Runs = _runs![check.Index],
                    });
                }
            }

            costs.Sort((a, b) => b.Elapsed.CompareTo(a.Elapsed));
            return costs;
        }

        public void Dispose()
        {
            ArrayPool<bool>.Shared.Return(_checkHit);
            ArrayPool<bool>.Shared.Return(_checkDone);
            ArrayPool<int>.Shared.Return(_lastUnit);
            if (_foldBuffer is not null)
            {
                ArrayPool<char>.Shared.Return(_foldBuffer);
            }
        }
    }

    private ScanCheck CheckAt(int index) => _checks[index];
}
