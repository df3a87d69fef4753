using System.Globalization;

namespace Berth.Oci;

/// <summary>
/// The config.json that <c>berth-runtime spec</c> writes: the same template as <c>runc spec</c>
/// (and <c>runc spec --rootless</c>), with hostname "berth".
/// </summary>
public static class DefaultSpec
{
    public const string OciVersion = "1.2.0";

    /// <summary>The template; the rootless variant maps the calling process's effective uid/gid to root.</summary>
    public static RuntimeSpec Create(bool rootless)
    {
        if (!rootless) return CreateRootful();
        (uint uid, uint gid) = EffectiveIds();
        return CreateRootless(uid, gid);
    }

    /// <summary>The rootless template with <paramref name="hostUid"/>/<paramref name="hostGid"/> mapped to 0 in the container.</summary>
    public static RuntimeSpec CreateRootless(uint hostUid, uint hostGid)
    {
        RuntimeSpec spec = CreateRootful();
        Linux linux = spec.Linux!;

        // No network namespace: an unprivileged user could not configure one anyway.
        linux.Namespaces = [.. linux.Namespaces!.Where(ns => ns.Type is not (NamespaceTypes.Network or NamespaceTypes.User)),
                            new LinuxNamespace { Type = NamespaceTypes.User }];
        linux.UIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = hostUid, Size = 1 }];
        linux.GIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = hostGid, Size = 1 }];

        // sysfs cannot be mounted without owning the network namespace, and gid=5 (tty) is unmapped:
        // drop everything under /sys and every uid=/gid= option, then bind the host's /sys read-only.
        var mounts = new List<Mount>();
        foreach (Mount mount in spec.Mounts!)
        {
            if (mount.Destination.StartsWith("/sys", StringComparison.Ordinal)) continue;
            mount.Options = mount.Options?.Where(o => !o.StartsWith("uid=", StringComparison.Ordinal) && !o.StartsWith("gid=", StringComparison.Ordinal)).ToList();
            mounts.Add(mount);
        }
        mounts.Add(new Mount { Destination = "/sys", Type = "none", Source = "/sys", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] });
        spec.Mounts = mounts;

        // Cgroup limits need delegation that a rootless user may not have.
        linux.Resources = null;
        return spec;
    }

    private static RuntimeSpec CreateRootful() => new()
    {
        OciVersion = OciVersion,
        Root = new Root { Path = "rootfs", Readonly = true },
        Process = new Process
        {
            Terminal = true,
            User = new User { UID = 0, GID = 0 },
            Args = ["sh"],
            Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            Cwd = "/",
            Capabilities = new LinuxCapabilities
            {
                Bounding = DefaultCapabilities(),
                Effective = DefaultCapabilities(),
                Permitted = DefaultCapabilities(),
            },
            Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
            NoNewPrivileges = true,
        },
        Hostname = "berth",
        Mounts =
        [
            new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
            new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
            new Mount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
            new Mount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
            new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
        ],
        Linux = new Linux
        {
            Resources = new LinuxResources { Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }] },
            Namespaces =
            [
                new LinuxNamespace { Type = NamespaceTypes.Pid },
                new LinuxNamespace { Type = NamespaceTypes.Network },
                new LinuxNamespace { Type = NamespaceTypes.Ipc },
                new LinuxNamespace { Type = NamespaceTypes.Uts },
                new LinuxNamespace { Type = NamespaceTypes.Mount },
                new LinuxNamespace { Type = NamespaceTypes.Cgroup },
            ],
            MaskedPaths =
            [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/sys/devices/virtual/powercap",
            ],
            ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    };

    private static List<string> DefaultCapabilities() => ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

    // Berth.Oci has no libc bindings; /proc/self/status lists "Uid:\treal\teffective\tsaved\tfs".
    private static (uint Uid, uint Gid) EffectiveIds()
    {
        uint uid = 0, gid = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal)) uid = SecondField(line);
            else if (line.StartsWith("Gid:", StringComparison.Ordinal)) gid = SecondField(line);
        }
        return (uid, gid);
    }

    private static uint SecondField(string line)
        => uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
}
