using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Gating;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// Publishing a pattern set: the one path behind all three doors (an upload under <c>patterns/uploads/</c>, HTTP
/// <c>POST /api/patterns</c>, <c>prefilter publish</c>). Parse, lint, store the immutable version, gate it against
/// the active set on the gate corpus with the production scanner options, store the report beside the version, and —
/// when it passed or an operator forced it — make it the canary (or the active set, when there is none yet).
/// The doors call <see cref="SubmitAsync"/>, which does the first three at once and queues the gate for
/// <see cref="ReleaseGateHandler"/>; <see cref="PublishAsync(string, string, PublishOptions?, CancellationToken)"/>
/// does it all in one call (the start-up set of <c>prefilter up</c>, the incident replay).
/// </summary>
/// <remarks>
/// The state is read once before the gate and written with that ETag, so a set is never released on top of a
/// change (rollback, kill switch, another publish) made while the gate ran: that surfaces as
/// <see cref="PatternStateConflictException"/> and nothing but the stored version and its report remains.
/// </remarks>
public sealed partial class PatternReleaseService
{
    private readonly PatternStore store;
    private readonly ReleaseDocuments documents;
    private readonly ReleaseStateCommitter committer;
    private readonly GateCorpus corpus;
    private readonly PatternSetGate gate;
    private readonly GateRequestQueue gateQueue;
    private readonly ReleaseOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<PatternReleaseService> logger;

