using Berth.Interop;
using Berth.Runtime.Init;

namespace Berth.Runtime.Tests.Lifecycle;

public sealed class MountOptionsTests
{
    [Fact]
    public void Flags_propagation_and_data_are_separated()
    {
        var o = MountOptions.Parse(["nosuid", "noexec", "ro", "rslave", "mode=755", "size=65536k"], "tmpfs");
        Assert.Equal(Libc.MS_NOSUID | Libc.MS_NOEXEC | Libc.MS_RDONLY, o.Flags);
        Assert.Equal(Libc.MS_SLAVE | Libc.MS_REC, o.Propagation);
        Assert.Equal("mode=755,size=65536k", o.Data);
        Assert.False(o.Bind);
    }

    [Fact]
    public void Later_options_override_earlier_ones()
    {
        var o = MountOptions.Parse(["ro", "rw", "nosuid", "suid"], "tmpfs");
        Assert.Equal(0UL, o.Flags);
    }

    [Theory]
    [InlineData("bind", false)]
    [InlineData("rbind", true)]
    public void Bind_and_rbind(string option, bool recursive)
    {
        var o = MountOptions.Parse([option], null);
        Assert.True(o.Bind);
        Assert.Equal(recursive, o.Recursive);
    }

    [Fact]
    public void Type_bind_is_a_bind_without_options() => Assert.True(MountOptions.Parse(null, "bind").Bind);

    [Fact]
    public void Root_propagation_defaults_to_rslave() =>
        Assert.Equal(Libc.MS_SLAVE | Libc.MS_REC, MountOptions.RootPropagation(null));

    [Fact]
    public void Unknown_root_propagation_is_refused() =>
        Assert.Throws<Berth.Core.BerthException>(() => MountOptions.RootPropagation("sideways"));
}
