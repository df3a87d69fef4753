using System.Globalization;
using Berth.Core;
using Berth.Runtime.Init;
using Berth.Interop;

namespace Berth.Runtime.Launch;

/// <summary>
/// A copy of the runtime binary in &lt;dir&gt;/&lt;build key&gt;/, bind-mounted read-only onto itself: nothing
/// can write it (EROFS), and a container cannot remount a mount of the host's mount namespace.
/// </summary>
internal static class ReadonlyCopy
{
    private const string Name = "berth-runtime";

    /// <summary>Next to each copy: the path of the binary it was copied from.</summary>
    private const string SourceFile = "source";

    /// <summary>The build identity: a rebuilt binary gets a new copy.</summary>
    private static string BuildKey(FileInfo binary) =>
        string.Create(CultureInfo.InvariantCulture, $"{binary.Length:x}-{binary.LastWriteTimeUtc.Ticks:x}");

    public static string Ensure(string dir)
    {
        var self = new FileInfo(File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: true)?.FullName
            ?? throw new BerthException(ErrorKind.Internal, "cannot resolve /proc/self/exe"));
        if (!self.Exists) throw new BerthException(ErrorKind.Internal, "the runtime binary was deleted");
        string key = BuildKey(self);
        string copyDir = Path.Combine(dir, key);
        string copy = Path.Combine(copyDir, Name);
        if (IsReady(copyDir, copy)) return copy;

        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var lockFile = new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        lockFile.Lock(0, 0); // one creator at a time; the others find it ready
        try
        {
            if (IsReady(copyDir, copy)) return copy;
            RemoveStale(dir);
            Directory.CreateDirectory(copyDir);
            string tmp = copy + ".tmp";
            File.Copy(self.FullName, tmp, overwrite: true);
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            File.Move(tmp, copy, overwrite: true);
            File.WriteAllText(Path.Combine(copyDir, SourceFile), self.FullName);
            Mounter.Do(copyDir, copyDir, null, Libc.MS_BIND, null);
            Mounter.Do(null, copyDir, null, Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY | Libc.MS_NODEV | Libc.MS_NOSUID, null);
            return copy;
        }
        finally { lockFile.Unlock(0, 0); }
    }

    private static bool IsReady(string copyDir, string copy) =>
        File.Exists(copy) && (MountInfo.StatFlags(copyDir) & Libc.MS_RDONLY) != 0;

    /// <summary>
    /// Copies whose binary was rebuilt or removed: lazily unmounted (running processes keep theirs) and
    /// removed, best effort. Copies of other binaries that still exist stay: two installed runtimes (or two
    /// builds being tested side by side) must not keep removing each other's copy while it is in use.
    /// </summary>
    private static void RemoveStale(string dir)
    {
        foreach (string old in Directory.EnumerateDirectories(dir))
        {
            if (!IsStale(old)) continue;
            Libc.Umount2(old, Libc.MNT_DETACH);
            try { Directory.Delete(old, recursive: true); }
            catch (IOException) { }
        }
    }

    private static bool IsStale(string copyDir)
    {
        try
        {
            var source = new FileInfo(File.ReadAllText(Path.Combine(copyDir, SourceFile)));
            return !source.Exists || BuildKey(source) != Path.GetFileName(copyDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return true; // no record of its source: from an older runtime, or half made
        }
    }
}
