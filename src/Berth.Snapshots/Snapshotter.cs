using Berth.Core;
using Berth.Interop;

namespace Berth.Snapshots;

public sealed record SnapshotterOptions
{
    public StorageDriver Driver { get; init; } = StorageDriver.Auto;

    /// <summary>Told once why overlay is not used, and about leftovers removed at start.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// Writable snapshots under &lt;snapshots&gt;/active/&lt;key&gt;/ over the layers of a <see cref="LayerStore"/>, made by
/// the overlay driver, or by the copy driver where overlay does not work (decided once, by a trial mount) or
/// when asked. Each snapshot remembers its driver, so snapshots made before a change of driver keep working.
/// </summary>
public sealed class Snapshotter : ISnapshotter
{
    private const string DriverFile = "driver", TopFile = "top";
    private readonly LayerStore _layers;
    private readonly ActiveSnapshots _active;
    private readonly SnapshotterOptions _options;
    private readonly Lazy<(ISnapshotDriver Driver, string? Reason)> _selected;

    public Snapshotter(LayerStore layers, SnapshotterOptions? options = null)
    {
        _layers = layers;
        _options = options ?? new SnapshotterOptions();
        _active = new ActiveSnapshots(Path.Combine(layers.Root, "active"));
        int leftovers = _active.RemoveLeftovers();
        if (leftovers > 0) _options.Log?.Invoke($"snapshots: removed {leftovers} unfinished snapshot directories left by a crash");
        _selected = new Lazy<(ISnapshotDriver, string?)>(Select);
    }

    /// <summary>The driver new snapshots get; the first use decides it (a trial mount, for <see cref="StorageDriver.Auto"/>).</summary>
    public StorageDriver Driver => _selected.Value.Driver.Kind;

    /// <summary>Why the copy driver is used under <see cref="StorageDriver.Auto"/>; null when overlay is.</summary>
    public string? FallbackReason => _selected.Value.Reason;

    private (ISnapshotDriver, string?) Select()
    {
        if (_options.Driver == StorageDriver.Copy) return (new CopyDriver(), null);
        string? reason = OverlaySupport.Probe(_layers.Root); // where the layers and snapshots are, since that filesystem decides
        if (reason is null) return (new OverlayDriver(), null);
        if (_options.Driver == StorageDriver.Overlay)
            throw new BerthException(ErrorKind.FailedPrecondition, $"storage driver overlay: {reason}");
        _options.Log?.Invoke($"snapshots: using the copy driver: {reason}");
        return (new CopyDriver(), reason);
    }

    public Snapshot Prepare(string key, Digest? top)
    {
        ActiveSnapshots.CheckKey(key);
        if (Directory.Exists(_active.PathOf(key))) throw new BerthException(ErrorKind.AlreadyExists, $"snapshot {key} already exists");
        var layers = LayersOf(top).Select(_layers.FsOf).ToList();
        ISnapshotDriver driver = _selected.Value.Driver;
        string temp = _active.NewTemp(key);
        try
        {
            driver.Populate(temp, layers);
            File.WriteAllText(Path.Combine(temp, TopFile), top?.ToString() ?? "");
            File.WriteAllText(Path.Combine(temp, DriverFile), driver.Kind.Name());
            _active.Publish(temp, key);
        }
        catch
        {
            ActiveSnapshots.DeleteQuietly(temp);
            throw;
        }
        return Get(key) ?? throw new BerthException(ErrorKind.Internal, $"snapshot {key} vanished after it was made");
    }

    public Snapshot? Get(string key)
    {
        ActiveSnapshots.CheckKey(key);
        string dir = _active.PathOf(key);
        string driverFile = Path.Combine(dir, DriverFile);
        if (!File.Exists(driverFile)) return null;
        ISnapshotDriver driver = StorageDrivers.Parse(File.ReadAllText(driverFile).Trim()) == StorageDriver.Overlay ? new OverlayDriver() : new CopyDriver();
        string top = File.ReadAllText(Path.Combine(dir, TopFile)).Trim();
        return new Snapshot(key, driver.Kind, top.Length == 0 ? null : Digest.Parse(top), dir, driver.Mounts(dir));
    }

    public IReadOnlyList<Snapshot> List() => _active.Keys().Select(Get).OfType<Snapshot>().ToList();

    public void Remove(string key)
    {
        ActiveSnapshots.CheckKey(key);
        _active.Remove(key);
    }

    /// <summary>
    /// The snapshot's root filesystem as a directory on the host: mounted at &lt;dir&gt;/merged for overlay (once;
    /// <see cref="Remove"/> unmounts it), the materialised fs/ itself for copy.
    /// </summary>
    public string Mount(string key)
    {
        var s = Get(key) ?? throw new BerthException(ErrorKind.NotFound, $"no snapshot {key}");
        if (s.Driver == StorageDriver.Copy) return Path.Combine(s.Directory, "fs");
        string merged = Directory.CreateDirectory(Path.Combine(s.Directory, ActiveSnapshots.MergedDir)).FullName;
        if (!IsMountPoint(merged)) SnapshotMounter.Mount(s.Mounts, merged);
        return merged;
    }

    public void Unmount(string key) => SnapshotMounter.Unmount(Path.Combine(_active.PathOf(key), ActiveSnapshots.MergedDir));

    /// <summary>Every layer some snapshot is built on: a garbage collector must keep these.</summary>
    public IReadOnlySet<Digest> LayersInUse()
    {
        var used = new HashSet<Digest>();
        foreach (var s in List())
            for (Digest? c = s.Top; c is { } chain && used.Add(chain); c = _layers.ParentOf(chain)) { }
        return used;
    }

    /// <summary>Chain ids from the bottom layer up to <paramref name="top"/>; every one must be unpacked.</summary>
    private List<Digest> LayersOf(Digest? top)
    {
        var chain = new List<Digest>();
        for (Digest? c = top; c is { } id; c = _layers.ParentOf(id))
        {
            if (!_layers.Has(id)) throw new BerthException(ErrorKind.NotFound, $"layer {id} is not unpacked");
            if (chain.Count > LayerStore.MaxLayers) throw new BerthException(ErrorKind.InvalidArgument, $"more than {LayerStore.MaxLayers} layers below {top}");
            chain.Add(id);
        }
        chain.Reverse();
        return chain;
    }

    private static bool IsMountPoint(string dir)
    {
        Check.Io(Libc.StatxAt(Libc.AT_FDCWD, dir, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx self), "statx", dir);
        Check.Io(Libc.StatxAt(Libc.AT_FDCWD, dir + "/..", Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx parent), "statx", dir);
        return self.DevMajor != parent.DevMajor || self.DevMinor != parent.DevMinor;
    }
}
