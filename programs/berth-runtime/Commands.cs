using System.Globalization;
using System.Text;
using Berth.Core;
using Berth.Oci;
using Berth.Runtime;
using Berth.Runtime.Cli;
using Berth.Runtime.Operations;

namespace Berth.RuntimeCli;

/// <summary>Maps parsed runc-style arguments onto the runtime library.</summary>
internal static class Commands
{
    public const string Version = "0.1.0";

    public static int Dispatch(ParsedArgs a)
    {
        var g = a.Globals;
        if (g.Version)
        {
            Console.Out.Write($"berth-runtime version {Version}\nspec: {DefaultSpec.OciVersion}\n");
            return 0;
        }
        if (g.Help || a.Command is null)
        {
            Console.Out.Write(RuntimeArgs.Usage(a.Command));
            return 0;
        }
        if (g.SystemdCgroup)
            throw new BerthException(ErrorKind.InvalidArgument, "--systemd-cgroup: the systemd cgroup driver is not supported yet; use cgroupfs paths");
        if (g.CgroupManager is not null and not "cgroupfs")
            throw new BerthException(ErrorKind.InvalidArgument, $"--cgroup-manager {g.CgroupManager}: only cgroupfs is supported");

        var rt = new ContainerRuntime(g.Root ?? DefaultRoot());
        string Id() => a.Positionals[0];
        switch (a.Command)
        {
            case "spec": return SpecCommand.Run(a);
            case "features": Write(OciJson.WriteIndented(FeaturesReport.Build()) + "\n"); return 0;
            case "create": rt.Create(Id(), CreateOptionsOf(a)); return 0;
            case "run": return rt.Run(Id(), CreateOptionsOf(a), a.GetBool("detach"), a.GetBool("keep"));
            case "start": rt.Start(Id()); return 0;
            case "state": Write(OciJson.WriteIndented(rt.State(Id()))); return 0;
            case "list": return ListCommand.Run(rt, a);
            case "kill":
                rt.Kill(Id(), Signals.Parse(a.Positionals.Count > 1 ? a.Positionals[1] : null), a.GetBool("all"));
                return 0;
            case "delete": rt.Delete(Id(), a.GetBool("force")); return 0;
            case "ps": return PsCommand.Run(rt, a);
            case "pause": rt.Pause(Id()); return 0;
            case "resume": rt.Resume(Id()); return 0;
            case "update": return UpdateCommand.Run(rt, a);
            case "exec": return rt.Exec(Id(), ExecOptionsOf(a));
            case "events":
                rt.Events(Id(), a.GetBool("stats"), a.GetDuration("interval", TimeSpan.FromSeconds(5)), line => Write(line + "\n"));
                return 0;
            default:
                throw new BerthException(ErrorKind.InvalidArgument, $"{a.Command} is not supported by berth-runtime yet");
        }
    }

    private static CreateOptions CreateOptionsOf(ParsedArgs a) => new()
    {
        Bundle = a.Get("bundle") ?? ".",
        PidFile = a.Get("pid-file"),
        ConsoleSocket = a.Get("console-socket"),
        NoPivot = a.GetBool("no-pivot"),
        NoNewKeyring = a.GetBool("no-new-keyring"),
        PreserveFds = a.GetInt("preserve-fds", 0),
    };

    private static ExecOptions ExecOptionsOf(ParsedArgs a)
    {
        if (a.Has("apparmor")) throw new BerthException(ErrorKind.InvalidArgument, "--apparmor: apparmor is not supported by berth-runtime");
        if (a.Has("process-label")) throw new BerthException(ErrorKind.InvalidArgument, "--process-label: selinux is not supported by berth-runtime");
        string? processFile = a.Get("process");
        return new ExecOptions
        {
            ProcessJson = processFile is null ? null : File.ReadAllBytes(processFile),
            Args = a.Positionals.Skip(1).ToList(),
            Env = a.GetAll("env").ToList(),
            Cwd = a.Get("cwd"),
            User = a.Get("user"),
            AdditionalGids = a.GetAll("additional-gids").Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToList(),
            AddCaps = a.GetAll("cap").ToList(),
            Tty = a.GetBool("tty"),
            NoNewPrivs = a.GetBool("no-new-privs"),
            Detach = a.GetBool("detach"),
            IgnorePaused = a.GetBool("ignore-paused"),
            PidFile = a.Get("pid-file"),
            ConsoleSocket = a.Get("console-socket"),
            PreserveFds = a.GetInt("preserve-fds", 0),
        };
    }

    /// <summary>/run/berth-runtime for root; $XDG_RUNTIME_DIR/berth-runtime otherwise, as runc does.</summary>
    private static string DefaultRoot()
    {
        if (Interop.Libc.Geteuid() == 0) return "/run/berth-runtime";
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(xdg) ? $"/tmp/berth-runtime-{Interop.Libc.Geteuid()}" : Path.Combine(xdg, "berth-runtime");
    }

    public static void Write(string s)
    {
        var stdout = Console.OpenStandardOutput();
        stdout.Write(Encoding.UTF8.GetBytes(s));
        stdout.Flush();
    }

    public static string Int(long n) => n.ToString(CultureInfo.InvariantCulture);
}
