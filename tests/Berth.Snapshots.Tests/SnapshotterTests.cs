using System.Diagnostics;
using Berth.Core;
using Berth.Interop;

namespace Berth.Snapshots.Tests;

/// <summary>Both drivers over layers unpacked by the real LayerApplier, mounted for real (as root).</summary>
public sealed class SnapshotterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("snapshotter").FullName;
    private readonly List<string> _mounts = [];
    private readonly LayerStore _layers;

    public SnapshotterTests() => _layers = new LayerStore(Path.Combine(_root, "snapshots"));

    public void Dispose()
    {
        foreach (string m in _mounts) SnapshotMounter.Unmount(m);
        Directory.Delete(_root, recursive: true);
    }

    private Snapshotter New(StorageDriver driver) => new(_layers, new SnapshotterOptions { Driver = driver });

    private string MountPoint()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_root, "mnt-" + _mounts.Count)).FullName;
        _mounts.Add(dir);
        return dir;
    }

    private string MountRootfs(Snapshot s)
    {
        string target = MountPoint();
        SnapshotMounter.Mount(s.Mounts, target);
        return target;
    }

    [RootFact]
    public void Overlay_merged_view_applies_whiteouts_and_opaque_dirs_and_keeps_metadata()
    {
        var top = _layers.UnpackAll(SampleImage.Layers());
        var snapshots = New(StorageDriver.Overlay);
        var s = snapshots.Prepare("c1", top);
        Assert.Equal(StorageDriver.Overlay, s.Driver);
        Assert.Equal("overlay", s.Mounts.Single().Type);

        string rootfs = MountRootfs(s);
        SampleImage.AssertMerged(rootfs);

        // Writes land in the snapshot's upper directory; the shared layer directories never change.
        var lower = LayerDirs(top);
        var before = lower.Select(Tree.Listing).ToList();
        File.WriteAllText(Path.Combine(rootfs, "etc/new.txt"), "written");
        File.WriteAllText(Path.Combine(rootfs, "etc/hostname"), "changed");
        File.Delete(Path.Combine(rootfs, "bin/a"));
        Assert.Equal("written", File.ReadAllText(Path.Combine(s.Directory, "upper/etc/new.txt")));
        Assert.Equal("changed", File.ReadAllText(Path.Combine(s.Directory, "upper/etc/hostname")));
        Assert.Equal(before, lower.Select(Tree.Listing).ToList());
        Assert.Equal("h2", File.ReadAllText(Path.Combine(lower[1], "etc/hostname")));
    }

    [RootFact]
    public void Copy_driver_materialises_the_same_view_into_its_own_directory()
    {
        var top = _layers.UnpackAll(SampleImage.Layers());
        var snapshots = New(StorageDriver.Copy);
        var s = snapshots.Prepare("c1", top);
        Assert.Equal(StorageDriver.Copy, s.Driver);
        Assert.Equal("bind", s.Mounts.Single().Type);
        string fs = snapshots.Mount("c1");
        Assert.Equal(Path.Combine(s.Directory, "fs"), fs);
        SampleImage.AssertMerged(fs);
        Assert.False(Tree.Exists(Path.Combine(fs, "opt/.wh..wh..opq")));
        Assert.Null(Libc.Lgetxattr(Path.Combine(fs, "opt"), "trusted.overlay.opaque")); // overlay's own marker is not carried over

        var lower = LayerDirs(top);
        var before = lower.Select(Tree.Listing).ToList();
        File.WriteAllText(Path.Combine(fs, "bin/b"), "changed through a hardlink");
        Assert.Equal("changed through a hardlink", File.ReadAllText(Path.Combine(fs, "bin/a")));
        Assert.Equal(before, lower.Select(Tree.Listing).ToList());

        // Its bind mount works too.
        SampleImage.AssertMerged(MountRootfs(s));
    }

    [RootFact]
    public void Overlay_and_copy_give_identical_trees()
    {
        var top = _layers.UnpackAll(SampleImage.Layers());
        string overlay = MountRootfs(New(StorageDriver.Overlay).Prepare("o", top));
        string copy = New(StorageDriver.Copy).Prepare("c", top).Directory + "/fs";
        var expected = Tree.Listing(overlay);
        Assert.Contains(expected, l => l.StartsWith("bin/sudo file 4755 0:0", StringComparison.Ordinal));
        Assert.Equal(expected, Tree.Listing(copy));
    }

    [RootFact]
    public void An_overlay_of_125_layers_mounts_despite_the_one_page_limit_on_mount_options()
    {
        var layers = Enumerable.Range(0, 125).Select(i => new TarLayer().File($"layer{i}", $"{i}").File("top", $"{i}")).ToArray();
        var top = _layers.UnpackAll(layers);
        var s = New(StorageDriver.Overlay).Prepare("many", top);
        string absolute = SnapshotMounter.Data(s.Mounts[0], s.Directory + "/");
        Assert.True(absolute.Length > 4095, $"the test root is long enough to need relative paths ({absolute.Length} bytes)");

        string rootfs = MountRootfs(s);
        Assert.Equal("124", File.ReadAllText(Path.Combine(rootfs, "top")));
        for (int i = 0; i < 125; i++) Assert.True(File.Exists(Path.Combine(rootfs, $"layer{i}")), $"layer{i}");
    }

    [RootFact]
    public void The_mount_command_takes_the_description_from_the_snapshot_directory()
    {
        var top = _layers.UnpackAll(SampleImage.Layers());
        var s = New(StorageDriver.Overlay).Prepare("cli", top);
        string target = MountPoint();
        var psi = new ProcessStartInfo("mount", ["-t", "overlay", "overlay", "-o", SnapshotMounter.Data(s.Mounts[0], ""), target])
        {
            WorkingDirectory = s.Directory, // relative lowerdir/upperdir/workdir resolve from here
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        SampleImage.AssertMerged(target);
    }

    [RootFact]
    public void Remove_unmounts_and_deletes_and_keeps_the_layers()
    {
        var top = _layers.UnpackAll(SampleImage.Layers());
        var snapshots = New(StorageDriver.Overlay);
        var s = snapshots.Prepare("gone", top);
        string merged = snapshots.Mount("gone");
        Assert.Equal(merged, snapshots.Mount("gone")); // mounted once
        Assert.Equal("h2", File.ReadAllText(Path.Combine(merged, "etc/hostname")));
        Assert.Equal(LayerDirs(top).Count, snapshots.LayersInUse().Count); // the whole chain, for the layer garbage collector
        Assert.Contains(top, snapshots.LayersInUse());

        snapshots.Remove("gone");
        Assert.False(Directory.Exists(s.Directory));
        Assert.Null(snapshots.Get("gone"));
        Assert.Empty(snapshots.List());
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(s.Directory, StringComparison.Ordinal));
        Assert.True(_layers.Has(top));
        Assert.Empty(snapshots.LayersInUse());
        snapshots.Remove("gone"); // absent: nothing to do
    }

    [RootFact]
    public void Leftovers_of_a_crash_are_removed_at_start_and_never_listed()
    {
        var snapshots = New(StorageDriver.Copy);
        snapshots.Prepare("kept", null);
        string active = Path.Combine(_layers.Root, "active");
        // A prepare that died half-way, with a read-only directory in it, and a trial mount that was never unmounted.
        string half = Directory.CreateDirectory(Path.Combine(active, ".tmp-c2-0123/fs/ro")).FullName;
        File.WriteAllText(Path.Combine(half, "f"), "");
        File.SetUnixFileMode(half, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        string probe = Directory.CreateDirectory(Path.Combine(_layers.Root, ".tmp-probe-0123/merged")).FullName;
        Check.Io(Libc.Mount("tmpfs", probe, "tmpfs", 0, null), "mount tmpfs", probe);
        _mounts.Add(probe);

        Assert.Equal(["kept"], snapshots.List().Select(x => x.Key));
        Assert.Null(snapshots.Get("c2"));

        _layers.RemoveLeftovers(); // what the daemon calls at start, before it makes its snapshotter
        var restarted = New(StorageDriver.Copy);
        Assert.Equal(["kept"], Directory.EnumerateFileSystemEntries(active).Select(Path.GetFileName));
        Assert.Equal(["active"], Directory.EnumerateFileSystemEntries(_layers.Root).Select(Path.GetFileName));
        Assert.NotNull(restarted.Get("kept"));
        Assert.DoesNotContain(_layers.List(), d => d.Encoded == "active"); // the layer garbage collector must not see it
    }

    [RootFact]
    public void A_key_is_prepared_once_and_must_be_a_plain_name()
    {
        var snapshots = New(StorageDriver.Copy);
        snapshots.Prepare("twice", null);
        Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<BerthException>(() => snapshots.Prepare("twice", null)).Kind);
        foreach (string bad in new[] { "", "..", "../x", "a/b", ".tmp-x", new string('a', 129) })
            Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => snapshots.Prepare(bad, null)).Kind);
        var missing = Digest.Sha256("no such layer"u8);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<BerthException>(() => snapshots.Prepare("x", missing)).Kind);
        Assert.Null(snapshots.Get("x"));
        Assert.Equal(["twice"], Directory.EnumerateFileSystemEntries(Path.Combine(_layers.Root, "active")).Select(Path.GetFileName));
    }

    [RootFact]
    public void Of_two_racing_prepares_of_one_key_one_wins_and_nothing_half_made_remains()
    {
        var top = _layers.UnpackAll(SampleImage.Layers());
        var snapshots = New(StorageDriver.Copy);
        var outcomes = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4).Select(_ =>
        {
            try { return snapshots.Prepare("race", top).Key; }
            catch (BerthException e) when (e.Kind == ErrorKind.AlreadyExists) { return "lost"; }
        }).ToList();
        Assert.Single(outcomes, "race");
        Assert.Equal(["race"], Directory.EnumerateFileSystemEntries(Path.Combine(_layers.Root, "active")).Select(Path.GetFileName));
        SampleImage.AssertMerged(snapshots.Mount("race"));
    }

    [RootFact]
    public void An_empty_snapshot_is_an_empty_writable_directory()
    {
        foreach (var driver in new[] { StorageDriver.Overlay, StorageDriver.Copy })
        {
            var s = New(driver).Prepare("empty-" + driver.Name(), null);
            string rootfs = MountRootfs(s);
            Assert.Empty(Directory.EnumerateFileSystemEntries(rootfs));
            File.WriteAllText(Path.Combine(rootfs, "x"), "");
        }
    }

    [RootFact]
    public void Auto_uses_overlay_here_and_copy_is_used_when_asked()
    {
        var auto = New(StorageDriver.Auto);
        Assert.Equal(StorageDriver.Overlay, auto.Driver);
        Assert.Null(auto.FallbackReason);
        Assert.Null(OverlaySupport.Probe(_layers.Root));
        Assert.Equal(StorageDriver.Copy, New(StorageDriver.Copy).Driver);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layers.Root)); // no trial mount left behind, no active/ before a prepare
    }

    [RootFact]
    public void Auto_falls_back_to_copy_with_a_reason_where_overlay_cannot_mount()
    {
        // An overlay upper directory cannot itself be on an overlay without xattr support for it: mount the whole
        // snapshots root on an overlay and the trial mount fails (or, on kernels that allow it, still works).
        string lower = Directory.CreateDirectory(Path.Combine(_root, "ov-lower")).FullName;
        string upper = Directory.CreateDirectory(Path.Combine(_root, "ov-upper")).FullName;
        string work = Directory.CreateDirectory(Path.Combine(_root, "ov-work")).FullName;
        string root = MountPoint();
        SnapshotMounter.Mount(OverlayMount.For([lower], upper, work), root);
        var layers = new LayerStore(Path.Combine(root, "snapshots"));
        var logged = new List<string>();
        var auto = new Snapshotter(layers, new SnapshotterOptions { Log = logged.Add });
        if (auto.Driver == StorageDriver.Overlay) return; // this kernel stacks overlays: nothing to fall back from
        Assert.StartsWith("overlay does not work under ", auto.FallbackReason);
        Assert.Contains(auto.FallbackReason!, logged.Single());
        Assert.Equal(StorageDriver.Copy, auto.Prepare("fallback", null).Driver);
        var forced = new Snapshotter(layers, new SnapshotterOptions { Driver = StorageDriver.Overlay });
        Assert.Equal(ErrorKind.FailedPrecondition, Assert.Throws<BerthException>(() => forced.Driver).Kind);
    }

    private List<string> LayerDirs(Digest top)
    {
        var dirs = new List<string>();
        for (Digest? c = top; c is { } id; c = _layers.ParentOf(id)) dirs.Insert(0, _layers.FsOf(id));
        return dirs;
    }
}
