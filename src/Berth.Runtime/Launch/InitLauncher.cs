using System.Runtime.InteropServices;
using System.Text;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Launch;

/// <summary>What the runtime asks the C stage to do before .NET starts in the container.</summary>
internal sealed class Bootstrap
{
    public uint CloneFlags;
    public List<(uint Flag, string Path)> Join { get; } = [];
    /// <summary>The container's cgroup, joined by the C stage itself before any namespace (see CgroupEntry).</summary>
    public List<Berth.Cgroups.CgroupEntry> Cgroups { get; } = [];
    /// <summary>
    /// exec: the C stage only opens the v1 tasks files, and the exec'd thread joins them just before execve; a
    /// v2 directory the process cannot be born in (clone3 refused) is joined the same way, through cgroup.procs.
    /// </summary>
    public bool JoinCgroupsAtExec;
    public string? UidMap, GidMap, OomScoreAdj;
    public bool SetgroupsDeny;

    public const uint CLONE_NEWNS = 0x00020000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
        CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000,
        CLONE_NEWTIME = 0x00000080;

    /// <summary>BootCgroup flags, as native/nsexec.c.</summary>
    private const uint CgroupV2 = 1, CgroupBestEffort = 2, CgroupAtExec = 4;

    public static uint FlagOf(string type) => type switch
    {
        NamespaceTypes.Pid => CLONE_NEWPID,
        NamespaceTypes.Network => CLONE_NEWNET,
        NamespaceTypes.Mount => CLONE_NEWNS,
        NamespaceTypes.Ipc => CLONE_NEWIPC,
        NamespaceTypes.Uts => CLONE_NEWUTS,
        NamespaceTypes.User => CLONE_NEWUSER,
        NamespaceTypes.Cgroup => CLONE_NEWCGROUP,
        NamespaceTypes.Time => CLONE_NEWTIME,
        _ => throw new BerthException(ErrorKind.InvalidArgument, $"unknown namespace type \"{type}\""),
    };

    public static Bootstrap FromSpec(RuntimeSpec spec)
    {
        var b = new Bootstrap();
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            uint flag = FlagOf(ns.Type);
            if (string.IsNullOrEmpty(ns.Path)) b.CloneFlags |= flag;
            else b.Join.Add((flag, ns.Path));
        }
        if ((b.CloneFlags & CLONE_NEWUSER) != 0)
        {
            b.UidMap = FormatMap(spec.Linux?.UIDMappings);
            b.GidMap = FormatMap(spec.Linux?.GIDMappings);
            // An unprivileged user may only write gid_map after giving up setgroups(2) in the namespace.
            b.SetgroupsDeny = Libc.Geteuid() != 0;
        }
        if (spec.Process?.OOMScoreAdj is int adj) b.OomScoreAdj = adj.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return b;
    }

    private static string? FormatMap(List<LinuxIdMapping>? maps) =>
        maps is null or { Count: 0 } ? null : string.Concat(maps.Select(m => $"{m.ContainerID} {m.HostID} {m.Size}\n"));

    public void SendTo(InitChannel ch)
    {
        Span<byte> u32 = stackalloc byte[4];
        BitConverter.TryWriteBytes(u32, CloneFlags);
        ch.Send(InitChannel.BootCloneFlags, u32);
        foreach (var (flag, path) in Join)
        {
            var rec = new byte[4 + Encoding.UTF8.GetByteCount(path)];
            BitConverter.TryWriteBytes(rec, flag);
            Encoding.UTF8.GetBytes(path, rec.AsSpan(4));
            ch.Send(InitChannel.BootNsPath, rec);
        }
        if (UidMap is not null) ch.Send(InitChannel.BootUidMap, UidMap);
        if (GidMap is not null) ch.Send(InitChannel.BootGidMap, GidMap);
        if (SetgroupsDeny) ch.Send(InitChannel.BootSetgroupsDeny, []);
        if (OomScoreAdj is not null) ch.Send(InitChannel.BootOomScoreAdj, OomScoreAdj);
        foreach (var entry in Cgroups)
        {
            var rec = new byte[4 + Encoding.UTF8.GetByteCount(entry.Path)];
            BitConverter.TryWriteBytes(rec, (entry.IsV2 ? CgroupV2 : 0u) | (JoinCgroupsAtExec ? CgroupAtExec : 0u) | (entry.BestEffort ? CgroupBestEffort : 0u));
            Encoding.UTF8.GetBytes(entry.Path, rec.AsSpan(4));
            ch.Send(InitChannel.BootCgroup, rec);
        }
        ch.Send(InitChannel.BootEnd, []);
    }
}

