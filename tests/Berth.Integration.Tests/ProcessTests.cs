using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>The container process as the user sees it: pid, hostname, ids, env, cwd, exit status.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    [RootFact]
    public void Foreground_run_with_a_terminal_relays_a_pty()
    {
        var c = _sb.NewContainer("sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty; exit 4").Edit(s => s.Process!.Terminal = true);
        var r = c.Run();
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("/dev/pts/0", r.Stdout);
        Assert.Contains("stdin-is-a-tty", r.Stdout);
    }

    [RootFact]
    public void Process_is_pid_1_in_its_own_pid_namespace()
    {
        var r = _sb.NewContainer("sh", "-c", "echo $$").Run().Ok();
        Assert.Equal("1", r.Out);
    }

    /// <summary>The container's network namespace is its own: the one its /sys and /proc/sys/net show, and its sysctls go to.</summary>
    [RootFact]
    public void Network_namespace_is_new_and_is_the_one_sys_and_net_sysctls_show()
    {
        string hostNetns = File.ResolveLinkTarget("/proc/self/ns/net", false)!.ToString();
        string hostPortStart = File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim();
        Assert.NotEqual("80", hostPortStart);
        var c = _sb.NewContainer("sh", "-c", "readlink /proc/self/ns/net; ls /sys/class/net; cat /proc/sys/net/ipv4/ip_unprivileged_port_start")
            .Edit(s => (s.Linux!.Sysctl ??= [])["net.ipv4.ip_unprivileged_port_start"] = "80");
        var lines = c.Run().Ok().Out.Split('\n');
        Assert.StartsWith("net:[", lines[0]);
        Assert.NotEqual(hostNetns, lines[0]);
        Assert.Equal(["lo", "80"], lines[1..]);
        Assert.Equal(hostPortStart, File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim());
    }

    [RootFact]
    public void Hostname_comes_from_the_spec()
    {
        var c = _sb.NewContainer("hostname").Edit(s => s.Hostname = "it-host-name");
        Assert.Equal("it-host-name", c.Run().Ok().Out);
    }

    [RootFact]
    public void User_gid_and_additional_gids_come_from_the_spec()
    {
        var c = _sb.NewContainer("sh", "-c", "id -u; id -g; grep '^Groups:' /proc/self/status")
            .Edit(s => s.Process!.User = new User { UID = 1000, GID = 1000, AdditionalGids = [2000, 3000] });
        var lines = c.Run().Ok().Out.Split('\n');
        Assert.Equal("1000", lines[0]);
        Assert.Equal("1000", lines[1]);
        Assert.Equal(["2000", "3000"], lines[2]["Groups:".Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [RootFact]
    public void Environment_is_exactly_the_spec_env()
    {
        var c = _sb.NewContainer("env").Edit(s => s.Process!.Env =
            ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello world", "EMPTY="]);
        var env = c.Run().Ok().Out.Split('\n');
        Assert.Contains("GREETING=hello world", env);
        Assert.Contains("EMPTY=", env);
        Assert.Contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin", env);
        Assert.DoesNotContain(env, l => l.StartsWith(Runtime.LeakCanary + "=", StringComparison.Ordinal));
    }

    [RootFact]
    public void Relative_program_and_file_paths_resolve_against_cwd()
    {
        var c = _sb.NewContainer("./hello.sh").Edit(s => s.Process!.Cwd = "/work");
        c.WriteRootfsFile("/work/hello.sh", "#!/bin/sh\npwd\ncat ./data.txt\n", "755");
        c.WriteRootfsFile("/work/data.txt", "data in work\n");
        Assert.Equal("/work\ndata in work", c.Run().Ok().Out);
    }

    [RootFact]
    public void Missing_cwd_is_created_even_with_a_readonly_root()
    {
        // runc creates the cwd while preparing the rootfs, before the root is made read-only.
        var c = _sb.NewContainer("pwd").Edit(s => { s.Process!.Cwd = "/does/not/exist"; s.Root!.Readonly = true; });
        Assert.Equal("/does/not/exist", c.Run().Ok().Out);
    }

    [RootFact]
    public void Missing_cwd_is_created_with_a_writable_root()
    {
        var c = _sb.NewContainer("pwd").Edit(s => { s.Process!.Cwd = "/does/not/exist"; s.Root!.Readonly = false; });
        Assert.Equal("/does/not/exist", c.Run().Ok().Out);
        Assert.True(Directory.Exists(Path.Combine(c.Rootfs, "does/not/exist")));
    }

    [RootFact]
    public void Exit_code_of_the_process_is_the_exit_code_of_run()
    {
        var r = _sb.NewContainer("sh", "-c", "exit 42").Run();
        Assert.True(r.ExitCode == 42, r.ToString());
    }

    [RootFact]
    public void Container_killed_with_SIGKILL_is_stopped()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        int pid = c.Pid;
        c.Kill("KILL").Ok();
        var state = c.WaitForStatus("stopped");
        Assert.Equal(0, state.GetProperty("pid").GetInt32());
        Assert.False(HostProcesses.IsAlive(pid));
    }

    [RootFact]
    public void Foreground_run_killed_by_a_signal_exits_128_plus_the_signal()
    {
        var c = _sb.NewContainer("sleep", "1000");
        var run = Task.Run(() => c.Run());
        // Wait until run has started the container, then kill it from outside.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(c.State() is { ExitCode: 0 } s && s.Stdout.Contains("\"running\"", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "container never ran");
            Thread.Sleep(20);
        }
        c.Kill("9").Ok();
        var r = run.Result;
        Assert.True(r.ExitCode == 137, r.ToString());
    }
}
