namespace Berth.Oci;

/// <summary>Linux capability names as config.json spells them, with their bit numbers (linux/capability.h).</summary>
public static class Capabilities
{
    /// <summary>
    /// "CAP_CHOWN" = 0 … "CAP_CHECKPOINT_RESTORE" = 40. A plain dictionary: the runtime is a short-lived process, and
    /// building a FrozenDictionary cost more than all its lookups save (0.1 ms of every container start).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> All = new[]
    {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    }.Select((name, bit) => KeyValuePair.Create(name, bit)).ToDictionary(StringComparer.Ordinal);

    /// <summary>The highest bit number known here; the kernel may know more (/proc/sys/kernel/cap_last_cap).</summary>
    public const int LastKnown = 40;
}