/// <summary>
/// Starts "berth-runtime init" (for create and for exec) from the sealed binary with posix_spawn, hands it its fds,
/// sends the bootstrap (with which it joins the container's cgroup, or opens it for exec, then its namespaces), and returns
/// the pid of the process that now lives inside the namespaces.
/// </summary>
internal static unsafe class InitLauncher
{
    public sealed class Fds
    {
        public int PreserveFds;
        public int FifoFd = -1;      // O_PATH exec fifo (init only)
        public int ConsoleFd = -1;   // connected console socket, when a terminal is wanted
    }

    public sealed record Started(int Pid, InitChannel Channel);

    /// <summary>Stage 0, spawned and waiting for its bootstrap: the binary loads while the caller prepares it.</summary>
    public sealed class Spawned(int pid, InitChannel channel)
    {
        /// <summary>
        /// The init config goes right behind the bootstrap: the C stage reads only up to BootEnd, so the config
        /// waits in the socket for .NET to start in the container, with no round trip.
        /// </summary>
        public Started Bootstrap(Bootstrap bootstrap, byte[] config, byte[] spec, byte[]? execProcess)
        {
            try
            {
                bootstrap.SendTo(channel);
                channel.Send(InitChannel.Config, config);
                channel.Send(InitChannel.Spec, spec);
                if (execProcess is not null) channel.Send(InitChannel.ExecProcess, execProcess);
                int stage1 = channel.ReceiveCredentials(InitChannel.Stage1);
                int containerPid = channel.ReceiveCredentials(InitChannel.Ready);
                // Stages 0 and 1 are our children (CLONE_PARENT): reap both, so that no zombie is left
                // counted against the container's pids limit.
                Reap(pid);
                Reap(stage1);
                return new Started(containerPid, channel);
            }
            catch
            {
                Abandon();
                throw;
            }
        }

        private bool _abandoned;

        /// <summary>
        /// Kills and reaps stage 0. Idempotent. A stage 1 or 2 it already cloned reports its own failure and exits
        /// (its channel is gone); it is left to the runtime's exit to reap.
        /// </summary>
        public void Abandon()
        {
            if (_abandoned) return;
            _abandoned = true;
            channel.Dispose();
            Libc.Kill(pid, Libc.SIGKILL);
            Reap(pid);
        }

        private static void Reap(int pid)
        {
            int status;
            while (Libc.Waitpid(pid, &status, 0) < 0 && Check.LastErrno == Errnos.EINTR) { }
        }
    }

