using Berth.Oci;

namespace Berth.Cgroups.V1;

/// <summary>
/// devices.allow / devices.deny: deny everything, then replay the rules in order, so the result is exactly the
/// spec's list. (runc ≥ 1.0 computes a minimal transition instead, which avoids a short deny-all window during
/// `update` of a running container; we have no such caller yet.)
/// </summary>
internal static class DevicesV1
{
    public static bool IsSet(List<LinuxDeviceCgroup>? devices) => devices is not null;

    public static void Apply(List<LinuxDeviceCgroup> devices, CgroupDirectory dir)
    {
        // validate everything before the first write
        string[] rules = devices.Select((rule, i) => DeviceRules.Format(rule, i)).ToArray();
        dir.Write("devices.deny", "a");
        for (int i = 0; i < rules.Length; i++)
            dir.Write(devices[i].Allow ? "devices.allow" : "devices.deny", rules[i]);
    }
}
