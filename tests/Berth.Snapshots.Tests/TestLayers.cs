using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Snapshots.Tests;

/// <summary>A fact that needs root (mount, mknod, chown); skipped otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Libc.Geteuid() != 0) Skip = "needs root";
    }
}

/// <summary>Layer tars written entry by entry, unpacked by the real LayerApplier through a LayerStore.</summary>
internal sealed class TarLayer
{
    private readonly MemoryStream _tar = new();
    private readonly TarWriter _writer;

    public TarLayer() => _writer = new TarWriter(_tar, TarEntryFormat.Pax, leaveOpen: true);

    public TarLayer Dir(string name, string mode = "755", int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = M(mode), Uid = uid, Gid = gid });

    public TarLayer File(string name, string content, string mode = "644", int uid = 0, int gid = 0, Dictionary<string, string>? xattrs = null)
    {
        var pax = xattrs?.ToDictionary(x => "SCHILY.xattr." + x.Key, x => x.Value);
        var e = pax is null ? new PaxTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name, pax);
        e.Mode = M(mode);
        e.Uid = uid;
        e.Gid = gid;
        e.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return Add(e);
    }

    public TarLayer Symlink(string name, string target) => Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = M("777") });

    public TarLayer Device(string name, TarEntryType type, int major, int minor) =>
        Add(new PaxTarEntry(type, name) { DeviceMajor = major, DeviceMinor = minor, Mode = M("666") });

    public TarLayer Hardlink(string name, string target) => Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });

    /// <summary>OCI whiteout: ".wh.NAME" deletes NAME of the layers below.</summary>
    public TarLayer Whiteout(string dir, string name) => File($"{dir}/.wh.{name}", "");

    /// <summary>OCI opaque whiteout: the directory hides everything of the layers below.</summary>
    public TarLayer Opaque(string dir) => File($"{dir}/.wh..wh..opq", "");

    public TarLayer Add(TarEntry e)
    {
        _writer.WriteEntry(e);
        return this;
    }

    public (byte[] Tar, Digest DiffId) Build()
    {
        _writer.Dispose();
        byte[] raw = _tar.ToArray();
        return (raw, Digest.FromHash("sha256", SHA256.HashData(raw)));
    }

    public static UnixFileMode M(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);
}

internal static class LayerStoreExtensions
{
    /// <summary>Unpacks the layers bottom first; returns the top chain id.</summary>
    public static Digest UnpackAll(this LayerStore store, params TarLayer[] layers)
    {
        Digest? parent = null;
        foreach (var layer in layers)
        {
            var (tar, diff) = layer.Build();
            parent = store.Unpack(parent, diff, new MemoryStream(tar));
        }
        return parent!.Value;
    }
}

/// <summary>The image of the tests: every feature a snapshot must keep, over two layers.</summary>
internal static class SampleImage
{
    public static TarLayer[] Layers() =>
    [
        new TarLayer()
            .Dir("etc").Dir("opt").Dir("bin").Dir("tmp", "1777").Dir("shared", "2775", 0, 50)
            .File("etc/gone.txt", "bye").File("etc/hostname", "h1")
            .File("opt/old.txt", "old").Dir("opt/sub").File("opt/sub/deep.txt", "deep")
            .File("bin/sudo", "#!/bin/true", "4755").File("bin/a", "A", "755").Hardlink("bin/b", "bin/a")
            .Symlink("link", "etc/hostname").Symlink("abs", "/etc/passwd")
            .File("owned.txt", "mine", "640", 1000, 1001)
            .File("xattr.txt", "x", xattrs: new() { ["user.test"] = "v" })
            .Add(new PaxTarEntry(TarEntryType.Directory, "dev", new Dictionary<string, string> { ["SCHILY.xattr.user.lower"] = "1" }) { Mode = TarLayer.M("755") })
            .Device("dev/null", TarEntryType.CharacterDevice, 1, 3).Add(new PaxTarEntry(TarEntryType.Fifo, "dev/fifo") { Mode = TarLayer.M("600") }),
        new TarLayer()
            .Dir("etc").Dir("opt").Dir("dev")
            .Whiteout("etc", "gone.txt").Opaque("opt").File("opt/new.txt", "new")
            .File("etc/hostname", "h2"),
    ];

    /// <summary>What both drivers must show for <see cref="Layers"/>.</summary>
    public static void AssertMerged(string root)
    {
        Assert.False(Tree.Exists(Path.Combine(root, "etc/gone.txt")), "a whiteout deletes the lower file");
        Assert.False(Tree.Exists(Path.Combine(root, "opt/old.txt")), "an opaque directory hides the lower content");
        Assert.False(Tree.Exists(Path.Combine(root, "opt/sub")), "an opaque directory hides lower subdirectories");
        Assert.Equal("new", System.IO.File.ReadAllText(Path.Combine(root, "opt/new.txt")));
        Assert.Equal("h2", System.IO.File.ReadAllText(Path.Combine(root, "etc/hostname")));
        Assert.Equal("etc/hostname", new FileInfo(Path.Combine(root, "link")).LinkTarget);
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(root, "abs")).LinkTarget);
        Assert.Equal(Convert.ToInt32("4755", 8), Tree.Stat(Path.Combine(root, "bin/sudo")).Mode & 0xfff);
        Assert.Equal(Convert.ToInt32("1777", 8), Tree.Stat(Path.Combine(root, "tmp")).Mode & 0xfff);
        var shared = Tree.Stat(Path.Combine(root, "shared"));
        Assert.Equal((Convert.ToInt32("2775", 8), 50u), (shared.Mode & 0xfff, shared.Gid));
        var owned = Tree.Stat(Path.Combine(root, "owned.txt"));
        Assert.Equal((1000u, 1001u, Convert.ToInt32("640", 8)), (owned.Uid, owned.Gid, owned.Mode & 0xfff));
        Assert.Equal("v"u8.ToArray(), Libc.Lgetxattr(Path.Combine(root, "xattr.txt"), "user.test"));
        var a = Tree.Stat(Path.Combine(root, "bin/a"));
        var b = Tree.Stat(Path.Combine(root, "bin/b"));
        Assert.Equal(a.Ino, b.Ino);
        Assert.Equal(2u, a.Nlink);
        var nul = Tree.Stat(Path.Combine(root, "dev/null"));
        Assert.Equal((Libc.S_IFCHR, 1u, 3u), (nul.FileType, nul.RdevMajor, nul.RdevMinor));
        Assert.Equal(Libc.S_IFIFO, Tree.Stat(Path.Combine(root, "dev/fifo")).FileType);
        Assert.Null(Libc.Lgetxattr(Path.Combine(root, "dev"), "user.lower")); // the upper dev/ has none
    }
}
