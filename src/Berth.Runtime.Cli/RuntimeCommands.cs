namespace Berth.Runtime.Cli;

/// <summary>
/// runc's command-line surface (runc main.go and one file per command) as data: the parser,
/// the usage text and the tests all read this one table.
/// </summary>
public static class RuntimeCommands
{
    private const string Id = "<container-id>";
    private const int Any = CommandSpec.Unlimited;

    /// <summary>Flags that may appear before the command, and (like runc's persistent root flags) after it.</summary>
    public static IReadOnlyList<FlagSpec> GlobalFlags { get; } =
    [
        new("debug", null, FlagKind.Bool, "enable debug logging"),
        new("log", null, FlagKind.String, "write runtime logs to this file (default: stderr)"),
        new("log-format", null, FlagKind.String, "log format: 'text' (default) or 'json'"),
        new("root", null, FlagKind.String, "directory for container state; should be on tmpfs"),
        new("systemd-cgroup", null, FlagKind.Bool, "use systemd to manage cgroups; cgroupsPath must look like \"slice:prefix:name\""),
        new("rootless", null, FlagKind.String, "ignore cgroup permission errors: 'true', 'false' or 'auto' (default)"),
        // crun's spelling; podman passes "--cgroup-manager disabled" for --cgroups=disabled.
        new("cgroup-manager", null, FlagKind.String, "cgroup manager: 'cgroupfs', 'systemd' or 'disabled'"),
    ];

    /// <summary>Only meaningful before the command (runc marks it local to the root).</summary>
    public static FlagSpec VersionFlag { get; } = new("version", "v", FlagKind.Bool, "print the version");

    /// <summary>Accepted before the command and by every command.</summary>
    public static FlagSpec HelpFlag { get; } = new("help", "h", FlagKind.Bool, "show help");

    private static readonly FlagSpec Bundle = new("bundle", "b", FlagKind.String, "path to the bundle directory (default: the current directory)");
    private static readonly FlagSpec ConsoleSocket = new("console-socket", null, FlagKind.String, "AF_UNIX socket that receives the pseudoterminal master fd");
    private static readonly FlagSpec PidfdSocket = new("pidfd-socket", null, FlagKind.String, "AF_UNIX socket that receives a pidfd for the process");
    private static readonly FlagSpec PidFile = new("pid-file", null, FlagKind.String, "write the process id to this file");
    private static readonly FlagSpec NoPivot = new("no-pivot", null, FlagKind.Bool, "do not pivot_root into the rootfs (for a rootfs on a ramdisk)");
    private static readonly FlagSpec NoNewKeyring = new("no-new-keyring", null, FlagKind.Bool, "keep the caller's session keyring instead of creating one");
    private static readonly FlagSpec PreserveFds = new("preserve-fds", null, FlagKind.Int, "pass N more file descriptors (after stdio and $LISTEN_FDS)");
    private static readonly FlagSpec Detach = new("detach", "d", FlagKind.Bool, "detach from the container's process");
    private static readonly FlagSpec NoSubreaper = new("no-subreaper", null, FlagKind.Bool, "do not become a subreaper for reparented processes");
    private static readonly FlagSpec Format = new("format", "f", FlagKind.String, "output format: 'table' (default) or 'json'");

    private static readonly FlagSpec[] CreateFlags = [Bundle, ConsoleSocket, PidfdSocket, PidFile, NoPivot, NoNewKeyring, PreserveFds];

