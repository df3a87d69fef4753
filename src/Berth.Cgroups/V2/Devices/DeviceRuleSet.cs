using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups.V2.Devices;

/// <summary>Access bits as the kernel passes them to a device program (BPF_DEVCG_ACC_*).</summary>
[Flags]
internal enum DeviceAccessBits : byte
{
    Mknod = 1,
    Read = 2,
    Write = 4,
    All = Mknod | Read | Write,
}

/// <summary>One exception to the default: a device type ('b' or 'c'), major and minor (-1 is any) and the access it covers.</summary>
internal sealed record DeviceException(char Type, long Major, long Minor, DeviceAccessBits Access);

/// <summary>
/// The spec's device rules reduced to what the cgroup v1 devices controller would hold after they were
/// written to devices.allow / devices.deny in order: a default (allow or deny everything) and a list of
/// exceptions, all of the opposite action. runc runs its rules through the same v1 emulation before it
/// generates the v2 program, so that a rule list means the same thing on both versions:
/// <list type="bullet">
/// <item>a type "a" rule resets the default to its action and drops every exception (major, minor and access are ignored, as the kernel ignores them);</item>
/// <item>a rule of the opposite action adds its access to the exception with the same type, major and minor;</item>
/// <item>a rule of the default's action takes its access away from the exception with exactly the same key (it
/// does not punch a hole in a wildcard exception: v1 does not either).</item>
/// </list>
/// </summary>
internal sealed class DeviceRuleSet
{
    public bool DefaultAllow { get; private set; }

    public List<DeviceException> Exceptions { get; } = [];

    /// <summary>An empty list denies everything, as a new v1 cgroup whose parent denies all.</summary>
    public static DeviceRuleSet From(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        var set = new DeviceRuleSet();
        for (int i = 0; i < rules.Count; i++)
            set.Apply(rules[i], i);
        return set;
    }

    private void Apply(LinuxDeviceCgroup rule, int index)
    {
        DeviceRules.Format(rule, index); // the same validation and messages as the v1 writer
        char type = string.IsNullOrEmpty(rule.Type) ? 'a' : rule.Type[0];
        if (type == 'a')
        {
            DefaultAllow = rule.Allow;
            Exceptions.Clear();
            return;
        }
        long major = Number(rule.Major, index, "major"), minor = Number(rule.Minor, index, "minor");
        DeviceAccessBits access = ParseAccess(rule.Access!);
        int at = Exceptions.FindIndex(e => e.Type == type && e.Major == major && e.Minor == minor);
        if (rule.Allow != DefaultAllow)
        {
            if (at < 0) Exceptions.Add(new DeviceException(type, major, minor, access));
            else Exceptions[at] = Exceptions[at] with { Access = Exceptions[at].Access | access };
        }
        else if (at >= 0)
        {
            DeviceAccessBits left = Exceptions[at].Access & ~access;
            if (left == 0) Exceptions.RemoveAt(at);
            else Exceptions[at] = Exceptions[at] with { Access = left };
        }
    }

    /// <summary>-1 (or absent) is the wildcard. Linux majors have 12 bits and minors 20, so anything past int is a mistake.</summary>
    private static long Number(long? n, int index, string what) => n switch
    {
        null or -1 => -1,
        >= 0 and <= int.MaxValue => n.Value,
        _ => throw new BerthException(ErrorKind.InvalidArgument, $"device rule {index}: {what} {n} is out of range"),
    };

    private static DeviceAccessBits ParseAccess(string access)
    {
        DeviceAccessBits bits = 0;
        foreach (char c in access)
            bits |= c switch { 'r' => DeviceAccessBits.Read, 'w' => DeviceAccessBits.Write, _ => DeviceAccessBits.Mknod };
        return bits;
    }
}
