using Berth.Core;

namespace Berth.Runtime.Tests.Lifecycle;

/// <summary>Mount destinations resolve inside the rootfs, whatever symlinks the image holds.</summary>
public sealed class SecureJoinTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("securejoin").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Plain_paths_join()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        Assert.Equal(_root + "/etc/hosts", SecureJoin.Join(_root, "/etc/hosts"));
    }

    [Fact]
    public void Dotdot_cannot_climb_above_the_root() =>
        Assert.Equal(_root + "/etc", SecureJoin.Join(_root, "/../../../etc"));

    [Fact]
    public void Absolute_symlinks_are_relative_to_the_root()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "evil"), "/etc");
        Assert.Equal(_root + "/etc/passwd", SecureJoin.Join(_root, "/evil/passwd"));
    }

    [Fact]
    public void Relative_symlinks_cannot_escape()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        File.CreateSymbolicLink(Path.Combine(_root, "a", "up"), "../../../../tmp");
        Assert.Equal(_root + "/tmp/x", SecureJoin.Join(_root, "a/up/x"));
    }

    [Fact]
    public void Symlink_loops_are_an_error()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "loop"), "/loop");
        var e = Assert.Throws<BerthException>(() => SecureJoin.Join(_root, "/loop/x"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Missing_tail_is_kept() =>
        Assert.Equal(_root + "/does/not/exist", SecureJoin.Join(_root, "does/not/exist"));
}
