using Berth.Content;

namespace Berth.Engine.Images;

/// <summary>
/// A write-only Stream over a content-store ingest, so the registry client can download into it;
/// <paramref name="written"/> hears the offset after each write (download progress).
/// </summary>
internal sealed class IngestStream(IngestWriter writer, Action<long>? written = null) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => writer.Offset;
    public override long Position { get => writer.Offset; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        writer.Write(buffer);
        written?.Invoke(writer.Offset);
    }
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await writer.WriteAsync(buffer, cancellationToken);
        written?.Invoke(writer.Offset);
    }
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