    private static readonly FlagSpec[] CheckpointFlags =
    [
        new("image-path", null, FlagKind.String, "directory for the CRIU image files"),
        new("work-path", null, FlagKind.String, "directory for work files and logs"),
        new("parent-path", null, FlagKind.String, "directory of the previous (pre-dump) images"),
        new("leave-running", null, FlagKind.Bool, "keep the container running after the checkpoint"),
        new("tcp-established", null, FlagKind.Bool, "allow open TCP connections"),
        new("tcp-skip-in-flight", null, FlagKind.Bool, "skip in-flight TCP connections"),
        new("link-remap", null, FlagKind.Bool, "allow linking unlinked files back"),
        new("ext-unix-sk", null, FlagKind.Bool, "allow external unix sockets"),
        new("shell-job", null, FlagKind.Bool, "allow shell jobs"),
        new("lazy-pages", null, FlagKind.Bool, "restore memory pages lazily with userfaultfd"),
        new("status-fd", null, FlagKind.Int, "fd that receives \\0 once lazy-pages is ready"),
        new("page-server", null, FlagKind.String, "ADDRESS:PORT of the page server"),
        new("file-locks", null, FlagKind.Bool, "handle file locks"),
        new("pre-dump", null, FlagKind.Bool, "dump memory only and leave the container running"),
        new("manage-cgroups-mode", null, FlagKind.String, "cgroups mode: soft (default), full, strict or ignore"),
        new("empty-ns", null, FlagKind.StringList, "create this namespace but do not restore its properties"),
        new("auto-dedup", null, FlagKind.Bool, "deduplicate memory images"),
    ];

    private static readonly FlagSpec[] RestoreFlags =
    [
        ConsoleSocket,
        new("image-path", null, FlagKind.String, "directory of the CRIU image files"),
        new("work-path", null, FlagKind.String, "directory for work files and logs"),
        new("tcp-established", null, FlagKind.Bool, "allow open TCP connections"),
        new("ext-unix-sk", null, FlagKind.Bool, "allow external unix sockets"),
        new("shell-job", null, FlagKind.Bool, "allow shell jobs"),
        new("file-locks", null, FlagKind.Bool, "handle file locks"),
        new("manage-cgroups-mode", null, FlagKind.String, "cgroups mode: soft (default), full, strict or ignore"),
        Bundle, Detach, PidFile, NoSubreaper, NoPivot,
        // Not in runc's restore, but conmon adds it when configured (runtime_args.c); accept it here
        // so the caller gets "not supported" rather than a flag error.
        NoNewKeyring,
        new("empty-ns", null, FlagKind.StringList, "create this namespace but do not restore its properties"),
        new("auto-dedup", null, FlagKind.Bool, "deduplicate memory images"),
        new("lazy-pages", null, FlagKind.Bool, "restore memory pages lazily with userfaultfd"),
        new("lsm-profile", null, FlagKind.String, "LSM profile for the restore, as TYPE:NAME"),
        new("lsm-mount-context", null, FlagKind.String, "LSM mount context for the restore"),
    ];

    private static readonly FlagSpec[] UpdateFlags =
    [
        new("resources", "r", FlagKind.String, "file with the LinuxResources JSON to apply, or '-' for stdin"),
        new("blkio-weight", null, FlagKind.Int, "block IO weight, 10 to 1000"),
        new("cpu-period", null, FlagKind.String, "CFS period in microseconds (0: system default)"),
        new("cpu-quota", null, FlagKind.String, "CFS quota in microseconds per period"),
        new("cpu-burst", null, FlagKind.String, "CFS burst in microseconds per period"),
        new("cpu-share", null, FlagKind.String, "CPU shares (relative weight)"),
        new("cpu-rt-period", null, FlagKind.String, "realtime period in microseconds (0: system default)"),
        new("cpu-rt-runtime", null, FlagKind.String, "realtime runtime in microseconds per period"),
        new("cpuset-cpus", null, FlagKind.String, "CPUs to use"),
        new("cpuset-mems", null, FlagKind.String, "memory nodes to use"),
        new("kernel-memory", null, FlagKind.String, "obsolete; ignored", hidden: true),
        new("kernel-memory-tcp", null, FlagKind.String, "obsolete; ignored", hidden: true),
        new("memory", null, FlagKind.String, "memory limit in bytes"),
        new("cpu-idle", null, FlagKind.String, "1 to make the cgroup SCHED_IDLE, 0 for the default"),
        new("memory-reservation", null, FlagKind.String, "memory soft limit in bytes"),
        new("memory-swap", null, FlagKind.String, "memory plus swap limit in bytes; -1 for unlimited swap"),
        new("pids-limit", null, FlagKind.Int, "maximum number of pids"),
        new("l3-cache-schema", null, FlagKind.String, "Intel RDT/CAT L3 cache schema"),
        new("mem-bw-schema", null, FlagKind.String, "Intel RDT/MBA memory bandwidth schema"),
    ];

