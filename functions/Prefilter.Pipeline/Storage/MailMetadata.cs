using System.Globalization;
using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// The metadata keys the pipeline writes on a mail blob. Blob metadata is ASCII and at most 8 KB in total,
/// so values are sanitised and capped, and the envelope goes to metadata only base64-encoded and when small.
/// The mail's trace context is kept beside them (<see cref="Telemetry.MailTraceContext"/>).
/// </summary>
public static class MailMetadata
{
    /// <summary>Base64 of the UTF-8 JSON envelope, when it fits (see <see cref="MaxInlineEnvelopeLength"/>).</summary>
    public const string Envelope = "prefilter_envelope";

    /// <summary>Name (in the incoming container) of the companion envelope blob, when the envelope is too large for metadata.</summary>
    public const string EnvelopeBlob = "prefilter_envelope_blob";

    /// <summary>When the ingress accepted the mail (ISO 8601, UTC).</summary>
    public const string Received = "prefilter_received";

    /// <summary>Which ingress accepted it: <c>smtp</c>, <c>http</c>, <c>submit</c>…</summary>
    public const string Ingress = "prefilter_ingress";

    /// <summary>The <see cref="MailOutcome"/>, lowercase.</summary>
    public const string Outcome = "prefilter_outcome";

    /// <summary>When the outcome was recorded (ISO 8601, UTC).</summary>
    public const string OutcomeAt = "prefilter_outcome_at";

    /// <summary>Why (dead-letter reason, downstream reply, incomplete-scan reason).</summary>
    public const string Reason = "prefilter_reason";

    /// <summary>The verdict action, lowercase.</summary>
    public const string Verdict = "prefilter_verdict";

    /// <summary>The score, invariant culture.</summary>
    public const string Score = "prefilter_score";

    /// <summary>Comma-separated rule ids, capped at <see cref="MaxValueLength"/> with a <c>+N</c> suffix for the rest.</summary>
    public const string Rules = "prefilter_rules";

    /// <summary>Digest of the set that scanned the mail; empty when unscanned.</summary>
    public const string Set = "prefilter_set";

    /// <summary>Version of the set that scanned the mail; absent when unscanned.</summary>
    public const string SetVersion = "prefilter_set_version";

    /// <summary><c>true</c> when the scan was incomplete.</summary>
    public const string Incomplete = "prefilter_incomplete";

    /// <summary>Longest envelope (base64 characters) kept in metadata; larger envelopes go to a companion blob.</summary>
    public const int MaxInlineEnvelopeLength = 2048;

    /// <summary>Longest value written for reasons and rule lists, so all keys together stay well below 8 KB.</summary>
    public const int MaxValueLength = 1024;

    /// <summary>Reads the recorded outcome, if any.</summary>
    /// <param name="metadata">The blob's metadata.</param>
    public static MailOutcome? ReadOutcome(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(Outcome, out var value) && Enum.TryParse<MailOutcome>(value, ignoreCase: true, out var outcome)
            ? outcome
            : null;

    /// <summary>Reads the recorded scan verdict, if any.</summary>
    /// <param name="metadata">The blob's metadata.</param>
    public static ScanVerdict? ReadVerdict(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(Verdict, out var action) || !Enum.TryParse<VerdictAction>(action, ignoreCase: true, out var verdictAction))
        {
            return null;
        }

        return new ScanVerdict
        {
            Action = verdictAction,
            Score = metadata.TryGetValue(Score, out var score) && double.TryParse(score, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0,
            Rules = metadata.TryGetValue(Rules, out var rules) && rules.Length > 0 ? rules.Split(',') : [],
            SetDigest = metadata.TryGetValue(Set, out var set) ? set : "",
            SetVersion = metadata.TryGetValue(SetVersion, out var version) ? version : null,
            Incomplete = metadata.TryGetValue(Incomplete, out var incomplete) && incomplete == "true",
            Reason = metadata.TryGetValue(Reason, out var reason) ? reason : null,
        };
    }

    /// <summary>Writes an outcome into a copy of the metadata.</summary>
    /// <param name="metadata">The current metadata; not changed.</param>
    /// <param name="record">The outcome to write.</param>
    /// <returns>The metadata to store.</returns>
    public static Dictionary<string, string> WithOutcome(IReadOnlyDictionary<string, string> metadata, MailOutcomeRecord record)
    {
        var result = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase)
        {
            [Outcome] = record.Outcome.ToString().ToLowerInvariant(),
            [OutcomeAt] = record.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        if (record.Verdict is { } verdict)
        {
            result[Verdict] = verdict.Action.ToString().ToLowerInvariant();
            result[Score] = verdict.Score.ToString("R", CultureInfo.InvariantCulture);
            result[Rules] = JoinCapped(verdict.Rules);
            result[Set] = verdict.SetDigest;
            if (verdict.SetVersion is not null)
            {
                result[SetVersion] = Sanitize(verdict.SetVersion);
            }

            result[Incomplete] = verdict.Incomplete ? "true" : "false";
            if (verdict.Reason is not null)
            {
                result[Reason] = Sanitize(verdict.Reason);
            }
        }

        if (record.Reason is not null)
        {
            result[Reason] = Sanitize(record.Reason);
        }

        return result;
    }

    /// <summary>Makes text safe for a metadata value: printable ASCII only, at most <see cref="MaxValueLength"/> characters.</summary>
    /// <param name="text">Any text.</param>
    public static string Sanitize(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxValueLength));
        foreach (var c in text)
        {
            if (builder.Length == MaxValueLength)
            {
                break;
            }

            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return builder.ToString();
    }

    private static string JoinCapped(IReadOnlyList<string> rules)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = Sanitize(rules[i]).Replace(',', '_');
            var suffix = $",+{rules.Count - i}";
            if (builder.Length + rule.Length + 1 + suffix.Length > MaxValueLength)
            {
                builder.Append($"{(builder.Length > 0 ? "," : "")}+{rules.Count - i}");
                break;
            }

            builder.Append(builder.Length > 0 ? "," : "").Append(rule);
        }

        return builder.ToString();
    }
}
