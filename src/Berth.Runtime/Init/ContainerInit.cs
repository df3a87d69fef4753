using System.Text.Json;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;
using Berth.Runtime.Hooks;
using Berth.Runtime.Launch;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Init;

/// <summary>
/// The container's init, running in C# inside the namespaces the C stage made. Builds the rootfs,
/// confines itself, reports "created", waits on the exec fifo (not for run), then execs the user process.
/// </summary>
internal static class ContainerInit
{
    public static int Run()
    {
        PhaseTrace.Mark("init: .NET started");
        var channel = new InitChannel(EnvFd("_BERTH_INITPIPE"));
        Libc.Fcntl(channel.Fd, Libc.F_SETFD, Libc.FD_CLOEXEC); // dup2 cleared it; it must close at execve
        try
        {
            var config = InitConfigJson.Read(channel.Expect(InitChannel.Config));
            var spec = OciJson.ReadSpec(channel.Expect(InitChannel.Spec), "config.json");
            if (config.IsExec)
            {
                byte[] execProcess = channel.Expect(InitChannel.ExecProcess);
                spec.Process = config.ExecProcessIsFull ? OciJson.ReadProcess(execProcess, "process.json")
                    : Operations.ExecOverrides.FromJson(execProcess).ApplyTo(spec.Process!);
            }
            string hookState = config.WantsHookState ? System.Text.Encoding.UTF8.GetString(channel.Expect(InitChannel.HookState)) : "";
            var process = spec.Process!;
            bool userns = spec.Linux?.Namespaces?.Any(n => n.Type == NamespaceTypes.User) == true;

            if (!config.IsExec)
            {
                PhaseTrace.Mark("init: config received");
                if (!config.NoNewKeyring) ProcessAttributes.JoinNewSessionKeyring(config.Id);
                PrepareRootfs(config, spec, userns);
                PhaseTrace.Mark("init: mounts and devices done");
                channel.Send(InitChannel.RunHooks, []);
                // The runtime now writes the cgroup limits and runs prestart and createRuntime hooks, which must
                // come before createContainer hooks and the pivot. Without such hooks (and without a console, whose
                // device the v1 device rules briefly deny while they are rewritten), the pivot and the paths go on
                // meanwhile, and "hooks done" is awaited before the process is confined.
                bool hooksFirst = spec.Hooks.HasRuntimeCreateHooks() || spec.Hooks?.CreateContainer is { Count: > 0 } || process.Terminal;
                if (hooksFirst) channel.Expect(InitChannel.HooksDone);
                HookRunner.RunAll(spec.Hooks?.CreateContainer, "createContainer", hookState);
                EnterRootfs(config.Rootfs, config.NoPivot);
                PhaseTrace.Mark("init: pivoted");
                if (spec.Hostname is { Length: > 0 } h) Check.Io(Libc.Sethostname(h, System.Text.Encoding.UTF8.GetByteCount(h)), "sethostname", h);
                if (spec.Domainname is { Length: > 0 } d) Check.Io(Libc.Setdomainname(d, System.Text.Encoding.UTF8.GetByteCount(d)), "setdomainname", d);
                // before readonlyPaths, which usually include /proc/sys
                foreach (var (key, value) in spec.Linux?.Sysctl ?? [])
                    WriteSysctl(key, value);
                if (process.Terminal) ConsoleSetup.Setup(EnvFd("_BERTH_CONSOLE"), process.ConsoleSize, bindConsole: true);
                // runc creates a missing cwd, and must do so before the root may become read-only.
                if (!Directory.Exists(process.Cwd)) Directory.CreateDirectory(process.Cwd);
                FinishRootfs(spec);
                if (!hooksFirst) channel.Expect(InitChannel.HooksDone);
            }
            else if (process.Terminal) ConsoleSetup.Setup(EnvFd("_BERTH_CONSOLE"), process.ConsoleSize, bindConsole: false);

            PhaseTrace.Mark("init: process prepared");
            var exec = ExecProcess.Prepare(process);
            // What runs once the seccomp filter is loaded must not allocate (see DieRaw): prepared now.
            var cgroupTasks = config.IsExec ? LateCgroupFiles() : [];
            int fifo = config.IsExec || config.StartAtOnce ? -1 : EnvFd("_BERTH_FIFOFD");
            string fifoPath = fifo < 0 ? "" : $"/proc/self/fd/{fifo}";
            int firstInternalFd = 3 + EnvInt("_BERTH_PRESERVE_FDS");
            int errorFd = config.IsExec ? channel.Fd : -1;
            ExecProcess.Fatal fatal = what => DieRaw(what, errorFd);
            ProcessAttributes.Apply(process);
            if (!config.IsExec) ProcessAttributes.ApplyPersonality(spec.Linux?.Personality);
            Credentials.ApplyRlimits(process.Rlimits);
            if (process.User.Umask is uint umask) Libc.Umask((int)umask);
            // The runtime built the filter (or found it cached); an empty record: seccomp disabled by the profile.
            byte[]? filterRecord = spec.Linux?.Seccomp is null ? null : channel.Expect(InitChannel.SeccompFilter);
            var seccomp = filterRecord is { Length: > 0 } ? CompiledFilter.Decode(filterRecord) : null;
            // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before the caps go.
            // A notify filter's listener goes to the runtime right after the load, before init makes any other syscall.
            if (seccomp is not null && !process.NoNewPrivileges) SeccompListenerHandOff.Send(channel, seccomp.Load());
            Credentials.ApplyUserAndCapabilities(process.User, process.Capabilities, process.NoNewPrivileges);
            exec.EnterCwd();
            // With no_new_privs, as late as possible but before "created", so a failure still reaches create.
            if (seccomp is not null && process.NoNewPrivileges) SeccompListenerHandOff.Send(channel, seccomp.Load());

            PhaseTrace.Mark("init: confined");
            channel.Send(InitChannel.Created, []);
            // exec: the runtime learns that execve happened when the channel (close-on-exec) closes, or why it
            // failed from an error record.
            if (!config.IsExec) channel.Dispose();
            if (!config.IsExec)
            {
                if (!config.StartAtOnce) WaitForStart(fifo, fifoPath, fatal);
                HookRunner.RunAll(spec.Hooks?.StartContainer, "startContainer", hookState);
            }
            JoinCgroupTasks(cgroupTasks, fatal);
            PhaseTrace.Mark("init: exec");
            exec.Execute(firstInternalFd, errorFd, fatal);
            return 127; // Execute does not return
        }
        catch (Exception e)
        {
            string message = e is BerthException or ErrnoException or IOException or UnauthorizedAccessException
                ? e.Message : $"{e.GetType().Name}: {e.Message}";
            // After "created" the runtime is gone: the container's stderr is the only place left to say why.
            // A raw write and _exit: a seccomp filter may already forbid what Console or a clean exit would do.
            try { channel.Send(InitChannel.Error, message); }
            catch (Exception) { RawStderr($"berth-runtime init: {message}\n"); }
            Libc.Exit(1);
            return 1;
        }
    }

