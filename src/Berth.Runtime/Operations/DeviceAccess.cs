using Berth.Oci;

namespace Berth.Runtime.Operations;

/// <summary>
/// The device cgroup must let the container use the devices the runtime itself provides (the default
/// /dev set, ptys, and linux.devices), whatever the spec's rules deny, as runc does.
/// </summary>
internal static class DeviceAccess
{
    private static readonly (string Type, long? Major, long? Minor)[] Defaults =
    [
        ("c", 1, 3), ("c", 1, 5), ("c", 1, 7), ("c", 1, 8), ("c", 1, 9), // null zero full random urandom
        ("c", 5, 0), ("c", 5, 1), ("c", 5, 2),                           // tty console ptmx
        ("c", 136, null),                                                 // /dev/pts/*
    ];

    /// <summary>Without rules in the spec, the device cgroup still starts from deny-all, as runc's does.</summary>
    public static LinuxResources WithRuntimeDevices(LinuxResources? resources, IEnumerable<LinuxDevice>? devices)
    {
        resources ??= new LinuxResources();
        var rules = new List<LinuxDeviceCgroup>(resources.Devices ?? [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }]);
        rules.AddRange(Defaults.Select(d => new LinuxDeviceCgroup { Allow = true, Type = d.Type, Major = d.Major, Minor = d.Minor, Access = "rwm" }));
        rules.AddRange((devices ?? []).Select(d => new LinuxDeviceCgroup
        {
            Allow = true, Type = d.Type == "u" ? "c" : d.Type, Major = d.Major, Minor = d.Minor, Access = "rwm",
        }));
        return new LinuxResources
        {
            Devices = rules, Memory = resources.Memory, Cpu = resources.Cpu, Pids = resources.Pids, BlockIO = resources.BlockIO,
            HugepageLimits = resources.HugepageLimits, Network = resources.Network, Rdma = resources.Rdma, Unified = resources.Unified,
        };
    }
}