    private static readonly FlagSpec[] ExecFlags =
    [
        ConsoleSocket, PidfdSocket,
        new("cwd", null, FlagKind.String, "working directory inside the container"),
        new("env", "e", FlagKind.StringList, "set an environment variable"),
        new("tty", "t", FlagKind.Bool, "allocate a pseudo-TTY"),
        new("user", "u", FlagKind.String, "run as <uid>[:<gid>]"),
        new("additional-gids", "g", FlagKind.IntList, "add a supplementary group id"),
        new("process", "p", FlagKind.String, "path to a process.json"),
        Detach, PidFile,
        new("process-label", null, FlagKind.String, "SELinux label for the process"),
        new("apparmor", null, FlagKind.String, "AppArmor profile for the process"),
        new("no-new-privs", null, FlagKind.Bool, "set no_new_privs for the process"),
        new("cap", "c", FlagKind.StringList, "add a capability to the process's bounding set"),
        PreserveFds,
        new("cgroup", null, FlagKind.StringList, "run in an existing sub-cgroup, as [<controller>:]<path>"),
        new("ignore-paused", null, FlagKind.Bool, "allow exec into a paused container"),
    ];

    /// <summary>runc's commands, in runc's (alphabetical) order.</summary>
    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new("checkpoint", Id, "checkpoint a running container (not supported)", 1, 1, CheckpointFlags),
        new("create", Id, "create a container", 1, 1,
            // Not a runc create flag, but go-runc's CreateOpts.Detach emits it; create always detaches,
            // so accept it (hidden, ignored) rather than fail a caller that runc would also fail.
            [.. CreateFlags, new("detach", "d", FlagKind.Bool, "ignored: create always detaches", hidden: true)]),
        new("delete", Id, "delete a container and the resources it holds", 1, 1,
            [new("force", "f", FlagKind.Bool, "kill the container with SIGKILL first if it is still running")]),
        new("events", Id, "show container events (OOM) and resource usage statistics", 1, 1,
            [new("interval", null, FlagKind.Duration, "statistics interval (default: 5s)"),
             new("stats", null, FlagKind.Bool, "print the container's statistics once and exit")]),
        new("exec", $"{Id} <command> [command options]  || -p process.json {Id}",
            "run a new process inside the container", 1, Any, ExecFlags, stopAfterPositional: true),
        new("features", "", "show the enabled features", 0, 0, []),
        new("kill", $"{Id} [signal]", "send a signal (default: SIGTERM) to the container's init process", 1, 2,
            // Obsolete in runc 1.2 (kill already reaches every process); it now only hides "container not running".
            [new("all", "a", FlagKind.Bool, "obsolete; do not use", hidden: true)], stopAfterPositional: true),
        new("list", "", "list the containers in the state root", 0, 0,
            [Format, new("quiet", "q", FlagKind.Bool, "print container IDs only")]),
        new("pause", Id, "suspend every process in the container", 1, 1, []),
        new("ps", $"{Id} [ps options]", "show the processes running in a container", 1, Any, [Format], stopAfterPositional: true),
        new("restore", Id, "restore a container from a checkpoint (not supported)", 1, 1, RestoreFlags),
        new("resume", Id, "resume every process in a paused container", 1, 1, []),
        new("run", Id, "create and start a container", 1, 1,
            [.. CreateFlags, Detach, new("keep", null, FlagKind.Bool, "do not delete the container after it exits"), NoSubreaper]),
        new("spec", "", "write a new config.json", 0, 0,
            // Shadows the global --rootless (a string) inside "spec", as in runc.
            [new("bundle", "b", FlagKind.String, "path to the bundle directory"),
             new("rootless", null, FlagKind.Bool, "generate a configuration for a rootless container")]),
        new("start", Id, "start the user process of a created container", 1, 1, []),
        new("state", Id, "print the state of a container as JSON", 1, 1, []),
        new("update", Id, "update a container's resource limits", 1, 1, UpdateFlags),
    ];

    public static CommandSpec? Find(string name)
    {
        foreach (CommandSpec c in All)
            if (c.Name == name) return c;
        return null;
    }

    internal static FlagSpec? FindGlobal(string name)
    {
        foreach (FlagSpec f in GlobalFlags)
            if (f.Matches(name)) return f;
        return null;
    }
}
