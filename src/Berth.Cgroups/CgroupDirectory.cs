using System.Globalization;
using System.Text;

namespace Berth.Cgroups;

/// <summary>One cgroup directory in one hierarchy, and the only place that touches its files.</summary>
internal sealed class CgroupDirectory(string path)
{
    public string Path { get; } = path;

    /// <summary>
    /// Test seam: when set for the current async flow, every write is appended here as (file path, value), so tests
    /// can check the order of writes that a plain-file tree would overwrite (devices.deny, io.max, ...).
    /// </summary>
    internal static readonly AsyncLocal<List<(string File, string Value)>?> WriteLog = new();

    public bool Exists => Directory.Exists(Path);

    public string FilePath(string file) => System.IO.Path.Join(Path, file);

    public bool Has(string file) => File.Exists(FilePath(file));

    /// <summary>
    /// One write(2) of <paramref name="value"/>. Opens without O_CREAT (a missing file means a missing
    /// controller, not something to create) and truncates, which is meaningless on cgroupfs but keeps a
    /// plain-file test tree exact.
    /// </summary>
    public void Write(string file, string value) => WriteChunks(file, value, [value]);

    /// <summary>Writes each line with its own write(2), as the kernel takes one command per write (runc WriteFileByLine).</summary>
    public void WriteLines(string file, string value)
    {
        var lines = new List<string>();
        int start = 0;
        while (start < value.Length)
        {
            int nl = value.IndexOf('\n', start);
            int end = nl < 0 ? value.Length : nl + 1;
            lines.Add(value[start..end]);
            start = end;
        }
        WriteChunks(file, value, lines.Count == 0 ? [value] : lines);
    }

    public void Write(string file, long value) => Write(file, value.ToString(CultureInfo.InvariantCulture));

    public void Write(string file, ulong value) => Write(file, value.ToString(CultureInfo.InvariantCulture));

    private void WriteChunks(string file, string value, IReadOnlyList<string> chunks)
    {
        string full = FilePath(file);
        WriteLog.Value?.Add((full, value));
        try
        {
            using var stream = new FileStream(full, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            foreach (string chunk in chunks)
                stream.Write(Encoding.UTF8.GetBytes(chunk));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            int errno = Errno.Of(e);
            throw new CgroupIoException(errno, $"write {full} = {value.TrimEnd('\n')}: {Errno.Describe(e)}", e);
        }
    }

    public string Read(string file)
    {
        string full = FilePath(file);
        try
        {
            return File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupIoException(Errno.Of(e), $"read {full}: {Errno.Describe(e)}", e);
        }
    }

    /// <summary>The file's content, or null when the file does not exist (an optional kernel feature).</summary>
    public string? TryRead(string file)
    {
        try
        {
            return File.ReadAllText(FilePath(file));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupIoException(Errno.Of(e), $"read {FilePath(file)}: {Errno.Describe(e)}", e);
        }
    }

    /// <summary>A single-number file; "max" reads as <see cref="ulong.MaxValue"/>. Null when the file is missing.</summary>
    public ulong? TryReadUInt(string file) => TryRead(file) is { } text ? CgroupValues.ParseUInt(text.Trim(), FilePath(file)) : null;

    /// <summary>"key value" lines (memory.stat, cpu.stat, memory.events); empty when the file is missing.</summary>
    public Dictionary<string, ulong> ReadKeyValues(string file)
    {
        var map = new Dictionary<string, ulong>(StringComparer.Ordinal);
        string? text = TryRead(file);
        if (text is null) return map;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (kv.Length == 2) map[kv[0]] = CgroupValues.ParseUInt(kv[1], FilePath(file));
        }
        return map;
    }

    /// <summary>Pids listed in this directory's cgroup.procs (not descendants).</summary>
    public List<int> ReadProcs()
    {
        string? text = TryRead("cgroup.procs");
        var pids = new List<int>();
        if (text is null) return pids;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) pids.Add(pid);
        return pids;
    }
}
