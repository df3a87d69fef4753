using Berth.Integration.Tests.Infrastructure;
using Xunit.Sdk;

namespace Berth.Integration.Tests;

/// <summary>The "nothing left behind" checks must be able to fail, or the bad-input tests prove nothing.</summary>
public sealed class HarnessTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    [RootFact]
    public void Leftover_checks_see_a_live_container()
    {
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        Assert.Contains(c.Pid, c.HostProcesses());
        Assert.Contains(c.CgroupDirs(), Directory.Exists);
        Assert.ThrowsAny<XunitException>(c.AssertNothingLeft);
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void FailsWith_wants_exactly_one_matching_line()
    {
        var twoLines = new RunResult(1, "", "first\nsecond\n", TimeSpan.Zero);
        Assert.ThrowsAny<XunitException>(() => twoLines.FailsWith("first"));
        Assert.ThrowsAny<XunitException>(() => new RunResult(0, "", "oops\n", TimeSpan.Zero).FailsWith("oops"));
        new RunResult(1, "", "oops\n", TimeSpan.Zero).FailsWith("oops");
    }
}
