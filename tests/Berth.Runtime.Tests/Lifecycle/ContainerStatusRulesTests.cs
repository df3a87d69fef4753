using Berth.Runtime.State;

namespace Berth.Runtime.Tests.Lifecycle;

public sealed class ContainerStatusRulesTests
{
    [Theory]
    [InlineData(ContainerStatus.Creating, false, false, false, false, false)]
    [InlineData(ContainerStatus.Created, true, true, false, false, false)]
    [InlineData(ContainerStatus.Running, false, true, true, false, false)]
    [InlineData(ContainerStatus.Paused, false, true, false, true, false)]
    [InlineData(ContainerStatus.Stopped, false, false, false, false, true)]
    public void Transitions_follow_the_runtime_spec(ContainerStatus s, bool start, bool kill, bool pause, bool resume, bool delete)
    {
        Assert.Equal(start, s.CanStart());
        Assert.Equal(kill, s.CanKill());
        Assert.Equal(pause, s.CanPause());
        Assert.Equal(resume, s.CanResume());
        Assert.Equal(delete, s.CanDelete());
    }

    [Theory]
    [InlineData(ContainerStatus.Created, "created")]
    [InlineData(ContainerStatus.Running, "running")]
    [InlineData(ContainerStatus.Paused, "paused")]
    [InlineData(ContainerStatus.Stopped, "stopped")]
    public void Status_names_are_the_specs(ContainerStatus s, string name) => Assert.Equal(name, s.ToOci());
}
