using System.Diagnostics;
using Berth.Core;

namespace Berth.Cgroups.V1;

/// <summary>freezer.state FROZEN / THAWED (runc fs/freezer.go).</summary>
internal static class FreezerV1
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A v1 freeze can stall in FREEZING while tasks keep forking, so rewrite FROZEN until it sticks, thawing
    /// briefly now and then to let stragglers settle. If it never sticks, thaw and fail: a half-frozen container is worse.
    /// </summary>
    public static void Freeze(CgroupDirectory dir)
    {
        var clock = Stopwatch.StartNew();
        for (int attempt = 1; clock.Elapsed < Timeout; attempt++)
        {
            if (attempt % 50 == 0)
            {
                dir.Write("freezer.state", "THAWED");
                Thread.Sleep(10);
            }
            dir.Write("freezer.state", "FROZEN");
            string state = dir.Read("freezer.state").Trim();
            if (state == "FROZEN") return;
            if (state != "FREEZING")
            {
                Thaw(dir);
                throw new BerthException(ErrorKind.Internal, $"unexpected freezer state \"{state}\" in {dir.Path} while freezing");
            }
        }
        Thaw(dir);
        throw new BerthException(ErrorKind.Unavailable, $"unable to freeze {dir.Path}: still FREEZING after {Timeout.TotalSeconds}s");
    }

    public static void Thaw(CgroupDirectory dir)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            dir.Write("freezer.state", "THAWED");
            string state = dir.Read("freezer.state").Trim();
            if (state == "THAWED") return;
            if (clock.Elapsed > Timeout)
                throw new BerthException(ErrorKind.Unavailable, $"unable to thaw {dir.Path}: state is {state}");
            Thread.Sleep(1);
        }
    }

    /// <summary>Frozen by us, not merely because an ancestor is frozen (freezer.self_freezing).</summary>
    public static bool IsFrozen(CgroupDirectory dir)
    {
        if (!dir.Exists) return false;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string state = (dir.TryRead("freezer.state") ?? "THAWED").Trim();
            switch (state)
            {
                case "THAWED":
                    return false;
                case "FROZEN":
                    return dir.TryRead("freezer.self_freezing") is not { } self || self.Trim() == "1";
                case "FREEZING" when clock.Elapsed < Timeout:
                    Thread.Sleep(1); // wait for a stable answer
                    continue;
                default:
                    throw new BerthException(ErrorKind.Internal, $"unexpected freezer state \"{state}\" in {dir.Path}");
            }
        }
    }
}
