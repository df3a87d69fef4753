using System.Formats.Tar;
using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Archive.Tests;

/// <summary>A normal layer comes out as it went in: types, modes, owners, times, links, xattrs.</summary>
public sealed class RoundTripTests
{
    private static readonly DateTimeOffset When = new(2021, 3, 4, 5, 6, 7, 250, TimeSpan.Zero);

    private static long UnixSeconds(DateTimeOffset t) => t.ToUnixTimeSeconds();

    [RootFact]
    public void NormalLayer_PreservesModesOwnersTimesLinksAndXattrs()
    {
        using var sb = new Sandbox();
        var tb = new TarBuilder { MTime = When };
        tb.Dir("bin")
          .File("bin/su", "su", "4755")
          .File("bin/sg", "sg", "2755")
          .Link("bin/su", "bin/su2")
          .Symlink("/bin/busybox", "bin/sh")
          .Dir("tmp", "1777")
          .Dir("ro", "555")
          .File("ro/inside", "inside", "444")
          .Fifo("run/fifo", "620")
          .CharDevice("dev/null", 1, 3, "666")
          .File("xattrs", "x", "644", new Dictionary<string, string> { ["user.comment"] = "hello", ["trusted.berth"] = "t" });
        tb.Uid = 1000;
        tb.Gid = 1000;
        tb.Dir("srv", "2775").Symlink("target", "srv/link");
        tb.Gid = 2000;
        tb.File("home/user/file", "mine", "640");
        byte[] tar = tb.Bytes();

        LayerApplyResult r = T.Apply(tar, sb.Root);

        Assert.Equal(14, r.Entries);
        Assert.Equal(tar.Length, r.TarBytes);
        Assert.Equal(T.Sha256(tar), r.DiffId);
        Assert.Equal(LayerCompression.None, r.Compression);
        Assert.Equal(0, r.SkippedXattrs);

        string P(string rel) => Path.Combine(sb.Root, rel);

        // modes, including setuid, setgid and sticky, and a read-only directory that still took its content
        Assert.Equal(T.O("4755"), T.Perm(P("bin/su")));
        Assert.Equal(T.O("2755"), T.Perm(P("bin/sg")));
        Assert.Equal(T.O("1777"), T.Perm(P("tmp")));
        Assert.Equal(T.O("2775"), T.Perm(P("srv")));
        Assert.Equal(T.O("555"), T.Perm(P("ro")));
        Assert.Equal(T.O("444"), T.Perm(P("ro/inside")));
        Assert.Equal("inside", File.ReadAllText(P("ro/inside")));

        // owners, with lchown for symlinks; parents the layer did not list are 0755 root
        Libc.Statx file = T.Lstat(P("home/user/file"));
        Assert.Equal((1000u, 2000u), (file.Uid, file.Gid));
        Assert.Equal((1000u, 1000u), (T.Lstat(P("srv")).Uid, T.Lstat(P("srv")).Gid));
        Assert.Equal(1000u, T.Lstat(P("srv/link")).Uid);
        Assert.Equal(0u, T.Lstat(P("home")).Uid);
        Assert.Equal(T.O("755"), T.Perm(P("home/user")));

        // times: files, symlinks and directories (set after their contents)
        foreach (string rel in new[] { "bin/su", "bin/sh", "bin", "ro", "tmp", "run/fifo", "srv" })
        {
            Libc.Statx st = T.Lstat(P(rel));
            Assert.True(st.Mtime.Sec == UnixSeconds(When), $"{rel} mtime {st.Mtime.Sec}");
        }
        Assert.Equal(250_000_000u, T.Lstat(P("bin/su")).Mtime.Nsec);

        // links and special files
        Assert.Equal("/bin/busybox", new FileInfo(P("bin/sh")).LinkTarget);
        Assert.Equal(T.Lstat(P("bin/su")).Ino, T.Lstat(P("bin/su2")).Ino);
        Assert.Equal(2u, T.Lstat(P("bin/su")).Nlink);
        Assert.Equal(Libc.S_IFIFO, T.Lstat(P("run/fifo")).FileType);
        Assert.Equal(T.O("620"), T.Perm(P("run/fifo")));
        Libc.Statx dev = T.Lstat(P("dev/null"));
        Assert.Equal(Libc.S_IFCHR, dev.FileType);
        Assert.Equal((1u, 3u), (dev.RdevMajor, dev.RdevMinor));

        // xattrs
        Assert.Equal("hello"u8.ToArray(), Libc.Lgetxattr(P("xattrs"), "user.comment"));
        Assert.Equal("t"u8.ToArray(), Libc.Lgetxattr(P("xattrs"), "trusted.berth"));
    }

