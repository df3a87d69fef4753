using System.Formats.Tar;
using System.IO.Compression;
using Berth.Core;
using Berth.Interop;

namespace Berth.Archive;

/// <summary>
/// Applies one OCI / Docker image layer (a tar stream, plain, gzip or zstd) to a directory.
/// <para>
/// Safety: nothing is ever written outside <c>targetDir</c>. Entry names are cleaned lexically (absolute
/// names and ".." land inside the root); parent directories are resolved inside the root with chroot
/// semantics (openat2 RESOLVE_IN_ROOT, or an openat(O_NOFOLLOW) walk), so symlinks written by earlier
/// entries or lower layers cannot lead out; the last component is never followed; hardlinks may only point
/// at files this layer wrote; whiteouts that would name a directory itself, its parent or the root are refused.
/// </para>
/// <para>
/// Failure: a refused or broken entry aborts the whole layer with
/// <c>BerthException(InvalidArgument, "layer: &lt;entry&gt;: &lt;reason&gt;")</c> (PermissionDenied when device
/// nodes cannot be made, Unavailable when the disk is full), leaving a half-written tree behind.
/// Callers must therefore extract into a fresh temporary directory and rename it into place only when
/// <see cref="Apply"/> returns, after checking <see cref="LayerApplyResult.DiffId"/> against the image config;
/// on any exception they delete the temporary directory. A caller of <see cref="WhiteoutMode.Remove"/> applies
/// to a copy of the parent tree for the same reason.
/// </para>
/// </summary>
public static class LayerApplier
{
    public static LayerApplyResult Apply(Stream layer, string targetDir, LayerApplyOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentException.ThrowIfNullOrEmpty(targetDir);
        ArgumentNullException.ThrowIfNull(options);
        ct.ThrowIfCancellationRequested();

        int rootFd = Libc.Open(targetDir, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (rootFd < 0)
        {
            int errno = Check.LastErrno;
            throw new BerthException(errno == 2 ? ErrorKind.NotFound : ErrorKind.InvalidArgument,
                $"layer: target directory {targetDir}: {ErrnoException.Describe(errno)}");
        }
        using var root = new SafeFd(rootFd, ownsHandle: true);

        PrefixStream source = PrefixStream.Peek(layer, 4);
        LayerCompression compression = Decompression.Detect(source.Prefix, "layer");
        string? current = null;
        try
        {
            using Stream decompressed = Decompression.Decompressor(source, compression, options.ZstdWindowLogMax, leaveOpen: true);
            using var digesting = new DigestingStream(decompressed, options.MaxUncompressedBytes, ct);
            using var inspector = new TarInspector(digesting, options.MaxHeaderBytes);
            using var extractor = new LayerExtractor(root, options, digesting);

            long entries = 0;
            using (var reader = new TarReader(inspector, leaveOpen: true))
            {
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    TarEntry? entry;
                    try
                    {
                        entry = reader.GetNextEntry(copyData: false);
                    }
                    catch (EndOfStreamException) when (digesting.BytesRead == 0)
                    {
                        break; // a zero-byte stream is an empty archive (Go's tar reader says io.EOF)
                    }
                    if (entry is null) break;
                    current = entry.Name;
                    if (++entries > options.MaxEntries)
                        throw new BerthException(ErrorKind.InvalidArgument, $"layer: more than {options.MaxEntries} entries");
                    extractor.Apply(entry, inspector.CurrentPax);
                }
            }
            current = null;

            // The diffID covers the whole uncompressed stream, including the end marker and record padding
            // after it; reading to the end also makes gzip check its CRC. Bounded: junk after the end is refused.
            long tarEnd = digesting.BytesRead;
            byte[] sink = new byte[64 * 1024];
            while (digesting.Read(sink) > 0)
            {
                if (digesting.BytesRead - tarEnd > options.MaxTrailingBytes)
                    throw new BerthException(ErrorKind.InvalidArgument,
                        $"layer: more than {options.MaxTrailingBytes} bytes follow the end of the tar archive");
            }

            extractor.Finish();
            return new LayerApplyResult
            {
                TarBytes = digesting.BytesRead,
                CompressedBytes = source.BytesRead,
                Entries = entries,
                DiffId = digesting.Digest(),
                Compression = compression,
                SkippedDeviceNodes = extractor.SkippedDeviceNodes,
                SkippedXattrs = extractor.SkippedXattrs,
            };
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException or FormatException or OverflowException)
        {
            string where = current is null ? "" : $"{current}: ";
            throw new BerthException(ErrorKind.InvalidArgument, $"layer: {where}corrupt or unsupported archive: {e.Message}", e);
        }
        catch (DllNotFoundException e)
        {
            throw new BerthException(ErrorKind.FailedPrecondition, $"layer: zstd-compressed layers need libzstd.so.1 (Debian: libzstd1): {e.Message}", e);
        }
    }
}
