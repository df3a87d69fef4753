namespace Berth.Daemon.Tests;

/// <summary>
/// A real distribution image, not a hand-made one: a Debian rootfs made by debootstrap, pushed by skopeo
/// to a local registry, pulled through berthd by the docker CLI. Its layer must come out file for file,
/// with the setuid bits, symlinks and hardlinks a distribution relies on.
/// </summary>
public sealed class DebootstrapImageTests : IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    [DaemonFact]
    public void A_debootstrap_rootfs_pulled_through_berthd_unpacks_exactly()
    {
        string script = Path.Combine(Registry.RepoRoot(), "scripts", "debootstrap-rootfs.sh");
        string rootfs = Tool.Ok("bash", script).Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()["rootfs: ".Length..];
        using var registry = new Registry();
        string image = $"{registry.HostPort}/test/debian:bookworm";
        // One layer: the rootfs without apt's caches (what a Debian base image leaves out too).
        string layer = Path.Combine(_d.Dir, "layer.tar");
        Tool.Ok("tar", "-C", rootfs, "--numeric-owner", "--xattrs", "--exclude=./var/cache/apt", "--exclude=./var/lib/apt/lists",
            "-cf", layer, ".");
        string archive = TestImages.DockerArchive(Path.Combine(_d.Dir, "debian.tar"), File.ReadAllBytes(layer));
        Tool.Ok("skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", "docker-archive:" + archive, "docker://" + image);

        var (exit, _, stderr) = _d.Docker("pull", image);
        Assert.True(exit == 0, stderr);
        string fs = Assert.Single(Directory.GetDirectories(Path.Combine(_d.Dir, "root", "snapshots"), "*"), d => Path.GetFileName(d).Length == 64);
        fs = Path.Combine(fs, "fs");

        Assert.Equal(File.ReadAllText(Path.Combine(rootfs, "etc", "debian_version")), File.ReadAllText(Path.Combine(fs, "etc", "debian_version")));
        Assert.Equal("usr/bin", new FileInfo(Path.Combine(fs, "bin")).LinkTarget); // merged /usr
        var su = File.GetUnixFileMode(Path.Combine(fs, "usr", "bin", "su"));
        Assert.True(su.HasFlag(UnixFileMode.SetUser), $"su lost its setuid bit: {su}");
        Assert.True(File.GetUnixFileMode(Path.Combine(fs, "tmp")).HasFlag(UnixFileMode.StickyBit));
        // Every regular file, symlink and directory of the source is there, with its size and mode.
        var expected = Listing(rootfs).Where(e => !e.StartsWith("var/cache/apt", StringComparison.Ordinal) && !e.StartsWith("var/lib/apt/lists", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, Listing(fs));
    }

    /// <summary>
    /// "path type mode size" for each entry (a symlink: "path l target"), sorted. Symlinks are never
    /// followed: the rootfs has some into /proc (dev/fd), which would list the test's own fds.
    /// </summary>
    private static List<string> Listing(string root)
    {
        var entries = new List<string>();
        void Walk(string dir)
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(dir))
            {
                var info = new FileInfo(path);
                string rel = Path.GetRelativePath(root, path);
                if (info.LinkTarget is { } target) entries.Add($"{rel} l {target}");
                else if (info.Attributes.HasFlag(FileAttributes.Directory))
                {
                    entries.Add($"{rel} d {(int)File.GetUnixFileMode(path)}");
                    Walk(path);
                }
                else entries.Add($"{rel} f {(int)File.GetUnixFileMode(path)} {info.Length}");
            }
        }
        Walk(root);
        return [.. entries.Order(StringComparer.Ordinal)];
    }
}