    /// <summary>TarReader decodes pax values as UTF-8; binary xattrs (file capabilities) must come through byte for byte.</summary>
    [RootFact]
    public void BinaryXattrs_SurviveByteForByte()
    {
        using var sb = new Sandbox();
        // vfs_cap_data v2, effective: CAP_SETUID (bit 7, a 0x80 byte) and CAP_NET_BIND_SERVICE
        byte[] caps = [0x01, 0x00, 0x00, 0x02, 0x80, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] binary = [0xff, 0x00, 0x80, (byte)'\n', (byte)'=', 0xc3];
        byte[] layer = [
            .. RawTar.Pax(("SCHILY.xattr.security.capability", caps), ("SCHILY.xattr.user.binary", binary)),
            .. RawTar.File("ping", "ELF"u8.ToArray(), "755"),
            .. RawTar.End()];

        T.Apply(layer, sb.Root);

        string ping = Path.Combine(sb.Root, "ping");
        Assert.Equal(caps, Libc.Lgetxattr(ping, "security.capability"));
        Assert.Equal(binary, Libc.Lgetxattr(ping, "user.binary"));
        Assert.Equal(T.O("755"), T.Perm(ping));
    }

    /// <summary>pax mtimes keep their nanoseconds (TarEntry.ModificationTime stops at 100 ns), negative ones included.</summary>
    [Theory]
    [InlineData("1600000000.123456789", 1600000000L, 123456789u)]
    [InlineData("1600000000", 1600000000L, 0u)]
    [InlineData("-1.25", -2L, 750000000u)]
    public void PaxMtimeToTheNanosecond(string mtime, long sec, uint nsec)
    {
        using var sb = new Sandbox();
        byte[] layer = [.. RawTar.Pax(("mtime", Encoding.ASCII.GetBytes(mtime))), .. RawTar.File("f", "x"u8.ToArray()),
            .. RawTar.Pax(("mtime", Encoding.ASCII.GetBytes(mtime))), .. RawTar.Header("d/", '5', 0, mode: "755"), .. RawTar.End()];
        T.Apply(layer, sb.Root);
        foreach (string p in new[] { "f", "d" })
        {
            Libc.Statx st = T.Lstat(Path.Combine(sb.Root, p));
            Assert.Equal((sec, nsec), (st.Mtime.Sec, st.Mtime.Nsec));
        }
    }

    /// <summary>xattrs on a symlink and a fifo are set on them, not on what they point at; user.* there is not allowed and is skipped.</summary>
    [RootFact]
    public void XattrsOnSymlinksAndSpecialFiles()
    {
        using var sb = new Sandbox();
        byte[] layer = [
            .. RawTar.Pax(("SCHILY.xattr.trusted.berth", "on-the-link"u8.ToArray()), ("SCHILY.xattr.user.nope", "x"u8.ToArray())),
            .. RawTar.Header("link", '2', 0, linkName: sb.VictimFile),
            .. RawTar.Pax(("SCHILY.xattr.trusted.berth", "on-the-fifo"u8.ToArray())),
            .. RawTar.Header("fifo", '6', 0),
            .. RawTar.End()];
        sb.TakeSnapshot();
        LayerApplyResult r = T.Apply(layer, sb.Root);
        Assert.Equal(1, r.SkippedXattrs);
        Assert.Equal("on-the-link"u8.ToArray(), Libc.Lgetxattr(Path.Combine(sb.Root, "link"), "trusted.berth"));
        Assert.Equal("on-the-fifo"u8.ToArray(), Libc.Lgetxattr(Path.Combine(sb.Root, "fifo"), "trusted.berth"));
        Assert.Null(Libc.Lgetxattr(sb.VictimFile, "trusted.berth"));
        sb.AssertOutsideUntouched();
    }

