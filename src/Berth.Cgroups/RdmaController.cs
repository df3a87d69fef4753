using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups;

/// <summary>rdma.max, one "&lt;device&gt; hca_handle=N hca_object=M" line per device: the same on v1 and v2.</summary>
internal static class RdmaController
{
    public static bool IsSet(Dictionary<string, LinuxRdma>? rdma) => rdma is { Count: > 0 };

    public static void Apply(Dictionary<string, LinuxRdma> rdma, CgroupDirectory dir)
    {
        foreach ((string device, LinuxRdma limits) in rdma)
        {
            if (device.Length == 0 || device.Any(char.IsWhiteSpace))
                throw new BerthException(ErrorKind.InvalidArgument, $"rdma device name \"{device}\" is empty or contains whitespace");
            string line = device;
            if (limits.HcaHandles is { } handles) line += " hca_handle=" + CgroupValues.Str(handles);
            if (limits.HcaObjects is { } objects) line += " hca_object=" + CgroupValues.Str(objects);
            dir.Write("rdma.max", line);
        }
    }
}
