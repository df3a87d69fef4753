using System.Diagnostics;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// SECURITY-CASES.md 3D, the mount-path cases: mount destinations that are (or race to become) symlinks
/// out of the rootfs (CVE-2021-30465), bind sources that are symlinks, and procfs that is faked or
/// symlinked so that the runtime's /proc writes land in plain files (CVE-2019-16884, CVE-2019-19921,
/// CVE-2025-52881). A host victim directory must stay untouched in every case.
/// </summary>
[Collection("SecurityCase")]
public sealed class SecurityCaseMountTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private static List<string> Entries(string dir) => [.. Directory.EnumerateFileSystemEntries(dir).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal)];

    // --- 3D 20. CVE-2021-30465: mount destinations through symlinks --------------------------------------

    [RootFact]
    public void CVE_2021_30465_mount_destination_under_a_symlinked_directory_lands_inside_the_rootfs()
    {
        string victim = _sb.HostDir("victim");
        string secret = Path.Combine(_sb.HostDir("secret", ("secret", "bound file\n")), "secret");
        foreach (string target in new[] { "/", "../../..", victim })
        {
            // /etc is a symlink out of the rootfs; both a tmpfs and a file bind are mounted below it.
            var c = _sb.NewContainer("sh", "-c", "stat -f -c %T /etc/inner; cat /etc/bound").Edit(s =>
            {
                s.Mounts!.Add(new Mount { Destination = "/etc/inner", Type = "tmpfs", Source = "tmpfs", Options = ["size=64k"] });
                s.Mounts.Add(new Mount { Destination = "/etc/bound", Type = "bind", Source = secret, Options = ["bind", "ro"] });
            });
            Directory.Delete(Path.Combine(c.Rootfs, "etc"), recursive: true);
            File.CreateSymbolicLink(Path.Combine(c.Rootfs, "etc"), target);
            var r = c.Run();
            // Either refused, or each mount is where the container itself finds it through its own /etc.
            if (r.ExitCode == 0) Assert.Equal(["tmpfs", "bound file"], r.Out.Split('\n'));
            Assert.True(Entries(victim).Count == 0, $"/etc -> {target}: the host directory got {string.Join(", ", Entries(victim))}");
            Assert.False(Path.Exists("/inner") || Path.Exists("/bound"), $"/etc -> {target}: a mount point was made in the host's root");
            c.AssertNothingLeft();
        }
    }

    [RootFact]
    public void Device_node_under_a_symlinked_directory_of_the_image_is_made_inside_the_rootfs()
    {
        string victim = _sb.HostDir("victim-dev");
        foreach (string target in new[] { victim, "../../../../../.." + victim })
        {
            // No tmpfs on /dev: the image's own /dev is used, and /dev/evil points out of the rootfs.
            var c = _sb.NewContainer("sh", "-c", "ls -l /dev/evil/null0").Edit(s =>
            {
                s.Mounts!.RemoveAll(m => m.Destination == "/dev");
                s.Linux!.Devices = [new LinuxDevice { Path = "/dev/evil/null0", Type = "c", Major = 1, Minor = 3, FileMode = Convert.ToUInt32("600", 8) }];
            });
            Directory.CreateDirectory(Path.Combine(c.Rootfs, "dev"));
            File.CreateSymbolicLink(Path.Combine(c.Rootfs, "dev", "evil"), target);
            // Made where the container itself finds it: inside, through its own /dev/evil.
            Assert.StartsWith("crw-------", c.Run().Ok().Out);
            Assert.True(Entries(victim).Count == 0, $"/dev/evil -> {target}: the host directory got {string.Join(", ", Entries(victim))}");
            c.AssertNothingLeft();
        }
    }

    [RootFact]
    public void CVE_2021_30465_mount_destination_swapped_for_a_symlink_during_create_stays_inside()
    {
        // A volume shared with an attacker, who swaps a directory in it with a symlink to a host directory
        // (renameat2 RENAME_EXCHANGE) while the runtime mounts below that directory. A runtime that checks
        // the path and then mounts by the same string follows the swapped-in symlink: the mount lands on the
        // host directory (in the container's mount namespace, where the container never sees it) instead
        // of inside the rootfs. Both sides hold the same tree, so every mount(2) succeeds wherever it lands,
        // and the container counts the probe mounts it really has.
        const int Probes = 128;
        string shared = _sb.HostDir("shared-volume");
        string victim = _sb.HostDir("victim");
        string dir = Path.Combine(shared, "d"), link = Path.Combine(shared, "l");
        for (int i = 0; i < Probes; i++)
        {
            Directory.CreateDirectory(Path.Combine(dir, "p", $"esc-probe-{i}"));
            Directory.CreateDirectory(Path.Combine(victim, "p", $"esc-probe-{i}"));
        }
        File.CreateSymbolicLink(link, victim);
        var victimBefore = Directory.GetFileSystemEntries(victim, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var c = _sb.NewContainer("sh", "-c", "grep -c esc-probe /proc/self/mountinfo").Edit(s =>
        {
            s.Mounts!.Add(new Mount { Destination = "/shared", Type = "bind", Source = shared, Options = ["rbind"] });
            for (int i = 0; i < Probes; i++)
                s.Mounts.Add(new Mount { Destination = $"/shared/d/p/esc-probe-{i}", Type = "tmpfs", Source = "tmpfs", Options = ["size=64k"] });
        });

        using var stop = new CancellationTokenSource();
        var racer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested) SecurityProbes.Exchange(dir, link);
        }) { IsBackground = true };
        var seen = new List<string>();
        var clock = Stopwatch.StartNew();
        racer.Start();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(2.5) && seen.All(s => s == Probes.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                var r = c.Run(); // a clean failure is fine; a success must show every mount inside
                if (r.ExitCode == 0) seen.Add(r.Out);
                c.Delete(force: true);
            }
        }
        finally
        {
            stop.Cancel();
            racer.Join();
        }
        Assert.True(seen.All(s => s == Probes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            $"racing a symlink swap, containers saw only [{string.Join(", ", seen)}] of their {Probes} mounts: the rest were mounted outside the rootfs");
        Assert.Equal(victimBefore, Directory.GetFileSystemEntries(victim, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Bind_source_that_is_a_symlink_mounts_its_target_and_creates_nothing_outside_the_rootfs()
    {
        string host = _sb.HostDir("sources", ("real-file", "file via link\n"));
        Directory.CreateDirectory(Path.Combine(host, "real-dir"));
        File.WriteAllText(Path.Combine(host, "real-dir", "inside"), "dir via link\n");
        File.CreateSymbolicLink(Path.Combine(host, "dir-link"), Path.Combine(host, "real-dir"));
        File.CreateSymbolicLink(Path.Combine(host, "file-link"), "real-file");
        File.CreateSymbolicLink(Path.Combine(host, "dangling"), Path.Combine(host, "nothing"));
        var before = Entries(host);

        var c = _sb.NewContainer("sh", "-c", "cat /mnt/d/inside /mnt/f; test -d /mnt/d && test -f /mnt/f && echo TYPES-OK").Edit(s =>
        {
            s.Mounts!.Add(new Mount { Destination = "/mnt/d", Type = "bind", Source = Path.Combine(host, "dir-link"), Options = ["rbind", "ro"] });
            s.Mounts.Add(new Mount { Destination = "/mnt/f", Type = "bind", Source = Path.Combine(host, "file-link"), Options = ["bind", "ro"] });
        });
        Assert.Equal(["dir via link", "file via link", "TYPES-OK"], c.Run().Ok().Out.Split('\n'));
        Assert.True(Directory.Exists(Path.Combine(c.Rootfs, "mnt", "d")) && File.Exists(Path.Combine(c.Rootfs, "mnt", "f")));

        var d = _sb.NewContainer("true").Edit(s =>
            s.Mounts!.Add(new Mount { Destination = "/mnt/x", Type = "bind", Source = Path.Combine(host, "dangling"), Options = ["bind"] }));
        d.Create().FailsWith(Path.Combine(host, "dangling"));
        d.AssertNothingLeft();

        Assert.Equal(before, Entries(host));
        Assert.NotNull(new FileInfo(Path.Combine(host, "dir-link")).LinkTarget);
        Assert.NotNull(new FileInfo(Path.Combine(host, "file-link")).LinkTarget);
    }

    // --- 3D 21. CVE-2019-16884 / CVE-2019-19921: procfs faked or symlinked -------------------------------

    [RootFact]
    public void CVE_2019_16884_bind_mount_over_proc_is_refused_and_no_proc_write_lands_in_a_host_file()
    {
        // An image "volume" over /proc: a plain host directory with a fake tree where procfs should be.
        string fake = _sb.HostDir("fake-proc");
        Directory.CreateDirectory(Path.Combine(fake, "sys", "net", "ipv4"));
        Directory.CreateDirectory(Path.Combine(fake, "self", "attr"));
        string forward = Path.Combine(fake, "sys", "net", "ipv4", "ip_forward");
        File.WriteAllText(forward, "0\n");
        File.WriteAllText(Path.Combine(fake, "self", "attr", "exec"), "");
        var c = _sb.NewContainer("true").Edit(s =>
        {
            s.Mounts!.Insert(1, new Mount { Destination = "/proc", Type = "bind", Source = fake, Options = ["rbind"] });
            s.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        });
        var r = c.Create();
        string after = File.ReadAllText(forward);
        Assert.True(r.ExitCode != 0 && after == "0\n",
            $"a bind mount of a plain directory over /proc was accepted (runc: \"/proc cannot be mounted because it is inside /proc\"); " +
            $"the sysctl net.ipv4.ip_forward went into the host file {forward}, which now holds \"{after.Trim()}\":\n{r}");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void CVE_2025_52881_sysctl_write_cannot_be_redirected_into_a_host_file_by_a_mount_under_proc()
    {
        // Not /proc itself but a directory below it: the runtime's sysctl write must go to procfs or fail.
        string fake = _sb.HostDir("fake-net");
        Directory.CreateDirectory(Path.Combine(fake, "ipv4"));
        string forward = Path.Combine(fake, "ipv4", "ip_forward");
        File.WriteAllText(forward, "0\n");
        var c = _sb.NewContainer("cat", "/proc/sys/net/ipv4/ip_forward").Edit(s =>
        {
            s.Mounts!.Insert(1, new Mount { Destination = "/proc/sys/net", Type = "bind", Source = fake, Options = ["rbind"] });
            s.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        });
        var r = c.Create();
        string after = File.ReadAllText(forward);
        Assert.True(r.ExitCode != 0 && after == "0\n",
            $"a bind mount over /proc/sys/net was accepted and the sysctl was written into the host file {forward} " +
            $"(now \"{after.Trim()}\") instead of the kernel, without error:\n{r}");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void CVE_2019_19921_procfs_over_a_symlinked_proc_is_refused_or_lands_inside_with_masks_intact()
    {
        string victim = _sb.HostDir("victim");
        foreach (string target in new[] { "/", "../../..", victim, "/fakeproc" })
        {
            var c = _sb.NewContainer("sh", "-c",
                "stat -f -c %T /proc/; if [ -e /proc/keys ]; then wc -c < /proc/keys; else echo 0; fi; " +
                "if echo 1 > /proc/sys/kernel/ns_last_pid; then echo WROTE; else echo DENIED; fi");
            Directory.Delete(Path.Combine(c.Rootfs, "proc"));
            Directory.CreateDirectory(Path.Combine(c.Rootfs, "fakeproc"));
            File.CreateSymbolicLink(Path.Combine(c.Rootfs, "proc"), target);
            var r = c.Run();
            if (r.ExitCode == 0)
            {
                Assert.True(r.Out.Split('\n') is ["proc", "0", "DENIED"], $"/proc -> {target}: procfs missing or masks not applied:\n{r}");
                Assert.Contains("Read-only file system", r.Stderr, StringComparison.Ordinal);
            }
            Assert.True(Entries(victim).Count == 0, $"/proc -> {target}: the host directory got {string.Join(", ", Entries(victim))}");
            c.AssertNothingLeft();
        }
    }
}
