using System.Text;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;
using Berth.Runtime.Launch;

namespace Berth.Runtime.Hooks;

/// <summary>Runs OCI hooks: the state JSON on stdin, the hook's own env, killed at its timeout.</summary>
internal static unsafe class HookRunner
{
    /// <summary>
    /// prestart or createRuntime hooks: the runtime runs them during create, after init's mounts and before its
    /// pivot, so init waits for them and create builds the container state for them.
    /// </summary>
    public static bool HasRuntimeCreateHooks(this Oci.Hooks? hooks) =>
        hooks is { } h && (h.Prestart is { Count: > 0 } || h.CreateRuntime is { Count: > 0 });

    public static void RunAll(IEnumerable<Hook>? hooks, string phase, string stateJson)
    {
        int i = 0;
        foreach (var hook in hooks ?? [])
            Run(hook, $"{phase}[{i++}]", stateJson);
    }

    /// <summary>Poststart and poststop hook failures are only warnings (runtime-spec).</summary>
    public static void RunAllWarnOnly(IEnumerable<Hook>? hooks, string phase, string stateJson, Action<string> warn)
    {
        int i = 0;
        foreach (var hook in hooks ?? [])
        {
            try { Run(hook, $"{phase}[{i}]", stateJson); }
            catch (BerthException e) { warn(e.Message); }
            i++;
        }
    }

    public static void Run(Hook hook, string name, string stateJson)
    {
        int* p = stackalloc int[2];
        Check.Io(Libc.Pipe2(p, Libc.O_CLOEXEC), "pipe");
        int pid;
        try
        {
            var argv = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            // stdout and stderr stay the runtime's own, as runc leaves them.
            pid = InitLauncher.Spawn(hook.Path, argv, hook.Env ?? [], [(p[0], 0)]);
        }
        catch (ErrnoException e)
        {
            Libc.Close(p[0]); Libc.Close(p[1]);
            throw new BerthException(ErrorKind.Internal, $"{name} hook {hook.Path}: {e.Message}");
        }
        Libc.Close(p[0]);
        byte[] state = Encoding.UTF8.GetBytes(stateJson);
        fixed (byte* s = state) Libc.Write(p[1], s, state.Length); // a hook that does not read gets EPIPE: fine
        Libc.Close(p[1]);

        int status = WaitWithTimeout(pid, hook.Timeout, name);
        if (status != 0)
            throw new BerthException(ErrorKind.Internal, $"{name} hook {hook.Path} failed: exit status {Libc.ExitCodeOf(status)}");
    }

    private static int WaitWithTimeout(int pid, int? timeoutSeconds, string name)
    {
        int status;
        if (timeoutSeconds is int t && t > 0)
        {
            int pidfd = Libc.PidfdOpen(pid);
            if (pidfd >= 0)
            {
                PollFd pfd = new() { Fd = pidfd, Events = PollFd.POLLIN };
                int rc;
                do { rc = Libc.Poll(&pfd, 1, t * 1000); } while (rc < 0 && Check.LastErrno == Errnos.EINTR);
                Libc.Close(pidfd);
                if (rc == 0)
                {
                    Libc.Kill(pid, Libc.SIGKILL);
                    Libc.Waitpid(pid, &status, 0);
                    throw new BerthException(ErrorKind.Internal, $"{name} hook timed out after {t}s");
                }
            }
        }
        while (Libc.Waitpid(pid, &status, 0) < 0)
            if (Check.LastErrno != Errnos.EINTR) Check.ThrowLastError("waitpid hook");
        return status;
    }
}
