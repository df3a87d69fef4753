using System.Buffers.Binary;
using System.Text;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// A seccomp filter built by libseccomp in the runtime, once per profile (cached under the runtime's root), and
/// loaded by init with seccomp(2) alone. libseccomp takes 10-20 ms here to build a profile such as podman's or
/// Docker's default (several hundred syscalls, three architectures); loading the finished program takes
/// microseconds. Wire form, as init receives it: u32 flags, then struct sock_filter[] (8 bytes each).
/// </summary>
public sealed class CompiledFilter
{
    // seccomp(2) SECCOMP_SET_MODE_FILTER flags.
    private const uint FlagTsync = 1, FlagLog = 2, FlagSpecAllow = 4, FlagNewListener = 8, FlagTsyncEsrch = 16, FlagWaitKillableRecv = 32;
    /// <summary>Ours, not the kernel's: SPEC_ALLOW was not asked for but is set where the kernel has it (runc's default).</summary>
    private const uint SpecAllowBestEffort = 1u << 31;
    private const uint SeccompRetUserNotif = 0x7fc00000, BpfRetK = 0x06; // BPF_RET | BPF_K

    private readonly uint _flags;

    public byte[] Bpf { get; }

    private CompiledFilter(uint flags, byte[] bpf) => (_flags, Bpf) = (flags, bpf);

    /// <summary>Some return of the program is SECCOMP_RET_USER_NOTIF: loading it yields a listener fd.</summary>
    public bool HasNotify
    {
        get
        {
            for (int i = 0; i + 8 <= Bpf.Length; i += 8)
                if (BinaryPrimitives.ReadUInt16LittleEndian(Bpf.AsSpan(i)) == BpfRetK
                    && (BinaryPrimitives.ReadUInt32LittleEndian(Bpf.AsSpan(i + 4)) & 0xffff0000) == SeccompRetUserNotif)
                    return true;
            return false;
        }
    }

