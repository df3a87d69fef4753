namespace Berth.Cgroups;

/// <summary>
/// Takes the kernel's cgroup attach lock once, early, on a background thread, so that the runtime's real
/// attach (init or an exec'd process into the container's cgroup) does not wait for it.
/// </summary>
/// <remarks>
/// Every write to a cgroup.procs file takes one global lock (cgroup_threadgroup_rwsem) for writing. Taken
/// after a quiet spell, that waits for an RCU grace period: about 5 ms here, on the critical path of
/// create and exec. For about one grace period after a writer lets go, the next writer gets it at once.
/// Moving ourselves into the cgroup we are already in changes nothing but takes the lock. It runs while
/// the caller parses the spec and starts the child, and is repeated every 2 ms until the caller's own
/// attach is done (200 ms at most), so that attach finds the lock warm.
/// Best effort: any failure (rootless, no cgroupfs) only loses the head start.
/// </remarks>
public sealed class AttachWarmup : IDisposable
{
    /// <summary>Writes are repeated this often while the caller is not done, to keep the lock warm.</summary>
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan AtMost = TimeSpan.FromMilliseconds(200);

    private readonly ManualResetEventSlim _done = new();

    private AttachWarmup(CgroupFs fs) =>
        new Thread(() => Run(fs)) { IsBackground = true, Name = "cgroup warm-up" }.Start();

    /// <summary>Starts warming; dispose once the real attach is done.</summary>
    public static AttachWarmup Start(CgroupFs fs) => new(fs);

    public void Dispose() => _done.Set();

    private void Run(CgroupFs fs)
    {
        try
        {
            if (OwnProcsFile(fs) is not string procs) return;
            byte[] pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            do File.WriteAllBytes(procs, pid);
            while (!_done.Wait(Every) && clock.Elapsed < AtMost);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Core.BerthException)
        {
        }
    }

    /// <summary>The cgroup.procs of the cgroup this process is in, in the first hierarchy we can see it in.</summary>
    private static string? OwnProcsFile(CgroupFs fs)
    {
        var mounts = fs.ReadMounts();
        foreach (var entry in fs.ReadSelfCgroup())
        {
            var mount = mounts.FirstOrDefault(m => entry.IsV2 ? m.IsV2 : !m.IsV2 && entry.Controllers.All(m.SuperOptions.Contains));
            if (mount is null || !entry.Path.StartsWith(mount.Root, StringComparison.Ordinal)) continue;
            string relative = entry.Path[mount.Root.Length..].Trim('/');
            return Path.Combine(mount.MountPoint, relative, "cgroup.procs");
        }
        return null;
    }
}