    private static void PrepareRootfs(InitConfig config, RuntimeSpec spec, bool userns)
    {
        string rootfs = config.Rootfs;
        Mounter.Do(null, "/", null, MountOptions.RootPropagation(spec.Linux?.RootfsPropagation), null);
        // A bind of the rootfs onto itself makes it a mount point, which pivot_root requires.
        Mounter.Do(rootfs, rootfs, null, Libc.MS_BIND | Libc.MS_REC, null);
        new Mounter(rootfs, userns).MountAll(spec.Mounts ?? []);
        Devices.Create(rootfs, spec.Linux?.Devices, userns);
    }

    private static void EnterRootfs(string rootfs, bool noPivot)
    {
        Check.Io(Libc.Chdir(rootfs), "chdir", rootfs);
        if (noPivot)
        {
            Mounter.Do(rootfs, "/", null, Libc.MS_MOVE, null);
            Check.Io(Libc.Chroot("."), "chroot", rootfs);
        }
        else
        {
            // pivot_root(".", ".") stacks the old root under the new one; detach it without
            // propagating the unmount back to the host.
            Check.Io(Libc.PivotRoot(".", "."), "pivot_root", rootfs);
            Mounter.Do(null, ".", null, Libc.MS_SLAVE | Libc.MS_REC, null);
            Check.Io(Libc.Umount2(".", Libc.MNT_DETACH), "unmount old root");
        }
        Check.Io(Libc.Chdir("/"), "chdir", "/");
    }

    private static void FinishRootfs(RuntimeSpec spec)
    {
        foreach (string path in spec.Linux?.ReadonlyPaths ?? [])
            Paths.MakeReadonly(path);
        foreach (string path in spec.Linux?.MaskedPaths ?? [])
            Paths.Mask(path);
        if (spec.Root?.Readonly == true)
            Mounter.Do(null, "/", null, Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY | MountInfo.StatFlags("/"), null);
    }

