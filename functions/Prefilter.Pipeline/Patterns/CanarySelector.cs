using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// Chooses the mail a canary scans: a mail's bucket is a number in [0, 100) taken from the SHA-256 of its id, and the
/// mail belongs to a canary of share <c>p</c> when its bucket is below <c>p</c>.
/// </summary>
/// <remarks>
/// The bucket depends on nothing but the id's UTF-8 bytes, so every instance, every retry and every run puts a mail in
/// the same bucket (unlike <see cref="string.GetHashCode()"/>, which is randomised per process). Because a share only
/// grows from stage to stage, a mail scanned by the canary at 1 % is scanned by it at 10 % as well.
/// </remarks>
public static class CanarySelector
{
    /// <summary>The mail's bucket in [0, 100).</summary>
    /// <param name="mailId">The mail's id: its blob name in the incoming container.</param>
    /// <exception cref="ArgumentException"><paramref name="mailId"/> is null or empty.</exception>
    public static double Bucket(string mailId)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailId);
        return Fraction(mailId, salt: "") * 100;
    }

    /// <summary>True when a canary of <paramref name="sharePercent"/> scans the mail.</summary>
    /// <param name="mailId">The mail's id: its blob name in the incoming container.</param>
    /// <param name="sharePercent">The canary's share, 0 (none) to 100 (all).</param>
    /// <exception cref="ArgumentException"><paramref name="mailId"/> is null or empty.</exception>
    public static bool IsCanary(string mailId, double sharePercent) => Bucket(mailId) < sharePercent;

    /// <summary>
    /// A number in [0, 1) from the SHA-256 of the salt and the id. A salt gives an independent choice over the same ids
    /// (the gate corpus's sample must not be exactly the mail the canary scans).
    /// </summary>
    internal static double Fraction(string id, string salt)
    {
        var length = Encoding.UTF8.GetByteCount(salt) + Encoding.UTF8.GetByteCount(id);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(salt, buffer);
            written += Encoding.UTF8.GetBytes(id, buffer.AsSpan(written));
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, written), hash);

            // The top 53 bits fill a double's mantissa exactly, so the result is uniform and strictly below 1.
            return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
