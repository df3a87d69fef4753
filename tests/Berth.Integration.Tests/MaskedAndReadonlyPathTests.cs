using Berth.Integration.Tests.Infrastructure;

namespace Berth.Integration.Tests;

/// <summary>linux.maskedPaths and linux.readonlyPaths.</summary>
public sealed class MaskedAndReadonlyPathTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    [RootFact]
    public void Default_masked_paths_that_exist_read_as_empty()
    {
        // /proc/kcore and friends only exist with some kernel configs: check those this host has.
        var c = _sb.NewContainer("true");
        var present = c.Spec.Linux!.MaskedPaths!.Where(Path.Exists).ToList();
        Assert.NotEmpty(present);
        string script = string.Concat(present.Select(p => Directory.Exists(p)
            ? $"echo \"{p} $(ls -A {p} | wc -l)\"; "
            : $"echo \"{p} $(wc -c < {p})\"; "));
        c.Edit(s => s.Process!.Args = ["sh", "-c", script]);
        var r = c.Run().Ok();
        Assert.Equal(present.Select(p => $"{p} 0"), r.Out.Split('\n'));
        Assert.Equal("", r.Stderr);
    }

    [RootFact]
    public void Masked_proc_kcore_reads_as_empty_when_the_kernel_has_it()
    {
        var c = _sb.NewContainer("sh", "-c", "test -e /proc/kcore && wc -c < /proc/kcore || echo ABSENT");
        Assert.Contains("/proc/kcore", c.Spec.Linux!.MaskedPaths!);
        Assert.Equal(File.Exists("/proc/kcore") ? "0" : "ABSENT", c.Run().Ok().Out);
    }

    [RootFact]
    public void Masked_directory_is_empty()
    {
        var c = _sb.NewContainer("sh", "-c", "ls -A /secrets | wc -l; cat /secrets/token 2>/dev/null || echo UNREADABLE")
            .Edit(s => s.Linux!.MaskedPaths!.Add("/secrets"));
        c.WriteRootfsFile("/secrets/token", "s3cret\n");
        Assert.Equal("0\nUNREADABLE", c.Run().Ok().Out);
    }

    [RootFact]
    public void Masked_file_in_rootfs_reads_as_empty()
    {
        var c = _sb.NewContainer("sh", "-c", "wc -c < /etc/shadow-ish")
            .Edit(s => s.Linux!.MaskedPaths!.Add("/etc/shadow-ish"));
        c.WriteRootfsFile("/etc/shadow-ish", "root:hash\n");
        Assert.Equal("0", c.Run().Ok().Out);
    }

    [RootFact]
    public void Masked_path_that_does_not_exist_is_ignored()
    {
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.MaskedPaths!.Add("/no/such/path"));
        c.Run().Ok();
    }

    [RootFact]
    public void Proc_sys_is_read_only()
    {
        var c = _sb.NewContainer("sh", "-c", "if echo 1 > /proc/sys/kernel/ns_last_pid; then echo WROTE; else echo DENIED; fi");
        Assert.Contains("/proc/sys", c.Spec.Linux!.ReadonlyPaths!);
        var r = c.Run().Ok();
        Assert.Equal("DENIED", r.Out);
        // EROFS (not EPERM from missing CAP_SYS_ADMIN): the read-only mount refused the open.
        Assert.Contains("Read-only file system", r.Stderr);
    }

    [RootFact]
    public void Readonly_path_in_a_writable_root_refuses_writes_while_the_rest_accepts_them()
    {
        var c = _sb.NewContainer("sh", "-c", "echo a > /data/x && echo ROOT-OK; if echo b > /frozen/x; then echo WROTE; else echo DENIED; fi")
            .Edit(s => { s.Root!.Readonly = false; s.Linux!.ReadonlyPaths!.Add("/frozen"); });
        c.WriteRootfsFile("/data/.keep", "");
        c.WriteRootfsFile("/frozen/.keep", "");
        var r = c.Run().Ok();
        Assert.Equal("ROOT-OK\nDENIED", r.Out);
        Assert.Contains("Read-only file system", r.Stderr);
    }
}
