using Berth.Core;

namespace Berth.Cgroups.Tests;

internal static class TestSupport
{
    /// <summary>Records every cgroup file write made by this test from here on, in order.</summary>
    public static List<(string File, string Value)> RecordWrites()
    {
        var log = new List<(string File, string Value)>();
        CgroupDirectory.WriteLog.Value = log;
        return log;
    }

    /// <summary>The recorded writes as "relative/path=value", relative to <paramref name="root"/>.</summary>
    public static List<string> Relative(this List<(string File, string Value)> log, string root) =>
        log.Select(w => $"{Path.GetRelativePath(root, w.File)}={w.Value}").ToList();

    public static BerthException Fails(ErrorKind kind, Action action)
    {
        var e = Assert.ThrowsAny<BerthException>(action);
        Assert.Equal(kind, e.Kind);
        return e;
    }
}
