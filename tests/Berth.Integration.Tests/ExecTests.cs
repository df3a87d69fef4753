using System.Diagnostics;
using System.Globalization;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary><c>exec</c>: a second process that joins everything the container's init has.</summary>
public sealed class ExecTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private Container Running(Action<RuntimeSpec>? edit = null)
    {
        var c = _sb.NewContainer("sleep", "1000");
        if (edit is not null) c.Edit(edit);
        return c.CreateAndStart();
    }

    private static int ReadPidFile(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path) && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
        return int.Parse(File.ReadAllText(path), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    [RootFact]
    public void Exec_sees_the_container_hostname()
    {
        var c = Running();
        Assert.Equal("berth", c.Exec("hostname").Ok().Out);
    }

    [RootFact]
    public void Exec_sees_the_container_mounts_and_root()
    {
        var c = Running(s => s.Mounts!.Add(new Mount { Destination = "/scratch", Type = "tmpfs", Source = "tmpfs", Options = ["size=1m"] }));
        var r = c.Exec("sh", "-c", "grep ' /scratch ' /proc/mounts | cut -d' ' -f1-3; ls /; echo x > /scratch/f && cat /scratch/f").Ok();
        var lines = r.Out.Split('\n');
        Assert.Equal("tmpfs /scratch tmpfs", lines[0]);
        Assert.Contains("scratch", lines);
        Assert.DoesNotContain("work", lines); // the host's root is not visible
        Assert.Equal("x", lines[^1]);
    }

    [RootFact]
    public void Exec_is_in_the_container_pid_namespace()
    {
        var c = Running();
        var r = c.Exec("sh", "-c", "echo self $$; ps -o pid,args").Ok();
        var lines = r.Out.Split('\n');
        int self = int.Parse(lines[0]["self ".Length..], CultureInfo.InvariantCulture);
        Assert.True(self > 1, r.ToString());
        // init is PID 1 and the host's processes are not there: only init and the shell (which may have
        // become ps by exec'ing its last command).
        var rows = lines.Skip(2).Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Contains(rows, p => p[0] == "1" && p[1] == "sleep 1000");
        Assert.Contains(rows, p => p[0] == self.ToString(CultureInfo.InvariantCulture));
        Assert.True(rows.Count is 2 or 3, r.ToString());
    }

    [RootFact]
    public void Detached_exec_writes_its_pid_and_shares_the_init_cgroups_and_namespaces()
    {
        var c = Running();
        string pidFile = Path.Combine(_sb.Dir, "exec.pid");
        var r = c.ExecWith(["--detach", "--pid-file", pidFile], "sleep", "1000").Ok();
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(10), "exec --detach waited for the process");
        int pid = ReadPidFile(pidFile);
        Assert.True(HostProcesses.IsAlive(pid));
        Assert.Equal("sleep1000", File.ReadAllText($"/proc/{pid}/cmdline").Replace("\0", ""));
        Assert.Equal(File.ReadAllText($"/proc/{c.Pid}/cgroup"), File.ReadAllText($"/proc/{pid}/cgroup"));
        foreach (string ns in new[] { "pid", "net", "ipc", "uts", "mnt" })
            Assert.Equal(HostProcesses.Link($"/proc/{c.Pid}/ns/{ns}"), HostProcesses.Link($"/proc/{pid}/ns/{ns}"));
        Assert.Contains(pid, c.PsPids());
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Exec_exit_code_is_propagated()
    {
        var c = Running();
        Assert.Equal(9, c.Exec("sh", "-c", "exit 9").ExitCode);
        Assert.Equal(0, c.Exec("true").ExitCode);
        Assert.Equal(137, c.Exec("sh", "-c", "kill -9 $$").ExitCode);
        Assert.Equal("running", c.Status);
    }

    [RootFact]
    public void Exec_env_is_added_to_the_spec_env()
    {
        var c = Running();
        var r = c.ExecWith(["--env", "FOO=bar", "-e", "EMPTY="], "env").Ok();
        var env = r.Out.Split('\n');
        Assert.Contains("FOO=bar", env);
        Assert.Contains("EMPTY=", env);
        Assert.Contains("TERM=xterm", env);
        Assert.Contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env);
        Assert.DoesNotContain(env, e => e.StartsWith(Runtime.LeakCanary, StringComparison.Ordinal));
    }

    [RootFact]
    public void Exec_env_overrides_a_spec_variable_instead_of_duplicating_it()
    {
        // runc keeps one entry per name, the last one; with two, getenv(3) in most programs sees the first.
        var c = Running();
        var env = c.ExecWith(["--env", "TERM=dumb"], "env").Ok().Out.Split('\n');
        Assert.Equal(["TERM=dumb"], env.Where(e => e.StartsWith("TERM=", StringComparison.Ordinal)));
    }

    [RootFact]
    public void Exec_sets_HOME_from_the_user_like_runc()
    {
        // runc sets HOME from /etc/passwd (or "/") when the environment does not have it.
        var c = Running();
        Assert.Contains("HOME=/root", c.Exec("env").Ok().Out.Split('\n'));
        Assert.Contains("HOME=/nonexistent", c.ExecWith(["--user", "65534:65534"], "env").Ok().Out.Split('\n'));
        Assert.Contains("HOME=/elsewhere", c.ExecWith(["--env", "HOME=/elsewhere"], "env").Ok().Out.Split('\n'));
    }

    [RootFact]
    public void Exec_cwd_and_user()
    {
        var c = Running();
        Assert.Equal("/tmp", c.ExecWith(["--cwd", "/tmp"], "pwd").Ok().Out);
        var r = c.ExecWith(["--user", "65534:65534"], "sh", "-c", "id -u; id -g; grep ^CapEff /proc/self/status").Ok();
        // A non-root user loses the effective capabilities, as with runc.
        Assert.Equal(["65534", "65534", "CapEff:\t0000000000000000"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Exec_process_json()
    {
        var c = Running();
        string json = Path.Combine(_sb.Dir, "process.json");
        File.WriteAllText(json, """
            {
              "terminal": false,
              "user": { "uid": 1000, "gid": 1001 },
              "args": [ "sh", "-c", "echo $GREETING; pwd; id -u; id -g; exit 3" ],
              "env": [ "PATH=/bin", "GREETING=hello from process.json" ],
              "cwd": "/etc"
            }
            """);
        var r = c.ExecWith(["--process", json]);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Equal(["hello from process.json", "/etc", "1000", "1001"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Exec_into_a_stopped_container_fails_clearly()
    {
        var c = _sb.NewContainer("true").CreateAndStart();
        c.WaitForStatus("stopped");
        c.Exec("true").FailsWith("cannot exec in a stopped container");
    }

    [RootFact]
    public void Exec_into_an_unknown_container_fails_clearly()
    {
        _sb.Rt("exec", "no-such-container", "true").FailsWith("container does not exist");
    }

    [RootFact]
    public void Exec_cap_adds_the_capability()
    {
        var c = Running();
        string without = c.Exec("cat", "/proc/self/status").Ok().Stdout;
        Assert.Equal(0UL, Convert.ToUInt64(HostProcesses.StatusField(without, "CapEff"), 16) & (1UL << 21));
        string with = c.ExecWith(["--cap", "CAP_SYS_ADMIN"], "cat", "/proc/self/status").Ok().Stdout;
        foreach (string set in new[] { "CapEff", "CapPrm", "CapBnd" })
            Assert.NotEqual(0UL, Convert.ToUInt64(HostProcesses.StatusField(with, set), 16) & (1UL << 21));
        // And it works: CAP_SYS_ADMIN lets it mount.
        Assert.Equal(1, c.Exec("sh", "-c", "mount -t tmpfs none /tmp 2>/dev/null").ExitCode);
        c.ExecWith(["--cap", "CAP_SYS_ADMIN"], "mount", "-t", "tmpfs", "none", "/tmp").Ok();
    }

    [RootFact]
    public void Exec_gets_the_container_seccomp_filter_and_no_new_privs()
    {
        var c = Running(s =>
        {
            s.Mounts!.Add(new Mount { Destination = "/tmp", Type = "tmpfs", Source = "tmpfs", Options = ["size=1m", "mode=1777"] });
            s.Linux!.Seccomp = new LinuxSeccomp
            {
                DefaultAction = "SCMP_ACT_ALLOW",
                Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                Syscalls = [new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
            };
        });
        var r = c.Exec("sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /tmp/x; echo mkdir $?; touch /tmp/y && echo touched").Ok();
        Assert.Equal(["NoNewPrivs:\t1", "Seccomp:\t2", "mkdir 1", "touched"], r.Out.Split('\n'));
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public void Exec_without_a_seccomp_profile_has_no_filter()
    {
        var c = Running();
        Assert.Equal("Seccomp:\t0", c.Exec("grep", "^Seccomp:", "/proc/self/status").Ok().Out);
    }

    [RootFact]
    public void Exec_joins_the_user_namespace()
    {
        File.SetUnixFileMode(_sb.Dir, (UnixFileMode)Convert.ToInt32("755", 8)); // the mapped root must reach the rootfs
        var c = Running(s =>
        {
            s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = NamespaceTypes.User });
            s.Linux.UIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = 100000, Size = 65536 }];
            s.Linux.GIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = 100000, Size = 65536 }];
        });
        string pidFile = Path.Combine(_sb.Dir, "exec.pid");
        c.ExecWith(["--detach", "--pid-file", pidFile], "sleep", "1000").Ok();
        int pid = ReadPidFile(pidFile);
        Assert.Equal("100000\t100000\t100000\t100000", HostProcesses.StatusField(File.ReadAllText($"/proc/{pid}/status"), "Uid"));
        Assert.Equal(HostProcesses.Link($"/proc/{c.Pid}/ns/user"), HostProcesses.Link($"/proc/{pid}/ns/user"));
        Assert.Equal("0", c.Exec("id", "-u").Ok().Out);
    }

    [RootFact]
    public void A_failing_execve_is_reported_even_when_detached()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Exec("/etc/passwd").FailsWith("permission denied");
        c.ExecWith(["--detach"], "/etc/passwd").FailsWith("permission denied");
    }
}
