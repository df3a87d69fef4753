using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>
/// Filters built by the real libseccomp and exported as BPF, never loaded: a filter loaded here
/// would confine the test process. Loading is tested in containers by the integration tests.
/// </summary>
public sealed class SeccompFilterTests
{
    private static LinuxSyscall Rule(string action, params string[] names) => new() { Names = [.. names], Action = action };

    private static LinuxSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static LinuxSeccomp Small(params LinuxSyscall[] extra) => new()
    {
        DefaultAction = "SCMP_ACT_ERRNO",
        Syscalls = [Rule("SCMP_ACT_ALLOW", "read", "write", "exit_group"), .. extra],
    };

    /// <summary>Shaped like moby's default profile: a long allowlist plus the argument rules (see SECURITY-CASES 4.2).</summary>
    internal static LinuxSeccomp MobyLike()
    {
        var socket = Rule("SCMP_ACT_ALLOW", "socket");
        socket.Args = [Arg(0, "SCMP_CMP_LT", 38), Arg(0, "SCMP_CMP_EQ", 39), Arg(0, "SCMP_CMP_GT", 40)];
        var personality = Rule("SCMP_ACT_ALLOW", "personality");
        personality.Args = [Arg(0, "SCMP_CMP_EQ", 0), Arg(0, "SCMP_CMP_EQ", 8), Arg(0, "SCMP_CMP_EQ", 0x20000), Arg(0, "SCMP_CMP_EQ", 0xffffffff)];
        var clone = Rule("SCMP_ACT_ALLOW", "clone");
        clone.Args = [Arg(0, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0)];
        return new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            DefaultErrnoRet = 1,
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Syscalls =
            [
                Rule("SCMP_ACT_ALLOW",
                    "accept", "accept4", "access", "arch_prctl", "bind", "brk", "capget", "capset", "chdir", "chmod", "chown",
                    "clock_gettime", "close", "close_range", "connect", "dup", "dup2", "dup3", "epoll_create1", "epoll_ctl",
                    "epoll_pwait", "execve", "execveat", "exit", "exit_group", "faccessat2", "fchdir", "fcntl", "fstat",
                    "futex", "getcwd", "getdents64", "getpid", "getppid", "getuid", "ioctl", "kill", "lseek", "madvise",
                    "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat", "openat2", "pipe2", "poll", "prctl",
                    "pread64", "read", "readlink", "recvfrom", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sendto",
                    "set_robust_list", "set_tid_address", "setgroups", "setresgid", "setresuid", "sigaltstack", "socketcall",
                    "statx", "uname", "wait4", "write", "writev",
                    "berth_future_syscall_not_in_any_kernel"),
                socket,
                personality,
                clone,
                new LinuxSyscall { Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 38 },
                Rule("SCMP_ACT_ALLOW", "modify_ldt"), // x86 only: a pseudo syscall on x86_64
            ],
        };
    }

    [LibseccompFact]
    public void Export_ProducesWholeBpfInstructions()
    {
        byte[] bpf = SeccompFilter.ExportBpf(Small());
        Assert.NotEmpty(bpf);
        Assert.Equal(0, bpf.Length % 8); // struct sock_filter { u16 code; u8 jt, jf; u32 k; }
    }

    [LibseccompFact]
    public void Export_IsDeterministic() =>
        Assert.Equal(SeccompFilter.ExportBpf(MobyLike()), SeccompFilter.ExportBpf(MobyLike()));

    [LibseccompFact]
    public void Export_ChangesWhenRulesChange()
    {
        byte[] baseline = SeccompFilter.ExportBpf(Small());

        byte[] moreRules = SeccompFilter.ExportBpf(Small(Rule("SCMP_ACT_ALLOW", "openat")));
        Assert.NotEqual(baseline, moreRules);

        var mkdirEperm = new LinuxSyscall { Names = ["mkdirat"], Action = "SCMP_ACT_KILL_PROCESS" };
        var mkdirEnoent = new LinuxSyscall { Names = ["mkdirat"], Action = "SCMP_ACT_TRAP" };
        Assert.NotEqual(SeccompFilter.ExportBpf(Small(mkdirEperm)), SeccompFilter.ExportBpf(Small(mkdirEnoent)));

        var openat1 = Rule("SCMP_ACT_ALLOW", "openat");
        openat1.Args = [Arg(2, "SCMP_CMP_MASKED_EQ", 3, 0)];
        var openat2 = Rule("SCMP_ACT_ALLOW", "openat");
        openat2.Args = [Arg(2, "SCMP_CMP_MASKED_EQ", 3, 1)];
        Assert.NotEqual(SeccompFilter.ExportBpf(Small(openat1)), SeccompFilter.ExportBpf(Small(openat2)));

        var errno1 = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO", DefaultErrnoRet = 1, Syscalls = Small().Syscalls };
        var errno38 = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO", DefaultErrnoRet = 38, Syscalls = Small().Syscalls };
        Assert.NotEqual(SeccompFilter.ExportBpf(errno1), SeccompFilter.ExportBpf(errno38));
    }

    [LibseccompFact]
    public void UnknownSyscall_IsSkipped()
    {
        byte[] without = SeccompFilter.ExportBpf(Small());
        byte[] with = SeccompFilter.ExportBpf(Small(Rule("SCMP_ACT_ALLOW", "berth_future_syscall_not_in_any_kernel")));
        Assert.Equal(without, with);
    }

    [LibseccompFact]
    public void ExtraArchitectures_AddCode()
    {
        var s = Small();
        s.Architectures = ["SCMP_ARCH_X86", "SCMP_ARCH_X32"];
        Assert.True(SeccompFilter.ExportBpf(s).Length > SeccompFilter.ExportBpf(Small()).Length);
    }

    [LibseccompFact]
    public void NativeArchitectureListedAgain_IsFine()
    {
        var s = Small();
        s.Architectures = [NativeArch()];
        Assert.Equal(SeccompFilter.ExportBpf(Small()), SeccompFilter.ExportBpf(s));
    }

    [LibseccompFact]
    public void MobyLikeProfile_IsAcceptedByLibseccomp()
    {
        // Same-index conditions (socket, personality) are split; 32+ rules turn on the binary tree.
        byte[] bpf = SeccompFilter.ExportBpf(MobyLike());
        Assert.True(bpf.Length > 64 * 8);
    }

    [LibseccompFact]
    public void ArchitectureThisLibseccompLacks_IsAClearError()
    {
        var s = Small();
        s.Architectures = ["SCMP_ARCH_LOONGARCH64"];
        if (SeccompFilter.SupportedArchitectures.Contains("SCMP_ARCH_LOONGARCH64"))
        {
            Assert.NotEmpty(SeccompFilter.ExportBpf(s));
            return;
        }
        var e = Assert.Throws<BerthException>(() => SeccompFilter.ExportBpf(s));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal($"seccomp: architecture SCMP_ARCH_LOONGARCH64 is not supported by libseccomp {SeccompFilter.LibraryVersion}", e.Message);
    }

    [LibseccompFact]
    public void Flags_SupportedOnesAreAccepted_OthersAreClearErrors()
    {
        foreach (string flag in SeccompTables.Flags)
        {
            var s = Small();
            s.Flags = [flag];
            if (SeccompFilter.SupportedFlags.Contains(flag))
                Assert.NotEmpty(SeccompFilter.ExportBpf(s));
            else
            {
                var e = Assert.Throws<BerthException>(() => SeccompFilter.ExportBpf(s));
                Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
                Assert.StartsWith($"seccomp: flag {flag} is not supported by", e.Message);
            }
        }
    }

    [LibseccompFact]
    public void WaitKillableRecv_NeedsLibseccomp26()
    {
        if (!SeccompFilter.LibraryVersion!.StartsWith("2.5.", StringComparison.Ordinal)) return;
        var s = Small();
        s.Flags = [SeccompTables.FlagWaitKillableRecv];
        var e = Assert.Throws<BerthException>(() => SeccompFilter.ExportBpf(s));
        Assert.Contains("it needs 2.6.0 or later", e.Message);
    }

    [LibseccompFact]
    public void Features_ReportWhatIsSupported()
    {
        SeccompFeatures f = SeccompFilter.Features();
        Assert.True(f.Enabled);
        Assert.Equal(SeccompFilter.NotifySupported, f.Actions!.Contains("SCMP_ACT_NOTIFY"));
        Assert.True(SeccompFilter.NotifySupported, "this build host's kernel and libseccomp have user notification");
        Assert.Contains("SCMP_ACT_KILL_PROCESS", f.Actions!);
        Assert.Equal(7, f.Operators!.Count);
        Assert.Contains(NativeArch(), f.Archs!);
        Assert.Equal(SeccompTables.Flags, f.KnownFlags);
        Assert.Contains(SeccompTables.FlagTsync, f.SupportedFlags!);
        Assert.All(f.SupportedFlags!, flag => Assert.Contains(flag, f.KnownFlags!));
    }

    [LibseccompFact]
    public void Compiled_DisabledSeccomp_IsNoFilter()
    {
        using var cache = new TempDir();
        Assert.Null(CompiledFilter.For(new LinuxSeccomp(), cache.Path));
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [LibseccompFact]
    public void Compiled_InvalidProfile_FailsAndCachesNothing()
    {
        using var cache = new TempDir();
        var e = Assert.Throws<BerthException>(() => CompiledFilter.For(
            new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [Rule("SCMP_ACT_NOTIFY", "mount")] }, cache.Path));
        Assert.StartsWith("linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set", e.Message);
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [LibseccompFact]
    public void Compiled_IsLibseccompsProgram_CachedOnce_AndTravelsWhole()
    {
        using var cache = new TempDir();
        var first = CompiledFilter.For(MobyLike(), cache.Path)!;
        Assert.Equal(SeccompFilter.ExportBpf(MobyLike()), first.Bpf);
        string file = Assert.Single(Directory.GetFiles(cache.Path));
        Assert.True(File.ReadAllBytes(file).AsSpan().EndsWith(first.Bpf)); // after the key it was built for
        // The cached copy is what a second container gets, untouched by a rebuild.
        File.SetLastWriteTimeUtc(file, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var second = CompiledFilter.For(MobyLike(), cache.Path)!;
        Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(file));
        Assert.Equal(first.Bpf, CompiledFilter.Decode(second.Encode()).Bpf);
        Assert.False(first.HasNotify);
    }

    /// <summary>Cache files are named by a short hash: one that holds another key, even one byte off, is never used.</summary>
    [LibseccompFact]
    public void Compiled_CacheFileOfAnotherKey_IsRebuiltNotUsed()
    {
        using var cache = new TempDir();
        var (built, file, bytes) = BuiltAndCached(cache);
        int keyLength = BitConverter.ToInt32(bytes, 0);
        byte[] key = bytes[4..(4 + keyLength)];
        key[^1] ^= 1;
        // As if another profile's key of the same length hashed to this name: its (here: Small's) program, whole.
        byte[] other = SeccompFilter.ExportBpf(Small());
        File.WriteAllBytes(file, [.. BitConverter.GetBytes(keyLength), .. key, .. BitConverter.GetBytes(CompiledFilter.Fnv1a(other)), .. other]);
        var again = CompiledFilter.For(MobyLike(), cache.Path)!;
        Assert.Equal(built.Bpf, again.Bpf);
        Assert.True(File.ReadAllBytes(file).AsSpan().EndsWith(built.Bpf)); // and the file is this profile's again
    }

    /// <summary>Written without fsync: a file a crash cut short or zeroed is rebuilt, not loaded.</summary>
    [LibseccompFact]
    public void Compiled_DamagedCacheFile_IsRebuiltNotUsed()
    {
        using var cache = new TempDir();
        var (built, file, bytes) = BuiltAndCached(cache);
        foreach (byte[] damaged in new[] { bytes[..(bytes.Length - 8)], [.. bytes[..(bytes.Length - 8)], .. new byte[8]] })
        {
            File.WriteAllBytes(file, damaged);
            Assert.Equal(built.Bpf, CompiledFilter.For(MobyLike(), cache.Path)!.Bpf);
            Assert.Equal(bytes, File.ReadAllBytes(file));
        }
    }

    /// <summary>Keys are length-prefixed: rule strings that would read alike when joined make different keys.</summary>
    [Fact]
    public void Key_OfRulesThatReadAlikeJoined_Differ()
    {
        var two = SeccompProgram.Compile(new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [Rule("SCMP_ACT_ERRNO", "mount"), Rule("SCMP_ACT_ERRNO", "umount2")] })!;
        var oneRule = two.Rules[0];
        var crafted = SeccompProgram.Compile(new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [Rule("SCMP_ACT_ERRNO", $"mount {oneRule.Action}\numount2")],
        })!;
        Assert.NotEqual(CompiledFilter.KeyOf(two), CompiledFilter.KeyOf(crafted));
    }

    [LibseccompFact]
    public void Compiled_ProfilesThatDiffer_AreCachedApart()
    {
        using var cache = new TempDir();
        CompiledFilter.For(Small(), cache.Path);
        CompiledFilter.For(MobyLike(), cache.Path);
        Assert.Equal(2, Directory.GetFiles(cache.Path).Length);
    }

    [Fact]
    public void Cache_KeepsTheNewestFilters_AndDropsDeadWritersTempFiles()
    {
        using var cache = new TempDir();
        var now = DateTime.UtcNow;
        for (int i = 0; i < 10; i++)
        {
            string f = System.IO.Path.Combine(cache.Path, $"{i:x64}.bpf");
            File.WriteAllBytes(f, new byte[8]);
            File.SetLastWriteTimeUtc(f, now.AddMinutes(-i)); // 0 is the newest
        }
        string oldTemp = System.IO.Path.Combine(cache.Path, ".x.bpf.1234.tmp"), newTemp = System.IO.Path.Combine(cache.Path, ".y.bpf.5678.tmp");
        File.WriteAllText(oldTemp, "");
        File.SetLastWriteTimeUtc(oldTemp, now.AddHours(-1));
        File.WriteAllText(newTemp, ""); // a writer at work

        CompiledFilter.Prune(cache.Path, keep: 4);

        string[] left = [.. Directory.GetFiles(cache.Path).Select(System.IO.Path.GetFileName).Order()!];
        Assert.Equal([".y.bpf.5678.tmp", .. Enumerable.Range(0, 4).Select(i => $"{i:x64}.bpf")], left);
    }

    [LibseccompFact]
    public void Compiled_NotifyRule_MakesALoadAskForAListener()
    {
        using var cache = new TempDir();
        var filter = CompiledFilter.For(new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            ListenerPath = "/run/agent.sock",
            Syscalls = [Rule("SCMP_ACT_NOTIFY", "mount")],
        }, cache.Path)!;
        Assert.True(filter.HasNotify);
    }

    [Fact]
    public void Compiled_MalformedRecord_IsRefused() =>
        Assert.Throws<BerthException>(() => CompiledFilter.Decode(new byte[4 + 7]));

    /// <summary>MobyLike built into an empty cache: the filter, its one cache file, and that file's bytes.</summary>
    private static (CompiledFilter Built, string File, byte[] Bytes) BuiltAndCached(TempDir cache)
    {
        var built = CompiledFilter.For(MobyLike(), cache.Path)!;
        string file = Assert.Single(Directory.GetFiles(cache.Path));
        return (built, file, File.ReadAllBytes(file));
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("berth-seccomp-cache-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    [LibseccompFact]
    public void Export_OfDisabledSeccomp_IsAnError() =>
        Assert.Throws<BerthException>(() => SeccompFilter.ExportBpf(new LinuxSeccomp()));

    private static string NativeArch() => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "SCMP_ARCH_X86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "SCMP_ARCH_AARCH64",
        System.Runtime.InteropServices.Architecture.RiscV64 => "SCMP_ARCH_RISCV64",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "SCMP_ARCH_LOONGARCH64",
        System.Runtime.InteropServices.Architecture.S390x => "SCMP_ARCH_S390X",
        System.Runtime.InteropServices.Architecture.Ppc64le => "SCMP_ARCH_PPC64LE",
        var a => throw new PlatformNotSupportedException(a.ToString()),
    };
}
