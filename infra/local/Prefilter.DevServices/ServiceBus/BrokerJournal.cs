using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// The broker's messages on disk: an append-only file of <see cref="JournalRecords"/>, each framed as
/// <c>[payload length: int32][CRC-32 of the payload: uint32][payload]</c> (little-endian). Opening replays the file
/// and rewrites it compacted; <see cref="Flush"/> makes everything appended so far durable (fsync), and the broker
/// calls it before it acknowledges a send or a settlement.
/// </summary>
/// <remarks>
/// Appends come from the broker's lock, one at a time. <see cref="Flush"/> may run on any thread, outside that lock:
/// concurrent callers share one fsync (a caller whose records another caller's fsync already covered returns at once).
/// A last record cut short by a crash (its length past the end of the file, or zeros where it should be) is dropped at
/// open; damage anywhere else stops the open with <see cref="InvalidDataException"/>.
/// </remarks>
internal sealed class BrokerJournal : IDisposable
{
    /// <summary>The journal's file name in its folder.</summary>
    public const string FileName = "broker.journal";

    private const int HeaderBytes = 8;

    // A record is one message of at most the broker's MaxMessageSize plus bookkeeping; anything larger is damage.
    private const int MaxPayloadBytes = 64 * 1024 * 1024;

    // Compact once the file is this large and four times what the last compaction wrote.
    private const long MinCompactionBytes = 4 * 1024 * 1024;

    private readonly string path;
    private readonly Lock flushSync = new();
    private SafeFileHandle handle;
    private long length;
    private long durableLength;
    private long compactedLength;

    private BrokerJournal(string path, SafeFileHandle handle)
    {
        this.path = path;
        this.handle = handle;
        length = durableLength = compactedLength = RandomAccess.GetLength(handle);
    }

    /// <summary>True when the file has grown enough that <see cref="Compact"/> is worth its cost.</summary>
    public bool ShouldCompact => length >= MinCompactionBytes && length >= 4 * compactedLength;

    /// <summary>Replays the journal in <paramref name="directory"/> (creating both when missing) and rewrites it compacted.</summary>
    /// <param name="directory">The folder that holds <see cref="FileName"/>.</param>
    /// <param name="state">What the journal held.</param>
    /// <returns>The journal, open for appending.</returns>
    /// <exception cref="InvalidDataException">The file is damaged before its last record; the message names the file and the offset.</exception>
    /// <exception cref="IOException">The folder or file cannot be read or written.</exception>
    public static BrokerJournal Open(string directory, out JournalState state)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        state = File.Exists(path) ? Replay(path, File.ReadAllBytes(path)) : new JournalState();
        return new BrokerJournal(path, WriteCompacted(path, Snapshot(state)));
    }

    /// <summary>Records a message as it is now, under <paramref name="entityPath"/>.</summary>
    public void Put(string entityPath, StoredMessage message) => Append(JournalRecords.Put(entityPath, message));

    /// <summary>Records that a message left the broker.</summary>
    public void Delete(long sequenceNumber) => Append(JournalRecords.Delete(sequenceNumber));

    /// <summary>Records a MessageId accepted by a queue with duplicate detection.</summary>
    public void MessageIdSeen(string entityPath, RecentMessageId seen) => Append(JournalRecords.MessageIdSeen(entityPath, seen));

    /// <summary>Makes every record appended so far durable.</summary>
    /// <exception cref="IOException">The fsync failed; the caller must not acknowledge what it appended.</exception>
    public void Flush()
    {
        var target = Interlocked.Read(ref length);
        lock (flushSync)
        {
            if (durableLength >= target)
            {
                return;
            }

            var end = Interlocked.Read(ref length);
            RandomAccess.FlushToDisk(handle);
            durableLength = end;
        }
    }

    /// <summary>Replaces the file with one that holds only <paramref name="records"/> (the broker's live state).</summary>
    /// <param name="records">The records that rebuild the current state, from <see cref="Snapshot"/> or the broker's queues.</param>
    /// <exception cref="IOException">The new file could not be written; the old one stays in use.</exception>
    public void Compact(IEnumerable<byte[]> records)
    {
        lock (flushSync)
        {
            var compacted = WriteCompacted(path, records);
            handle.Dispose();
            handle = compacted;
            length = durableLength = compactedLength = RandomAccess.GetLength(handle);
        }
    }

    /// <summary>The records that rebuild <paramref name="state"/>.</summary>
    public static IEnumerable<byte[]> Snapshot(JournalState state)
    {
        yield return JournalRecords.LastSequenceNumber(state.LastSequenceNumber);
        foreach (var (entityPath, seen) in state.MessageIds)
        {
            yield return JournalRecords.MessageIdSeen(entityPath, seen);
        }

        foreach (var (entityPath, message) in state.Messages.Values.OrderBy(entry => entry.Message.SequenceNumber))
        {
            yield return JournalRecords.Put(entityPath, message);
        }
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        lock (flushSync)
        {
            if (!handle.IsClosed)
            {
                RandomAccess.FlushToDisk(handle);
                handle.Dispose();
            }
        }
    }

    /// <summary>
    /// Closes the file without a flush, as a crash leaves it: what was written stays in the system's cache, and any later
    /// append fails with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Abandon()
    {
        lock (flushSync)
        {
            handle.Dispose();
        }
    }

    private void Append(byte[] payload)
    {
        var frame = Frame(payload);
        RandomAccess.Write(handle, frame, length);
        Interlocked.Add(ref length, frame.Length);
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32.HashToUInt32(payload));
        payload.CopyTo(frame, HeaderBytes);
        return frame;
    }

    // A crash can cut the last append short, or (on file systems that extend a file before its data lands) leave
    // zeros where it should be. Neither was acknowledged, since the broker answers only after a flush, so replay
    // stops there. Damage with good data after it stops the open instead, so nothing behind it is silently lost.
    private static JournalState Replay(string path, byte[] content)
    {
        var state = new JournalState();
        var offset = 0;
        while (offset < content.Length)
        {
            var rest = content.AsSpan(offset);
            if (!rest.ContainsAnyExcept((byte)0) || rest.Length < HeaderBytes)
            {
                break;
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(rest);
            if (size is < 0 or > MaxPayloadBytes)
            {
                throw Damaged(path, offset, $"a record length of {size} bytes");
            }

            if (size > rest.Length - HeaderBytes)
            {
                break;
            }

            var payload = rest.Slice(HeaderBytes, size);
            if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]))
            {
                var after = rest[(HeaderBytes + size)..];
                if (!after.ContainsAnyExcept((byte)0))
                {
                    break;
                }

                throw Damaged(path, offset, $"its checksum does not match and {after.Length} bytes follow it");
            }

            try
            {
                JournalRecords.Apply(payload, state);
            }
            catch (InvalidDataException exception)
            {
                throw Damaged(path, offset, exception.Message);
            }

            offset += HeaderBytes + size;
        }

        return state;
    }

    private static InvalidDataException Damaged(string path, int offset, string why) => new(
        $"{path}: the record at offset {offset} is damaged ({why}). The broker does not start on a damaged journal; " +
        "move the file away to start with an empty broker.");

    // Writes a complete new file beside the journal, makes it durable, then renames it over the journal: a crash
    // leaves either the old file or the new one, never a mix, and both hold the same state. The folder itself is not
    // fsynced (.NET has no call for it), so only a power loss right after a compaction could bring back the old file
    // without the records appended to the new one since.
    private static SafeFileHandle WriteCompacted(string path, IEnumerable<byte[]> records)
    {
        var temporary = path + ".compacting";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var record in records)
            {
                stream.Write(Frame(record));
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
    }
}
