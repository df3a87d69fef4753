using Berth.Interop;

namespace Berth.Archive.Tests;

/// <summary>OCI whiteouts (image-spec layer.md) in both modes, and the overlayfs result end to end.</summary>
public sealed class WhiteoutTests
{
    private static byte[] Lower() => new TarBuilder()
        .Dir("a").File("a/x", "x").File("a/y", "y")
        .Dir("b").File("b/z", "z").Dir("b/sub").File("b/sub/deep", "deep")
        .File("c", "c")
        .Dir("e").File("e/old", "old")
        .Bytes();

    private static byte[] Upper() => new TarBuilder()
        .Whiteout(".wh.c")
        .Dir("a").Whiteout("a/.wh.x")
        .Dir("b").Whiteout("b/.wh..wh..opq").File("b/new", "new")
        .Whiteout(".wh.e").Dir("e").File("e/fresh", "fresh")
        .Whiteout(".wh.never-existed")
        .Bytes();

    private static void AssertMerged(string merged)
    {
        string P(string rel) => Path.Combine(merged, rel);
        Assert.False(T.LExists(P("c")));
        Assert.False(T.LExists(P("a/x")));
        Assert.Equal("y", File.ReadAllText(P("a/y")));
        Assert.False(T.LExists(P("b/z")));
        Assert.False(T.LExists(P("b/sub")));
        Assert.Equal("new", File.ReadAllText(P("b/new")));
        Assert.False(T.LExists(P("e/old")));
        Assert.Equal("fresh", File.ReadAllText(P("e/fresh")));
        Assert.False(T.LExists(P("never-existed")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(merged, ".wh.*", SearchOption.AllDirectories));
    }

    [RootFact]
    public void Overlay_ConvertsWhiteoutsToDevicesAndOpaqueXattrs()
    {
        using var sb = new Sandbox();
        T.Apply(Upper(), sb.Root, LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Overlay });
        string P(string rel) => Path.Combine(sb.Root, rel);

        foreach (string w in new[] { "c", "a/x", "never-existed" })
        {
            Libc.Statx st = T.Lstat(P(w));
            Assert.Equal(Libc.S_IFCHR, st.FileType);
            Assert.Equal((0u, 0u), (st.RdevMajor, st.RdevMinor));
            Assert.Equal((0u, 0u), (st.Uid, st.Gid));
        }
        Assert.Equal("y"u8.ToArray(), Libc.Lgetxattr(P("b"), "trusted.overlay.opaque"));
        Assert.Null(Libc.Lgetxattr(P("a"), "trusted.overlay.opaque"));
        // ".wh.e" then "e/": the new directory must hide the lower one's content, so it is opaque
        Assert.True(T.Lstat(P("e")).IsDirectory);
        Assert.Equal("y"u8.ToArray(), Libc.Lgetxattr(P("e"), "trusted.overlay.opaque"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(sb.Root, ".wh.*", SearchOption.AllDirectories));
    }

    [RootFact]
    public void Overlay_UserXattrs()
    {
        using var sb = new Sandbox();
        T.Apply(new TarBuilder().Dir("d").Whiteout("d/.wh..wh..opq").Bytes(), sb.Root,
            LayerApplyOptions.Default with { OverlayUserXattrs = true });
        Assert.Equal("y"u8.ToArray(), Libc.Lgetxattr(Path.Combine(sb.Root, "d"), "user.overlay.opaque"));
        Assert.Null(Libc.Lgetxattr(Path.Combine(sb.Root, "d"), "trusted.overlay.opaque"));
    }

    /// <summary>The two layers extracted for overlayfs, then mounted: the kernel agrees with our conversion.</summary>
    [OverlayFact]
    public void Overlay_MountedResultMatchesTheSpec()
    {
        using var sb = new Sandbox();
        string l1 = Path.Combine(sb.Root, "l1"), l2 = Path.Combine(sb.Root, "l2"), merged = Path.Combine(sb.Root, "merged");
        Directory.CreateDirectory(l1);
        Directory.CreateDirectory(l2);
        Directory.CreateDirectory(merged);
        var overlay = LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Overlay };
        T.Apply(Lower(), l1, overlay);
        T.Apply(Upper(), l2, overlay);
        T.Run("mount", $"-t overlay overlay -o ro,lowerdir={l2}:{l1} {merged}");
        try
        {
            AssertMerged(merged);
        }
        finally
        {
            T.Run("umount", merged);
        }
    }

