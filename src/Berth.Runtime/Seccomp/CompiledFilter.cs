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
            var file = new byte[4 + key.Length + 8 + bpf.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(file, (uint)key.Length);
            key.CopyTo(file, 4);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(4 + key.Length), Fnv1a(bpf));
            bpf.CopyTo(file, 4 + key.Length + 8);
            AtomicFile.WriteVolatile(path, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a cache only
        try { Prune(cacheDir, CacheEntries); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // also when the write failed (a full disk)
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
    /// A cache file: u32 key length, the key, the program's FNV-1a hash (u64), then the program. Its program is
    /// used only when its key is this profile's (the name is a short hash: two keys that share it only cost a
    /// rebuild) and its hash matches (the file is written without fsync: after a crash it may be cut short or
    /// hold zeros, and a hit would never repair it).
    /// </summary>
    private static byte[]? CachedBpf(byte[] file, byte[] key)
    {
        if (file.Length < 4) return null;
        long keyLength = BinaryPrimitives.ReadUInt32LittleEndian(file);
        if (keyLength != key.Length || 4 + keyLength + 8 > file.Length || !file.AsSpan(4, key.Length).SequenceEqual(key)) return null;
        ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(4 + key.Length));
        byte[] bpf = file[(4 + key.Length + 8)..];
        return bpf.Length > 0 && bpf.Length % 8 == 0 && Fnv1a(bpf) == hash ? bpf : null;
    }

    /// <summary>
    /// The cache file's name: a 64-bit FNV-1a hash of the key. Not SHA-256, which .NET computes here through OpenSSL:
    /// loading and initialising it took about 2.5 ms of every exec with a seccomp profile.
    /// </summary>
    internal static string FileNameOf(byte[] key) =>
        Fnv1a(key).ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + ".bpf";

    internal static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in data) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    /// <summary>How cache files are built; a change to what goes into a program (or to this format) bumps it.</summary>
    private const string CacheFormat = "berth seccomp cache 2";

    /// <summary>
    /// What the built program depends on: this runtime's way of building it, the profile as translated, libseccomp's
    /// version and the kernel. Every field is length-prefixed, so no two profiles share a key however their
    /// strings read (a syscall name holding a space or a newline, say).
    /// </summary>
    internal static byte[] KeyOf(SeccompProgram program)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8))
        {
            void Field(object? value) => w.Write(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
            Field(CacheFormat);
            Field(SeccompFilter.LibraryVersion);
            Field(Environment.OSVersion.VersionString);
            Field(program.DefaultAction);
            w.Write(program.Architectures.Count);
            foreach (var (name, token) in program.Architectures) { Field(name); Field(token); }
            w.Write(program.Flags.Count);
            foreach (string flag in program.Flags) Field(flag);
            Field(program.SpecAllowIfSupported);
            w.Write(program.Rules.Count);
            foreach (var rule in program.Rules)
            {
                Field(rule.Syscall);
                Field(rule.Action);
                w.Write(rule.Conditions.Count);
                foreach (var c in rule.Conditions) { Field(c.Index); Field(c.Op); Field(c.DatumA); Field(c.DatumB); }
            }
        }
        return ms.ToArray();
    }
}
