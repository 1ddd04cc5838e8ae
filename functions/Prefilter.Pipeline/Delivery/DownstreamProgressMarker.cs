using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// The one format of <see cref="DownstreamProgress"/> on a mail blob: metadata entry <c>prefilter_downstream_{id}</c>
/// holding <c>delivered {detail}</c>, <c>refused {detail}</c>, <c>partly-refused {detail}</c> or
/// <c>deferred {hash},{hash} {refused so far} {detail}</c>.
/// </summary>
/// <remarks>
/// Instances already deployed have written these markers, and a mail half-delivered by one is resumed by the next:
/// this format only grows. A marker is printable ASCII of at most <see cref="MailMetadata.MaxValueLength"/>
/// characters; a deferred one names its waiting recipients first, so truncating the detail never cuts them.
/// </remarks>
public static class DownstreamProgressMarker
{
    /// <summary>Prefix of the metadata keys; the rest is a short hash of the downstream's host and port and the action.</summary>
    public const string KeyPrefix = "prefilter_downstream_";

    private static readonly DownstreamState[] Marked =
        [DownstreamState.Delivered, DownstreamState.Refused, DownstreamState.PartlyRefused, DownstreamState.Deferred];

    /// <summary>The metadata key for a relay (a valid C# identifier, as blob metadata names must be).</summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action the relayed copy is stamped with.</param>
    public static string KeyOf(Downstream downstream, VerdictAction action)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        var identity = $"{downstream.Host.Trim().TrimEnd('.').ToLowerInvariant()}:{downstream.Port}|{action}";
        return KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 8));
    }

    /// <summary>A relay's progress as the mail blob's metadata records it; <see cref="DownstreamProgress.Pending"/> without a marker.</summary>
    /// <param name="metadata">The mail blob's metadata.</param>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action of the relayed copy.</param>
    /// <exception cref="FormatException">The relay's marker says deferred but does not name the waiting recipients.</exception>
    public static DownstreamProgress Read(IReadOnlyDictionary<string, string> metadata, Downstream downstream, VerdictAction action)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Parse(metadata.TryGetValue(KeyOf(downstream, action), out var marker) ? marker : null);
    }

    /// <summary>
    /// The progress a marker records: <see cref="DownstreamProgress.Pending"/> for none, or for one that does not start
    /// with a state's word.
    /// </summary>
    /// <param name="marker">The marker, or null for none.</param>
    /// <exception cref="FormatException">The marker says deferred but does not name the waiting recipients.</exception>
    public static DownstreamProgress Parse(string? marker)
    {
        if (marker is null)
        {
            return DownstreamProgress.Pending;
        }

        var state = Marked.FirstOrDefault(candidate => IsWord(marker, WordOf(candidate)), DownstreamState.Pending);
        return state switch
        {
            DownstreamState.Pending => DownstreamProgress.Pending,
            DownstreamState.Deferred => ParseDeferred(marker),
            _ => new DownstreamProgress(state, marker.Length == WordOf(state).Length ? "" : marker[(WordOf(state).Length + 1)..]),
        };
    }

    /// <summary>The marker that records a progress.</summary>
    /// <param name="progress">Any progress but <see cref="DownstreamProgress.Pending"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The progress is pending: no marker records that.</exception>
    public static string Format(DownstreamProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.State != DownstreamState.Deferred)
        {
            return MailMetadata.Sanitize(WordAndDetail(WordOf(progress.State), progress.Detail));
        }

        var hashes = string.Join(",", progress.WaitingHashes);
        var refusedSoFar = progress.RefusedSoFar.ToString(CultureInfo.InvariantCulture);
        return MailMetadata.Sanitize($"{WordOf(progress.State)} {hashes} {refusedSoFar} {progress.Detail}");
    }

    // The text for people: a marker without the hashes and count a deferred one starts with.
    internal static string Describe(DownstreamProgress progress) =>
        progress.State == DownstreamState.Pending ? "" : WordAndDetail(WordOf(progress.State), progress.Detail);

    private static DownstreamProgress ParseDeferred(string marker)
    {
        // The word, the waiting recipients' hashes, the count refused so far, the detail.
        var fields = marker.Split(' ', 4);
        if (fields.Length < 4 || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var refusedSoFar))
        {
            throw new FormatException($"A deferred progress marker names the waiting recipients and the count refused so far: '{marker}'.");
        }

        return new DownstreamProgress(DownstreamState.Deferred, fields[3], fields[1].Split(','), refusedSoFar);
    }

    private static string WordOf(DownstreamState state) => state switch
    {
        DownstreamState.Delivered => "delivered",
        DownstreamState.Refused => "refused",
        DownstreamState.PartlyRefused => "partly-refused",
        DownstreamState.Deferred => "deferred",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "A pending relay has no marker."),
    };

    private static string WordAndDetail(string word, string detail) => detail.Length == 0 ? word : $"{word} {detail}";

    private static bool IsWord(string marker, string word) =>
        marker.StartsWith(word, StringComparison.Ordinal) && (marker.Length == word.Length || marker[word.Length] == ' ');
}
