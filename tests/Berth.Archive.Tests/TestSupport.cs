using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Archive.Tests;

/// <summary>A fact that needs root (mknod, chown, trusted.* and security.* xattrs); skipped otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!T.IsRoot) Skip = "needs root";
    }
}

/// <summary>A fact about what an unprivileged caller gets; skipped when running as root.</summary>
public sealed class NonRootFactAttribute : FactAttribute
{
    public NonRootFactAttribute()
    {
        if (T.IsRoot) Skip = "needs to run without root";
    }
}

/// <summary>A fact that needs libzstd.so.1 and the zstd CLI (to make test data).</summary>
public sealed class ZstdFactAttribute : FactAttribute
{
    public ZstdFactAttribute()
    {
        if (!ZstdDecompressionStream.IsSupported) Skip = "needs libzstd.so.1";
        else if (T.FindTool("zstd") is null) Skip = "needs the zstd CLI to make test data";
    }
}

/// <summary>A fact that needs root and overlayfs.</summary>
public sealed class OverlayFactAttribute : FactAttribute
{
    public OverlayFactAttribute()
    {
        if (!T.IsRoot) Skip = "needs root";
        else if (!File.ReadAllText("/proc/filesystems").Contains("overlay", StringComparison.Ordinal)) Skip = "needs overlayfs";
    }
}

/// <summary>Small helpers shared by the tests.</summary>
internal static class T
{
    public static bool IsRoot => Libc.Geteuid() == 0;

    /// <summary>Mode from its octal spelling: O("4755").</summary>
    public static int O(string octal) => Convert.ToInt32(octal, 8);

    public static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static Libc.Statx Lstat(string path)
    {
        if (Libc.StatxAt(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st) < 0)
            throw new ErrnoException("statx", Check.LastErrno, path);
        return st;
    }

    public static bool LExists(string path) => Libc.StatxAt(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, out _) == 0;

    public static int Perm(string path) => Lstat(path).Mode & 0xfff;

    /// <summary>Same inode, both resolved inside <paramref name="root"/> with chroot semantics (containerd's sameFile).</summary>
    public static bool SameFileInRoot(string root, string a, string b)
    {
        string pa = SecureJoin.Join(root, a), pb = SecureJoin.Join(root, b);
        if (Libc.StatxAt(Libc.AT_FDCWD, pa, 0, out Libc.Statx sa) < 0) return false;
        if (Libc.StatxAt(Libc.AT_FDCWD, pb, 0, out Libc.Statx sb) < 0) return false;
        return sa.Ino == sb.Ino && sa.DevMajor == sb.DevMajor && sa.DevMinor == sb.DevMinor;
    }

    public static string Sha256(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    public static LayerApplyResult Apply(byte[] layer, string root, LayerApplyOptions? options = null) =>
        LayerApplier.Apply(new MemoryStream(layer, writable: false), root, options ?? LayerApplyOptions.Default);

    /// <summary>Runs a tool with <paramref name="input"/> on stdin and returns its stdout.</summary>
    public static byte[] Pipe(string tool, string args, byte[] input)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        var output = new MemoryStream();
        Task copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        Task<string> err = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(input);
        p.StandardInput.Close();
        copy.Wait();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {args}: exit {p.ExitCode}: {err.Result}");
        return output.ToArray();
    }

    public static void Run(string tool, string args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {args}: exit {p.ExitCode}: {err}");
    }
}

/// <summary>Builds a pax tar in memory with TarWriter. Defaults: root-owned, a fixed mtime.</summary>
internal sealed class TarBuilder
{
    private readonly MemoryStream _ms = new();
    private readonly TarWriter _writer;

