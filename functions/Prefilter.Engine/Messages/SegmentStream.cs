namespace Prefilter.Engine.Messages;

/// <summary>
/// A read-only, seekable stream over one or two pieces of memory, read as if they were contiguous.
/// Seekable so MimeKit's persistent parse references part content in place instead of copying it;
/// two pieces so an oversized header block can be cut without copying the body.
/// </summary>
internal sealed class SegmentStream(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second) : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => first.Length + second.Length;

    public override long Position
    {
        get => position;
        set => position = Math.Clamp(value, 0, Length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int total = 0;
        while (!buffer.IsEmpty && position < Length)
        {
            var source = position < first.Length
                ? first.Span[(int)position..]
                : second.Span[(int)(position - first.Length)..];
            int n = Math.Min(source.Length, buffer.Length);
            source[..n].CopyTo(buffer);
            buffer = buffer[n..];
            position += n;
            total += n;
        }

        return total;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            _ => Length + offset,
        };
        return position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("The message stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The message stream is read-only.");
}
