using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>The container's mount table: proc, sysfs, binds, tmpfs and the root's read-only flag.</summary>
public sealed class MountTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    /// <summary>Prints "type options" of the mount at <paramref name="path"/> (the last one, if stacked).</summary>
    private static string[] MountOf(string path) =>
        ["sh", "-c", $"awk '$2==\"{path}\" {{ t=$3; o=$4 }} END {{ print t, o }}' /proc/mounts"];

    /// <summary>Tries to create <paramref name="file"/> and prints WROTE or DENIED plus the error.</summary>
    private static string[] TryWrite(string file) =>
        ["sh", "-c", $"if echo x > {file}; then echo WROTE; else echo DENIED; fi"];

    [RootFact]
    public void Proc_is_a_proc_filesystem()
    {
        var r = _sb.NewContainer(MountOf("/proc")).Run().Ok();
        Assert.StartsWith("proc ", r.Out);
    }

    [RootFact]
    public void Sys_is_read_only_sysfs()
    {
        var r = _sb.NewContainer(MountOf("/sys")).Run().Ok();
        var (type, options) = (r.Out.Split(' ')[0], r.Out.Split(' ')[1].Split(','));
        Assert.Equal("sysfs", type);
        Assert.Contains("ro", options);
    }

    [RootFact]
    public void Bind_mount_shows_host_files_and_writes_reach_the_host()
    {
        string host = _sb.HostDir("shared", ("greeting.txt", "hello from the host\n"));
        var c = _sb.NewContainer("sh", "-c", "cat /mnt/shared/greeting.txt && echo from-container > /mnt/shared/reply.txt")
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/mnt/shared", Type = "bind", Source = host, Options = ["rbind", "rw"] }));
        Assert.Equal("hello from the host", c.Run().Ok().Out);
        Assert.Equal("from-container\n", File.ReadAllText(Path.Combine(host, "reply.txt")));
    }

    [RootFact]
    public void Read_only_bind_mount_can_be_read_but_not_written()
    {
        string host = _sb.HostDir("ro", ("data.txt", "read me\n"));
        var c = _sb.NewContainer("sh", "-c", "cat /mnt/ro/data.txt; if echo x > /mnt/ro/new.txt; then echo WROTE; else echo DENIED; fi")
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/mnt/ro", Type = "bind", Source = host, Options = ["rbind", "ro"] }));
        var r = c.Run().Ok();
        Assert.Equal(["read me", "DENIED"], r.Out.Split('\n'));
        Assert.Contains("Read-only file system", r.Stderr);
        Assert.False(File.Exists(Path.Combine(host, "new.txt")));
    }

    [RootFact]
    public void Bind_mount_of_a_single_file()
    {
        string host = _sb.HostDir("file", ("motd", "file bind\n"));
        var c = _sb.NewContainer("cat", "/etc/motd")
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/etc/motd", Type = "bind", Source = Path.Combine(host, "motd"), Options = ["bind", "ro"] }));
        Assert.Equal("file bind", c.Run().Ok().Out);
    }

    [RootFact]
    public void Tmpfs_mount_is_tmpfs_and_writable_under_a_read_only_root()
    {
        var c = _sb.NewContainer("sh", "-c", "awk '$2==\"/scratch\" { print $3 }' /proc/mounts; echo data > /scratch/f && cat /scratch/f")
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/scratch", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "nodev", "size=1m", "mode=1777"] }));
        Assert.Equal("tmpfs\ndata", c.Run().Ok().Out);
    }

    [RootFact]
    public void Readonly_root_refuses_writes()
    {
        var c = _sb.NewContainer(TryWrite("/x")).Edit(s => s.Root!.Readonly = true);
        var r = c.Run().Ok();
        Assert.Equal("DENIED", r.Out);
        Assert.Contains("Read-only file system", r.Stderr);
        Assert.False(File.Exists(Path.Combine(c.Rootfs, "x")));
    }

    [RootFact]
    public void Writable_root_accepts_writes()
    {
        var c = _sb.NewContainer(TryWrite("/x")).Edit(s => s.Root!.Readonly = false);
        Assert.Equal("WROTE", c.Run().Ok().Out);
        Assert.Equal("x\n", File.ReadAllText(Path.Combine(c.Rootfs, "x")));
    }

    [RootFact]
    public void Container_mounts_do_not_appear_on_the_host()
    {
        string host = _sb.HostDir("shared");
        var c = _sb.NewContainer("true")
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/mnt/shared", Type = "bind", Source = host, Options = ["rbind"] }));
        c.Create().Ok();
        try
        {
            var leaked = File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(c.Bundle, StringComparison.Ordinal)).ToList();
            Assert.True(leaked.Count == 0, "host mount table has container mounts:\n" + string.Join('\n', leaked));
        }
        finally { c.Delete(force: true); }
    }
}
