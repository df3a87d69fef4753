namespace Berth.Oci.Tests;

public sealed class NamesTests
{
    [Fact]
    public void Capabilities_Cover0To40()
    {
        Assert.Equal(41, Capabilities.All.Count);
        Assert.Equal(0, Capabilities.All["CAP_CHOWN"]);
        Assert.Equal(21, Capabilities.All["CAP_SYS_ADMIN"]);
        Assert.Equal(29, Capabilities.All["CAP_AUDIT_WRITE"]);
        Assert.Equal(Capabilities.LastKnown, Capabilities.All["CAP_CHECKPOINT_RESTORE"]);
        Assert.Equal(Enumerable.Range(0, 41), Capabilities.All.Values.Order());
    }

    [Fact]
    public void Rlimits_MatchLinuxNumbers()
    {
        Assert.Equal(16, Rlimits.Names.Count);
        Assert.Equal(0, Rlimits.Names["RLIMIT_CPU"]);
        Assert.Equal(7, Rlimits.Names["RLIMIT_NOFILE"]);
        Assert.Equal(9, Rlimits.Names["RLIMIT_AS"]);
        Assert.Equal(15, Rlimits.Names["RLIMIT_RTTIME"]);
    }
}
