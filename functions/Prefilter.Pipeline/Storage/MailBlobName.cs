using System.Globalization;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// Names of mail blobs in the incoming container: <c>yyyyMMdd'T'HHmmssfff'Z'-{guid}.eml</c>. Unique (GUID),
/// sortable by arrival, and listable by day (the first eight characters), which is how the reconciler
/// finds recent mail without listing the whole container.
/// </summary>
public static class MailBlobName
{
    /// <summary>Extension of every mail blob; companion documents have other names and are never scanned.</summary>
    public const string Extension = ".eml";

    /// <summary>Suffix of a companion envelope blob: <c>{mail name}.envelope.json</c>.</summary>
    public const string EnvelopeSuffix = ".envelope.json";

    private const string DayFormat = "yyyyMMdd";

    /// <summary>A new unique name for a mail received at <paramref name="receivedAt"/>.</summary>
    /// <param name="receivedAt">Arrival time.</param>
    public static string Create(DateTimeOffset receivedAt) =>
        $"{TimePrefix(receivedAt)}-{Guid.NewGuid():N}{Extension}";

    /// <summary>The start of the names of mail received at <paramref name="receivedAt"/>: names sort by it.</summary>
    /// <param name="receivedAt">Arrival time.</param>
    public static string TimePrefix(DateTimeOffset receivedAt) =>
        receivedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The listing prefix of all mail received on a UTC day.</summary>
    /// <param name="day">Any time on that day.</param>
    public static string DayPrefix(DateTimeOffset day) => day.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture);

    /// <summary>The listing prefix of the day a mail blob was named on.</summary>
    /// <param name="mailBlobName">A name made by <see cref="Create"/>.</param>
    public static string DayPrefixOf(string mailBlobName) => mailBlobName[..DayFormat.Length];

    /// <summary>True for a mail blob, false for companion documents and anything else in the container.</summary>
    /// <param name="blobName">A blob name in the incoming container.</param>
    public static bool IsMail(string blobName) =>
        blobName.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>The name of the companion envelope blob of a mail.</summary>
    /// <param name="mailBlobName">The mail's blob name.</param>
    public static string EnvelopeOf(string mailBlobName) => mailBlobName + EnvelopeSuffix;
}
