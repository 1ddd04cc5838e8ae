using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Release;

/// <summary>How a published pattern set is released; bound from the <c>Release</c> section.</summary>
/// <remarks>
/// A configured <c>Release:Stages</c> list replaces the default plan as a whole (it is not appended to it).
/// </remarks>
public sealed class ReleaseOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Release";

    /// <summary>
    /// The canary plan: a gated set serves <see cref="CanaryStage.SharePercent"/> of mail for
    /// <see cref="CanaryStage.BakeTime"/> at each stage in turn, and is promoted (serves all mail) once the last stage
    /// has baked. Default 1 % for 15 min, 10 % for 30 min, 50 % for 1 h, then promotion.
    /// </summary>
    public List<CanaryStage> Stages { get; set; } =
    [
        new() { SharePercent = 1, BakeTime = TimeSpan.FromMinutes(15) },
        new() { SharePercent = 10, BakeTime = TimeSpan.FromMinutes(30) },
        new() { SharePercent = 50, BakeTime = TimeSpan.FromHours(1) },
    ];

    /// <summary>
    /// Newest messages of the gate corpus's real-traffic sample the gate scans (adversarial mail comes on top).
    /// Default 500: enough to see a p99, small enough that a publish takes seconds.
    /// </summary>
    [Range(0, 100_000)]
    public int GateSampleSize { get; set; } = 500;

    /// <summary>
    /// Largest pattern set document (bytes) accepted through the upload door and the HTTP API; larger ones are refused
    /// before they are read into memory. Default 16 MiB (the imported SpamAssassin set is about 1 MiB).
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxSetBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The gate queue's name in the data storage account; the queue trigger of <c>RunReleaseGate</c> names the default.</summary>
    public const string DefaultGateQueue = "release-gate";

    /// <summary>The Storage queue of gate requests. Default <see cref="DefaultGateQueue"/>; tests use one of their own.</summary>
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string GateQueue { get; set; } = DefaultGateQueue;

    /// <summary>
    /// Gate runs of one gate request before its release is marked failed instead of run again: storage failures and
    /// state changes during the gate are retried up to here. Default 4, one below the queue trigger's
    /// <c>maxDequeueCount</c> of 5 in host.json, so the queue's last delivery only marks the release failed, even when
    /// the runs before it died with their worker, and no message reaches the poison queue without its release saying so.
    /// </summary>
    [Range(1, 100)]
    public int MaxGateAttempts { get; set; } = 4;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Stages is null || Stages.Count == 0)
        {
            yield return new ValidationResult("Release:Stages needs at least one canary stage", [nameof(Stages)]);
            yield break;
        }

        for (var i = 0; i < Stages.Count; i++)
        {
            var stage = Stages[i];
            if (stage is null || !(stage.SharePercent > 0 && stage.SharePercent < 100))
            {
                yield return new ValidationResult($"Release:Stages:{i}:SharePercent must be above 0 and below 100 (100 % is promotion)", [nameof(Stages)]);
            }
            else if (i > 0 && Stages[i - 1] is { } previous && stage.SharePercent <= previous.SharePercent)
            {
                yield return new ValidationResult($"Release:Stages:{i}:SharePercent must be above the previous stage's {previous.SharePercent}", [nameof(Stages)]);
            }

            if (stage is not null && (stage.BakeTime < TimeSpan.Zero || stage.BakeTime > TimeSpan.FromDays(30)))
            {
                yield return new ValidationResult($"Release:Stages:{i}:BakeTime must be between 0 and 30 days", [nameof(Stages)]);
            }
        }
    }
}

/// <summary>One stage of the canary plan.</summary>
public sealed class CanaryStage
{
    /// <summary>Share of mail (above 0, below 100) the canary scans, chosen by <see cref="Patterns.CanarySelector"/>.</summary>
    public double SharePercent { get; set; }

    /// <summary>How long the canary must stay healthy at this share before it moves on.</summary>
    public TimeSpan BakeTime { get; set; }
}
