namespace Berth.Core;

/// <summary>Crash-safe file writes: temp file in the same directory, fsync (unless volatile), rename.</summary>
public static class AtomicFile
{
    private const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode = DefaultMode) => Write(path, data, mode, durable: true);

    /// <summary>
    /// Atomic but not durable (no fsync): for files that describe live processes (runtime state, pid files),
    /// which a writer that dies must never leave half-written, but which mean nothing after a power loss,
    /// since no process outlives it. They usually live on tmpfs, where fsync does nothing anyway.
    /// </summary>
    public static void WriteVolatile(string path, ReadOnlySpan<byte> data) => Write(path, data, DefaultMode, durable: false);

    private static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode, bool durable)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // A random name: two writers of one file (threads of berthd, runtimes in different PID namespaces sharing
        // a root) must never publish each other's half-written temp file.
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        // Made fresh (O_EXCL: never through a planted symlink), never truncated: ext4 writes a file truncated to
        // zero back when it is closed (its replace-by-truncate heuristic), as if it were fsync'd.
        var fs = new FileStream(tmp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = mode,
        });
        try
        {
            using (fs)
            {
                fs.Write(data);
                fs.Flush(flushToDisk: durable); // fsync before rename makes the new content durable
            }
            File.Move(tmp, path, overwrite: true); // rename(2) is atomic within one filesystem
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    public static void WriteText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));
}
