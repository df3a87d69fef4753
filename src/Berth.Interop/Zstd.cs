using System.Runtime.InteropServices;

namespace Berth.Interop;

/// <summary>
/// The streaming decoder of the system libzstd (Debian: libzstd1). Loaded lazily: a host without the
/// library fails only when a zstd layer is actually met (<see cref="IsAvailable"/> tells beforehand).
/// </summary>
public static unsafe partial class Zstd
{
    private const string Library = "libzstd.so.1";

    /// <summary>ZSTD_d_windowLogMax: frames that declare a larger window are refused before any allocation.</summary>
    private const int ZSTD_d_windowLogMax = 100;

    [StructLayout(LayoutKind.Sequential)]
    private struct InBuffer
    {
        public byte* Src;
        public nuint Size;
        public nuint Pos;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OutBuffer
    {
        public byte* Dst;
        public nuint Size;
        public nuint Pos;
    }

    [LibraryImport(Library, EntryPoint = "ZSTD_createDStream")]
    private static partial nint CreateDStream();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDStream")]
    internal static partial nuint FreeDStream(nint zds);

    [LibraryImport(Library, EntryPoint = "ZSTD_DCtx_setParameter")]
    private static partial nuint DCtxSetParameter(nint dctx, int param, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressStream")]
    private static partial nuint DecompressStream(nint zds, OutBuffer* output, InBuffer* input);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    private static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    private static partial byte* GetErrorName(nuint code);

    private static readonly Lazy<bool> s_available = new(() =>
    {
        if (!NativeLibrary.TryLoad(Library, out nint handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    });

    /// <summary>Whether libzstd.so.1 can be loaded on this host.</summary>
    public static bool IsAvailable => s_available.Value;

    private static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((nint)GetErrorName(code)) ?? "unknown zstd error";

    /// <summary>A decompression context (ZSTD_DStream). Not thread-safe.</summary>
    public sealed class Decoder : IDisposable
    {
        private readonly SafeDStream _handle;

        /// <param name="windowLogMax">largest window accepted, as a power of two (27 = 128 MiB, libzstd's default).</param>
        public Decoder(int windowLogMax)
        {
            nint zds = CreateDStream(); // throws DllNotFoundException when libzstd is missing
            if (zds == 0) throw new OutOfMemoryException("ZSTD_createDStream failed");
            _handle = new SafeDStream(zds);
            nuint rc = DCtxSetParameter(zds, ZSTD_d_windowLogMax, windowLogMax);
            if (IsError(rc) != 0)
            {
                _handle.Dispose();
                throw new ArgumentOutOfRangeException(nameof(windowLogMax), ErrorName(rc));
            }
        }

        /// <summary>
        /// One ZSTD_decompressStream step. Returns libzstd's hint: 0 when a frame has been fully decoded and
        /// flushed, otherwise more input (or output room) is needed. Corrupt input throws <see cref="InvalidDataException"/>.
        /// </summary>
        public nuint Decompress(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            bool added = false;
            try
            {
                _handle.DangerousAddRef(ref added);
                fixed (byte* src = input)
                fixed (byte* dst = output)
                {
                    InBuffer inBuf = new() { Src = src, Size = (nuint)input.Length, Pos = 0 };
                    OutBuffer outBuf = new() { Dst = dst, Size = (nuint)output.Length, Pos = 0 };
                    nuint rc = DecompressStream(_handle.DangerousGetHandle(), &outBuf, &inBuf);
                    if (IsError(rc) != 0) throw new InvalidDataException($"zstd: {ErrorName(rc)}");
                    consumed = (int)inBuf.Pos;
                    written = (int)outBuf.Pos;
                    return rc;
                }
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
        }

        public void Dispose() => _handle.Dispose();
    }

    private sealed class SafeDStream : SafeHandle
    {
        public SafeDStream(nint zds) : base(0, ownsHandle: true) => SetHandle(zds);
        public override bool IsInvalid => handle == 0;
        protected override bool ReleaseHandle()
        {
            FreeDStream(handle);
            return true;
        }
    }
}
