using Berth.Interop;

namespace Berth.Cgroups.V2.Devices;

/// <summary>
/// Where the v2 manager puts a device program: the kernel (<see cref="BpfDevicePrograms"/>), or a
/// recorder in tests on a fake cgroup tree, which has no cgroup2 fd to attach to.
/// </summary>
public interface IDevicePrograms
{
    /// <summary>Attaches <paramref name="program"/> to the cgroup2 directory and then detaches whatever device program was there before.</summary>
    void Replace(string cgroupDirectory, IReadOnlyList<BpfInsn> program);
}