    public int Uid { get; set; }
    public int Gid { get; set; }
    public DateTimeOffset MTime { get; set; } = new(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public TarBuilder() => _writer = new TarWriter(_ms, TarEntryFormat.Pax, leaveOpen: true);

    public TarBuilder Dir(string name, string mode = "755", IDictionary<string, string>? xattrs = null) =>
        Add(Entry(TarEntryType.Directory, name, mode, xattrs));

    public TarBuilder File(string name, string content, string mode = "644", IDictionary<string, string>? xattrs = null) =>
        File(name, Encoding.UTF8.GetBytes(content), mode, xattrs);

    public TarBuilder File(string name, byte[] content, string mode = "644", IDictionary<string, string>? xattrs = null)
    {
        PaxTarEntry e = Entry(TarEntryType.RegularFile, name, mode, xattrs);
        e.DataStream = new MemoryStream(content);
        return Add(e);
    }

    public TarBuilder Symlink(string target, string name)
    {
        PaxTarEntry e = Entry(TarEntryType.SymbolicLink, name, "777", null);
        e.LinkName = target;
        return Add(e);
    }

    public TarBuilder Link(string target, string name, string mode = "644")
    {
        PaxTarEntry e = Entry(TarEntryType.HardLink, name, mode, null);
        e.LinkName = target;
        return Add(e);
    }

    public TarBuilder Fifo(string name, string mode = "644") => Add(Entry(TarEntryType.Fifo, name, mode, null));

    public TarBuilder CharDevice(string name, int major, int minor, string mode = "666")
    {
        PaxTarEntry e = Entry(TarEntryType.CharacterDevice, name, mode, null);
        e.DeviceMajor = major;
        e.DeviceMinor = minor;
        return Add(e);
    }

    /// <summary>An empty regular file, the usual shape of a whiteout.</summary>
    public TarBuilder Whiteout(string name) => Add(Entry(TarEntryType.RegularFile, name, "644", null));

    public TarBuilder With(Action<TarBuilder> action)
    {
        action(this);
        return this;
    }

    private PaxTarEntry Entry(TarEntryType type, string name, string mode, IDictionary<string, string>? xattrs)
    {
        PaxTarEntry e = xattrs is null
            ? new PaxTarEntry(type, name)
            : new PaxTarEntry(type, name, xattrs.Select(kv => new KeyValuePair<string, string>("SCHILY.xattr." + kv.Key, kv.Value)));
        e.Mode = (UnixFileMode)T.O(mode);
        e.Uid = Uid;
        e.Gid = Gid;
        e.ModificationTime = MTime;
        return e;
    }

    private TarBuilder Add(TarEntry e)
    {
        _writer.WriteEntry(e);
        return this;
    }

    public byte[] Bytes()
    {
        _writer.Dispose();
        return _ms.ToArray();
    }
}

/// <summary>Hand-made ustar blocks, for what TarWriter will not write (empty names, binary pax values, lies).</summary>
internal static class RawTar
{
    public static byte[] Header(byte[] name, char type, long size, string linkName = "", string mode = "644", int major = 0, int minor = 0)
    {
        byte[] h = new byte[512];
        name.AsSpan(0, Math.Min(name.Length, 100)).CopyTo(h);
        Octal(h, 100, 8, T.O(mode));
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, 1_600_000_000);
        h[156] = (byte)type;
        Encoding.UTF8.GetBytes(linkName).CopyTo(h, 157);
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        Octal(h, 329, 8, major);
        Octal(h, 337, 8, minor);
        h.AsSpan(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in h) sum += b;
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    public static byte[] Header(string name, char type, long size, string linkName = "", string mode = "644") =>
        Header(Encoding.UTF8.GetBytes(name), type, size, linkName, mode);

    /// <summary>A pax 'x' block with raw record values, padded.</summary>
    public static byte[] Pax(params (string Key, byte[] Value)[] records)
    {
        var data = new MemoryStream();
        foreach ((string key, byte[] value) in records)
        {
            byte[] body = [.. Encoding.UTF8.GetBytes(" " + key + "="), .. value, (byte)'\n'];
            int len = body.Length + 1;
            while ((len.ToString().Length + body.Length) != len) len = len.ToString().Length + body.Length;
            data.Write(Encoding.ASCII.GetBytes(len.ToString()));
            data.Write(body);
        }
        byte[] d = data.ToArray();
        return [.. Header("PaxHeaders/x", 'x', d.Length), .. Pad(d)];
    }

    public static byte[] File(string name, byte[] content, string mode = "644") => [.. Header(name, '0', content.Length, mode: mode), .. Pad(content)];

    public static byte[] Pad(byte[] data) => [.. data, .. new byte[(512 - data.Length % 512) % 512]];

    public static byte[] End() => new byte[1024];

    private static void Octal(byte[] h, int offset, int length, long value)
    {
        string octal = Convert.ToString(value, 8);
        if (octal.Length < length)
        {
            Encoding.ASCII.GetBytes(octal.PadLeft(length - 1, '0') + "\0").CopyTo(h, offset);
            return;
        }
        // GNU base-256: top bit set, big-endian value
        h[offset] = 0x80;
        for (int i = length - 1; i > 0; i--, value >>= 8) h[offset + i] = (byte)value;
    }
}

/// <summary>A stream of <c>count</c> zero bytes (or endless), generated as read: bombs without the memory.</summary>
internal sealed class ZeroStream(long count) : Stream
{
    private readonly long _count = count;
    private long _left = count;
    public long Served => _count - _left;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int n) => Read(buffer.AsSpan(offset, n));
    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, _left);
        buffer[..n].Clear();
        _left -= n;
        return n;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Concatenates streams.</summary>
