using System.Diagnostics;

namespace Berth.Cgroups;

/// <summary>Directory-level operations shared by the v1 and v2 managers.</summary>
internal static class CgroupTree
{
    private const UnixFileMode DirMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>mkdir -p with mode 0755, as runc.</summary>
    public static void CreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path, DirMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupIoException(Errno.Of(e), $"mkdir {path}: {Errno.Describe(e)}", e);
        }
    }

    /// <summary>Pids in <paramref name="dir"/> and every descendant cgroup.</summary>
    public static List<int> ReadProcsRecursive(string dir)
    {
        var pids = new List<int>();
        var pending = new Stack<string>();
        pending.Push(dir);
        while (pending.TryPop(out string? current))
        {
            if (!Directory.Exists(current)) continue;
            pids.AddRange(new CgroupDirectory(current).ReadProcs());
            try
            {
                foreach (string child in Directory.EnumerateDirectories(current)) pending.Push(child);
            }
            catch (DirectoryNotFoundException)
            {
                // removed while we walked it
            }
        }
        return pids;
    }

    /// <summary>
    /// rmdir of <paramref name="dir"/> and its descendants, deepest first. Returns the error that stopped it
    /// (EBUSY while processes remain), or null once the directory is gone.
    /// </summary>
    public static Exception? TryRemove(string dir)
    {
        try
        {
            // Most often there is no child cgroup: one rmdir, without stat and listing first.
            Directory.Delete(dir, recursive: false);
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException e) when (Errno.Of(e) is Errno.EBUSY or Errno.ENOTEMPTY)
        {
            // children (or live processes): below
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e;
        }
        try
        {
            foreach (string child in Directory.EnumerateDirectories(dir))
            {
                if (TryRemove(child) is { } childError) return childError;
            }
            RemoveOne(dir);
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e;
        }
    }

    private static void RemoveOne(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: false);
        }
        catch (IOException e) when (Errno.Of(e) == Errno.ENOTEMPTY)
        {
            // cgroupfs answers EBUSY, never ENOTEMPTY, so this is a plain directory tree (a test fixture)
            // whose control "files" are real files: drop them and try once more.
            foreach (string file in Directory.EnumerateFiles(dir)) File.Delete(file);
            Directory.Delete(dir, recursive: false);
        }
    }

    /// <summary>SIGKILL, skipping ourselves and pids that already went away.</summary>
    public static void Kill(IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            if (pid <= 1 || pid == Environment.ProcessId) continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(); // SIGKILL on Unix
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already exited
            }
        }
    }

    /// <summary>
    /// Removes every directory, killing what is left in them between attempts, with a doubling delay for
    /// about one second in total. <paramref name="killAll"/> kills and, where needed, thaws.
    /// </summary>
    public static void RemoveWithRetry(IReadOnlyList<string> required, IReadOnlyList<string> bestEffort, Action killAll)
    {
        var delay = TimeSpan.FromMilliseconds(10);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Exception? failure = null;
            string? failedDir = null;
            foreach (string dir in required)
            {
                if (TryRemove(dir) is { } e && failure is null) (failure, failedDir) = (e, dir);
            }
            bool bestEffortLeft = false;
            foreach (string dir in bestEffort)
                bestEffortLeft |= TryRemove(dir) is not null;

            if (failure is null && !bestEffortLeft) return;
            if (clock.Elapsed > TimeSpan.FromSeconds(1))
            {
                if (failure is null) return; // tracking-only hierarchies are best effort
                throw new CgroupIoException(Errno.Of(failure), $"remove cgroup {failedDir}: {Errno.Describe(failure)}", failure);
            }
            killAll();
            Thread.Sleep(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }
}
