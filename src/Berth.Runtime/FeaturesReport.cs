using Berth.Oci;
using Berth.Runtime.Init;

namespace Berth.Runtime;

/// <summary>What this build really supports, for "berth-runtime features".</summary>
public static class FeaturesReport
{
    public static Features Build() => new()
    {
        OciVersionMin = "1.0.0",
        OciVersionMax = DefaultSpec.OciVersion,
        Hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
        MountOptions = MountOptions.Known.Order(StringComparer.Ordinal).ToList(),
        Linux = new LinuxFeatures
        {
            Namespaces = [.. NamespaceTypes.All],
            Capabilities = Capabilities.All.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList(),
            Cgroup = new CgroupFeatures { V1 = true, V2 = true, Systemd = false, SystemdUser = false, Rdma = false },
            Seccomp = Seccomp.SeccompFilter.Features(),
            Apparmor = new EnabledFeature { Enabled = ProcessAttributes.AppArmorEnabled() },
            Selinux = new EnabledFeature { Enabled = false },
            IntelRdt = new IntelRdtFeatures { Enabled = false },
            MountExtensions = new MountExtensionsFeatures { IdMap = new EnabledFeature { Enabled = false } },
        },
    };
}
