using System.Runtime.InteropServices;
using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Operations;

public sealed partial class ContainerRuntime
{
    /// <summary>
    /// run: create + start. In the foreground the runtime becomes the subreaper that init is reparented to,
    /// forwards signals to it, returns its exit status and deletes the container (unless keep).
    /// </summary>
    public int Run(string id, CreateOptions options, bool detach, bool keep)
    {
        if (!detach) Check.Io(Libc.Prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl PR_SET_CHILD_SUBREAPER");
        options.RelayTerminal = !detach; // create sets up the relay only if the spec wants a terminal
        // No start can come between our create and start: init goes on to exec without an exec fifo and its
        // round trip, as crun's run does; only the poststart hooks are left.
        options.StartAtOnce = true;
        var record = CreateRecord(id, options);
        int pid = record.InitPid;
        using var proxy = options.Proxy;
        try
        {
            RunPoststart(record);
            PhaseTrace.Mark("run: started");
        }
        catch
        {
            Delete(id, force: true);
            throw;
        }
        if (detach) return 0;

        var forwarded = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }
            .Select(s => PosixSignalRegistration.Create(s, ctx =>
            {
                ctx.Cancel = true;
                Libc.Kill(pid, NativeNumber(ctx.Signal));
            })).ToList();
        PhaseTrace.Mark("run: signals forwarded");
        int code;
        try
        {
            if (proxy?.HasMaster == true) proxy.Relay();
            code = WaitForChild(pid);
        }
        finally
        {
            foreach (var r in forwarded) r.Dispose();
        }
        PhaseTrace.Mark("run: container exited");
        if (!keep) Destroy(record); // init has exited: nothing left to kill
        PhaseTrace.Mark("run: deleted");
        return code;
    }

    private static int NativeNumber(PosixSignal s) => s switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGTERM => 15,
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGQUIT => 3,
        _ => throw new BerthException(ErrorKind.Internal, $"no signal number for {s}"),
    };
}
