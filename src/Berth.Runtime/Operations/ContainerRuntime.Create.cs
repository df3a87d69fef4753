using System.Text.Json;
using Berth.Cgroups;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;
using Berth.Runtime.Hooks;
using Berth.Runtime.Init;
using Berth.Runtime.Launch;
using Berth.Runtime.Seccomp;
using Berth.Runtime.State;

namespace Berth.Runtime.Operations;

public sealed partial class ContainerRuntime
{
    /// <summary>
    /// create: validate the bundle, claim the id, start init in new namespaces and its cgroup, run the
    /// create-time hooks, and return with init blocked on the exec fifo (run: init goes on at once). On any failure nothing is left:
    /// no state directory, cgroup or process.
    /// </summary>
    public int Create(string id, CreateOptions options) => CreateRecord(id, options).InitPid;

    /// <summary>create, returning the container's record as saved (run goes on with it).</summary>
    private ContainerRecord CreateRecord(string id, CreateOptions options)
    {
        PhaseTrace.Mark("create: start");
        ContainerId.Validate(id);
        string bundle = Path.GetFullPath(options.Bundle);
        byte[] specBytes = ReadBundleConfig(bundle);
        var spec = OciJson.ReadSpec(specBytes, "config.json");
        SpecValidator.Validate(spec, bundle);
        RuntimeSupport.Check(spec);
        bool proxied = spec.Process!.Terminal && options.ConsoleSocket is null && options.RelayTerminal;
        if (spec.Process.Terminal && options.ConsoleSocket is null && !proxied)
            throw new BerthException(ErrorKind.InvalidArgument, "cannot allocate tty if berth-runtime will detach without setting console socket");
        if (!spec.Process.Terminal && options.ConsoleSocket is not null)
            throw new BerthException(ErrorKind.InvalidArgument, "cannot use console socket if berth-runtime will not detach or allocate tty");

        PhaseTrace.Mark("create: spec validated");
        string dir = Store.Reserve(id);
        ICgroupManager? cgroup = null;
        InitLauncher.Spawned? spawned = null;
        InitLauncher.Started? started = null;
        int fifoFd = -1, consoleFd = -1;
        try
        {
            var record = new ContainerRecord
            {
                Id = id,
                Bundle = bundle,
                Rootfs = Path.GetFullPath(spec.Root!.Path, bundle),
                Created = DateTimeOffset.UtcNow,
                Owner = "",
                CgroupsPath = spec.Linux?.CgroupsPath ?? "",
                Annotations = spec.Annotations,
                HasPoststart = spec.Hooks?.Poststart is { Count: > 0 },
                HasPoststop = spec.Hooks?.Poststop is { Count: > 0 },
            };
            // run starts at once: no fifo, so that state says "running" from the start.
            if (!options.StartAtOnce)
            {
                string fifo = Store.FifoOf(id);
                ExecFifo.Create(fifo);
                fifoFd = Check.Io(Libc.Open(fifo, Libc.O_PATH | Libc.O_CLOEXEC), "open", fifo);
            }
            if (options.ConsoleSocket is not null) consoleFd = ConsoleSetup.Connect(options.ConsoleSocket);
            if (proxied) options.Proxy = new TerminalProxy();

            // The cgroup is made while stage 0 loads (about a millisecond each); stage 0 joins it before any
            // namespace or child exists, so every descendant is born in it.
            spawned = InitLauncher.Spawn("init", new InitLauncher.Fds
            {
                PreserveFds = options.PreserveFds, FifoFd = fifoFd, ConsoleFd = proxied ? options.Proxy!.TheirEnd : consoleFd,
            });
            cgroup = CreateCgroup(record, spec.Linux?.Resources);
            PhaseTrace.Mark("create: cgroup created");
            bool hookState = spec.Hooks?.CreateContainer is { Count: > 0 } || spec.Hooks?.StartContainer is { Count: > 0 };
            var config = new InitConfig { Id = id, Rootfs = record.Rootfs, NoPivot = options.NoPivot, NoNewKeyring = options.NoNewKeyring,
                WantsHookState = hookState, StartAtOnce = options.StartAtOnce };
            var bootstrap = Bootstrap.FromSpec(spec);
            bootstrap.Cgroups.AddRange(cgroup.Entries);
            started = spawned.Bootstrap(bootstrap, InitConfigJson.Write(config), specBytes, null);
            PhaseTrace.Mark("create: init ready in namespaces");
            // Built (or found in the cache) while .NET starts in init, which loads it after the create-time hooks;
            // a profile libseccomp refuses fails here, before anything from the image runs.
            byte[]? filter = spec.Linux?.Seccomp is { } seccomp ? CompiledFilter.For(seccomp, Store.SeccompCache)?.Encode() ?? [] : null;
            record.InitPid = started.Pid;
            record.InitStartTime = ProcInfo.Read(started.Pid)?.StartTime
                ?? throw new BerthException(ErrorKind.Internal, "container init exited during create");

            var channel = started.Channel;
            if (hookState) channel.Send(InitChannel.HookState, HookStateJson(record, ContainerStatus.Created));
            channel.Expect(InitChannel.RunHooks);
            PhaseTrace.Mark("create: init mounted");
            // Limits only now, as runc: the runtime's own start-up (forks, .NET threads) must not count
            // against them. Init has mounted and made its device nodes; nothing has run from the image yet.
            cgroup.Apply(DeviceAccess.WithRuntimeDevices(spec.Linux?.Resources, spec.Linux?.Devices));
            if (spec.Hooks.HasRuntimeCreateHooks())
            {
                // Only with hooks: the state's JSON metadata alone costs about 0.3 ms to build.
                string creating = HookStateJson(record, ContainerStatus.Creating);
                HookRunner.RunAll(spec.Hooks!.Prestart, "prestart", creating);
                HookRunner.RunAll(spec.Hooks.CreateRuntime, "createRuntime", creating);
            }
            channel.Send(InitChannel.HooksDone, []);
            if (filter is not null) channel.Send(InitChannel.SeccompFilter, filter);
            SeccompListener.ExpectCreated(channel, started.Pid, spec.Linux?.Seccomp, () => StateOf(record, ContainerStatus.Creating));
            PhaseTrace.Mark("create: init created");
            if (proxied) options.Proxy!.ReceiveMaster();

            Store.SaveSpec(id, specBytes);
            Store.Save(record);
            if (options.PidFile is not null)
                AtomicFile.WriteVolatile(Path.GetFullPath(options.PidFile),
                    System.Text.Encoding.ASCII.GetBytes(started.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return record;
        }
        catch (Exception e)
        {
            if (started is not null)
            {
                Libc.Kill(started.Pid, Libc.SIGKILL);
                WaitGone(started.Pid);
            }
            else spawned?.Abandon(); // idempotent: Bootstrap already abandoned it if it failed there
            try { cgroup?.Remove(); } catch (Exception ce) when (ce is IOException or BerthException) { }
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            options.Proxy?.Dispose();
            options.Proxy = null;
            if (e is EndOfStreamException) throw new BerthException(ErrorKind.Internal, "container init exited unexpectedly during create");
            throw;
        }
        finally
        {
            started?.Channel.Dispose();
            if (fifoFd >= 0) Libc.Close(fifoFd);
            if (consoleFd >= 0) Libc.Close(consoleFd);
        }
    }

    private static byte[] ReadBundleConfig(string bundle)
    {
        string path = Path.Combine(bundle, "config.json");
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BerthException(ErrorKind.NotFound, $"JSON specification file {path} not found");
        }
    }

    /// <summary>Rootless without access to the cgroup hierarchy and without limits: no cgroup, as runc does.</summary>
    private ICgroupManager CreateCgroup(ContainerRecord record, LinuxResources? resources)
    {
        var cgroup = CgroupOf(record); // cached: run deletes through the same manager
        try
        {
            cgroup.Create();
            return cgroup;
        }
        catch (Exception e) when (Libc.Geteuid() != 0 && e is UnauthorizedAccessException or IOException or BerthException
                                  && !NoCgroup.HasLimits(resources))
        {
            record.NoCgroup = true;
            return new NoCgroup(0);
        }
    }

    private static void WaitGone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (ProcInfo.Read(pid) is { State: not ('Z' or 'X') } && DateTime.UtcNow < deadline) Thread.Sleep(1);
    }
}
