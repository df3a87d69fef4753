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
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            // Made fresh, never truncated: FileMode.Create truncates, and ext4 writes a file truncated to zero
            // back when it is closed (its replace-by-truncate heuristic), as if it were fsync'd: 0.1-0.2 ms each.
            // A leftover of a writer with our pid that died is removed first.
            File.Delete(tmp);
            using (var fs = new FileStream(tmp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = mode,
            }))
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
