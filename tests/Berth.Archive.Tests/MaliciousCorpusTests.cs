using System.IO.Compression;
using System.Text;
using Berth.Core;
using static Berth.Archive.Tests.Corpus;

namespace Berth.Archive.Tests;

/// <summary>
/// Hostile layers beyond containerd's list: the brief's corpus, moby's TestUntar* and umoci's
/// TestUnpackEntry* cases (SECURITY-CASES 3A), and the bombs of 3E. Every case either refuses the whole
/// layer or keeps what it writes inside the root; <see cref="Corpus"/> checks the outside after each.
/// </summary>
public sealed class MaliciousCorpusTests
{
    // ---- names ------------------------------------------------------------------------------------

    [Fact]
    public void DotDotEscape() => Run(new Case
    {
        Layer = _ => new TarBuilder().File("../escape", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "escape", "x"),
    });

    [Fact]
    public void AbsoluteNameLandsInside() => Run(new Case
    {
        Layer = sb => new TarBuilder().File("/abs/" + sb.Unique, "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            FileValue(sb, "abs/" + sb.Unique, "x");
            Assert.False(T.LExists("/abs/" + sb.Unique));
        },
    });

    [Fact]
    public void DotDotInTheMiddle() => Run(new Case
    {
        Layer = _ => new TarBuilder().File("a/../../escape", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "escape", "x"),
    });