    public static Spawned Spawn(string mode, Fds fds)
    {
        using SafeFd exe = SealedExe.Open();
        int* pair = stackalloc int[2];
        Check.Io(Libc.Socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, pair), "socketpair");
        var channel = new InitChannel(pair[0]);
        int childEnd = pair[1];
        try
        {
            channel.EnablePassCred();
            // Internal fds go right after the preserved ones (3 .. 3+N-1 belong to the container).
            int next = 3 + fds.PreserveFds;
            const int MaxPassed = 3;
            var moves = new List<(int From, int To)>();
            var env = new List<string>();
            void Pass(string name, int fd)
            {
                // Park it above the target numbers so that the dup2 chain cannot clobber a source. Not far
                // above: growing the fd table of a multithreaded process waits for an RCU grace period.
                int parked = Check.Io(Libc.Fcntl(fd, Libc.F_DUPFD_CLOEXEC, 3 + fds.PreserveFds + MaxPassed), "dup", name);
                moves.Add((parked, next));
                env.Add($"{name}={next}");
                next++;
            }
            Pass("_BERTH_INITPIPE", childEnd);
            if (fds.FifoFd >= 0) Pass("_BERTH_FIFOFD", fds.FifoFd);
            if (fds.ConsoleFd >= 0) Pass("_BERTH_CONSOLE", fds.ConsoleFd);
            env.Add($"_BERTH_PRESERVE_FDS={fds.PreserveFds}");

            PhaseTrace.Mark("launch: sealed exe ready");
            // CVE-2024-21626: an fd the caller leaked to us (a host directory, say) must never reach the
            // container; only the preserved ones do. Ours are close-on-exec already.
            Check.Io(Libc.CloseRange((uint)(3 + fds.PreserveFds), uint.MaxValue, Libc.CLOSE_RANGE_CLOEXEC), "close_range");
            if (PhaseTrace.Enabled) env.Add($"_{PhaseTrace.EnvVar}=1");
            // The dup2 chain fills 3 onwards before the exec through /proc/self/fd: the exe must sit above it too.
            int exeFd = Check.Io(Libc.Fcntl(exe.Value, Libc.F_DUPFD_CLOEXEC, 3 + fds.PreserveFds + MaxPassed), "dup", "sealed exe");
            int pid;
            try { pid = Spawn($"/proc/self/fd/{exeFd}", ["berth-runtime", mode], env, moves); }
            finally
            {
                foreach (var (from, _) in moves) Libc.Close(from);
                Libc.Close(exeFd);
            }
            Libc.Close(childEnd);
            childEnd = -1;

            PhaseTrace.Mark("launch: spawned");
            return new Spawned(pid, channel);
        }
        catch
        {
            if (childEnd >= 0) Libc.Close(childEnd);
            channel.Dispose();
            throw;
        }
    }

    /// <summary>posix_spawn with dup2 actions, all signals reset to default and none blocked.</summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, IReadOnlyList<(int From, int To)> moves, string? cwd = null)
    {
        byte* actions = stackalloc byte[Libc.SpawnStructSize];
        byte* attr = stackalloc byte[Libc.SpawnStructSize];
        Libc.PosixSpawnFileActionsInit(actions);
        Libc.PosixSpawnAttrInit(attr);
        var strings = new List<nint>();
        try
        {
            foreach (var (from, to) in moves) Libc.PosixSpawnFileActionsAddDup2(actions, from, to);
            if (cwd is not null) Libc.PosixSpawnFileActionsAddChdir(actions, cwd);
            // .NET ignores SIGPIPE; an ignored disposition would survive exec into the container.
            ulong all = ulong.MaxValue, none = 0;
            Libc.PosixSpawnAttrSetSigDefault(attr, &all);
            Libc.PosixSpawnAttrSetSigMask(attr, &none);
            Libc.PosixSpawnAttrSetFlags(attr, (short)(Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK));

            byte* p = Utf8(path, strings);
            byte** av = NullTerminated(argv, strings);
            byte** ev = NullTerminated(env, strings);
            int pid;
            int rc = Libc.PosixSpawn(&pid, p, actions, attr, av, ev);
            if (rc != 0) throw new ErrnoException("posix_spawn", rc, path);
            return pid;
        }
        finally
        {
            Libc.PosixSpawnFileActionsDestroy(actions);
            Libc.PosixSpawnAttrDestroy(attr);
            foreach (var s in strings) NativeMemory.Free((void*)s);
        }
    }

    internal static byte* Utf8(string s, List<nint> owned)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        owned.Add((nint)p);
        return p;
    }

    internal static byte** NullTerminated(IReadOnlyList<string> items, List<nint> owned)
    {
        byte** arr = (byte**)NativeMemory.Alloc((nuint)(items.Count + 1), (nuint)sizeof(nint));
        owned.Add((nint)arr);
        for (int i = 0; i < items.Count; i++) arr[i] = Utf8(items[i], owned);
        arr[items.Count] = null;
        return arr;
    }
}