    [Fact]
    public void TrustedXattrsCanBeSkipped()
    {
        using var sb = new Sandbox();
        byte[] layer = new TarBuilder().File("f", "x", xattrs: new Dictionary<string, string> { ["trusted.x"] = "1", ["user.y"] = "2" }).Bytes();
        LayerApplyResult r = T.Apply(layer, sb.Root, LayerApplyOptions.Default with { ApplyTrustedXattrs = false });
        Assert.Equal(1, r.SkippedXattrs);
        Assert.Null(Libc.Lgetxattr(Path.Combine(sb.Root, "f"), "trusted.x"));
        Assert.Equal("2"u8.ToArray(), Libc.Lgetxattr(Path.Combine(sb.Root, "f"), "user.y"));
    }

    [RootFact]
    public void IdMapping_ShiftsOwnersAndRefusesUnmappedIds()
    {
        using var sb = new Sandbox();
        var options = LayerApplyOptions.Default with
        {
            PreserveOwners = true,
            UidMappings = [new IdMapping(0, 100000, 65536)],
            GidMappings = [new IdMapping(0, 200000, 65536)],
        };
        var tb = new TarBuilder { Uid = 1000, Gid = 1000 };
        T.Apply(tb.File("home/u/f", "x").Symlink("f", "home/u/l").Bytes(), sb.Root, options);
        Assert.Equal((101000u, 201000u), (T.Lstat(Path.Combine(sb.Root, "home/u/f")).Uid, T.Lstat(Path.Combine(sb.Root, "home/u/f")).Gid));
        Assert.Equal(101000u, T.Lstat(Path.Combine(sb.Root, "home/u/l")).Uid);
        Assert.Equal((100000u, 200000u), (T.Lstat(Path.Combine(sb.Root, "home")).Uid, T.Lstat(Path.Combine(sb.Root, "home")).Gid));

        using var sb2 = new Sandbox();
        var e = Assert.Throws<BerthException>(() => T.Apply(new TarBuilder { Uid = 70000 }.File("f", "x").Bytes(), sb2.Root, options));
        Assert.Contains("uid 70000 is not in the id mapping", e.Message);
    }

    [Fact]
    public void WithoutPreserveOwners_FilesBelongToTheCaller()
    {
        using var sb = new Sandbox();
        T.Apply(new TarBuilder { Uid = 1234, Gid = 1234 }.File("f", "x", "4750").Bytes(), sb.Root, LayerApplyOptions.Default with { PreserveOwners = false });
        Libc.Statx st = T.Lstat(Path.Combine(sb.Root, "f"));
        Assert.Equal((uint)Libc.Geteuid(), st.Uid);
        Assert.Equal(T.O("4750"), st.Mode & 0xfff);
    }

    /// <summary>Docker's rule on a merged tree: a file replaces a directory, a directory replaces a file, directories merge.</summary>
    [Fact]
    public void TypeChanges_ReplaceAndDirectoriesMerge()
    {
        using var sb = new Sandbox();
        Directory.CreateDirectory(Path.Combine(sb.Root, "a/deep/er"));
        File.WriteAllText(Path.Combine(sb.Root, "a/deep/er/x"), "x");
        File.WriteAllText(Path.Combine(sb.Root, "b"), "file");
        Directory.CreateDirectory(Path.Combine(sb.Root, "c"));
        File.WriteAllText(Path.Combine(sb.Root, "c/old"), "old");
        File.CreateSymbolicLink(Path.Combine(sb.Root, "d"), "c");

        T.Apply(new TarBuilder().File("a", "now a file").Dir("b").File("b/in", "in").Dir("c", "700").File("c/new", "new")
            .File("d", "link replaced").Bytes(), sb.Root, LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Remove });

