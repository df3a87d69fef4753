using System.Globalization;
using System.Text.Json;
using Berth.Cgroups;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;
using Berth.Runtime.Init;
using Berth.Runtime.Launch;
using Berth.Runtime.Seccomp;
using Berth.Runtime.State;

namespace Berth.Runtime.Operations;

public sealed partial class ContainerRuntime
{
    private static readonly Dictionary<string, string> ProcNsNames = new()
    {
        [NamespaceTypes.Pid] = "pid", [NamespaceTypes.Network] = "net", [NamespaceTypes.Mount] = "mnt",
        [NamespaceTypes.Ipc] = "ipc", [NamespaceTypes.Uts] = "uts", [NamespaceTypes.User] = "user",
        [NamespaceTypes.Cgroup] = "cgroup", [NamespaceTypes.Time] = "time",
    };

    /// <summary>
    /// exec: a new process in every namespace and the cgroup of a running container, with the container's
    /// confinement unless told otherwise. Returns its exit status, or 0 when detached.
    /// </summary>
    public unsafe int Exec(string id, ExecOptions o)
    {
        PhaseTrace.Mark("exec: start");
        // Init is spawned from what the command line says alone: its binary loads while the state and spec
        // are read, and it waits for its bootstrap.
        var fromJson = o.ProcessJson is not null ? OciJson.ReadProcess(o.ProcessJson, "process.json") : null;
        bool terminal = fromJson?.Terminal ?? o.Tty;
        using var proxy = terminal && o.ConsoleSocket is null && !o.Detach ? new TerminalProxy() : null;
        if (!o.Detach) Check.Io(Libc.Prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl PR_SET_CHILD_SUBREAPER");
        int consoleFd = o.ConsoleSocket is null ? -1 : ConsoleSetup.Connect(o.ConsoleSocket);
        InitLauncher.Spawned spawned;
        try { spawned = InitLauncher.Spawn("init", new InitLauncher.Fds { PreserveFds = o.PreserveFds, ConsoleFd = proxy?.TheirEnd ?? consoleFd }); }
        finally
        {
            if (consoleFd >= 0) Libc.Close(consoleFd);
        }

        ContainerRecord r;
        ContainerStatus status;
        RuntimeSpec spec;
        InitLauncher.Started started;
        try
        {
            r = Store.Load(id);
            status = StatusOf(r);
            if (!status.CanExec() && !(status == ContainerStatus.Paused && o.IgnorePaused))
                throw new BerthException(ErrorKind.FailedPrecondition, $"cannot exec in a {status.ToOci()} container");

            byte[] specBytes = Store.LoadSpecBytes(id);
            spec = OciJson.ReadSpec(specBytes, "config.json");
            PhaseTrace.Mark("exec: state and spec loaded");
            // Init gets the container's spec as stored plus either the --process JSON as given or the flags'
            // overrides, and builds the same process as we validate here.
            var overrides = fromJson is null ? ExecOverrides.From(o) : null;
            var process = fromJson ?? overrides!.ApplyTo(spec.Process!);
            SpecValidator.ValidateProcess(process);
            RuntimeSupport.Check(new RuntimeSpec { Process = process });
            if (process.Terminal && o.ConsoleSocket is null && o.Detach)
                throw new BerthException(ErrorKind.InvalidArgument, "cannot allocate tty if berth-runtime will detach without setting console socket");

            var bootstrap = new Bootstrap();
            foreach (var ns in spec.Linux?.Namespaces ?? [])
                bootstrap.Join.Add((Bootstrap.FlagOf(ns.Type), $"/proc/{r.InitPid}/ns/{ProcNsNames[ns.Type]}"));
            if (process.OOMScoreAdj is int adj) bootstrap.OomScoreAdj = adj.ToString(CultureInfo.InvariantCulture);
            // Joining the cgroup from here (a pid written to cgroup.procs) would wait for the kernel's global attach
            // lock (see CgroupEntry). cgroup2: born in it (CLONE_INTO_CGROUP), as runc 1.2 does. v1: the exec'd
            // thread moves itself just before execve, so that the runtime's own threads never spend the
            // container's pids budget (runc moves the process in just as late).
            bootstrap.Cgroups.AddRange(CgroupOf(r).Entries);
            bootstrap.JoinCgroupsAtExec = true;
            byte[] config = InitConfigJson.Write(new InitConfig { Id = id, Rootfs = r.Rootfs, IsExec = true, ExecProcessIsFull = overrides is null });
            started = spawned.Bootstrap(bootstrap, config, specBytes, overrides?.ToJson() ?? o.ProcessJson);
            // Built (or found in the cache) while .NET starts in the exec'd process; it loads it when confining itself.
            if (spec.Linux?.Seccomp is { } seccomp)
                started.Channel.Send(InitChannel.SeccompFilter, CompiledFilter.For(seccomp, Store.SeccompCache)?.Encode() ?? []);
        }
        catch
        {
            spawned.Abandon();
            throw;
        }
        using (var channel = started.Channel)
        {
            try
            {
                SeccompListener.ExpectCreated(channel, started.Pid, spec.Linux?.Seccomp, () => StateOf(r, status));
                PhaseTrace.Mark("exec: process confined");
                proxy?.ReceiveMaster();
                WaitForExecve(channel);
                PhaseTrace.Mark("exec: execve done");
            }
            catch
            {
                Libc.Kill(started.Pid, Libc.SIGKILL);
                throw;
            }
        }
        if (o.PidFile is not null)
            AtomicFile.WriteVolatile(Path.GetFullPath(o.PidFile), System.Text.Encoding.ASCII.GetBytes(started.Pid.ToString(CultureInfo.InvariantCulture)));
        if (o.Detach) return 0;
        proxy?.Relay();
        return WaitForChild(started.Pid);
    }

    /// <summary>Returns once the process has exec'd (its end of the channel closed on exec) or reports why not.</summary>
    private static void WaitForExecve(InitChannel channel)
    {
        (uint Type, byte[] Data) record;
        try { record = channel.Receive(); }
        catch (EndOfStreamException) { return; }
        throw new BerthException(ErrorKind.Internal, record.Type == InitChannel.Error
            ? System.Text.Encoding.UTF8.GetString(record.Data)
            : $"unexpected record {record.Type} from the exec'd process");
    }

    /// <summary>Waits for our child (stage 2 is cloned with CLONE_PARENT), reaping the runtime's other children on the way.</summary>
    private static unsafe int WaitForChild(int pid)
    {
        while (true)
        {
            int s;
            int got = Libc.Waitpid(-1, &s, 0);
            if (got < 0 && Check.LastErrno == Errnos.EINTR) continue;
            if (got < 0) throw new ErrnoException("waitpid", Check.LastErrno);
            if (got == pid) return Libc.ExitCodeOf(s);
        }
    }
}
