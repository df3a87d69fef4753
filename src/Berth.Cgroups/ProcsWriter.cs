namespace Berth.Cgroups;

/// <summary>Joins a process to a cgroup through cgroup.procs.</summary>
internal static class ProcsWriter
{
    /// <summary>
    /// A task that is still being created (TASK_NEW) is refused with EINVAL for a moment; retry a few times,
    /// as runc's WriteCgroupProc does.
    /// </summary>
    public static void Add(CgroupDirectory dir, int pid)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                dir.Write("cgroup.procs", CgroupValues.Str(pid));
                return;
            }
            catch (CgroupIoException e) when (e.Errno == Errno.EINVAL && attempt < 5)
            {
                Thread.Sleep(30);
            }
        }
    }
}
