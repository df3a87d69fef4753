using System.Diagnostics;
using Berth.Core;

namespace Berth.Cgroups.V2;

/// <summary>cgroup.freeze, confirmed through the "frozen" key of cgroup.events (runc fs2/freezer.go).</summary>
internal static class FreezerV2
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static void Set(CgroupDirectory dir, bool frozen)
    {
        if (!dir.Has("cgroup.freeze"))
            throw new BerthException(ErrorKind.FailedPrecondition, $"cannot {(frozen ? "pause" : "resume")}: {dir.FilePath("cgroup.freeze")} is missing (kernel < 5.2)");
        dir.Write("cgroup.freeze", frozen ? "1" : "0");
        var clock = Stopwatch.StartNew();
        while (ReadFrozen(dir) != frozen)
        {
            if (clock.Elapsed > Timeout)
            {
                if (frozen) dir.Write("cgroup.freeze", "0"); // do not leave it half-frozen
                throw new BerthException(ErrorKind.Unavailable, $"timed out after {Timeout.TotalSeconds}s waiting for {dir.Path} to {(frozen ? "freeze" : "thaw")}");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Frozen as requested by cgroup.freeze here (not only through an ancestor).</summary>
    public static bool IsFrozen(CgroupDirectory dir) => dir.TryRead("cgroup.freeze")?.Trim() == "1" && ReadFrozen(dir);

    private static bool ReadFrozen(CgroupDirectory dir) => dir.ReadKeyValues("cgroup.events").GetValueOrDefault("frozen") == 1;
}