    /// <summary>Creates the service.</summary>
    /// <param name="store">Versions and compiled-set artifacts.</param>
    /// <param name="documents">Gate reports, releases, uploads.</param>
    /// <param name="committer">Reads and commits the state.</param>
    /// <param name="corpus">The gate corpus.</param>
    /// <param name="gate">The gate, built with the production scanner options.</param>
    /// <param name="gateQueue">Where <see cref="SubmitAsync"/> puts gate requests.</param>
    /// <param name="options">Canary plan and sample size.</param>
    /// <param name="timeProvider">Clock for history and canary stages.</param>
    /// <param name="logger">Log.</param>
    public PatternReleaseService(
        PatternStore store,
        ReleaseDocuments documents,
        ReleaseStateCommitter committer,
        GateCorpus corpus,
        PatternSetGate gate,
        GateRequestQueue gateQueue,
        IOptions<ReleaseOptions> options,
        TimeProvider timeProvider,
        ILogger<PatternReleaseService> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.documents = documents ?? throw new ArgumentNullException(nameof(documents));
        this.committer = committer ?? throw new ArgumentNullException(nameof(committer));
        this.corpus = corpus ?? throw new ArgumentNullException(nameof(corpus));
        this.gate = gate ?? throw new ArgumentNullException(nameof(gate));
        this.gateQueue = gateQueue ?? throw new ArgumentNullException(nameof(gateQueue));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Publishes a pattern set document.</summary>
    /// <param name="json">The set as JSON (the documented format).</param>
    /// <param name="actor">Who publishes (user name, <c>upload</c>, <c>cli</c>).</param>
    /// <param name="publishOptions">Force and reason; null for a plain publish.</param>
    /// <param name="cancellationToken">Cancels the publish; what was stored stays stored, the state is unchanged.</param>
    /// <returns>Version, digest, outcome and the gate's report.</returns>
    /// <exception cref="PatternSetFormatException">The document is not a valid set (rule id, line, reason).</exception>
    /// <exception cref="PatternSetLintException">Lint refuses the set (every finding with rule id and line).</exception>
    /// <exception cref="PatternSetVersionConflictException">The version is stored with other content; versions are immutable.</exception>
    /// <exception cref="ReleaseConflictException">A canary of another version is in progress.</exception>
    /// <exception cref="PatternStateConflictException">The state changed while the gate ran; nothing was released.</exception>
    /// <exception cref="ArgumentException">The actor is empty, or <see cref="PublishOptions.Force"/> without a reason.</exception>
    public Task<PublishResult> PublishAsync(string json, string actor, PublishOptions? publishOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        Validate(actor, publishOptions);
        var set = PatternSetJson.Parse(json);

        // Linting the document (not the parsed set) gives findings their line numbers.
        return PublishCoreAsync(set, PatternSetLinter.Lint(json, cancellationToken), actor, publishOptions ?? new PublishOptions(), cancellationToken);
    }

    /// <summary>Publishes a pattern set built in code (or parsed by the caller).</summary>
    /// <param name="set">The set.</param>
    /// <param name="actor">Who publishes.</param>
    /// <param name="publishOptions">Force and reason; null for a plain publish.</param>
    /// <param name="cancellationToken">Cancels the publish; what was stored stays stored, the state is unchanged.</param>
    /// <returns>Version, digest, outcome and the gate's report.</returns>
    /// <exception cref="PatternSetFormatException">The version label cannot name a stored version.</exception>
    /// <exception cref="PatternSetLintException">Lint refuses the set.</exception>
    /// <exception cref="PatternSetVersionConflictException">The version is stored with other content; versions are immutable.</exception>
    /// <exception cref="ReleaseConflictException">A canary of another version is in progress.</exception>
    /// <exception cref="PatternStateConflictException">The state changed while the gate ran; nothing was released.</exception>
    /// <exception cref="ArgumentException">The actor is empty, or <see cref="PublishOptions.Force"/> without a reason.</exception>
    public Task<PublishResult> PublishAsync(PatternSet set, string actor, PublishOptions? publishOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        Validate(actor, publishOptions);
        return PublishCoreAsync(set, PatternSetLinter.Lint(set, cancellationToken), actor, publishOptions ?? new PublishOptions(), cancellationToken);
    }

    /// <summary>
    /// Accepts a publish: parses and lints the document, stores the version, writes its release document
    /// (<see cref="PatternReleaseStatus.Queued"/>) and puts a gate request on the gate queue. Refusals that need no
    /// gate come at once as exceptions; the gate's outcome comes later in the release document.
    /// </summary>
    /// <param name="json">The set as JSON (the documented format).</param>
    /// <param name="actor">Who publishes (user name, <c>upload:…</c>, <c>cli:…</c>).</param>
    /// <param name="publishOptions">Force and reason; null for a plain publish.</param>
    /// <param name="upload">The upload that carried the set, for the upload door.</param>
    /// <param name="cancellationToken">Cancels the submission; what was stored stays stored, nothing is queued.</param>
    /// <returns>The queued release.</returns>
    /// <exception cref="PatternSetFormatException">The document is not a valid set (rule id, line, reason).</exception>
    /// <exception cref="PatternSetLintException">Lint refuses the set (every finding with rule id and line).</exception>
    /// <exception cref="PatternSetVersionConflictException">The version is stored with other content; versions are immutable.</exception>
    /// <exception cref="ReleaseConflictException">A canary of another version is in progress.</exception>
    /// <exception cref="ArgumentException">The actor is empty, or <see cref="PublishOptions.Force"/> without a reason.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    public async Task<PatternRelease> SubmitAsync(string json, string actor, PublishOptions? publishOptions = null, string? upload = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        Validate(actor, publishOptions);
        var set = PatternSetJson.Parse(json);
        var reference = await StoreLintedAsync(set, PatternSetLinter.Lint(json, cancellationToken), actor, cancellationToken).ConfigureAwait(false);
        var state = (await committer.ReadAsync(cancellationToken).ConfigureAwait(false))?.State ?? new PatternState();
        if (!WasReleased(state, reference))
        {
            ThrowIfCanaryRunning(state, reference);
        }

        publishOptions ??= new PublishOptions();
        var release = new PatternRelease(PatternRelease.NewId(), reference.Version, reference.Digest, PatternReleaseStatus.Queued, timeProvider.GetUtcNow())
        {
            Actor = actor,
            Force = publishOptions.Force,
            Reason = publishOptions.Reason,
            Upload = upload,
        };
        await documents.WriteReleaseAsync(release, cancellationToken).ConfigureAwait(false);
        await gateQueue.SendAsync(new GateRequest(release.Id), cancellationToken).ConfigureAwait(false);
        LogQueued(logger, reference.Version, release.Id, actor);
        return release;
    }