    /// <summary>CVE-2025-52881: the file written must be procfs itself, not whatever was mounted over it.</summary>
    private static unsafe void WriteSysctl(string key, string value)
    {
        string path = "/proc/sys/" + key.Replace('.', '/');
        if (key.Contains("..") || key.Contains('/'))
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid sysctl \"{key}\"");
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd < 0) throw new BerthException(ErrorKind.InvalidArgument, $"sysctl {key}={value}: {ErrnoException.Describe(Check.LastErrno)}");
        try
        {
            if (Libc.FilesystemType(fd) != Libc.PROC_SUPER_MAGIC)
                throw new BerthException(ErrorKind.PermissionDenied, $"sysctl {key}: {path} is not on procfs");
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(value);
            fixed (byte* p = bytes)
                if (Libc.Write(fd, p, bytes.Length) < 0)
                    throw new BerthException(ErrorKind.InvalidArgument, $"sysctl {key}={value}: {ErrnoException.Describe(Check.LastErrno)}");
        }
        finally { Libc.Close(fd); }
    }

    /// <summary>Blocks until start opens the exec fifo's other end, then tells it we are going. Allocates nothing (see DieRaw).</summary>
    private static unsafe void WaitForStart(int fifo, string fifoPath, ExecProcess.Fatal fatal)
    {
        // The fifo was passed as O_PATH; reopening through /proc gives a real write end.
        int fd = Libc.Open(fifoPath, Libc.O_WRONLY | Libc.O_CLOEXEC);
        if (fd < 0) fatal("open exec fifo"u8);
        byte zero = (byte)'0';
        if (Libc.Write(fd, &zero, 1) != 1) fatal("write exec fifo"u8);
        Libc.Close(fd);
        Libc.Close(fifo);
    }

    /// <summary>
    /// Reports a failure after the seccomp filter is loaded and exits, allocating nothing: a filter may deny
    /// what the GC needs to grow its heap (mprotect, madvise), and a managed exception needs the heap. exec:
    /// as an Error record on the channel, which the runtime prints (an end of file would mean execve happened);
    /// otherwise on stderr.
    /// </summary>
    private static unsafe void DieRaw(ReadOnlySpan<byte> what, int channelFd)
    {
        int errno = Check.LastErrno;
        var reason = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(Libc.Strerror(errno));
        Span<byte> message = stackalloc byte[512];
        int n = 0;
        if (channelFd < 0) n = Append(message, n, "berth-runtime init: "u8);
        n = Append(message, n, what);
        n = Append(message, n, ": "u8);
        int reasonAt = n;
        n = Append(message, n, reason);
        // Lower case, as the runtime's other messages (and runc's) are.
        if (n > reasonAt && message[reasonAt] is >= (byte)'A' and <= (byte)'Z') message[reasonAt] += 'a' - 'A';
        if (channelFd >= 0)
        {
            Span<byte> header = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, InitChannel.Error);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)n);
            WriteRaw(channelFd, header);
            WriteRaw(channelFd, message[..n]);
        }
        else
        {
            n = Append(message, n, "\n"u8);
            WriteRaw(2, message[..n]);
        }
        Libc.Exit(1);
    }

    private static int Append(Span<byte> buffer, int used, ReadOnlySpan<byte> part)
    {
        int take = Math.Min(part.Length, buffer.Length - used);
        part[..take].CopyTo(buffer[used..]);
        return used + take;
    }

    private static unsafe void WriteRaw(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) Libc.Write(fd, p, bytes.Length);
    }

    private static unsafe void RawStderr(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes) Libc.Write(2, p, bytes.Length);
    }

    private static int EnvFd(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out int fd) ? fd
        : throw new BerthException(ErrorKind.Internal, $"{name} is not set: init must be started by berth-runtime");

    /// <summary>
    /// exec: this thread moves itself into the container's v1 cgroups ("0" to each tasks file the runtime opened),
    /// which skips the kernel's global attach lock; execve then leaves only this thread. The runtime's other
    /// threads never spend the container's pids budget, and a paused container holds us here, confined.
    /// </summary>
    private static unsafe void JoinCgroupTasks((int Fd, bool BestEffort)[] files, ExecProcess.Fatal fatal)
    {
        byte zero = (byte)'0';
        foreach (var (fd, bestEffort) in files)
            if (Libc.Write(fd, &zero, 1) != 1 && !bestEffort) fatal("join cgroup"u8);
    }

    /// <summary>The cgroup files the C stage opened for exec: "5,6,?7", "?" marking a best-effort one.</summary>
    private static (int Fd, bool BestEffort)[] LateCgroupFiles() =>
        Environment.GetEnvironmentVariable("_BERTH_CGROUP_TASKS") is { Length: > 0 } list
            ? [.. list.Split(',').Select(f => (int.Parse(f.TrimStart('?'), System.Globalization.CultureInfo.InvariantCulture), f.StartsWith('?')))]
            : [];

    private static int EnvInt(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out int n) ? n : 0;
}
