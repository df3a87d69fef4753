using System.Runtime.InteropServices;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Runtime.Init;

/// <summary>The user process, resolved before "created" is reported so that a missing binary fails create.</summary>
internal sealed unsafe class ExecProcess
{
    private readonly string _cwd;
    // Native copies for execve, made now: once a seccomp filter is loaded, init must not allocate (a filter
    // may deny what the GC needs to grow its heap). Never freed: the process execs or exits.
    private readonly byte* _path;
    private readonly byte** _argv, _envp;
    private readonly byte[] _what;

    /// <summary>Reports a failure without allocating and exits; does not return.</summary>
    public delegate void Fatal(ReadOnlySpan<byte> what);

    private ExecProcess(string path, List<string> argv, List<string> env, string cwd)
    {
        _cwd = cwd;
        var owned = new List<nint>();
        _path = Launch.InitLauncher.Utf8(path, owned);
        _argv = Launch.InitLauncher.NullTerminated(argv, owned);
        _envp = Launch.InitLauncher.NullTerminated(env, owned);
        _what = System.Text.Encoding.UTF8.GetBytes("exec " + path);
    }

    public static ExecProcess Prepare(Process process)
    {
        var args = process.Args ?? [];
        if (args.Count == 0) throw new BerthException(ErrorKind.InvalidArgument, "process.args must not be empty");
        var env = ProcessEnv.WithHome(ProcessEnv.Dedupe(process.Env ?? []), process.User.UID);
        return new ExecProcess(Resolve(args[0], env, process.Cwd), args, env, process.Cwd);
    }

    /// <summary>As execvp, but with the container's PATH, relative to the container's cwd.</summary>
    private static string Resolve(string name, List<string> env, string cwd)
    {
        if (name.Contains('/'))
        {
            string full = name.StartsWith('/') ? name : Path.Combine(cwd, name);
            return File.Exists(full) ? name
                : throw new BerthException(ErrorKind.NotFound, $"exec: \"{name}\": stat {name}: no such file or directory");
        }
        string pathVar = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..]
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (string dir in pathVar.Split(':'))
        {
            string candidate = Path.Combine(dir.Length == 0 ? cwd : dir, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        throw new BerthException(ErrorKind.NotFound, $"exec: \"{name}\": executable file not found in $PATH");
    }

    /// <summary>chdir, then make sure the cwd is inside the container (CVE-2024-21626).</summary>
    public void EnterCwd()
    {
        Check.Io(Libc.Chdir(_cwd), "chdir", _cwd);
        byte* buf = stackalloc byte[4096];
        if (Libc.Getcwd(buf, 4096) == null)
            throw new BerthException(ErrorKind.PermissionDenied, $"cwd {_cwd} is outside the container's root");
        string actual = Marshal.PtrToStringUTF8((nint)buf) ?? "";
        if (!actual.StartsWith('/'))
            throw new BerthException(ErrorKind.PermissionDenied, $"cwd {_cwd} is outside the container's root ({actual})");
    }

    /// <summary>No fd of ours reaches the new program; signal state is reset; then execve.</summary>
    /// <param name="keepFd">the init channel: close-on-exec, so it closes at a successful execve and can carry a failure</param>
    public void Execute(int firstPrivateFd, int keepFd, Fatal fatal)
    {
        // CVE-2024-21626: closed, not just close-on-exec: execve resolves its path (/proc/self/fd/N...)
        // while close-on-exec fds are still open. A failure here must stop the exec.
        bool keep = keepFd >= firstPrivateFd;
        if ((keep && keepFd > firstPrivateFd && Libc.CloseRange((uint)firstPrivateFd, (uint)keepFd - 1, 0) < 0)
            || Libc.CloseRange(keep ? (uint)keepFd + 1 : (uint)firstPrivateFd, uint.MaxValue, 0) < 0)
            fatal("close_range"u8);
        for (int sig = 1; sig < 65; sig++)
            if (sig is not (Libc.SIGKILL or Libc.SIGSTOP)) Libc.Signal(sig, 0); // SIG_DFL
        ulong none = 0;
        Libc.Sigprocmask(2 /* SIG_SETMASK */, &none, null);
        Libc.Execve(_path, _argv, _envp);
        fatal(_what);
    }
}