    /// <summary>
    /// The gate run of a submitted release: reads the stored version (checked against the release's digest), gates it
    /// and releases it exactly as <see cref="PublishAsync(string, string, PublishOptions?, CancellationToken)"/> does.
    /// </summary>
    /// <param name="release">The release to gate.</param>
    /// <param name="cancellationToken">Cancels the run; the state is unchanged.</param>
    /// <returns>Version, digest, outcome and the gate's report.</returns>
    /// <exception cref="PatternSetNotFoundException">The version is no longer stored.</exception>
    /// <exception cref="PatternSetDigestMismatchException">The stored content no longer matches the release's digest.</exception>
    /// <exception cref="ReleaseConflictException">A canary of another version is in progress.</exception>
    /// <exception cref="PatternStateConflictException">The state changed while the gate ran; nothing was released.</exception>
    public async Task<PublishResult> GateAsync(PatternRelease release, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        var (reference, set) = await documents.ReadVersionAsync(release.Version, release.Digest, cancellationToken).ConfigureAwait(false);
        var snapshot = await committer.ReadAsync(cancellationToken).ConfigureAwait(false);
        return await GateAndReleaseAsync(set, reference, snapshot, release.Actor, new PublishOptions { Force = release.Force, Reason = release.Reason }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a release document.</summary>
    /// <param name="releaseId">The release id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The release, or null when the id names none.</returns>
    /// <exception cref="ArgumentException">The id is not a release id.</exception>
    public Task<PatternRelease?> ReadReleaseAsync(string releaseId, CancellationToken cancellationToken = default) =>
        documents.ReadReleaseAsync(releaseId, cancellationToken);

    /// <summary>
    /// The upload door: submits <c>uploads/{name}</c> (<see cref="SubmitAsync"/>) and writes the outcome to
    /// <c>upload-results/{name}.json</c>: <see cref="UploadOutcome.Queued"/> with the release id, or why it was refused at
    /// once. The gate run replaces it with the gate's outcome. The upload is left in place.
    /// </summary>
    /// <param name="uploadBlobName">The blob name in the patterns container, <c>uploads/{name}</c>.</param>
    /// <param name="cancellationToken">Cancels the work; nothing is released, the trigger retries.</param>
    /// <returns>The outcome written, or null when the upload no longer exists (nothing to do, nothing written).</returns>
    /// <exception cref="ArgumentException">The name is not under <c>uploads/</c>.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed; retry.</exception>
    public async Task<UploadResult?> ProcessUploadAsync(string uploadBlobName, CancellationToken cancellationToken = default)
    {
        var read = await documents.ReadUploadAsync(uploadBlobName, options.MaxSetBytes, cancellationToken).ConfigureAwait(false);
        if (read is not { } upload)
        {
            LogUploadMissing(logger, uploadBlobName);
            return null;
        }

        var at = timeProvider.GetUtcNow();
        UploadResult result;
        if (upload.Content is null)
        {
            result = new UploadResult(uploadBlobName, at, UploadOutcome.Invalid)
            {
                Error = $"the upload is {upload.Length} bytes, over the limit {nameof(ReleaseOptions)}.{nameof(ReleaseOptions.MaxSetBytes)} = {options.MaxSetBytes}",
            };
        }
        else
        {
            result = await SubmitUploadAsync(uploadBlobName, upload.Content, at, cancellationToken).ConfigureAwait(false);
        }

        await documents.WriteUploadResultAsync(result, cancellationToken).ConfigureAwait(false);
        LogUploadProcessed(logger, uploadBlobName, result.Outcome, result.Version, result.Error);
        return result;
    }

    /// <summary>The release state for status pages and <c>GET /api/patterns</c>: state (with history), its ETag, and every stored version.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="PatternStateFormatException">The state document is invalid.</exception>
    public async Task<ReleaseStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await committer.ReadAsync(cancellationToken).ConfigureAwait(false);
        var versions = await store.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
        return new ReleaseStatus(snapshot?.State ?? new PatternState(), snapshot?.ETag.ToString(), versions, options.Stages);
    }

    /// <summary>Reads the gate report stored beside a version.</summary>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The report, or null when the version was never gated.</returns>
    /// <exception cref="ArgumentException">The label is not a valid version.</exception>
    public Task<GateReport?> ReadGateReportAsync(string version, CancellationToken cancellationToken = default) =>
        documents.ReadGateReportAsync(version, cancellationToken);

    private async Task<UploadResult> SubmitUploadAsync(string uploadBlobName, BinaryData content, DateTimeOffset at, CancellationToken cancellationToken)
    {
        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content.ToMemory().Span);
        }
        catch (DecoderFallbackException exception)
        {
            return new UploadResult(uploadBlobName, at, UploadOutcome.Invalid) { Error = $"the upload is not UTF-8 text: {exception.Message}" };
        }