    /// <summary>
    /// The filter for <paramref name="seccomp"/>, from the cache in <paramref name="cacheDir"/> or built and cached
    /// there; null when the profile disables seccomp. Throws BerthException for a profile libseccomp refuses.
    /// </summary>
    public static CompiledFilter? For(LinuxSeccomp seccomp, string cacheDir)
    {
        if (SeccompProgram.Compile(seccomp) is not { } program) return null;
        if (program.HasNotify && !SeccompFilter.NotifySupported)
            throw new BerthException(ErrorKind.FailedPrecondition, $"seccomp: SCMP_ACT_NOTIFY needs user notification, which this kernel or libseccomp {SeccompFilter.LibraryVersion} lacks");
        uint flags = KernelFlags(program);
        byte[] key = KeyOf(program);
        string path = Path.Combine(cacheDir, FileNameOf(key));
        try
        {
            if (CachedBpf(File.ReadAllBytes(path), key) is { } cached) return new CompiledFilter(flags, cached);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        byte[] bpf = SeccompFilter.ExportBpf(program);
        try
        {
            Directory.CreateDirectory(cacheDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var file = new byte[4 + key.Length + bpf.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(file, (uint)key.Length);
            key.CopyTo(file, 4);
            bpf.CopyTo(file, 4 + key.Length);
            AtomicFile.WriteVolatile(path, file);
            Prune(cacheDir, CacheEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a cache only
        return new CompiledFilter(flags, bpf);
    }

    /// <summary>Filters kept: far more distinct profiles than a host runs at once (each file is tens of KB).</summary>
    internal const int CacheEntries = 64;

    /// <summary>
    /// Keeps the <paramref name="keep"/> most recently written filters, and drops temp files a writer that died left.
    /// Run on a miss only, so a hit costs nothing; a profile still in use that goes is built again on its next use.
    /// </summary>
    internal static void Prune(string cacheDir, int keep)
    {
        var filters = new List<FileInfo>();
        foreach (var f in new DirectoryInfo(cacheDir).EnumerateFiles())
        {
            if (f.Name.EndsWith(".bpf", StringComparison.Ordinal)) filters.Add(f);
            else if (f.Name.EndsWith(".tmp", StringComparison.Ordinal) && f.LastWriteTimeUtc < DateTime.UtcNow.AddMinutes(-10)) TryDelete(f);
        }
        if (filters.Count <= keep) return;
        filters.Sort((a, b) => b.LastWriteTimeUtc.CompareTo(a.LastWriteTimeUtc));
        for (int i = keep; i < filters.Count; i++) TryDelete(filters[i]);
    }

    private static void TryDelete(FileInfo f)
    {
        try { f.Delete(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // another runtime may prune too
    }

    public byte[] Encode()
    {
        var wire = new byte[4 + Bpf.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(wire, _flags);
        Bpf.CopyTo(wire, 4);
        return wire;
    }

    public static CompiledFilter Decode(ReadOnlySpan<byte> wire)
    {
        if (wire.Length < 12 || (wire.Length - 4) % 8 != 0)
            throw new BerthException(ErrorKind.Internal, $"seccomp: malformed filter record ({wire.Length} bytes)");
        return new CompiledFilter(BinaryPrimitives.ReadUInt32LittleEndian(wire), wire[4..].ToArray());
    }

    /// <summary>
    /// Loads the filter into the calling thread, as libseccomp's seccomp_load would have with the same attributes.
    /// Returns the listener fd (close-on-exec) when the program notifies, else -1.
    /// </summary>
    public unsafe int Load()
    {
        uint flags = _flags & ~SpecAllowBestEffort;
        bool notify = HasNotify;
        if (notify) flags |= FlagNewListener | ((flags & FlagTsync) != 0 ? FlagTsyncEsrch : 0);
        fixed (byte* filter = Bpf)
        {
            SockFprog prog = new() { Len = (ushort)(Bpf.Length / 8), Filter = filter };
            long rc = Libc.Syscall(Libc.SYS_seccomp, Libc.SECCOMP_SET_MODE_FILTER, flags, (nint)(&prog));
            if (rc < 0 && Check.LastErrno == Errnos.EINVAL && (_flags & SpecAllowBestEffort) != 0)
                rc = Libc.Syscall(Libc.SYS_seccomp, Libc.SECCOMP_SET_MODE_FILTER, flags & ~FlagSpecAllow, (nint)(&prog));
            if (rc < 0)
            {
                int errno = Check.LastErrno;
                string hint = errno == Errnos.EACCES ? " (without no_new_privs, loading a filter needs CAP_SYS_ADMIN)" : "";
                throw new BerthException(ErrorKind.Internal, $"seccomp: loading the filter into the kernel: {ErrnoException.Describe(errno)}{hint}");
            }
            return notify ? (int)rc : -1;
        }
    }

    private struct SockFprog
    {
        public ushort Len;
        public unsafe byte* Filter;
    }

    private static uint KernelFlags(SeccompProgram program)
    {
        uint flags = program.SpecAllowIfSupported ? FlagSpecAllow | SpecAllowBestEffort : 0;
        foreach (string flag in program.Flags)
            flags |= flag switch
            {
                SeccompTables.FlagTsync => FlagTsync,
                SeccompTables.FlagLog => FlagLog,
                SeccompTables.FlagSpecAllow => FlagSpecAllow,
                SeccompTables.FlagWaitKillableRecv => FlagWaitKillableRecv,
                _ => 0,
            };
        return flags;
    }

    /// <summary>
    /// A cache file: u32 key length, the key, then the program. Its program is used only when its key is this
    /// profile's: the name is a short hash, and two keys that share it only cost a rebuild.
    /// </summary>
    private static byte[]? CachedBpf(byte[] file, byte[] key)
    {
        if (file.Length < 4) return null;
        long keyLength = BinaryPrimitives.ReadUInt32LittleEndian(file);
        if (keyLength != key.Length || 4 + keyLength > file.Length || !file.AsSpan(4, key.Length).SequenceEqual(key)) return null;
        byte[] bpf = file[(4 + key.Length)..];
        return bpf.Length > 0 && bpf.Length % 8 == 0 ? bpf : null;
    }

    /// <summary>
    /// The cache file's name: a 64-bit FNV-1a hash of the key. Not SHA-256, which .NET computes here through OpenSSL:
    /// loading and initialising it took about 1 ms of every run and exec with a seccomp profile.
    /// </summary>
    internal static string FileNameOf(byte[] key)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in key) hash = (hash ^ b) * 1099511628211UL;
        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + ".bpf";
    }

    /// <summary>What the built program depends on: the profile as translated, libseccomp's version and the kernel.</summary>
    internal static byte[] KeyOf(SeccompProgram program)
    {
        var text = new StringBuilder();
        text.Append(SeccompFilter.LibraryVersion).Append('\n').Append(Environment.OSVersion.VersionString).Append('\n');
        text.Append(program.DefaultAction).Append('\n');
        foreach (var (name, token) in program.Architectures) text.Append(name).Append(' ').Append(token).Append('\n');
        foreach (string flag in program.Flags) text.Append(flag).Append('\n');
        text.Append(program.SpecAllowIfSupported).Append('\n');
        foreach (var rule in program.Rules)
        {
            text.Append(rule.Syscall).Append(' ').Append(rule.Action);
            foreach (var c in rule.Conditions) text.Append(' ').Append(c.Index).Append(':').Append(c.Op).Append(':').Append(c.DatumA).Append(':').Append(c.DatumB);
            text.Append('\n');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
