using Berth.Core;
using Berth.Interop;

namespace Berth.Snapshots.Tests;

/// <summary>Layer sets built to make the copy driver write outside its snapshot: it never may.</summary>
public sealed class MaliciousLayerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("snapshot-evil").FullName;
    private readonly string _outside;
    private readonly LayerStore _layers;

    public MaliciousLayerTests()
    {
        _layers = new LayerStore(Path.Combine(_root, "snapshots"));
        _outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "victim"), "untouched");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private List<string> OutsideListing() => Tree.Listing(_outside);

    [RootFact]
    public void A_file_under_a_name_that_a_lower_layer_made_a_symlink_to_a_host_directory_stays_inside()
    {
        var before = OutsideListing();
        var top = _layers.UnpackAll(
            new TarLayer().Symlink("etc", _outside).Symlink("up", "../../../../../../../../" + _outside.TrimStart('/')),
            new TarLayer().Dir("etc").File("etc/victim", "overwritten").Dir("up").File("up/victim", "overwritten").File("up/new", "new"));
        var snapshots = new Snapshotter(_layers, new SnapshotterOptions { Driver = StorageDriver.Copy });
        string fs = snapshots.Mount(snapshots.Prepare("c", top).Key);

        Assert.Equal(before, OutsideListing());
        Assert.Equal("untouched", File.ReadAllText(Path.Combine(_outside, "victim")));
        Assert.True(Tree.Stat(Path.Combine(fs, "etc")).IsDirectory, "the upper directory replaced the lower symlink");
        Assert.Equal("overwritten", File.ReadAllText(Path.Combine(fs, "etc/victim")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(fs, "up/new")));
    }

    [RootFact]
    public void Hand_made_layer_directories_cannot_lead_the_copy_outside_either()
    {
        // Layer directories as a corrupted or hostile store might hold them, not as LayerApplier writes them:
        // symlinks to the host in the lower layer, and in the upper one a whiteout, an opaque directory and a
        // regular file under those names.
        string lower = FakeLayer("1", null);
        File.CreateSymbolicLink(Path.Combine(lower, "etc"), _outside);
        File.CreateSymbolicLink(Path.Combine(lower, "bin"), _outside); // as "bin -> /" would be, without risking the host
        File.CreateSymbolicLink(Path.Combine(lower, "lib"), _outside);
        File.CreateSymbolicLink(Path.Combine(lower, "victim"), Path.Combine(_outside, "victim"));
        string upper = FakeLayer("2", "1");
        Directory.CreateDirectory(Path.Combine(upper, "etc"));
        File.WriteAllText(Path.Combine(upper, "etc/victim"), "overwritten");
        Directory.CreateDirectory(Path.Combine(upper, "bin"));
        Check.Io(Libc.Lsetxattr(Path.Combine(upper, "bin"), "trusted.overlay.opaque", "y"u8), "setxattr");
        Directory.CreateDirectory(Path.Combine(upper, "lib"));
        Check.Io(Libc.Mknod(Path.Combine(upper, "lib/victim"), Libc.S_IFCHR, 0), "mknod");
        File.WriteAllText(Path.Combine(upper, "victim"), "overwritten");
        var before = OutsideListing();

        var snapshots = new Snapshotter(_layers, new SnapshotterOptions { Driver = StorageDriver.Copy });
        string fs = snapshots.Mount(snapshots.Prepare("c", Chain("2")).Key);

        Assert.Equal(before, OutsideListing()); // not emptied through the opaque "bin", nor written through "etc" or "victim"
        Assert.Equal("overwritten", File.ReadAllText(Path.Combine(fs, "victim")));
        Assert.False(Tree.Stat(Path.Combine(fs, "victim")).IsSymlink);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fs, "bin")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fs, "lib")));
    }

    private static Digest Chain(string name) => Digest.Sha256(System.Text.Encoding.ASCII.GetBytes(name));

    private string FakeLayer(string name, string? parent)
    {
        string fs = Directory.CreateDirectory(_layers.FsOf(Chain(name))).FullName;
        if (parent is not null) File.WriteAllText(Path.Combine(_layers.DirOf(Chain(name)), "parent"), Chain(parent).ToString());
        return fs;
    }
}