        try
        {
            var release = await SubmitAsync(json, $"upload:{uploadBlobName}", null, uploadBlobName, cancellationToken).ConfigureAwait(false);
            return new UploadResult(uploadBlobName, at, UploadOutcome.Queued) { Version = release.Version, Digest = release.Digest, Release = release.Id };
        }
        catch (PatternSetFormatException exception)
        {
            return new UploadResult(uploadBlobName, at, UploadOutcome.Invalid)
            {
                Error = exception.Message,
                Findings = [new LintFinding(exception.RuleId, exception.Line, exception.Reason)],
            };
        }
        catch (PatternSetLintException exception)
        {
            return new UploadResult(uploadBlobName, at, UploadOutcome.Invalid)
            {
                Version = TryVersion(json),
                Digest = exception.Report.Digest,
                Error = exception.Message,
                Findings = exception.Report.Findings,
            };
        }
        catch (Exception exception) when (exception is PatternSetVersionConflictException or ReleaseConflictException)
        {
            return new UploadResult(uploadBlobName, at, UploadOutcome.Conflict) { Version = TryVersion(json), Error = exception.Message };
        }
    }

    private async Task<PublishResult> PublishCoreAsync(PatternSet set, LintReport lint, string actor, PublishOptions publishOptions, CancellationToken cancellationToken)
    {
        var snapshot = await committer.ReadAsync(cancellationToken).ConfigureAwait(false);
        var reference = await StoreLintedAsync(set, lint, actor, cancellationToken).ConfigureAwait(false);
        return await GateAndReleaseAsync(set, reference, snapshot, actor, publishOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses a set lint refused or whose label cannot name a version, else stores it; returns it with the state read.</summary>
    private async Task<PatternSetRef> StoreLintedAsync(PatternSet set, LintReport lint, string actor, CancellationToken cancellationToken)
    {
        if (!lint.IsValid)
        {
            LogLintRefused(logger, set.Version, lint.Findings.Count, actor);
            throw new PatternSetLintException(lint);
        }

        CheckVersionLabel(set.Version);
        await store.EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        return await store.StoreSetAsync(set, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The gate and the release, against the state read before the gate (written with its ETag).</summary>
    private async Task<PublishResult> GateAndReleaseAsync(PatternSet set, PatternSetRef reference, PatternStateSnapshot? snapshot, string actor, PublishOptions publishOptions, CancellationToken cancellationToken)
    {
        var state = snapshot?.State ?? new PatternState();
        if (WasReleased(state, reference))
        {
            LogAlreadyPublished(logger, reference.Version, reference.Digest, actor);
            return new PublishResult(reference.Version, reference.Digest, PublishOutcome.AlreadyPublished,
                await documents.ReadGateReportAsync(reference.Version, cancellationToken).ConfigureAwait(false));
        }

        ThrowIfCanaryRunning(state, reference);
        var report = await RunGateAsync(set, reference, state, cancellationToken).ConfigureAwait(false);
        return !report.Passed && !publishOptions.Force
            ? await RefuseAsync(reference, state, report, actor, publishOptions, cancellationToken).ConfigureAwait(false)
            : await ReleaseAsync(set, reference, snapshot, report, actor, publishOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gates the set against the set the state names as active, and stores the report beside the version.</summary>
    private async Task<GateReport> RunGateAsync(PatternSet set, PatternSetRef reference, PatternState state, CancellationToken cancellationToken)
    {
        // The set compared against is the one the state names, checked against its digest like any activation.
        var active = state.Active is { } activeRef ? await store.ReadSetAsync(activeRef, cancellationToken).ConfigureAwait(false) : null;
        var sample = await corpus.LoadNewestAsync(options.GateSampleSize, cancellationToken).ConfigureAwait(false);
        var report = await Task.Run(() => gate.Evaluate(set, active, sample, cancellationToken), cancellationToken).ConfigureAwait(false);
        await documents.WriteGateReportAsync(reference.Version, report, cancellationToken).ConfigureAwait(false);
        LogGated(logger, reference.Version, report.Passed, report.SampleMessages, report.AdversarialMessages, string.Join("; ", report.Refusals));
        return report;
    }

    /// <summary>Records the gate's refusal (audit only; the state is unchanged).</summary>
    private async Task<PublishResult> RefuseAsync(PatternSetRef reference, PatternState state, GateReport report, string actor, PublishOptions publishOptions, CancellationToken cancellationToken)
    {
        // The same set published at the same time by another request may have been released while this gate ran:
        // that release stands, and this request is told so instead of a refusal of the set now serving.
        if (await ReleasedMeanwhileAsync(reference, actor, cancellationToken).ConfigureAwait(false) is { } released)
        {
            return released;
        }

        await committer.RecordAsync(
            new PatternStateChange(timeProvider.GetUtcNow(), ReleaseAction.Refused, state.Active, reference, actor, publishOptions.Reason),
            new ReleaseAuditDetails(report.Refusals, report.Blamed),
            cancellationToken).ConfigureAwait(false);
        return new PublishResult(reference.Version, reference.Digest, PublishOutcome.Refused, report);
    }

    /// <summary>Makes a gated (or forced) set the canary, or the active set when there is none, under the ETag read before the gate.</summary>
    private async Task<PublishResult> ReleaseAsync(PatternSet set, PatternSetRef reference, PatternStateSnapshot? snapshot, GateReport report, string actor, PublishOptions publishOptions, CancellationToken cancellationToken)
    {
        var at = timeProvider.GetUtcNow();
        var active = snapshot?.State.Active;
        var forced = !report.Passed;
        var reason = forced
            ? $"gate refusal overridden: {publishOptions.Reason}; refusals: {string.Join("; ", report.Refusals)}"
            : publishOptions.Reason;
        ReleaseAction action;
        Func<PatternState, PatternState> apply;
        PublishResult result;
        if (active is null)
        {
            action = forced ? ReleaseAction.ActivateForced : ReleaseAction.Activate;
            apply = state => state with { Active = reference };
            result = new PublishResult(reference.Version, reference.Digest, PublishOutcome.Activated, report) { Forced = forced };
        }
        else
        {
            action = forced ? ReleaseAction.CanaryForced : ReleaseAction.Canary;
            var stage = options.Stages[0];
            apply = state => state with { Canary = new PatternCanary(reference, stage.SharePercent, 0, at) };
            result = new PublishResult(reference.Version, reference.Digest, PublishOutcome.Canary, report) { Forced = forced, SharePercent = stage.SharePercent };
        }

        // The compiled form goes first: an instance that sees the state name the set finds it and does not compile.
        await store.StoreArtifactAsync(CompiledSetArtifact.Create(set, cancellationToken), cancellationToken).ConfigureAwait(false);
        try
        {
            await committer.CommitAsync(
                snapshot,
                new PatternStateChange(at, action, active, reference, actor, reason),
                apply,
                new ReleaseAuditDetails(report.Refusals, report.Blamed),
                cancellationToken).ConfigureAwait(false);
        }
        catch (PatternStateConflictException)
        {
            // Lost the race to another request publishing the same set: it is released, which is what was asked.
            if (await ReleasedMeanwhileAsync(reference, actor, cancellationToken).ConfigureAwait(false) is { } released)
            {
                return released;
            }

            throw;
        }

        if (forced)
        {
            LogForced(logger, reference.Version, actor, publishOptions.Reason!, string.Join("; ", report.Refusals));
        }
        else
        {
            LogReleased(logger, reference.Version, action.ToWord(), actor);
        }

        return result;
    }

    /// <summary>True when the state or its history shows this exact version was released before.</summary>
    private async Task<PublishResult?> ReleasedMeanwhileAsync(PatternSetRef reference, string actor, CancellationToken cancellationToken)
    {
        var state = (await committer.ReadAsync(cancellationToken).ConfigureAwait(false))?.State;
        if (state is null || !WasReleased(state, reference))
        {
            return null;
        }

        LogAlreadyPublished(logger, reference.Version, reference.Digest, actor);
        return new PublishResult(reference.Version, reference.Digest, PublishOutcome.AlreadyPublished,
            await documents.ReadGateReportAsync(reference.Version, cancellationToken).ConfigureAwait(false));
    }

    private static bool WasReleased(PatternState state, PatternSetRef reference) =>
        state.Active == reference || state.LastKnownGood == reference || state.Canary?.Set == reference
        || state.History.Any(change => change.To == reference);

    private static void ThrowIfCanaryRunning(PatternState state, PatternSetRef reference)
    {
        if (state.Canary is { } running)
        {
            throw new ReleaseConflictException(
                ReleaseConflict.CanaryInProgress,
                $"version {running.Set.Version} is in its canary release (stage {running.Stage}, {running.SharePercent} % of mail); cancel it or wait for its promotion before publishing {reference.Version}",
                running);
        }
    }

    private static void Validate(string actor, PublishOptions? publishOptions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (publishOptions is { Force: true } && string.IsNullOrWhiteSpace(publishOptions.Reason))
        {
            throw new ArgumentException("forcing a set past the gate needs a reason for the audit trail", nameof(publishOptions));
        }
    }

    private static void CheckVersionLabel(string version)
    {
        try
        {
            PatternStore.SetBlobName(version);
        }
        catch (ArgumentException)
        {
            // The version names the folder the set is stored in, so the store's rule for folder names applies.
            throw new PatternSetFormatException(null, null, $"version '{version}' cannot name a stored version: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private static string? TryVersion(string json)
    {
        try
        {
            return PatternSetJson.Parse(json).Version;
        }
        catch (PatternSetFormatException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Pattern set {Version} refused by lint ({FindingCount} findings), published by {Actor}")]
    private static partial void LogLintRefused(ILogger logger, string version, int findingCount, string actor);

    [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "Pattern set {Version} ({Digest}) was released before; publish by {Actor} changes nothing")]
    private static partial void LogAlreadyPublished(ILogger logger, string version, string digest, string actor);

    [LoggerMessage(EventId = 312, Level = LogLevel.Information, Message = "Gate on pattern set {Version}: passed {Passed} over {SampleMessages} sampled and {AdversarialMessages} adversarial messages. {Refusals}")]
    private static partial void LogGated(ILogger logger, string version, bool passed, int sampleMessages, int adversarialMessages, string refusals);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Pattern set {Version} forced past the gate by {Actor}: {OverrideReason}; refusals overridden: {Refusals}")]
    private static partial void LogForced(ILogger logger, string version, string actor, string overrideReason, string refusals);

    [LoggerMessage(EventId = 314, Level = LogLevel.Information, Message = "Pattern set {Version} released ({Action}) by {Actor}")]
    private static partial void LogReleased(ILogger logger, string version, string action, string actor);

    [LoggerMessage(EventId = 317, Level = LogLevel.Information, Message = "Pattern set {Version} queued for the gate as release {ReleaseId}, published by {Actor}")]
    private static partial void LogQueued(ILogger logger, string version, string releaseId, string actor);

    [LoggerMessage(EventId = 315, Level = LogLevel.Warning, Message = "Upload {Upload} no longer exists; nothing to publish")]
    private static partial void LogUploadMissing(ILogger logger, string upload);

    [LoggerMessage(EventId = 316, Level = LogLevel.Information, Message = "Upload {Upload}: {Outcome} version {Version} {Error}")]
    private static partial void LogUploadProcessed(ILogger logger, string upload, UploadOutcome outcome, string? version, string? error);
}

/// <summary>The release state as <c>GET /api/patterns</c> shows it.</summary>
/// <param name="State">Active, last known good, canary and history (empty before the first activation).</param>
/// <param name="ETag">The state's ETag, null when there is none yet.</param>
/// <param name="Versions">Every stored version, in name order.</param>
/// <param name="Stages">The canary plan.</param>
public sealed record ReleaseStatus(PatternState State, string? ETag, IReadOnlyList<string> Versions, IReadOnlyList<CanaryStage> Stages);
