using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;

namespace Prefilter.Pipeline.Api;

/// <summary>
/// The patterns API as a plain class, so the Functions app and <c>prefilter up</c> answer byte for byte the same.
/// Routes below <c>/api/</c>:
/// <list type="table">
/// <item><term><c>GET patterns</c></term><description>state (active, last known good, canary, history), stored versions, canary plan.</description></item>
/// <item><term><c>POST patterns[?force=true&amp;reason=…]</c></term><description>publish the set in the body: lint at once (400, 409, 422), then 202 with the release queued for the gate and its <c>Location</c>.</description></item>
/// <item><term><c>GET patterns/releases/{id}</c></term><description>a release's status: queued, running, refused (with the gate report), canary, active or failed (with the reason); 404 when unknown.</description></item>
/// <item><term><c>GET patterns/versions/{version}</c></term><description>a stored version and its gate report; 404 when unknown.</description></item>
/// <item><term><c>POST patterns/rollback</c></term><description>optional body <c>{ "to": "…", "reason": "…" }</c>: revert to last known good or the named version; idempotent.</description></item>
/// <item><term><c>POST patterns/rules/disable</c></term><description>body <c>{ "rules": ["ID"], "reason": "…" }</c>: the kill switch.</description></item>
/// <item><term><c>POST patterns/watchdog</c></term><description>one watchdog run now (the timer does it every minute): roll back, advance, promote or wait.</description></item>
/// </list>
/// Errors are problem details: 400 malformed input (with rule id and line for a set), 404 unknown version, release or rule,
/// 405 wrong method, 409 concurrent change or release conflict, 413 body over the limit, 422 refused by lint or the gate.
/// The key check (401) is the host's: the Functions host in Azure, the local server in <c>prefilter up</c>.
/// </summary>
public sealed class PatternsApi
{
    /// <summary>The route prefix below <c>/api/</c>.</summary>
    public const string Route = "patterns";

    private readonly PatternReleaseService release;
    private readonly RollbackService rollback;
    private readonly KillSwitch killSwitch;
    private readonly Watchdog watchdog;
    private readonly ApiOptions apiOptions;
    private readonly int maxSetBytes;

    /// <summary>Creates the API.</summary>
    /// <param name="release">Publish, status and gate reports.</param>
    /// <param name="rollback">Rollback.</param>
    /// <param name="killSwitch">The per-rule kill switch.</param>
    /// <param name="watchdog">The watchdog.</param>
    /// <param name="releaseOptions">The set size limit (<see cref="ReleaseOptions.MaxSetBytes"/>).</param>
    /// <param name="apiOptions">The limit on command bodies.</param>
    public PatternsApi(PatternReleaseService release, RollbackService rollback, KillSwitch killSwitch, Watchdog watchdog, IOptions<ReleaseOptions> releaseOptions, IOptions<ApiOptions> apiOptions)
    {
        this.release = release ?? throw new ArgumentNullException(nameof(release));
        this.rollback = rollback ?? throw new ArgumentNullException(nameof(rollback));
        this.killSwitch = killSwitch ?? throw new ArgumentNullException(nameof(killSwitch));
        this.watchdog = watchdog ?? throw new ArgumentNullException(nameof(watchdog));
        maxSetBytes = (releaseOptions ?? throw new ArgumentNullException(nameof(releaseOptions))).Value.MaxSetBytes;
        this.apiOptions = (apiOptions ?? throw new ArgumentNullException(nameof(apiOptions))).Value;
    }

