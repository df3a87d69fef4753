using Berth.Cgroups.V2.Devices;
using Berth.Interop;

namespace Berth.Cgroups.Tests;

/// <summary>Stands in for the kernel on a fake tree: remembers each program and where it would have gone.</summary>
public sealed class RecordingDevicePrograms : IDevicePrograms
{
    public List<(string Directory, BpfInsn[] Program)> Replaced { get; } = [];

    public void Replace(string cgroupDirectory, IReadOnlyList<BpfInsn> program) => Replaced.Add((cgroupDirectory, [.. program]));
}