    /// <summary>moby TestUntarInvalidFilenames / umoci GarbagePrefix: names that try to climb out.</summary>
    [Theory]
    [InlineData("../victim/dotdot", "victim/dotdot")]
    [InlineData("/../victim/slash-dotdot", "victim/slash-dotdot")]
    [InlineData("/./.././../x", "x")]
    [InlineData("../../../../../../../../../../../../x", "x")]
    [InlineData("a/b/../../../../../../c", "c")]
    public void TraversalNames(string name, string landsAt) => Run(new Case
    {
        Layer = _ => new TarBuilder().File(name, "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, landsAt, "x"),
    });

    /// <summary>moby TestUntarParentTraversalContained: a bare ".." entry is the root (a directory: metadata only).</summary>
    [Fact]
    public void BareDotDotDirectory() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("..", "755").File("ok", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "ok", "x"),
    });

    /// <summary>moby TestUntarSiblingPrefixContained: "base/dest-evil" is not inside "base/dest".</summary>
    [Fact]
    public void SiblingPrefix() => Run(new Case
    {
        Layer = _ => new TarBuilder().File("../dest-evil/x", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            FileValue(sb, "dest-evil/x", "x");
            Assert.Empty(Directory.EnumerateFileSystemEntries(sb.Evil));
        },
    });

    [Fact]
    public void NulInName()
    {
        // TarWriter writes the NUL into a pax "path" record; TarReader hands it back.
        Run(new Case
        {
            Layer = _ => new TarBuilder().File("a\0../../escape", "x").Bytes(),
            Outcome = Outcome.Refused,
            Reason = "NUL",
        });
    }

    [Fact]
    public void NulInSymlinkTarget() => Run(new Case
    {
        Layer = _ => new TarBuilder().Symlink("/etc\0/x", "link").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "NUL",
    });

    [Fact]
    public void NameLongerThanPathMax() => Run(new Case
    {
        Layer = _ => new TarBuilder().File(string.Join('/', Enumerable.Repeat("abcdefgh", 600)), "x").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "longer than 4096",
    });

    [Fact]
    public void ComponentLongerThanNameMax() => Run(new Case
    {
        Layer = _ => new TarBuilder().File(new string('a', 300), "x").Bytes(),
        Outcome = Outcome.Refused,
    });

    // ---- root type change (CVE-2021-29136) --------------------------------------------------------

    [Theory]
    [InlineData(".", '2')]
    [InlineData("./", '0')]
    [InlineData("/", '2')]
    [InlineData("", '0')]
    [InlineData("..", '3')]
    public void RootTypeChange(string name, char type) => Run(new Case
    {
        Layer = _ => [.. RawTar.Header(name, type, 0, linkName: "/"), .. RawTar.File("after", "x"u8.ToArray()), .. RawTar.End()],
        Outcome = Outcome.Refused,
        Reason = "root directory",
        Options = LayerApplyOptions.Default with { DeviceNodes = DeviceNodePolicy.Skip },
    });

    // ---- symlinks ----------------------------------------------------------------------------------

    [Fact]
    public void SymlinkToSlashThenWriteThrough() => Run(new Case
    {
        Layer = sb =>
        {
            sb.Probe("/etc/" + sb.Unique);
            return new TarBuilder().Symlink("/", "evil").File("evil/etc/" + sb.Unique, "x").Bytes();
        },
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "etc/" + sb.Unique, "x"),
    });

    [Fact]
    public void SymlinkUpAndOutThenWriteThrough() => Run(new Case
    {
        Layer = _ => new TarBuilder().Symlink("../../..", "evil").File("evil/x", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "x", "x"),
    });

    /// <summary>A symlink to the victim directory by its absolute host path: inside the root that path does not exist yet, and is made there.</summary>
    [Fact]
    public void SymlinkToVictimDirectoryThenWriteThrough() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink(sb.Victim, "evil").File("evil/planted", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, sb.Victim.TrimStart('/') + "/planted", "x"),
    });

    /// <summary>A symlink to a file outside, then a regular file of the same name: the link is replaced, never written through.</summary>
    [Fact]
    public void SymlinkToOutsideFileThenOverwrite() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink(sb.VictimFile, "f").File("f", "overwritten", mode: "4777").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            FileValue(sb, "f", "overwritten");
            Assert.Equal("victim", File.ReadAllText(sb.VictimFile));
        },
    });

    /// <summary>A symlink to a file outside, then an entry below it: the link's target is looked up inside the root.</summary>
    [Fact]
    public void SymlinkToOutsideFileThenWriteBelow() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink(sb.VictimFile, "f").File("f/x", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, sb.VictimFile.TrimStart('/') + "/x", "x"),
    });

    [Fact]
    public void SymlinkToOutsideThenDirectoryOverIt() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink(sb.Victim, "d").Dir("d", "777").File("d/x", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            Assert.True(T.Lstat(Path.Combine(sb.Root, "d")).IsDirectory);
            FileValue(sb, "d/x", "x");
        },
    });

    [Fact]
    public void SymlinkLoop() => Run(new Case
    {
        Layer = _ => new TarBuilder().Symlink("b", "a").Symlink("a", "b").File("a/x", "x").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "symbolic links",
    });

    [Fact]
    public void ParentIsAFile() => Run(new Case
    {
        Layer = _ => new TarBuilder().File("f", "x").File("f/x", "x").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "not a directory",
    });

    /// <summary>The hostile lower layer's symlinks (to "/", far up, to the victim) are written through by the upper layer.</summary>
    [Fact]
    public void HostileLowerSymlinksWrittenThrough() => Run(new Case
    {
        Lower = sb => sb.PopulateHostileLower(),
        EmptyRootOnly = true,
        Layer = sb =>
        {
            sb.Probe("/etc/" + sb.Unique);
            return new TarBuilder()
                .File("hostile-abs/etc/" + sb.Unique, "abs")
                .File("hostile-up/up-" + sb.Unique, "up")
                .File("hostile-victim/planted", "victim")
                .File("hostile-evil/planted", "evil")
                .Dir("hostile-victim-file/sub")
                .Bytes();
        },
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            FileValue(sb, "etc/" + sb.Unique, "abs");
            FileValue(sb, "up-" + sb.Unique, "up");
            FileValue(sb, sb.Victim.TrimStart('/') + "/planted", "victim");
            FileValue(sb, "dest-evil/planted", "evil");
            Assert.True(Directory.Exists(Path.Combine(sb.Root, sb.VictimFile.TrimStart('/'), "sub")));
        },
    });

    /// <summary>The hostile lower symlinks replaced by files and whited out: the links go, their targets stay.</summary>
    [Fact]
    public void HostileLowerSymlinksReplacedAndWhitedOut() => Run(new Case
    {
        Lower = sb => sb.PopulateHostileLower(),
        EmptyRootOnly = true,
        Modes = [WhiteoutMode.Remove],
        Layer = _ => new TarBuilder().File("hostile-victim-file", "replaced").Whiteout(".wh.hostile-victim").Whiteout(".wh.hostile-abs").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            FileValue(sb, "hostile-victim-file", "replaced");
            NotExists(sb, "hostile-victim");
            NotExists(sb, "hostile-abs");
        },
    });

    // ---- hardlinks ---------------------------------------------------------------------------------

    [Fact]
    public void HardlinkToEtcPasswd() => Run(new Case
    {
        Layer = _ => new TarBuilder().Link("/etc/passwd", "passwd").Bytes(),
        Outcome = Outcome.Refused,
    });

    /// <summary>A lower layer's /etc/passwd is not this layer's: refused (a per-layer overlay directory could not hold the link either).</summary>
    [Fact]
    public void HardlinkToLowerLayerFile() => Run(new Case
    {
        Lower = sb => sb.PopulateHostileLower(),
        EmptyRootOnly = true,
        Layer = _ => new TarBuilder().Link("/etc/passwd", "passwd").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "not written by this layer",
    });

    [Fact]
    public void HardlinkToVictimByAbsoluteHostPath() => Run(new Case
    {
        Layer = sb => new TarBuilder().Link(sb.VictimFile, "h").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "does not exist",
    });

    [Fact]
    public void HardlinkTargetDotDot() => Run(new Case
    {
        Layer = _ => new TarBuilder().Link("../../x", "h").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "does not exist",
    });

    /// <summary>"../../x" once "x" exists in the layer: it is the root's x that gets linked.</summary>
    [Fact]
    public void HardlinkTargetDotDotContained() => Run(new Case
    {
        Layer = _ => new TarBuilder().File("x", "inside").Link("../../x", "h").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "h", "x"),
    });

    /// <summary>A hardlink to a symlink that points outside: a second name for the symlink, never the host file, and no chmod through it.</summary>
    [Fact]
    public void HardlinkToOutsidePointingSymlink() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink(sb.VictimFile, "s").Link("s", "h", mode: "6777").File("after", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            IsSymlink(sb, "h", sb.VictimFile);
            Assert.Equal(T.O("400"), T.Perm(sb.VictimFile));
            Assert.Equal(1u, T.Lstat(sb.VictimFile).Nlink);
        },
    });

    /// <summary>moby TestUntarInvalidHardlink "loophole-victim": a hardlink to a symlink-to-directory, then writing below it.</summary>
    [Fact]
    public void HardlinkToSymlinkedDirectoryThenWriteBelow() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink("../victim", "loophole").Link("loophole", "loophole-victim").File("loophole-victim/file", "x").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "victim/file", "x"),
    });

    [Fact]
    public void HardlinkToDirectory() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("d").Link("d", "h").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "is a directory",
    });

    [Fact]
    public void HardlinkToRoot() => Run(new Case
    {
        Layer = _ => new TarBuilder().Link("/", "h").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "root directory",
    });

    /// <summary>moby: hardlink then symlink then hardlink chains through a symlinked parent.</summary>
    [Fact]
    public void HardlinkThroughSymlinkedParentToVictim() => Run(new Case
    {
        Layer = sb => new TarBuilder().Symlink(sb.Victim, "v").Link("v/file", "h").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "does not exist",
    });

    // ---- whiteouts ---------------------------------------------------------------------------------

    [Theory]
    [InlineData(".wh...")]
    [InlineData(".wh..")]
    [InlineData("a/.wh.../")]
    [InlineData("a/.wh..")]
    public void WhiteoutOfParent(string name) => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("a").File("a/keep", "x").Whiteout(name).Bytes(),
        Outcome = Outcome.Refused,
        Reason = "invalid whiteout",
    });

    /// <summary>A whiteout through a symlinked parent pointing at the victim deletes inside the root only.</summary>
    [Fact]
    public void WhiteoutThroughSymlinkToVictim() => Run(new Case
    {
        Lower = sb => File.CreateSymbolicLink(Path.Combine(sb.Root, "v"), sb.Victim),
        Modes = [WhiteoutMode.Remove],
        Layer = _ => new TarBuilder().Whiteout("v/.wh.file").Whiteout("v/.wh.passwd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => Assert.Equal("victim", File.ReadAllText(sb.VictimFile)),
    });

    [Fact]
    public void WhiteoutWithDotDotStaysInside() => Run(new Case
    {
        Lower = sb =>
        {
            Directory.CreateDirectory(Path.Combine(sb.Root, "etc"));
            File.WriteAllText(Path.Combine(sb.Root, "etc/passwd"), "x");
        },
        Modes = [WhiteoutMode.Remove],
        Layer = _ => new TarBuilder().Whiteout("../../../.wh.victim").Whiteout("a/../../.wh.etc").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => NotExists(sb, "etc"),
    });

    /// <summary>A layer may not carry overlayfs' own xattrs (forged whiteouts, opaque dirs, redirects).</summary>
    [RootFact]
    public void OverlayXattrsFromArchiveDropped()
    {
        using var sb = new Sandbox();
        byte[] layer = new TarBuilder()
            .Dir("d", xattrs: new Dictionary<string, string> { ["trusted.overlay.opaque"] = "y", ["trusted.overlay.redirect"] = "/etc", ["user.overlay.opaque"] = "y" })
            .Bytes();
        LayerApplyResult r = T.Apply(layer, sb.Root);
        Assert.Equal(3, r.SkippedXattrs);
        string[] names = Berth.Interop.Libc.Llistxattr(Path.Combine(sb.Root, "d")) ?? [];
        Assert.DoesNotContain(names, n => n.Contains("overlay", StringComparison.Ordinal));
    }

    // ---- devices -----------------------------------------------------------------------------------

    [Fact]
    public void DeviceNodeWhenNotAllowed() => Run(new Case
    {
        Layer = _ => new TarBuilder().CharDevice("dev/kmsg", 1, 11).Bytes(),
        Outcome = Outcome.Refused,
        Reason = "device nodes are not allowed",
        Options = LayerApplyOptions.Default with { DeviceNodes = DeviceNodePolicy.Refuse },
    });

    [Fact]
    public void DeviceNodeSkipped()
    {
        using var sb = new Sandbox();
        LayerApplyResult r = T.Apply(new TarBuilder().CharDevice("dev/mem", 1, 1).File("ok", "x").Bytes(), sb.Root,
            LayerApplyOptions.Default with { DeviceNodes = DeviceNodePolicy.Skip });
        Assert.Equal(1, r.SkippedDeviceNodes);
        Assert.False(T.LExists(Path.Combine(sb.Root, "dev/mem")));
        Assert.True(File.Exists(Path.Combine(sb.Root, "ok")));
    }

    /// <summary>Without CAP_MKNOD the default policy fails clearly instead of leaving a hole in the image.</summary>
    [NonRootFact]
    public void DeviceNodeWithoutCapMknod()
    {
        using var sb = new Sandbox();
        var e = Assert.Throws<BerthException>(() => T.Apply(new TarBuilder().CharDevice("dev/null", 1, 3).Bytes(), sb.Root));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("dev/null: creating device nodes is not permitted", e.Message);
    }

    // ---- bombs and limits (SECURITY-CASES 3E) -------------------------------------------------------

    /// <summary>A gzip of 64 MiB of zeros (~64 KiB) against a 1 MiB budget: refused before the file is written.</summary>
    [Fact]
    public void GzipBombExceedsBudget()
    {
        using var sb = new Sandbox();
        byte[] tar = new TarBuilder().File("bomb", new byte[64 << 20]).Bytes();
        byte[] gz = Gzip(tar);
        Assert.True(gz.Length < 1 << 20);
        sb.TakeSnapshot();
        var e = Assert.Throws<BerthException>(() => T.Apply(gz, sb.Root, LayerApplyOptions.Default with { MaxUncompressedBytes = 1 << 20 }));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("limit", e.Message);
        Assert.False(T.LExists(Path.Combine(sb.Root, "bomb")) && new FileInfo(Path.Combine(sb.Root, "bomb")).Length > 1 << 20);
        sb.AssertOutsideUntouched();
    }

    /// <summary>A plain tar whose header declares a 10 GB file: refused at the header, before any of it is read or written.</summary>
    [Fact]
    public void HugeEntryExceedsBudget()
    {
        using var sb = new Sandbox();
        var data = new ZeroStream(10L << 30);
        var stream = new ConcatStream(new MemoryStream(RawTar.Header("huge", '0', 10L << 30)), data);
        var e = Assert.Throws<BerthException>(() => LayerApplier.Apply(stream, sb.Root, LayerApplyOptions.Default with { MaxUncompressedBytes = 1 << 20 }));
        Assert.Contains("limit", e.Message);
        Assert.True(data.Served < 2 << 20);
        Assert.False(T.LExists(Path.Combine(sb.Root, "huge")));
    }

    /// <summary>The budget also holds when the tar headers are honest but many files add up.</summary>
    [Fact]
    public void ManySmallFilesExceedBudget()
    {
        using var sb = new Sandbox();
        var tb = new TarBuilder();
        for (int i = 0; i < 64; i++) tb.File($"f{i}", new byte[64 * 1024]);
        var e = Assert.Throws<BerthException>(() => T.Apply(Gzip(tb.Bytes()), sb.Root, LayerApplyOptions.Default with { MaxUncompressedBytes = 1 << 20 }));
        Assert.Contains("limit", e.Message);
    }

    /// <summary>CVE-2017-14992: an empty tar followed by gigabytes of zero padding. Refused after MaxTrailingBytes, without reading on.</summary>
    [Fact]
    public void ZeroPaddingAfterEnd()
    {
        using var sb = new Sandbox();
        var zeros = new ZeroStream(8L << 30);
        var stream = new ConcatStream(new MemoryStream(new TarBuilder().File("a", "x").Bytes()), zeros);
        var e = Assert.Throws<BerthException>(() => LayerApplier.Apply(stream, sb.Root, LayerApplyOptions.Default));
        Assert.Contains("follow the end of the tar archive", e.Message);
        Assert.True(zeros.Served < 4 << 20, $"read {zeros.Served} bytes of padding");
    }

    [Fact]
    public void ZeroPaddingWithinBudgetIsPartOfTheDiffId()
    {
        using var sb = new Sandbox();
        byte[] tar = [.. new TarBuilder().File("a", "x").Bytes(), .. new byte[9216]];
        LayerApplyResult r = T.Apply(tar, sb.Root);
        Assert.Equal(T.Sha256(tar), r.DiffId);
        Assert.Equal(tar.Length, r.TarBytes);
    }

    /// <summary>A 100 MB pax record: refused when its header passes, before TarReader buffers it.</summary>
    [Fact]
    public void HugePaxHeader()
    {
        using var sb = new Sandbox();
        var data = new ZeroStream(100_000_000);
        var stream = new ConcatStream(new MemoryStream(RawTar.Header("PaxHeaders/big", 'x', 100_000_000)), data);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<BerthException>(() => LayerApplier.Apply(stream, sb.Root, LayerApplyOptions.Default));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("metadata block", e.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
        Assert.True(data.Served < 1 << 20);
    }

    [Fact]
    public void HugeGnuLongName()
    {
        using var sb = new Sandbox();
        var stream = new ConcatStream(new MemoryStream(RawTar.Header("././@LongLink", 'L', 50_000_000)), new ZeroStream(50_000_000));
        var e = Assert.Throws<BerthException>(() => LayerApplier.Apply(stream, sb.Root, LayerApplyOptions.Default));
        Assert.Contains("metadata block", e.Message);
    }

    [Fact]
    public void TooManyEntries()
    {
        using var sb = new Sandbox();
        var tb = new TarBuilder();
        for (int i = 0; i < 101; i++) tb.File($"f{i}", "");
        var e = Assert.Throws<BerthException>(() => T.Apply(tb.Bytes(), sb.Root, LayerApplyOptions.Default with { MaxEntries = 100 }));
        Assert.Contains("more than 100 entries", e.Message);
    }

    /// <summary>A directory entry that claims a data section (TarReader would skip it or choke): refused.</summary>
    [Fact]
    public void HeaderOnlyTypeWithData()
    {
        using var sb = new Sandbox();
        byte[] layer = [.. RawTar.Header("d/", '5', 1024), .. new byte[1024], .. RawTar.End()];
        var e = Assert.Throws<BerthException>(() => T.Apply(layer, sb.Root));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void GnuSparseRefused()
    {
        using var sb = new Sandbox();
        byte[] layer = [.. RawTar.Pax(("GNU.sparse.major", "1"u8.ToArray()), ("GNU.sparse.minor", "0"u8.ToArray()),
            ("GNU.sparse.name", "sparse"u8.ToArray()), ("GNU.sparse.realsize", "1000000000"u8.ToArray())),
            .. RawTar.File("GNUSparseFile.0/sparse", "1\n0\n4\n"u8.ToArray()), .. RawTar.End()];
        var e = Assert.Throws<BerthException>(() => T.Apply(layer, sb.Root));
        Assert.Contains("sparse", e.Message);
    }

    [Fact]
    public void TruncatedArchive()
    {
        using var sb = new Sandbox();
        byte[] tar = new TarBuilder().File("a", new byte[4096]).Bytes();
        var e = Assert.Throws<BerthException>(() => T.Apply(tar[..2000], sb.Root));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void TruncatedGzip()
    {
        using var sb = new Sandbox();
        byte[] gz = Gzip(new TarBuilder().File("a", Encoding.UTF8.GetBytes(new string('x', 100_000))).Bytes());
        var e = Assert.Throws<BerthException>(() => T.Apply(gz[..(gz.Length / 2)], sb.Root));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Cancellation()
    {
        using var sb = new Sandbox();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            LayerApplier.Apply(new MemoryStream(new TarBuilder().File("a", "x").Bytes()), sb.Root, LayerApplyOptions.Default, cts.Token));
    }

    internal static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
