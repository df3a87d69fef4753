using System.Text;

namespace Berth.Oci.Tests;

public sealed class FeaturesTests
{
    [Fact]
    public void Features_RoundTripWithSpecNames()
    {
        var features = new Features
        {
            OciVersionMin = "1.0.0",
            OciVersionMax = "1.2.0",
            Hooks = ["prestart", "createRuntime"],
            MountOptions = ["ro", "rbind"],
            Linux = new LinuxFeatures
            {
                Namespaces = [.. NamespaceTypes.All],
                Capabilities = [.. Capabilities.All.Keys],
                Cgroup = new CgroupFeatures { V1 = false, V2 = true, Systemd = true, SystemdUser = true, Rdma = true },
                Seccomp = new SeccompFeatures
                {
                    Enabled = true, Actions = [.. SeccompNames.Actions], Operators = [.. SeccompNames.Operators],
                    Archs = ["SCMP_ARCH_X86_64"], KnownFlags = [.. SeccompNames.Flags], SupportedFlags = ["SECCOMP_FILTER_FLAG_LOG"],
                },
                Apparmor = new EnabledFeature { Enabled = false },
                Selinux = new EnabledFeature { Enabled = false },
                IntelRdt = new IntelRdtFeatures { Enabled = true },
                MountExtensions = new MountExtensionsFeatures { IdMap = new EnabledFeature { Enabled = true } },
            },
            Annotations = new() { ["org.berth.version"] = "0.1.0" },
        };

        string json = OciJson.WriteIndented(features);
        Features back = OciJson.Read(Encoding.UTF8.GetBytes(json), OciJsonContext.Default.Features, "features");

        Assert.Contains("\"ociVersionMin\": \"1.0.0\"", json);
        Assert.Contains("\"systemdUser\": true", json);
        Assert.Contains("\"mountExtensions\": {\n      \"idmap\": {\n        \"enabled\": true", json.ReplaceLineEndings("\n"));
        Assert.Contains("\"knownFlags\"", json);
        Assert.Equal(41, back.Linux!.Capabilities!.Count);
        Assert.True(back.Linux.MountExtensions!.IdMap!.Enabled);
        Assert.False(back.Linux.Cgroup!.V1);
    }
}
