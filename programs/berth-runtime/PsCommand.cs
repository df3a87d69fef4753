using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Cli;
using Berth.Runtime.Launch;
using Berth.Runtime.Operations;

namespace Berth.RuntimeCli;

/// <summary>"ps": the container's host pids as JSON, or ps(1)'s output filtered to them.</summary>
internal static class PsCommand
{
    public static int Run(ContainerRuntime rt, ParsedArgs a)
    {
        var pids = rt.Pids(a.Positionals[0]);
        string format = a.Get("format") ?? "table";
        if (format == "json")
        {
            Commands.Write(OciJson.Write(pids.ToList()) + "\n");
            return 0;
        }
        if (format != "table") throw new BerthException(ErrorKind.InvalidArgument, "invalid format option");
        var psArgs = a.Positionals.Skip(1).ToList();
        string output = PsOutput(psArgs.Count > 0 ? psArgs : ["-ef"]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return 0;
        int pidColumn = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (pidColumn < 0) throw new BerthException(ErrorKind.InvalidArgument, "couldn't find PID field in ps output");
        var set = pids.ToHashSet();
        var kept = lines.Skip(1).Where(l =>
        {
            var f = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return f.Length > pidColumn && int.TryParse(f[pidColumn], out int p) && set.Contains(p);
        });
        Commands.Write(string.Join('\n', kept.Prepend(lines[0])) + "\n");
        return 0;
    }

    private static unsafe string PsOutput(List<string> args)
    {
        int* p = stackalloc int[2];
        Berth.Interop.Check.Io(Berth.Interop.Libc.Pipe2(p, Berth.Interop.Libc.O_CLOEXEC), "pipe");
        string ps = File.Exists("/bin/ps") ? "/bin/ps" : "/usr/bin/ps";
        int pid = InitLauncher.Spawn(ps, ["ps", .. args], ["PATH=/usr/bin:/bin", "LC_ALL=C"], [(p[1], 1)]);
        Berth.Interop.Libc.Close(p[1]);
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(p[0], ownsHandle: true), FileAccess.Read);
        string text = new StreamReader(stream).ReadToEnd();
        int status;
        Berth.Interop.Libc.Waitpid(pid, &status, 0);
        if (status != 0) throw new BerthException(ErrorKind.Internal, $"ps failed: exit status {Berth.Interop.Libc.ExitCodeOf(status)}");
        return text;
    }
}
