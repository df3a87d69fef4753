using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Berth.Core;
using Berth.Snapshots;

namespace Berth.Snapshots.Tests;

public sealed class LayerStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("layerstore").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (byte[] Gzipped, Digest DiffId) Layer(params (string Name, string Content)[] files)
    {
        var tar = new MemoryStream();
        using (var w = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var (name, content) in files)
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) });
        byte[] raw = tar.ToArray();
        var gz = new MemoryStream();
        using (var g = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) g.Write(raw);
        return (gz.ToArray(), Digest.FromHash("sha256", SHA256.HashData(raw)));
    }

    [Fact]
    public void Chain_ids_follow_the_image_spec()
    {
        var a = Digest.Sha256("a"u8);
        var b = Digest.Sha256("b"u8);
        var ids = LayerStore.ChainIds([a, b]);
        Assert.Equal(a, ids[0]);
        Assert.Equal(Digest.Sha256(System.Text.Encoding.ASCII.GetBytes($"{a} {b}")), ids[1]);
    }

    [Fact]
    public void Layers_unpack_once_each_on_their_parent()
    {
        var store = new LayerStore(_root);
        var (l1, d1) = Layer(("etc/hostname", "one"));
        var (l2, d2) = Layer(("etc/motd", "two"));
        var c1 = store.Unpack(null, d1, new MemoryStream(l1));
        var c2 = store.Unpack(c1, d2, new MemoryStream(l2));
        Assert.Equal("one", File.ReadAllText(Path.Combine(store.FsOf(c1), "etc/hostname")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(store.FsOf(c2), "etc/motd")));
        Assert.Equal(c1, store.ParentOf(c2));
        Assert.Equal(c1, store.Unpack(null, d1, new MemoryStream(l1))); // already there: same id, nothing new
        Assert.Equal(2, store.List().Count());
    }

    [Fact]
    public void A_layer_whose_diff_id_does_not_match_is_never_visible()
    {
        var store = new LayerStore(_root);
        var (l1, _) = Layer(("x", "real"));
        var claimed = Digest.Sha256("something else"u8);
        var e = Assert.Throws<BerthException>(() => store.Unpack(null, claimed, new MemoryStream(l1)));
        Assert.Contains("diff id", e.Message);
        Assert.False(store.Has(claimed));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Removed_layers_are_gone() 
    {
        var store = new LayerStore(_root);
        var (l1, d1) = Layer(("x", "1"));
        var c1 = store.Unpack(null, d1, new MemoryStream(l1));
        store.Remove(c1);
        Assert.False(store.Has(c1));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Overlay_lowerdir_lists_the_top_layer_first()
    {
        var m = OverlayMount.For(["/l/1", "/l/2"], "/u", "/w");
        Assert.Equal("overlay", m.Type);
        Assert.Contains("lowerdir=/l/2:/l/1", m.Options);
    }
}
