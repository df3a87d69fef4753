using System.Runtime.InteropServices;
using Berth.Core;
using Berth.Oci;
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
        // The pty relay is only set up when the spec asks for a terminal (Create decides; see CreateOptions.Proxy).
        using var proxy = detach || !TerminalWanted(options.Bundle) ? null : new TerminalProxy();
        options.Proxy = proxy;
        int pid = Create(id, options);
        try { Start(id); PhaseTrace.Mark("run: started"); }
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
        if (!keep) Delete(id, force: true);
        PhaseTrace.Mark("run: deleted");
        return code;
    }

    private static bool TerminalWanted(string bundle)
    {
        try { return OciJson.ReadSpec(File.ReadAllBytes(Path.Combine(Path.GetFullPath(bundle), "config.json"))).Process?.Terminal == true; }
        catch (Exception e) when (e is IOException or BerthException) { return false; } // Create reports it properly
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