internal sealed class ConcatStream(params Stream[] parts) : Stream
{
    private int _i;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int n) => Read(buffer.AsSpan(offset, n));
    public override int Read(Span<byte> buffer)
    {
        while (_i < parts.Length)
        {
            int n = parts[_i].Read(buffer);
            if (n > 0) return n;
            _i++;
        }
        return 0;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// A throw-away tree: BASE/d1/.../d10/{dest, dest-evil, victim}. The layer goes into "dest"; "victim" and
/// "dest-evil" are its siblings, and ten levels of parents make any "../" escape land inside BASE, which
/// is snapshotted (everything but dest) before the apply and compared after.
/// </summary>
internal sealed class Sandbox : IDisposable
{
    public string Base { get; }
    public string Root { get; }
    public string Victim { get; }
    public string VictimFile { get; }
    public string Evil { get; }
    /// <summary>A unique file name; host paths built with it (e.g. /etc/NAME) must never appear.</summary>
    public string Unique { get; } = "berth-escape-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _hostProbes = [];
    private Dictionary<string, string>? _before;

    public Sandbox()
    {
        Base = Path.Combine(Path.GetTempPath(), "berth-archive-" + Guid.NewGuid().ToString("N")[..12]);
        string parent = Base;
        for (int i = 1; i <= 10; i++) parent = Path.Combine(parent, "d" + i);
        Directory.CreateDirectory(parent);
        Root = Path.Combine(parent, "dest");
        Evil = Path.Combine(parent, "dest-evil");
        Victim = Path.Combine(parent, "victim");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Evil);
        Directory.CreateDirectory(Victim);
        VictimFile = Path.Combine(Victim, "file");
        System.IO.File.WriteAllText(VictimFile, "victim");
        System.IO.File.SetUnixFileMode(VictimFile, (UnixFileMode)T.O("400"));
        System.IO.File.WriteAllText(Path.Combine(Victim, "passwd"), "root:x:0:0::/root:/bin/sh\n");
    }

    /// <summary>Remembers an absolute host path that a broken applier could create; it must not exist after.</summary>
    public string Probe(string hostPath)
    {
        _hostProbes.Add(hostPath);
        return hostPath;
    }

    /// <summary>SECURITY-CASES' "lower layer" with hostile symlinks, written straight to disk.</summary>
    public void PopulateHostileLower()
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        System.IO.File.WriteAllText(Path.Combine(Root, "etc/passwd"), "lower passwd");
        System.IO.File.WriteAllText(Path.Combine(Root, "etc/unbroken"), "lower unbroken");
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "hostile-abs"), "/");
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "hostile-up"), string.Concat(Enumerable.Repeat("../", 12)));
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "hostile-victim"), Victim);
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "hostile-victim-file"), VictimFile);
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "hostile-evil"), "../dest-evil");
    }

    public void TakeSnapshot() => _before = Snapshot();

    public void AssertOutsideUntouched()
    {
        Assert.NotNull(_before);
        Dictionary<string, string> after = Snapshot();
        foreach ((string path, string desc) in _before)
        {
            Assert.True(after.TryGetValue(path, out string? now), $"outside the root, {path} disappeared");
            Assert.True(desc == now, $"outside the root, {path} changed: {desc} -> {now}");
        }
        foreach (string path in after.Keys)
            Assert.True(_before.ContainsKey(path), $"outside the root, {path} appeared");
        foreach (string probe in _hostProbes)
            Assert.False(T.LExists(probe), $"host path {probe} was created");
        string passwd = System.IO.File.ReadAllText("/etc/passwd");
        Assert.StartsWith("root:", passwd);
    }

    private Dictionary<string, string> Snapshot()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(Base, map);
        return map;
    }

    private void Walk(string dir, Dictionary<string, string> map)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(dir))
        {
            if (path == Root) continue; // inside the root, anything goes
            Libc.Statx st = T.Lstat(path);
            string desc = $"type={st.FileType:x} mode={Convert.ToString(st.Mode & 0xfff, 8)} uid={st.Uid} gid={st.Gid} size={st.Size} nlink={st.Nlink} mtime={st.Mtime.Sec}.{st.Mtime.Nsec}";
            if (st.IsSymlink) desc += " -> " + new FileInfo(path).LinkTarget;
            else if (st.FileType == Libc.S_IFREG) desc += " " + T.Sha256(System.IO.File.ReadAllBytes(path));
            map[Path.GetRelativePath(Base, path)] = desc;
            if (st.IsDirectory) Walk(path, map);
        }
        Libc.Statx self = T.Lstat(dir);
        map[Path.GetRelativePath(Base, dir) + "/."] = $"mode={self.Mode & 0xfff} mtime={self.Mtime.Sec}.{self.Mtime.Nsec}";
    }

    public void Dispose()
    {
        foreach (string probe in _hostProbes)
        {
            try { if (T.LExists(probe)) System.IO.File.Delete(probe); } catch (IOException) { }
        }
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without root, read-only directories from a layer (0555, 0500) must be opened up first.
            foreach (string dir in Directory.EnumerateDirectories(Base, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                try { System.IO.File.SetUnixFileMode(dir, (UnixFileMode)T.O("700")); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            }
            try { Directory.Delete(Base, recursive: true); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }
}