        Assert.Equal("now a file", File.ReadAllText(Path.Combine(sb.Root, "a")));
        Assert.Equal("in", File.ReadAllText(Path.Combine(sb.Root, "b/in")));
        Assert.Equal("old", File.ReadAllText(Path.Combine(sb.Root, "c/old")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(sb.Root, "c/new")));
        Assert.Equal(T.O("700"), T.Perm(Path.Combine(sb.Root, "c")));
        Assert.Equal("link replaced", File.ReadAllText(Path.Combine(sb.Root, "d")));
        Assert.Null(new FileInfo(Path.Combine(sb.Root, "d")).LinkTarget);
    }

    /// <summary>GNU long names and links, ustar prefixes, and the same through pax: all formats TarReader reads.</summary>
    [Theory]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Pax)]
    public void LongNamesInEveryFormat(TarEntryFormat format)
    {
        using var sb = new Sandbox();
        string dir = string.Join('/', Enumerable.Repeat("segment-of-twenty-ch", 6)); // 125 characters
        string name = format == TarEntryFormat.Ustar ? dir + "/short" : dir + "/" + new string('n', 120);
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, format, leaveOpen: true))
        {
            TarEntry d = format switch { TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.Directory, dir + "/"), TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.Directory, dir + "/"), _ => new PaxTarEntry(TarEntryType.Directory, dir + "/") };
            d.Mode = (UnixFileMode)T.O("755");
            w.WriteEntry(d);
            TarEntry f = format switch { TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name), TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.RegularFile, name), _ => new PaxTarEntry(TarEntryType.RegularFile, name) };
            f.Mode = (UnixFileMode)T.O("600");
            f.DataStream = new MemoryStream("long"u8.ToArray());
            w.WriteEntry(f);
            if (format != TarEntryFormat.Ustar)
            {
                TarEntry l = format == TarEntryFormat.Gnu ? new GnuTarEntry(TarEntryType.SymbolicLink, "link") : new PaxTarEntry(TarEntryType.SymbolicLink, "link");
                l.LinkName = "/" + name;
                w.WriteEntry(l);
            }
        }
        LayerApplyResult r = T.Apply(ms.ToArray(), sb.Root);
        Assert.Equal("long", File.ReadAllText(Path.Combine(sb.Root, name)));
        if (format != TarEntryFormat.Ustar)
        {
            Assert.Equal("/" + name, new FileInfo(Path.Combine(sb.Root, "link")).LinkTarget);
            Assert.Equal(3, r.Entries);
        }
    }

    /// <summary>A directory listed after its contents still ends with the entry's mode and mtime.</summary>
    [Fact]
    public void DirectoryAfterItsContents_GetsItsMetadataLast()
    {
        using var sb = new Sandbox();
        var tb = new TarBuilder { MTime = When };
        T.Apply(tb.File("d/a", "a").File("d/b", "b").Dir("d", "500").Bytes(), sb.Root);
        Assert.Equal(T.O("500"), T.Perm(Path.Combine(sb.Root, "d")));
        Assert.Equal(UnixSeconds(When), T.Lstat(Path.Combine(sb.Root, "d")).Mtime.Sec);
    }

    [Fact]
    public void EmptyDirectoriesAndRootEntry()
    {
        using var sb = new Sandbox();
        var tb = new TarBuilder { MTime = When };
        LayerApplyResult r = T.Apply(tb.Dir("./", "751").Dir("empty").Dir("a/b/c").Bytes(), sb.Root);
        Assert.Equal(3, r.Entries);
        Assert.True(Directory.Exists(Path.Combine(sb.Root, "empty")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(sb.Root, "empty")));
        Assert.True(Directory.Exists(Path.Combine(sb.Root, "a/b/c")));
        Assert.Equal(T.O("751"), T.Perm(sb.Root));
        Assert.Equal(UnixSeconds(When), T.Lstat(sb.Root).Mtime.Sec);
    }

    [Fact]
    public void MissingTarget_IsNotFound()
    {
        var e = Assert.Throws<BerthException>(() => T.Apply(new TarBuilder().Bytes(), "/nonexistent/berth/target"));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public void EmptyTar()
    {
        using var sb = new Sandbox();
        byte[] tar = new TarBuilder().Bytes();
        LayerApplyResult r = T.Apply(tar, sb.Root);
        Assert.Equal(0, r.Entries);
        Assert.Equal(T.Sha256(tar), r.DiffId);
        Assert.Equal(T.Sha256(Encoding.ASCII.GetBytes("")).Length, r.DiffId.Length);
    }
}
