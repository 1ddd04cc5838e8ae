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

            if ((view.TruncatedParts & this.partsRead) != MessageParts.None)
            {
                run.MarkIncomplete(IncompleteCauses.MessageCap, "a message cap cut the mail: " + string.Join("; ", view.Notes));
            }

            run.NestedTooDeep = view.NestedTooDeep;
            run.Sampled = view.Size >= Options.CostSampleMinBytes
                || (Options.CostSampleRate > 0 && Random.Shared.NextDouble() < Options.CostSampleRate);
            foreach (var target in this.targets)
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
        private readonly CompiledPatternSet set;
        private readonly TimeProvider clock;
        private readonly long deadline;
        private readonly long buildsBefore;
        private readonly CancellationToken cancellationToken;
        private readonly bool reference;
        private readonly bool[] checkHit;
        private readonly bool[] checkDone;
        private readonly int[] lastUnit;
        private long[]? cost;
        private int[]? runs;
        private char[]? foldBuffer;
        private MessageAnalysis? analysis;
        private List<string>? incomplete;
        private IncompleteCauses causes;
        private int regexRuns;

        public ScanRun(CompiledPatternSet set, long started, CancellationToken cancellationToken)
        {
            this.set = set;
            this.clock = set.Options.TimeProvider;
            var ticks = set.Options.Deadline.Ticks * (double)this.clock.TimestampFrequency / TimeSpan.TicksPerSecond;
            this.deadline = ticks >= long.MaxValue - started ? long.MaxValue : started + (long)ticks;
            this.buildsBefore = EngineBuildTimer.ThreadTotal;
            this.cancellationToken = cancellationToken;
            this.reference = set.Options.RunEveryRegexOnEveryUnit;
            this.checkHit = ArrayPool<bool>.Shared.Rent(set.checkCount);
            this.checkDone = ArrayPool<bool>.Shared.Rent(set.checkCount);
            this.lastUnit = ArrayPool<int>.Shared.Rent(set.checkCount);
            Array.Clear(this.checkHit, 0, set.checkCount);
            Array.Clear(this.checkDone, 0, set.checkCount);
            Array.Clear(this.lastUnit, 0, set.checkCount);
        }

        public bool Stopped { get; private set; }

        public bool Sampled { get; set; }

        public bool NestedTooDeep { get; set; }

        public void MarkIncomplete(IncompleteCauses cause, string reason)
        {
            this.causes |= cause;
            (this.incomplete ??= []).Add(reason);
        }

        // Nesting that deep hides text from every rule, so what the rules found cannot clear the mail.
        private VerdictAction ActionFor(double score)
        {
            var action = this.set.Set.Thresholds.ActionFor(score);
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
                if (this.reference)
                {
                    Evaluate(check.Index, target.AbsentValue);
                }
                else
                {
                    this.checkHit[check.Index] = check.MatchesAbsent();
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

            if (this.reference)
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
            if (target.Accelerated is { } accelerated)
            {
                AcceleratedPass(accelerated, units);
            }

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
                this.checkDone[check.Index] = true;
            }
        }

        /// <summary>The facts built-in checks and pseudo-headers read about the mail, computed once per scan on first use.</summary>
        private MessageAnalysis Analysis(MessageView view) => this.analysis ??= new MessageAnalysis(view, this.set.freemail);

        public ScanResult Result(MessageView? view, TimeSpan elapsed)
        {
            var rules = this.set.rules;
            var hits = ArrayPool<bool>.Shared.Rent(rules.Length);
            var read = ArrayPool<bool>.Shared.Rent(rules.Length);
            try
            {
                Array.Clear(hits, 0, rules.Length);
                Array.Clear(read, 0, rules.Length);
                this.set.ruleHits.Resolve(this.checkHit, this.checkDone, view is null ? null : Analysis(view), hits, read);
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
                    SetDigest = this.set.Digest,
                    Elapsed = elapsed,
                    EngineBuildTime = this.clock.GetElapsedTime(0, BuildTicks),
                    Incomplete = this.incomplete is not null,
                    DeadlineExceeded = Stopped,
                    IncompleteCauses = this.causes,
                    IncompleteReason = this.incomplete is null ? null : string.Join("; ", this.incomplete.Distinct()),
                    RuleCosts = Sampled ? Costs() : null,
                    RegexRuns = this.regexRuns,
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
            if (this.cost is null)
            {
                return costs;
            }

            foreach (var rule in this.set.rules)
            {
                if (rule.Check is { } check && this.cost[check.Index] > 0)
                {
                    costs.Add(new RuleCost(rule.Rule.Id, TimeSpan.FromTicks(this.cost[check.Index] * TimeSpan.TicksPerSecond / this.clock.TimestampFrequency))
                    {
                        Runs = this.runs![check.Index],
                    });
                }
            }

            costs.Sort((a, b) => b.Elapsed.CompareTo(a.Elapsed));
            return costs;
        }

        public void Dispose()
        {
            ReturnScratch();
            ArrayPool<bool>.Shared.Return(this.checkHit);
            ArrayPool<bool>.Shared.Return(this.checkDone);
            ArrayPool<int>.Shared.Return(this.lastUnit);
            if (this.foldBuffer is not null)
            {
                ArrayPool<char>.Shared.Return(this.foldBuffer);
            }
        }
    }

    private ScanCheck CheckAt(int index) => this.checks[index];
}
