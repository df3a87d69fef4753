using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// Regression tests for the runtime cases of /work/shared/SECURITY-CASES.md, section 3D (runc-class bugs)
/// and the runtime side of 3E (denial of service), with the defaults of section 4. Each test is named after
/// its case and fails if the bug is present. Mount-path cases live in SecurityCaseMountTests.cs.
/// </summary>
[Collection("SecurityCase")]
public sealed class SecurityCaseTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    /// <summary><c>berth-runtime --root R args</c> from bash after <paramref name="setup"/> (e.g. opening fds the runtime inherits).</summary>
    private RunResult RtFromBash(string setup, string args) =>
        Runtime.Bash($"{setup}; exec \"$BERTH_RUNTIME\" --root '{_sb.Root}' {args}", _sb.Dir);

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }

    private static void AssertUnwritableRuntimeExe(int pid, string what)
    {
        var facts = SecurityProbes.Inspect($"/proc/{pid}/exe");
        Assert.True(facts.Target is not null, $"{what}: /proc/{pid}/exe is unreadable");
        Assert.NotEqual(Path.GetFullPath(Runtime.BinaryPath), facts.Target);
        Assert.True(facts.Sealed || facts.ReadonlyMount,
            $"{what} runs from a writable binary ({facts}); a container process could reopen it through /proc/PID/exe (CVE-2019-5736)");
        Assert.False(facts.OpenedForWrite, $"{what}: {facts}");
    }

    /// <summary>A runtime exec process held just before it execs, and the runtime command waiting for it.</summary>
    private sealed record HeldExec(int Pid, Task<RunResult> Runtime);

    /// <summary>
    /// Holds the runtime's exec process at its last step before execve: the container is paused, then
    /// <c>exec --ignore-paused</c> runs; the process does its setup in the container's namespaces (credentials,
    /// capabilities, cwd, confinement), joins the container's frozen cgroup and freezes there, still the
    /// runtime binary, waiting to be told to exec. Returns its host pid once it holds the container's capabilities.
    /// </summary>
    private HeldExec HoldExecProcessBeforeExec(Container c)
    {
        int init = c.Pid;
        string initCaps = HostProcesses.StatusField(File.ReadAllText($"/proc/{init}/status"), "CapEff");
        c.Pause().Ok();
        var runtime = Task.Run(() => _sb.Rt("exec", "--detach", "--ignore-paused", c.Id, "sleep", "1000"));
        string procs = c.CgroupFile("freezer", "cgroup.procs");
        var clock = Stopwatch.StartNew();
        string seen = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(3) && !runtime.IsCompleted)
        {
            foreach (int pid in File.ReadAllLines(procs).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).Where(p => p != init))
            {
                try
                {
                    string status = File.ReadAllText($"/proc/{pid}/status");
                    seen = $"pid {pid}: State {HostProcesses.StatusField(status, "State")}, CapEff {HostProcesses.StatusField(status, "CapEff")}";
                    if (HostProcesses.StatusField(status, "CapEff") == initCaps && HostProcesses.StatusField(status, "State").StartsWith('D'))
                        return new HeldExec(pid, runtime);
                }
                catch (IOException) { }
            }
            Thread.Sleep(5);
        }
        Assert.Fail($"could not hold the exec process before it execs (last seen: {seen}; runtime: {(runtime.IsCompleted ? runtime.Result.ToString() : "still waiting")})");
        return null!;
    }

    /// <summary>
    /// Runs a shell script on the host with a container process's credentials: uid 0, the container's
    /// capability set (as bounding, so the root shell's permitted set is exactly that), no inheritable caps.
    /// For /proc access checks (ptrace_may_access) that is all that counts, namespaces do not.
    /// </summary>
    private static RunResult AsContainerProcess(Container c, string script)
    {
        const string setpriv = "/usr/bin/setpriv";
        Assert.True(File.Exists(setpriv), "this test needs setpriv (util-linux)");
        string caps = string.Join(',', c.Spec.Process!.Capabilities!.Bounding!.Select(n => "+" + n["CAP_".Length..].ToLowerInvariant()));
        return Runtime.Command(setpriv, ["--bounding-set", "-all," + caps, "--inh-caps", "-all", "/bin/sh", "-c", script]);
    }

    /// <summary>Deletes the container (which kills the held process) and waits for the runtime command to give up.</summary>
    private static void Release(Container c, HeldExec held)
    {
        c.Delete(force: true).Ok();
        Assert.True(held.Runtime.Wait(TimeSpan.FromSeconds(10)), "the runtime exec command did not end after its process was killed");
        c.AssertNothingLeft();
    }

    // --- 3D 18. CVE-2019-5736: overwrite the runtime binary through /proc/PID/exe ------------------------

    [RootFact]
    public void CVE_2019_5736_created_init_runs_from_a_binary_nobody_can_open_for_writing()
    {
        string before = Sha256(Runtime.BinaryPath);
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        AssertUnwritableRuntimeExe(c.Pid, "init of a created container");

        // The container's side of the attack: another process in the container opens init's exe for writing.
        var r = c.Exec("sh", "-c", "if echo x >> /proc/1/exe; then echo WROTE; else echo DENIED; fi").Ok();
        Assert.Equal("DENIED", r.Out);

        c.Delete(force: true).Ok();
        Assert.Equal(before, Sha256(Runtime.BinaryPath));
        c.AssertNothingLeft();
    }

    [RootFact]
    public void CVE_2019_5736_exec_process_before_it_execs_runs_from_a_binary_nobody_can_open_for_writing()
    {
        string before = Sha256(Runtime.BinaryPath);
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        var held = HoldExecProcessBeforeExec(c);
        AssertUnwritableRuntimeExe(held.Pid, "exec process (before exec)");
        var r = AsContainerProcess(c, $"if echo x >> /proc/{held.Pid}/exe; then echo WROTE; else echo DENIED; fi");
        Assert.Equal("DENIED", r.Out);
        Release(c, held);
        Assert.Equal(before, Sha256(Runtime.BinaryPath));
    }

    // --- CVE-2016-9962: a container process ptraces (or reads /proc of) the runtime's exec process ------

    [RootFact]
    public void CVE_2016_9962_exec_process_is_not_dumpable_while_it_is_inside_the_container()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        int init = c.Pid;
        var held = HoldExecProcessBeforeExec(c);
        // The held process has the container's uid and capabilities, so only "not dumpable" keeps a container
        // process out of its memory, environment and fds. The same probe on init (dumpable, same credentials)
        // must succeed, or the probe proves nothing.
        string Probe(int p, string name) =>
            $"if cat /proc/{p}/environ >/dev/null 2>&1; then echo {name}:environ-readable; else echo {name}:environ-denied; fi; " +
            $"if readlink /proc/{p}/fd/0 >/dev/null 2>&1; then echo {name}:fd-readable; else echo {name}:fd-denied; fi; " +
            $"if readlink /proc/{p}/cwd >/dev/null 2>&1; then echo {name}:cwd-readable; else echo {name}:cwd-denied; fi; ";
        var r = AsContainerProcess(c, Probe(init, "init") + Probe(held.Pid, "exec")).Ok();
        Assert.Equal(
            ["init:environ-readable", "init:fd-readable", "init:cwd-readable", "exec:environ-denied", "exec:fd-denied", "exec:cwd-denied"],
            r.Out.Split('\n'));
        Release(c, held);
    }

    // --- 3D 19. CVE-2024-21626: leaked fds and process.cwd ----------------------------------------------

    /// <summary>bash redirections that open fds 3..10 on <paramref name="dir"/>: what a careless caller leaks.</summary>
    private static string LeakFds(string dir) => "exec " + string.Join(' ', Enumerable.Range(3, 8).Select(n => $"{n}<'{dir}'"));

    [RootFact]
    public void CVE_2024_21626_cwd_proc_self_fd_N_fails_cleanly_or_stays_inside()
    {
        string host = _sb.HostDir("leaked-dir", ("host-marker", "host secret\n"));
        // init: one bundle per N (all on the same rootfs), run one after another by one script whose fds
        // 3..10 are the host directory.
        var c = _sb.NewContainer("sh", "-c", "ls -a; pwd -P");
        var script = new System.Text.StringBuilder(LeakFds(host) + "\n");
        for (int n = 3; n <= 10; n++)
        {
            string bundle = Path.Combine(_sb.Dir, "cwd-bundles", n.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(bundle);
            var spec = c.Spec;
            spec.Root!.Path = c.Rootfs;
            spec.Process!.Cwd = $"/proc/self/fd/{n}";
            File.WriteAllText(Path.Combine(bundle, "config.json"), OciJson.WriteIndented(spec));
            script.Append(CultureInfo.InvariantCulture, $"echo '== cwd /proc/self/fd/{n}'; \"$BERTH_RUNTIME\" --root '{_sb.Root}' run --bundle '{bundle}' '{c.Id}' 2>&1; echo \"exit $?\"\n");
        }
        // exec: --cwd given directly, and through a symlink the container made.
        var running = _sb.NewContainer("sleep", "1000").CreateAndStart();
        running.Exec("ln", "-s", "/proc/self/fd/7", "/dev/shm/cwd-link").Ok();
        foreach (string cwd in Enumerable.Range(3, 8).Select(n => $"/proc/self/fd/{n}").Append("/dev/shm/cwd-link"))
            script.Append(CultureInfo.InvariantCulture, $"echo '== exec --cwd {cwd}'; \"$BERTH_RUNTIME\" --root '{_sb.Root}' exec --cwd '{cwd}' '{running.Id}' sh -c 'ls -a; pwd -P' 2>&1; echo \"exit $?\"\n");

        var r = Runtime.Bash(script.ToString(), _sb.Dir);
        var escaped = r.Stdout.Split("== ", StringSplitOptions.RemoveEmptyEntries).Where(part => part.Contains("host-marker", StringComparison.Ordinal)).ToList();
        Assert.True(escaped.Count == 0, $"these put the process in a host directory:\n{string.Join('\n', escaped)}");
        Assert.Equal(17, r.Stdout.Split("== ").Length - 1);
        c.AssertNothingLeft();
    }

    [RootFact]
    public void CVE_2024_21626_container_and_exec_processes_get_only_stdio_and_preserved_fds()
    {
        string host = _sb.HostDir("leaked-dir", ("host-marker", "x"));
        // ls's own directory fd is 3.
        var c = _sb.NewContainer("ls", "/proc/self/fd");
        Assert.Equal(["0", "1", "2", "3"], RtFromBash(LeakFds(host), $"run --bundle '{c.Bundle}' '{c.Id}'").Ok().Out.Split('\n'));
        var p = _sb.NewContainer("ls", "/proc/self/fd");
        Assert.Equal(["0", "1", "2", "3", "4", "5"],
            RtFromBash(LeakFds(host), $"run --preserve-fds 2 --bundle '{p.Bundle}' '{p.Id}'").Ok().Out.Split('\n'));

        var running = _sb.NewContainer("sleep", "1000").CreateAndStart();
        Assert.Equal(["0", "1", "2", "3"], RtFromBash(LeakFds(host), $"exec '{running.Id}' ls /proc/self/fd").Ok().Out.Split('\n'));
        Assert.Equal(["0", "1", "2", "3", "4"],
            RtFromBash(LeakFds(host), $"exec --preserve-fds 1 '{running.Id}' ls /proc/self/fd").Ok().Out.Split('\n'));
    }

    [RootFact]
    public void CVE_2024_21626_process_cannot_execute_a_host_file_through_an_fd_leaked_by_the_caller()
    {
        // A static program that exists only on the host, reachable only through the caller's fd 7.
        string host = _sb.HostDir("leaked-bin");
        var c = _sb.NewContainer("/proc/self/fd/7/sh", "-c", "echo ESCAPED");
        File.Copy(Path.Combine(c.Rootfs, "bin", "busybox"), Path.Combine(host, "sh"));
        File.SetUnixFileMode(Path.Combine(host, "sh"), (UnixFileMode)Convert.ToInt32("755", 8));

        var run = RtFromBash($"exec 7<'{host}'", $"run --bundle '{c.Bundle}' '{c.Id}'");
        Assert.False(run.Stdout.Contains("ESCAPED", StringComparison.Ordinal),
            $"the container's init executed a host file through an fd its caller leaked (fds must be closed, not only CLOEXEC, before execve):\n{run}");
        c.AssertNothingLeft();

        var running = _sb.NewContainer("sleep", "1000").CreateAndStart();
        var exec = RtFromBash($"exec 7<'{host}'", $"exec '{running.Id}' /proc/self/fd/7/sh -c 'echo ESCAPED'");
        Assert.False(exec.Stdout.Contains("ESCAPED", StringComparison.Ordinal),
            $"an exec'd process executed a host file through an fd the exec caller leaked:\n{exec}");
    }

    [RootFact]
    public void CVE_2024_21626_created_init_holds_no_host_fd_another_container_process_could_use()
    {
        string host = _sb.HostDir("leaked-dir", ("host-marker", "host secret\n"));
        string file = Path.Combine(host, "host-marker");
        var c = _sb.NewContainer("sleep", "1000");
        RtFromBash($"exec 7<'{host}' 8<'{file}'", $"create --bundle '{c.Bundle}' '{c.Id}'").Ok();

        int pid = c.Pid;
        var held = Directory.GetFileSystemEntries($"/proc/{pid}/fd")
            .Select(f => (Fd: Path.GetFileName(f), Target: HostProcesses.Link(f)))
            .Where(f => f.Target is not null && (f.Target == host || f.Target.StartsWith(host + "/", StringComparison.Ordinal)))
            .ToList();
        // What an exec'd process can do with them while the container waits for start.
        var r = c.Exec("sh", "-c", "cat /proc/1/fd/7/host-marker /proc/1/fd/8 2>/dev/null; true").Ok();
        Assert.True(held.Count == 0 && !r.Stdout.Contains("host secret", StringComparison.Ordinal),
            $"the created container's init holds host fds its caller leaked ({string.Join(", ", held.Select(h => $"{h.Fd} -> {h.Target}"))}); " +
            $"a process exec'd into the container read through them: \"{r.Out}\"");
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }

    // --- 3D 22. CVE-2025-31133 / CVE-2025-52565: /dev/null and /dev/console as container-made symlinks -----

    [RootFact]
    public void CVE_2025_31133_dev_null_symlink_in_the_image_cannot_redirect_masking()
    {
        string victim = _sb.HostDir("victim", ("file", "host file\n"));
        string victimFile = Path.Combine(victim, "file");
        string[] targets = ["/proc/sys/kernel/core_pattern", "/etc/masked-target", "../../../../../../.." + victimFile, victimFile];
        string corePattern = File.ReadAllText("/proc/sys/kernel/core_pattern");
        foreach (string target in targets)
        {
            // No tmpfs on /dev: the image's /dev (with its symlinked null) is what the container gets.
            var c = _sb.NewContainer("sh", "-c", "stat -L -c '%F %t:%T' /dev/null; wc -c < /proc/keys")
                .Edit(s => s.Mounts!.RemoveAll(m => m.Destination == "/dev"));
            c.WriteRootfsFile("/etc/masked-target", "image file\n");
            File.CreateSymbolicLink(Path.Combine(c.Rootfs, "dev", "null"), target);
            var r = c.Run();
            if (r.ExitCode == 0)
            {
                var lines = r.Out.Split('\n');
                Assert.True(lines[0] == "character special file 1:3", $"/dev/null -> {target}: masking used something other than the real null device:\n{r}");
                if (File.Exists("/proc/keys")) Assert.True(lines[1] == "0", $"/dev/null -> {target}: /proc/keys is not masked:\n{r}");
            }
            Assert.Equal("host file\n", File.ReadAllText(victimFile));
            Assert.Equal(corePattern, File.ReadAllText("/proc/sys/kernel/core_pattern"));
            c.AssertNothingLeft();
        }
    }

    [RootFact]
    public void CVE_2025_52565_console_bind_mount_never_lands_on_a_container_controlled_symlink()
    {
        // create: the image's /dev/console (no tmpfs on /dev) is a symlink to one of its files.
        // stat, not cat: with the bug the target is the pty, and reading it would block.
        const string Probe = "stat -c %F /etc/console-target; grep -c ' /etc/console-target ' /proc/mounts; true";
        var c = _sb.NewContainer("sh", "-c", Probe)
            .Edit(s =>
            {
                s.Process!.Terminal = true;
                s.Mounts!.RemoveAll(m => m.Destination == "/dev");
            });
        c.WriteRootfsFile("/etc/console-target", "original\n");
        File.CreateSymbolicLink(Path.Combine(c.Rootfs, "dev", "console"), "/etc/console-target");
        var r = c.Run();
        Assert.True(r.Stdout.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries) is ["regular file", "0"],
            $"the console was bind-mounted through the image's /dev/console symlink onto /etc/console-target:\n{r}");

        // exec --tty: the running container replaces its own /dev/console with a symlink.
        var running = _sb.NewContainer("sleep", "1000").Edit(s => s.Root!.Readonly = false).CreateAndStart();
        running.Exec("sh", "-c", "echo original > /etc/console-target && rm -f /dev/console && ln -s /etc/console-target /dev/console").Ok();
        running.ExecWith(["--tty"], "true");
        var after = running.Exec("sh", "-c", Probe);
        Assert.True(after.ExitCode == 0 && after.Out.Split('\n') is ["regular file", "0"],
            $"exec --tty bind-mounted its pty through the container's /dev/console symlink onto /etc/console-target:\n{after}");
    }

    // --- 4.3 masked and read-only paths ---------------------------------------------------------------

    [RootFact]
    public void Masked_and_readonly_paths_cannot_be_undone_by_an_unprivileged_container_process()
    {
        var c = _sb.NewContainer("true");
        var spec = c.Spec;
        var masked = spec.Linux!.MaskedPaths!.Where(Path.Exists).ToList();
        Assert.NotEmpty(masked);
        var paths = masked.Concat(spec.Linux.ReadonlyPaths!.Where(Path.Exists)).ToList();
        string attempts = string.Concat(paths.Select(p =>
            $"umount {p} 2>/dev/null && echo UNMOUNTED {p}; umount -l {p} 2>/dev/null && echo DETACHED {p}; " +
            $"mount -o remount,rw {p} 2>/dev/null && echo REMOUNTED {p}; "));
        string check = string.Concat(masked.Select(p => Directory.Exists(p)
            ? $"echo \"{p} $(ls -A {p} | wc -l)\"; "
            : $"echo \"{p} $(wc -c < {p})\"; "));
        c.Edit(s => s.Process!.Args = ["sh", "-c", attempts + "mount -t proc proc /tmp 2>/dev/null && echo NEW-PROC; " + check]);
        var r = c.Run().Ok();
        Assert.Equal(masked.Select(p => $"{p} 0"), r.Out.Split('\n'));
    }

    // --- devices --------------------------------------------------------------------------------------

    private const string TryOpen = "if (exec 3<>/dev/probe) 2>/dev/null; then echo OPENED; else echo DENIED; fi";

    private static void AddCap(RuntimeSpec s, string cap)
    {
        var caps = s.Process!.Capabilities!;
        foreach (var set in new[] { caps.Bounding!, caps.Effective!, caps.Permitted! }) set.Add(cap);
    }

    [RootFact]
    public void Devices_cannot_be_created_without_CAP_MKNOD()
    {
        var r = _sb.NewContainer("sh", "-c", "if mknod /dev/probe b 8 0; then echo CREATED; else echo REFUSED; fi").Run().Ok();
        Assert.Equal("REFUSED", r.Out);
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public void Device_cgroup_denies_a_node_made_with_CAP_MKNOD_and_a_bind_mounted_host_node()
    {
        // c 10:237 is /dev/loop-control: host root can open it; the container may create it (m) but not open it.
        var c = _sb.NewContainer("sh", "-c", "mknod /dev/probe c 10 237 && echo CREATED; " + TryOpen + "; " + TryOpen.Replace("/dev/probe", "/dev/hostnode", StringComparison.Ordinal))
            .Edit(s =>
            {
                AddCap(s, "CAP_MKNOD");
                s.Linux!.Resources!.Devices!.Add(new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 10, Minor = 237, Access = "m" });
                s.Mounts!.Add(new Mount { Destination = "/dev/hostnode", Type = "bind", Source = "/dev/loop-control", Options = ["bind"] });
            });
        Assert.Equal(["CREATED", "DENIED", "DENIED"], c.Run().Ok().Out.Split('\n'));
    }

    [RootFact]
    public void Device_cgroup_is_an_allow_list_even_when_the_spec_has_no_device_rules()
    {
        // runc builds the device cgroup from an empty allow-list plus the default devices, whatever the spec says.
        var c = _sb.NewContainer("sh", "-c", "mknod /dev/probe c 10 237 && echo CREATED; " + TryOpen)
            .Edit(s =>
            {
                AddCap(s, "CAP_MKNOD");
                s.Linux!.Resources = null;
            });
        var r = c.Run().Ok();
        // Either the device cgroup refuses the mknod ('m' is not allowed), or the node exists and cannot be opened.
        // (When mknod fails, TryOpen's read-write redirection creates a plain file: that proves nothing.)
        bool created = r.Out.Split('\n').Contains("CREATED");
        Assert.True(!created || r.Out.Split('\n').Last() == "DENIED",
            $"with no linux.resources.devices, a container with CAP_MKNOD opened a host device (loop-control) it made:\n{r}");
    }

    // --- no_new_privs ---------------------------------------------------------------------------------

    [RootFact]
    public void No_new_privileges_stops_a_setuid_root_binary_from_raising_a_uid_1000_process()
    {
        // A setuid-root busybox as su, and a root account without a password: "su -c id" from uid 1000
        // becomes root if the setuid bit takes effect, and says "must be suid to work properly" if not.
        Container WithSetuidSu(bool noNewPrivileges)
        {
            var c = _sb.NewContainer("/suid/su", "-c", "id -u").Edit(s =>
            {
                s.Process!.User = new User { UID = 1000, GID = 1000 };
                s.Process.NoNewPrivileges = noNewPrivileges;
                // As Docker's default bounding set: what a setuid-root exec would gain (su needs both).
                s.Process.Capabilities!.Bounding!.AddRange(["CAP_SETUID", "CAP_SETGID"]);
            });
            c.WriteRootfsFile("/etc/passwd", "root::0:0:root:/root:/bin/sh\nuser:x:1000:1000::/:/bin/sh\n");
            string su = Path.Combine(c.Rootfs, "suid", "su");
            Directory.CreateDirectory(Path.GetDirectoryName(su)!);
            File.Copy(Path.Combine(c.Rootfs, "bin", "busybox"), su);
            File.SetUnixFileMode(su, (UnixFileMode)Convert.ToInt32("4755", 8));
            return c;
        }
        // Control: without no_new_privs the setuid bit works, so the probe can see the difference.
        Assert.Equal("0", WithSetuidSu(noNewPrivileges: false).Run().Ok().Out);
        var r = WithSetuidSu(noNewPrivileges: true).Run();
        Assert.True(r.ExitCode != 0 && r.Stdout.Length == 0 && r.Stderr.Contains("must be suid to work properly", StringComparison.Ordinal),
            $"a uid 1000 process with no_new_privs gained root through a setuid-root binary:\n{r}");
    }

    // --- 4.1 CVE-2022-24769 / runc CVE-2022-29162: inheritable capabilities ---------------------------

    [RootFact]
    public void CVE_2022_29162_init_and_exec_cap_leave_inheritable_and_ambient_empty()
    {
        // The spec lists ambient caps without inheritable ones (as runc's own default spec does).
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        string Caps(RunResult r) => string.Join(' ', new[] { "CapInh", "CapAmb" }.Select(f => $"{f}={HostProcesses.StatusField(r.Stdout, f)}"));
        Assert.Equal("CapInh=0000000000000000 CapAmb=0000000000000000", Caps(c.Exec("cat", "/proc/1/status").Ok()));
        // runc's bug: exec --cap also put the capability in the inheritable set.
        var added = c.ExecWith(["--cap", "CAP_SYS_ADMIN"], "cat", "/proc/self/status").Ok();
        Assert.Equal("CapInh=0000000000000000 CapAmb=0000000000000000", Caps(added));
        Assert.NotEqual(0UL, Convert.ToUInt64(HostProcesses.StatusField(added.Stdout, "CapEff"), 16) & (1UL << 21));
    }

    // --- hostname and sysctl isolation ----------------------------------------------------------------

    [RootFact]
    public void Hostname_and_net_sysctls_need_the_container_own_namespace()
    {
        string hostName = File.ReadAllText("/proc/sys/kernel/hostname");

        var noUts = _sb.NewContainer("hostname").Edit(s =>
        {
            s.Hostname = null;
            s.Linux!.Namespaces!.RemoveAll(n => n.Type == NamespaceTypes.Uts);
            s.Linux.Sysctl = new() { ["kernel.hostname"] = "from-sysctl" };
        });
        Assert.Contains("kernel.hostname", noUts.Create().FailsWith("is not allowed in the host's UTS namespace").Stderr, StringComparison.Ordinal);
        noUts.AssertNothingLeft();

        var uts = _sb.NewContainer("hostname").Edit(s => s.Linux!.Sysctl = new() { ["kernel.hostname"] = "from-sysctl" });
        Assert.Equal("from-sysctl", uts.Run().Ok().Out);
        Assert.Equal(hostName, File.ReadAllText("/proc/sys/kernel/hostname"));

        var noNet = _sb.NewContainer("true").Edit(s =>
        {
            s.Linux!.Namespaces!.RemoveAll(n => n.Type == NamespaceTypes.Network);
            s.Linux.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        });
        Assert.Contains("net.ipv4.ip_forward", noNet.Create().FailsWith("is not allowed in the host's network namespace").Stderr, StringComparison.Ordinal);
        noNet.AssertNothingLeft();

        var net = _sb.NewContainer("cat", "/proc/sys/net/ipv4/ip_forward").Edit(s => s.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" });
        string hostForward = File.ReadAllText("/proc/sys/net/ipv4/ip_forward");
        Assert.Equal("1", net.Run().Ok().Out);
        Assert.Equal(hostForward, File.ReadAllText("/proc/sys/net/ipv4/ip_forward"));
    }

    [RootFact]
    public void Net_sysctl_is_refused_when_the_network_namespace_joined_by_path_is_the_host_one()
    {
        // runc: "sysctl %q not allowed in host network namespace". The value written is the host's current
        // one, so a runtime with the bug changes nothing on this machine while the test still catches it.
        const string key = "net.ipv4.tcp_keepalive_probes";
        string current = File.ReadAllText("/proc/sys/net/ipv4/tcp_keepalive_probes").Trim();
        var c = _sb.NewContainer("true").Edit(s =>
        {
            s.Linux!.Namespaces!.Single(n => n.Type == NamespaceTypes.Network).Path = $"/proc/{Environment.ProcessId}/ns/net";
            s.Linux.Sysctl = new() { [key] = current };
        });
        var r = c.Create();
        Assert.True(r.ExitCode != 0, $"create accepted sysctl {key} in the host's network namespace (joined by path):\n{r}");
        r.FailsWith("network namespace");
        c.AssertNothingLeft();
    }

    // --- 3E: denial of service ------------------------------------------------------------------------

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fork_bomb_under_pids_max_64_is_contained_and_delete_force_cleans_it_up(bool privatePidNamespace)
    {
        // A failed fork ends a non-interactive busybox sh, so init must not be part of the bomb: it execs sleep.
        var c = _sb.NewContainer("sh", "-c", "(f() { while :; do f & done; }; f) 2>/dev/null & exec sleep 1000").Edit(s =>
        {
            s.Linux!.Resources!.Pids = new LinuxPids { Limit = 64 };
            if (!privatePidNamespace) s.Linux.Namespaces!.RemoveAll(n => n.Type == NamespaceTypes.Pid);
        });
        c.CreateAndStart();
        string current = c.CgroupFile("pids", "pids.current");
        var clock = Stopwatch.StartNew();
        while (long.Parse(File.ReadAllText(current).Trim(), CultureInfo.InvariantCulture) < 60 && clock.Elapsed < TimeSpan.FromSeconds(2))
            Thread.Sleep(20);
        long tasks = long.Parse(File.ReadAllText(current).Trim(), CultureInfo.InvariantCulture);
        Assert.True(tasks is >= 32 and <= 64, $"pids.current is {tasks}: the bomb did not reach the limit, or went past it");

        // The host still answers: a process starts, and the runtime reports on the container.
        var probe = Runtime.Command("/bin/true", []);
        Assert.True(probe.ExitCode == 0 && probe.Elapsed < TimeSpan.FromSeconds(2), $"host unresponsive under the bomb: {probe}");
        Assert.Equal("running", c.Status);

        var delete = c.Delete(force: true).Ok();
        Assert.True(delete.Elapsed < TimeSpan.FromSeconds(3), $"delete --force took {delete.Elapsed.TotalSeconds:F1} s");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Filling_dev_shm_stops_at_its_65536k_size()
    {
        // dd's error must not go to /dev/shm itself: it is full by then.
        var c = _sb.NewContainer("sh", "-c", "err=$(dd if=/dev/zero of=/dev/shm/fill bs=1M count=100 2>&1 >/dev/null); echo dd=$?; wc -c < /dev/shm/fill; echo \"$err\" | grep -c 'No space left'");
        Assert.Contains("size=65536k", c.Spec.Mounts!.Single(m => m.Destination == "/dev/shm").Options!);
        var r = c.Run().Ok();
        Assert.Equal(["dd=1", (64L << 20).ToString(CultureInfo.InvariantCulture), "1"], r.Out.Split('\n'));
        c.AssertNothingLeft();
    }

    // --- hooks ----------------------------------------------------------------------------------------

    [RootFact]
    public void Hook_with_a_relative_or_missing_path_fails_create_clearly_and_leaves_nothing()
    {
        var relative = _sb.NewContainer("true").Edit(s => s.Hooks = new Hooks { Prestart = [new Hook { Path = "hooks/prestart.sh" }] });
        var r = relative.Create().FailsWith("must be an absolute path");
        Assert.Contains("hooks.prestart[0].path", r.Stderr, StringComparison.Ordinal);
        relative.AssertNothingLeft();

        var missing = _sb.NewContainer("true").Edit(s => s.Hooks = new Hooks { CreateRuntime = [new Hook { Path = "/no/such/hook" }] });
        missing.Create().FailsWith("/no/such/hook");
        missing.AssertNothingLeft();
    }
}
