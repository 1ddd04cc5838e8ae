using Microsoft.Extensions.Logging;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The per-rule kill switch: disables named rules of the active set without a new upload, by storing an overlay
/// version <c>{active}-kill{n}</c> (see <see cref="KillOverlay"/>) and activating it directly.
/// </summary>
/// <remarks>
/// <para>No gate: the overlay only removes work and hits. It is still linted, stored immutably with its digest, and
/// activated with an ETag-conditioned write like any change; the set it replaces becomes last known good, so a plain
/// rollback restores the rules.</para>
/// <para>A canary in progress is stopped: it was gated against the set the overlay replaces, and it may carry the
/// very rule being disabled.</para>
/// <para>The version uses <c>-kill</c> rather than <c>+kill</c> because <c>+</c> is not allowed in a version folder name.</para>
/// </remarks>
public sealed partial class KillSwitch
{
    private readonly PatternStore store;
    private readonly ReleaseStateCommitter committer;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<KillSwitch> logger;

    /// <summary>Creates the kill switch.</summary>
    /// <param name="store">Versions.</param>
    /// <param name="committer">Reads and commits the state.</param>
    /// <param name="timeProvider">Clock.</param>
    /// <param name="logger">Log.</param>
    public KillSwitch(PatternStore store, ReleaseStateCommitter committer, TimeProvider timeProvider, ILogger<KillSwitch> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.committer = committer ?? throw new ArgumentNullException(nameof(committer));
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Disables rules of the active set.</summary>
    /// <param name="ruleIds">The rules to disable (at least one).</param>
    /// <param name="reason">Why (required: it is an emergency change without a gate).</param>
    /// <param name="actor">Who.</param>
    /// <param name="cancellationToken">Cancels the call; the state is changed completely or not at all.</param>
    /// <returns>The overlay now active and what it changed.</returns>
    /// <exception cref="ArgumentException">No rule ids, an empty reason or actor.</exception>
    /// <exception cref="UnknownRulesException">A rule is not in the active set (HTTP 404).</exception>
    /// <exception cref="ReleaseConflictException">There is no active set.</exception>
    /// <exception cref="PatternSetLintException">The overlay does not lint (e.g. nothing would be left).</exception>
    /// <exception cref="PatternSetFormatException">The overlay's version label would be too long.</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile (HTTP 409); the overlay is stored but not active.</exception>
    /// <exception cref="PatternSetDigestMismatchException">The active set's content does not match its digest.</exception>
    public async Task<KillSwitchResult> DisableRulesAsync(IReadOnlyCollection<string> ruleIds, string reason, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ruleIds);
        if (ruleIds.Count == 0 || ruleIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("name at least one rule to disable, and no empty ids", nameof(ruleIds));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var snapshot = await committer.ReadAsync(cancellationToken).ConfigureAwait(false);
        var state = snapshot?.State;
        if (snapshot is null || state?.Active is null)
        {
            throw new ReleaseConflictException(ReleaseConflict.NoActiveSet, "there is no active pattern set whose rules could be disabled");
        }

        var active = await store.ReadSetAsync(state.Active, cancellationToken).ConfigureAwait(false);
        var version = KillOverlay.NextVersion(active.Version, await store.ListVersionsAsync(cancellationToken).ConfigureAwait(false));
        try
        {
            PatternStore.SetBlobName(version);
        }
        catch (ArgumentException)
        {
            throw new PatternSetFormatException(null, null, $"the overlay version '{version}' would be longer than a version label may be; publish a set with a shorter version");
        }

        var at = timeProvider.GetUtcNow();
        var disabled = ruleIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var (overlay, rewritten) = KillOverlay.Build(active, version, disabled, at, $"kill switch: {string.Join(", ", disabled)} disabled by {actor}: {reason}");
        var lint = PatternSetLinter.Lint(overlay);
        if (!lint.IsValid)
        {
            throw new PatternSetLintException(lint);
        }

        var reference = await store.StoreSetAsync(overlay, cancellationToken).ConfigureAwait(false);
        var cancelled = state.Canary;
        var note = $"disabled {string.Join(", ", disabled)}: {reason}" + (cancelled is null ? "" : $" (canary {cancelled.Set.Version} stopped)");
        await committer.CommitAsync(
            snapshot,
            new PatternStateChange(at, ReleaseAction.Kill, state.Active, reference, actor, note),
            current => current with { Active = reference, LastKnownGood = current.Active, Canary = null },
            new ReleaseAuditDetails(Rules: disabled, CancelledCanary: cancelled?.Set),
            cancellationToken).ConfigureAwait(false);
        LogKilled(logger, string.Join(", ", disabled), state.Active.Version, reference.Version, actor, reason);
        return new KillSwitchResult(reference, state.Active, disabled, rewritten, cancelled);
    }

    [LoggerMessage(EventId = 340, Level = LogLevel.Warning, Message = "Kill switch: rules {RuleIds} of {BaseVersion} disabled as {OverlayVersion} by {Actor}: {Reason}")]
    private static partial void LogKilled(ILogger logger, string ruleIds, string baseVersion, string overlayVersion, string actor, string reason);
}

/// <summary>The result of the kill switch.</summary>
/// <param name="Overlay">The overlay version, now active.</param>
/// <param name="Base">The version it was built from, now last known good.</param>
/// <param name="Disabled">The rules disabled.</param>
/// <param name="RewrittenMetas">Metas whose references to disabled rules now read 0.</param>
/// <param name="CancelledCanary">The canary that was stopped, if any.</param>
public sealed record KillSwitchResult(PatternSetRef Overlay, PatternSetRef Base, IReadOnlyList<string> Disabled, IReadOnlyList<string> RewrittenMetas, PatternCanary? CancelledCanary);