    /// <summary>The copy-based snapshotter: both layers applied onto one tree give the same result.</summary>
    [Fact]
    public void Remove_AppliedOntoTheMergedTree()
    {
        using var sb = new Sandbox();
        var remove = LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Remove };
        T.Apply(Lower(), sb.Root, remove);
        T.Apply(Upper(), sb.Root, remove);
        AssertMerged(sb.Root);
        Assert.True(Directory.Exists(Path.Combine(sb.Root, "b")));
    }

    /// <summary>Whiteouts hide lower layers only: what this layer wrote stays, whatever the entry order.</summary>
    [Theory]
    [InlineData(WhiteoutMode.Overlay)]
    [InlineData(WhiteoutMode.Remove)]
    public void WhiteoutDoesNotHideTheSameLayer(WhiteoutMode mode)
    {
        if (mode == WhiteoutMode.Overlay && !T.IsRoot) return; // needs mknod of the whiteout device
        using var sb = new Sandbox();
        T.Apply(new TarBuilder().Dir("d").File("d/f", "kept").Whiteout("d/.wh.f").Bytes(), sb.Root, LayerApplyOptions.Default with { Whiteouts = mode });
        Assert.Equal("kept", File.ReadAllText(Path.Combine(sb.Root, "d/f")));
    }

    /// <summary>An opaque marker after the directory's new content still empties only the lower content.</summary>
    [Fact]
    public void Remove_OpaqueAfterContent()
    {
        using var sb = new Sandbox();
        var remove = LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Remove };
        T.Apply(Lower(), sb.Root, remove);
        T.Apply(new TarBuilder().File("b/new", "new").Dir("b/sub").File("b/sub/mine", "mine").Whiteout("b/.wh..wh..opq").Bytes(), sb.Root, remove);
        Assert.Equal("new", File.ReadAllText(Path.Combine(sb.Root, "b/new")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(sb.Root, "b/sub/mine")));
        Assert.False(T.LExists(Path.Combine(sb.Root, "b/z")));
        Assert.False(T.LExists(Path.Combine(sb.Root, "b/sub/deep")));
    }

    /// <summary>A whiteout of a lower directory removes its whole tree, without following symlinks inside it.</summary>
    [Fact]
    public void Remove_WhiteoutOfDirectoryWithSymlinksInside()
    {
        using var sb = new Sandbox();
        Directory.CreateDirectory(Path.Combine(sb.Root, "dir/inner"));
        File.CreateSymbolicLink(Path.Combine(sb.Root, "dir/to-victim"), sb.Victim);
        File.CreateSymbolicLink(Path.Combine(sb.Root, "dir/inner/to-victim-file"), sb.VictimFile);
        sb.TakeSnapshot();
        T.Apply(new TarBuilder().Whiteout(".wh.dir").Bytes(), sb.Root, LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Remove });
        Assert.False(T.LExists(Path.Combine(sb.Root, "dir")));
        sb.AssertOutsideUntouched();
    }

    [Fact]
    public void AufsMetadataSkipped()
    {
        using var sb = new Sandbox();
        LayerApplyResult r = T.Apply(new TarBuilder().File(".wh..wh.plnk/1.2", "x").Whiteout(".wh..wh.aufs").File("ok", "x").Bytes(), sb.Root,
            LayerApplyOptions.Default with { Whiteouts = WhiteoutMode.Remove });
        Assert.Equal(3, r.Entries);
        Assert.False(T.LExists(Path.Combine(sb.Root, ".wh..wh.aufs")));
        Assert.False(T.LExists(Path.Combine(sb.Root, ".wh..wh.plnk")));
        Assert.True(File.Exists(Path.Combine(sb.Root, "ok")));
    }
}