    /// <summary>Routes a request below <c>/api/patterns</c> to its handler.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the work; a state change is either made completely or not at all.</param>
    /// <returns>The response; never throws for bad input.</returns>
    /// <exception cref="Azure.RequestFailedException">Storage failed (the host answers 500; retry).</exception>
    public Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Trim('/');
        var method = request.Method.ToUpperInvariant();
        return path switch
        {
            Route => method switch
            {
                "GET" => GetStatusAsync(cancellationToken),
                "POST" => PublishAsync(request, cancellationToken),
                _ => Task.FromResult(ApiResponse.MethodNotAllowed(method, path, "GET", "POST")),
            },
            $"{Route}/rollback" => method == "POST" ? RollbackAsync(request, cancellationToken) : Task.FromResult(ApiResponse.MethodNotAllowed(method, path, "POST")),
            $"{Route}/watchdog" => method == "POST" ? RunWatchdogAsync(cancellationToken) : Task.FromResult(ApiResponse.MethodNotAllowed(method, path, "POST")),
            $"{Route}/rules/disable" => method == "POST" ? DisableRulesAsync(request, cancellationToken) : Task.FromResult(ApiResponse.MethodNotAllowed(method, path, "POST")),
            _ when path.StartsWith($"{Route}/releases/", StringComparison.Ordinal) => method == "GET"
                ? GetReleaseAsync(path[$"{Route}/releases/".Length..], cancellationToken)
                : Task.FromResult(ApiResponse.MethodNotAllowed(method, path, "GET")),
            _ when path.StartsWith($"{Route}/versions/", StringComparison.Ordinal) => method == "GET"
                ? GetVersionAsync(path[$"{Route}/versions/".Length..], cancellationToken)
                : Task.FromResult(ApiResponse.MethodNotAllowed(method, path, "GET")),
            _ => Task.FromResult(ApiResponse.UnknownRoute(path)),
        };
    }

    /// <summary><c>GET /api/patterns</c>: the release state.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<ApiResponse> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return ApiResponse.Json(200, await release.GetStatusAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>GET /api/patterns/versions/{version}</c>: whether the version is stored, and its gate report.</summary>
    /// <param name="version">The version label.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<ApiResponse> GetVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await release.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            if (!status.Versions.Contains(version, StringComparer.Ordinal))
            {
                return ApiResponse.Problem(404, $"no pattern set version '{version}' is stored", new Dictionary<string, object?> { ["version"] = version });
            }

            var report = await release.ReadGateReportAsync(version, cancellationToken).ConfigureAwait(false);
            return ApiResponse.Json(200, new VersionStatus(version, report));
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>GET /api/patterns/releases/{id}</c>: where a release stands.</summary>
    /// <param name="releaseId">The release id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<ApiResponse> GetReleaseAsync(string releaseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(releaseId);
        var unknown = ApiResponse.Problem(404, $"no release '{releaseId}'", new Dictionary<string, object?> { ["releaseId"] = releaseId });
        if (!PatternRelease.IsValidId(releaseId))
        {
            return unknown;
        }

        return await release.ReadReleaseAsync(releaseId, cancellationToken).ConfigureAwait(false) is { } found ? ApiResponse.Json(200, found) : unknown;
    }

    /// <summary>The path of a release's status below the host, for <c>Location</c>.</summary>
    /// <param name="releaseId">The release id.</param>
    public static string ReleaseLocation(string releaseId) => $"/api/{Route}/releases/{releaseId}";

    /// <summary>
    /// <c>POST /api/patterns</c>: lint the set in the body at once, store it and queue its gate run: 202 with
    /// <c>Location</c> naming the release's status. Query <c>force=true</c> with <c>reason</c> overrides a gate refusal (audited).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the submission; what was stored stays stored, nothing is queued.</param>
    public async Task<ApiResponse> PublishAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (content, tooLarge) = await ApiBody.ReadAsync(request, maxSetBytes, $"{ReleaseOptions.SectionName}:{nameof(ReleaseOptions.MaxSetBytes)}", cancellationToken).ConfigureAwait(false);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        var force = request.QueryValue("force");
        if (force is not null && !bool.TryParse(force, out _))
        {
            return ApiResponse.Problem(400, $"query parameter 'force' must be true or false, not '{force}'");
        }

        try
        {
            var json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content!);
            var queued = await release.SubmitAsync(
                json,
                request.Actor("api"),
                new PublishOptions { Force = force is not null && bool.Parse(force), Reason = request.QueryValue("reason") },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return ApiResponse.Json(202, queued) with
            {
                Headers = new Dictionary<string, string> { ["Location"] = ReleaseLocation(queued.Id) },
            };
        }
        catch (DecoderFallbackException exception)
        {
            return ApiResponse.Problem(400, $"the request body is not UTF-8 text: {exception.Message}");
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>POST /api/patterns/rollback</c>: optional body <c>{ "to": "…", "reason": "…" }</c>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call; the state is changed completely or not at all.</param>
    public async Task<ApiResponse> RollbackAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, refusal) = await ReadCommandAsync<RollbackRequest>(request, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        try
        {
            var result = await rollback.RollbackAsync(body?.To, body?.Reason, request.Actor("api"), cancellationToken).ConfigureAwait(false);
            return ApiResponse.Json(200, result);
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>POST /api/patterns/rules/disable</c>: body <c>{ "rules": ["ID", …], "reason": "…" }</c>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call; the state is changed completely or not at all.</param>
    public async Task<ApiResponse> DisableRulesAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, refusal) = await ReadCommandAsync<DisableRulesRequest>(request, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body?.Rules is not { Count: > 0 } rules || string.IsNullOrWhiteSpace(body.Reason))
        {
            return ApiResponse.Problem(400, "the body must name the rules and a reason: { \"rules\": [\"RULE_ID\"], \"reason\": \"why\" }");
        }

        try
        {
            var result = await killSwitch.DisableRulesAsync(rules, body.Reason, request.Actor("api"), cancellationToken).ConfigureAwait(false);
            return ApiResponse.Json(200, result);
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>POST /api/patterns/watchdog</c>: one watchdog run; the decision (with the figures it compared) is the body.</summary>
    /// <param name="cancellationToken">Cancels the run; a state change is made completely or not at all.</param>
    public async Task<ApiResponse> RunWatchdogAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return ApiResponse.Json(200, await watchdog.RunOnceAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            return problem;
        }
    }

    private async Task<(T? Body, ApiResponse? Refusal)> ReadCommandAsync<T>(ApiRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var (content, tooLarge) = await ApiBody.ReadAsync(request, apiOptions.MaxCommandBytes, $"{ApiOptions.SectionName}:{nameof(ApiOptions.MaxCommandBytes)}", cancellationToken).ConfigureAwait(false);
        return tooLarge is not null ? (null, tooLarge) : ApiBody.ParseOptional<T>(content!);
    }

    /// <summary>The problem an exception of the release path stands for; null for failures the host answers with 500.</summary>
    private static ApiResponse? Problem(Exception exception) => exception switch
    {
        PatternSetFormatException format => ApiResponse.Problem(400, format.Message, new Dictionary<string, object?>
        {
            ["ruleId"] = format.RuleId,
            ["line"] = format.Line,
            ["reason"] = format.Reason,
        }),
        JsonException json => ApiResponse.Problem(400, $"the request body is not valid JSON: {json.Message}", new Dictionary<string, object?> { ["line"] = json.LineNumber + 1 }),
        PatternSetLintException lint => ApiResponse.Problem(422, lint.Message, new Dictionary<string, object?> { ["findings"] = lint.Report.Findings }),
        PatternSetDigestMismatchException digest => ApiResponse.Problem(422, digest.Message, new Dictionary<string, object?>
        {
            ["version"] = digest.Version,
            ["expectedDigest"] = digest.ExpectedDigest,
            ["actualDigest"] = digest.ActualDigest,
        }),
        PatternSetNotFoundException notFound => ApiResponse.Problem(404, notFound.Message, new Dictionary<string, object?> { ["version"] = notFound.Version }),
        UnknownRulesException unknown => ApiResponse.Problem(404, unknown.Message, new Dictionary<string, object?>
        {
            ["version"] = unknown.Version,
            ["ruleIds"] = unknown.RuleIds,
        }),
        PatternStateConflictException conflict => ApiResponse.Problem(409, conflict.Message, new Dictionary<string, object?> { ["expectedETag"] = conflict.Expected?.ToString() }),
        ReleaseConflictException conflict => ApiResponse.Problem(409, conflict.Message, new Dictionary<string, object?>
        {
            ["conflict"] = conflict.Conflict,
            ["canary"] = conflict.Canary,
        }),
        PatternSetVersionConflictException conflict => ApiResponse.Problem(409, conflict.Message, new Dictionary<string, object?>
        {
            ["version"] = conflict.Version,
            ["storedDigest"] = conflict.StoredDigest,
            ["newDigest"] = conflict.NewDigest,
        }),
        ArgumentException argument => ApiResponse.Problem(400, argument.Message.Split(" (Parameter", 2)[0]),
        _ => null,
    };
}

/// <summary>Body of <c>POST /api/patterns/rollback</c>; both members optional.</summary>
/// <param name="To">The version to revert to; null for the last known good version.</param>
/// <param name="Reason">Why, for the audit trail.</param>
public sealed record RollbackRequest(string? To, string? Reason);

/// <summary>Body of <c>POST /api/patterns/rules/disable</c>.</summary>
/// <param name="Rules">Rule ids of the active set to disable.</param>
/// <param name="Reason">Why (required).</param>
public sealed record DisableRulesRequest(IReadOnlyList<string>? Rules, string? Reason);

/// <summary>Answer of <c>GET /api/patterns/versions/{version}</c>.</summary>
/// <param name="Version">The version.</param>
/// <param name="GateReport">Its gate report; null when it was never gated (e.g. a kill-switch overlay).</param>
public sealed record VersionStatus(string Version, Engine.Gating.GateReport? GateReport);
