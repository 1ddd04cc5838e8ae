using System.Buffers;
using System.Text.RegularExpressions;
using Prefilter.Engine.Checks;
using Prefilter.Engine.Messages;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;

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
    private sealed class ScanRun : IDisposable
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
                for (var unit = 0; unit < units.Count && !Stopped; unit++)
                {
                    foreach (var check in target.Checks)
                    {
                        Wake(check.Index, unit, units);
                    }
                }
            }
            else
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

            if (!Stopped)
            {
                MarkDone(target);
            }
        }

        private void RunUnfiltered(int[] checks, Units units)
        {
            foreach (var check in checks)
            {
                if (units.Count > 1 && units.Joined is { } joined && _set.CheckAt(check).Regex.CanRunJoined)
                {
                    RunJoined(check, joined, units, 0);
                    continue;
                }

                for (var unit = 0; unit < units.Count && !Stopped; unit++)
                {
                    Wake(check, unit, units);
                }
            }
        }

        // One run of the group's alternation decides for all members when none can match; otherwise the members run
        // on their own, over the joined units from the group's first match on, or on the one unit.
        private void RunGroup(CheckGroup group, Units units)
        {
            var joined = group.Joined && units.Count > 1 ? units.Joined : null;
            if (joined is null && units.Count > 1)
            {
                RunUnfiltered(group.Checks, units);
                return;
            }

            var first = Stopped ? -1 : FirstMatchOf(group, joined is null ? units[0] : joined.Text);
            if (first < 0)
            {
                return;
            }

            if (joined is null)
            {
                RunUnfiltered(group.Checks, units);
                return;
            }

            foreach (var check in group.Checks)
            {
                RunJoined(check, joined, units, first);
            }
        }

        // One pass over all units' text; a literal that straddles two units wakes nothing.
        private void PlainPass(LiteralIndex index, Units units)
        {
            for (var segment = 0; segment < units.Segments && !Stopped; segment++)
            {
                var unit = units.FirstUnitOf(segment);
                var unitEnd = units.EndOf(unit);
                foreach (var (start, end, check) in index.Find(units.SegmentText(segment)))
                {
                    while (end > unitEnd)
                    {
                        unit++;
                        unitEnd = units.EndOf(unit);
                    }

                    if (start >= units.StartOf(unit))
                    {
                        Wake(check, unit, units);
                    }

                    if (Stopped)
                    {
                        return;
                    }
                }
            }
        }

        private void FoldedPass(ScanTarget target, Units units)
        {
            for (var unit = 0; unit < units.Count && !Stopped; unit++)
            {
                var text = units[unit];
                if (_foldBuffer is null || _foldBuffer.Length < text.Length)
                {
                    if (_foldBuffer is not null)
                    {
                        ArrayPool<char>.Shared.Return(_foldBuffer);
                    }

                    _foldBuffer = ArrayPool<char>.Shared.Rent(Math.Max(text.Length, 1024));
                }

                var length = LookAlikeFold.Fold(text, _foldBuffer, out var markers);
                ReadOnlySpan<char> folded = _foldBuffer.AsSpan(0, length);
                if (markers != 0)
                {
                    foreach (var wake in target.MarkerWakes)
                    {
                        if ((wake.Markers & markers) != 0)
                        {
                            WakeMarked(wake, unit, units);
                        }
                    }
                }

                if (target.Folded is not { } index)
                {
                    continue;
                }

                foreach (var (_, _, check) in index.Find(folded))
                {
                    Wake(check, unit, units);
                    if (Stopped)
                    {
                        return;
                    }
                }
            }
        }

        private void WakeMarked(MarkerWake wake, int unit, Units units)
        {
            if (wake.Group is { } group && !Stopped && AnyLeftToRun(wake.Checks, unit) && FirstMatchOf(group, units[unit]) < 0)
            {
                return;
            }

            foreach (var check in wake.Checks)
            {
                Wake(check, unit, units);
            }
        }

        // One run of a group's alternation, its cost shared among the members; -1 when none can match or the deadline
        // has passed.
        private int FirstMatchOf(CheckGroup group, ReadOnlySpan<char> text)
        {
            var before = ScanClock;
            if (before > _deadline)
            {
                Stop();
                return -1;
            }

            _regexRuns++;
            var first = group.FirstMatch(text);
            SampleShared(group.Checks, before);
            return first;
        }

        private bool AnyLeftToRun(int[] checks, int unit)
        {
            foreach (var check in checks)
            {
                if (!_checkHit[check] && _lastUnit[check] != unit + 1)
                {
                    return true;
                }
            }

            return false;
        }

        // A filter pattern without unit anchors runs over all units joined, which replaces dozens of runs on short lines
        // and paragraphs by one. No unit before its leftmost match can match. A linear pattern's match inside one unit
        // is a match of that unit (a separator gives anchors and \b the same edges as a unit's ends); a match that
        // spans a separator only names the unit to run next, and the search goes on after that unit. A gate's or
        // core's match only says where unit runs start.
        private void RunJoined(int check, TextUnits joined, Units units, int from)
        {
            var regex = _set.CheckAt(check).Regex;
            while (from <= joined.Text.Length && !_checkHit[check] && !Stopped)
            {
                var before = ScanClock;
                if (before > _deadline)
                {
                    Stop();
                    return;
                }

                _regexRuns++;
                (int Index, int Length) match;
                try
                {
                    match = regex.NextJoinedMatch(joined.Text, from);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException)
                {
                    // The joined engine could not be built: every unit from here on runs on its own.
                    for (var unit = joined.IndexOfUnitAt(from); unit < units.Count && !Stopped; unit++)
                    {
                        Wake(check, unit, units);
                    }

                    return;
                }

                Sample(check, before);
                if (match.Index < 0)
                {
                    return;
                }

                var found = joined.IndexOfUnitAt(match.Index);
                if (!regex.JoinedMatchIsMatch)
                {
                    // A gate's match can be long (a backreference widened to any text), so finding the next one costs
                    // more than the unit runs, which test the gate on each unit first anyway.
                    for (var unit = found; unit < units.Count && !Stopped && !_checkHit[check]; unit++)
                    {
                        Wake(check, unit, units);
                    }

                    return;
                }

                if (match.Index + match.Length <= units.EndOf(found))
                {
                    _checkHit[check] = true;
                    return;
                }

                Wake(check, found, units);
                from = units.EndOf(found) + 1;
            }
        }

        /// <summary>Time spent building engines during this scan, in timestamp units.</summary>
        private long BuildTicks => EngineBuildTimer.ThreadTotal - _buildsBefore;

        // The clock of the deadline and the rule costs stands still while engines are built: both are there for what
        // the mail makes rules do, and a rule charged with its engine's build on a cold set looks slow to the gate.
        private long ScanClock => _clock.GetTimestamp() - BuildTicks;

        private void Stop()
        {
            Stopped = true;
            MarkIncomplete(IncompleteCauses.Deadline, $"the scan deadline of {_set.Options.Deadline.TotalMilliseconds:0} ms passed; later rules did not run");
        }

        private void Sample(int check, long before)
        {
            if (Sampled)
            {
                (_cost ??= new long[_set._checkCount])[check] += ScanClock - before;
                (_runs ??= new int[_set._checkCount])[check]++;
            }
        }

        // A run shared by several checks costs each of them its share.
        private void SampleShared(int[] checks, long before)
        {
            if (Sampled)
            {
                var share = (ScanClock - before) / checks.Length;
                foreach (var check in checks)
                {
                    (_cost ??= new long[_set._checkCount])[check] += share;
                    (_runs ??= new int[_set._checkCount])[check]++;
                }
            }
        }

        private void Wake(int check, int unit, Units units)
        {
            // Each (check, unit) runs once; a check that hit needs no further unit.
            if (_checkHit[check] || _lastUnit[check] == unit + 1)
            {
                return;
            }

            _lastUnit[check] = unit + 1;
            var text = units[unit];
            if (_reference || _set.CheckAt(check).Regex.MayMatch(text))
            {
                Evaluate(check, text);
            }
        }

        private void Evaluate(int check, ReadOnlySpan<char> text)
        {
            if (Stopped)
            {
                return;
            }

            _cancellationToken.ThrowIfCancellationRequested();
            var before = ScanClock;
            if (before > _deadline)
            {
                Stop();
                return;
            }

            var scanCheck = _set.CheckAt(check);
            _regexRuns++;
            try
            {
                if (scanCheck.Regex.IsMatch(text))
                {
                    _checkHit[check] = true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                MarkIncomplete(IncompleteCauses.RegexTimeout, $"a backtracking regex timed out on {scanCheck.Target.Describe()} (pattern '{Excerpt(scanCheck.Regex.Plan.Pattern)}')");
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException)
            {
                MarkIncomplete(IncompleteCauses.RegexFailed, $"a regex could not run on {scanCheck.Target.Describe()} (pattern '{Excerpt(scanCheck.Regex.Plan.Pattern)}'): {e.Message}");
            }

            Sample(check, before);
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

        private static string Excerpt(string pattern) => pattern.Length <= 60 ? pattern : pattern[..60] + "…";
    }

    private ScanCheck CheckAt(int index) => _checks[index];
}
