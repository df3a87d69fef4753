using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>Capability sets and no_new_privs as /proc/self/status shows them.</summary>
public sealed class CapabilityTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private static readonly string[] PrintStatus = ["cat", "/proc/self/status"];

    // CAP_KILL (5) | CAP_NET_BIND_SERVICE (10) | CAP_AUDIT_WRITE (29)
    private const string DefaultCaps = "0000000020000420";

    [RootFact]
    public void Default_spec_caps_show_up_as_bitmasks()
    {
        string status = _sb.NewContainer(PrintStatus).Run().Ok().Stdout;
        Assert.Equal(DefaultCaps, HostProcesses.StatusField(status, "CapBnd"));
        Assert.Equal(DefaultCaps, HostProcesses.StatusField(status, "CapEff"));
        Assert.Equal(DefaultCaps, HostProcesses.StatusField(status, "CapPrm"));
        Assert.Equal("0000000000000000", HostProcesses.StatusField(status, "CapInh"));
        // The default spec lists ambient caps but no inheritable ones: the kernel cannot raise them.
        Assert.Equal("0000000000000000", HostProcesses.StatusField(status, "CapAmb"));
    }

    [RootFact]
    public void Added_CAP_SYS_ADMIN_sets_bit_21()
    {
        var c = _sb.NewContainer(PrintStatus).Edit(s =>
        {
            var caps = s.Process!.Capabilities!;
            foreach (var set in new[] { caps.Bounding!, caps.Effective!, caps.Permitted! }) set.Add("CAP_SYS_ADMIN");
        });
        string status = c.Run().Ok().Stdout;
        Assert.Equal("0000000020200420", HostProcesses.StatusField(status, "CapBnd"));
        Assert.Equal("0000000020200420", HostProcesses.StatusField(status, "CapEff"));
    }

    [RootFact]
    public void Empty_capability_sets_leave_nothing()
    {
        var c = _sb.NewContainer(PrintStatus).Edit(s => s.Process!.Capabilities = new LinuxCapabilities());
        string status = c.Run().Ok().Stdout;
        foreach (string set in new[] { "CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb" })
            Assert.Equal("0000000000000000", HostProcesses.StatusField(status, set));
    }

    [RootFact]
    public void Non_root_user_gets_ambient_caps_when_inheritable_and_permitted()
    {
        var c = _sb.NewContainer(PrintStatus).Edit(s =>
        {
            s.Process!.User = new User { UID = 1000, GID = 1000 };
            List<string> bind = ["CAP_NET_BIND_SERVICE"];
            s.Process.Capabilities = new LinuxCapabilities { Bounding = bind, Effective = bind, Permitted = bind, Inheritable = bind, Ambient = bind };
        });
        string status = c.Run().Ok().Stdout;
        Assert.Equal("1000", HostProcesses.StatusField(status, "Uid").Split('\t')[0]);
        Assert.Equal("0000000000000400", HostProcesses.StatusField(status, "CapAmb"));
        Assert.Equal("0000000000000400", HostProcesses.StatusField(status, "CapEff"));
    }

    [RootFact]
    public void No_new_privileges_true_sets_NoNewPrivs()
    {
        var c = _sb.NewContainer(PrintStatus).Edit(s => s.Process!.NoNewPrivileges = true);
        Assert.Equal("1", HostProcesses.StatusField(c.Run().Ok().Stdout, "NoNewPrivs"));
    }

    [RootFact]
    public void No_new_privileges_false_leaves_NoNewPrivs_clear()
    {
        var c = _sb.NewContainer(PrintStatus).Edit(s => s.Process!.NoNewPrivileges = false);
        Assert.Equal("0", HostProcesses.StatusField(c.Run().Ok().Stdout, "NoNewPrivs"));
    }
}
