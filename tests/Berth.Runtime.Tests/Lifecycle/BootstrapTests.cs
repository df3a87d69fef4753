using Berth.Oci;
using Berth.Runtime.Launch;

namespace Berth.Runtime.Tests.Lifecycle;

/// <summary>What create asks the C stage to do, from the spec's namespaces and id maps.</summary>
public sealed class BootstrapTests
{
    private static RuntimeSpec Spec(params LinuxNamespace[] ns) => new()
    {
        Linux = new Linux
        {
            Namespaces = [.. ns],
            UIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = 100000, Size = 65536 }],
            GIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = 200000, Size = 10 }],
        },
        Process = new Process { OOMScoreAdj = -500 },
    };

    [Fact]
    public void New_namespaces_become_clone_flags_and_paths_are_joined()
    {
        var b = Bootstrap.FromSpec(Spec(new LinuxNamespace { Type = "pid" }, new LinuxNamespace { Type = "mount" },
            new LinuxNamespace { Type = "network", Path = "/var/run/netns/x" }));
        Assert.Equal(Bootstrap.CLONE_NEWPID | Bootstrap.CLONE_NEWNS, b.CloneFlags);
        Assert.Equal([(Bootstrap.CLONE_NEWNET, "/var/run/netns/x")], b.Join);
        Assert.Null(b.UidMap); // no new user namespace: maps are not sent
        Assert.Equal("-500", b.OomScoreAdj);
    }

    [Fact]
    public void A_new_user_namespace_carries_the_maps()
    {
        var b = Bootstrap.FromSpec(Spec(new LinuxNamespace { Type = "user" }));
        Assert.Equal(Bootstrap.CLONE_NEWUSER, b.CloneFlags);
        Assert.Equal("0 100000 65536\n", b.UidMap);
        Assert.Equal("0 200000 10\n", b.GidMap);
    }

    [Fact]
    public void Unknown_namespace_types_are_refused() =>
        Assert.Throws<Berth.Core.BerthException>(() => Bootstrap.FromSpec(Spec(new LinuxNamespace { Type = "pidd" })));
}
