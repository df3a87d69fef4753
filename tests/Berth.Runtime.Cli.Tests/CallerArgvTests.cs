namespace Berth.Runtime.Cli.Tests;

/// <summary>argv exactly as containerd's go-runc and podman/conmon build it (RUNC-NOTES 1.1, 1.2).</summary>
public sealed class CallerArgvTests
{
    private const string ShimGlobals = "--root /run/containerd/runc/default --log /b/log.json --log-format json";

    private static ParsedArgs Shim(string rest) => Argv.Parse($"{ShimGlobals} {rest}");

    private static void AssertShimGlobals(ParsedArgs p)
    {
        Assert.Equal("/run/containerd/runc/default", p.Globals.Root);
        Assert.Equal("/b/log.json", p.Globals.Log);
        Assert.Equal(LogFormat.Json, p.Globals.LogFormat);
    }

    [Fact]
    public void GoRunc_create()
    {
        ParsedArgs p = Shim("create --bundle /b --pid-file /b/init.pid --console-socket /tmp/s.sock --no-pivot t1");
        AssertShimGlobals(p);
        Assert.Equal("create", p.Command);
        Assert.Equal("/b", p.Get("bundle"));
        Assert.Equal("/b/init.pid", p.Get("pid-file"));
        Assert.Equal("/tmp/s.sock", p.Get("console-socket"));
        Assert.True(p.GetBool("no-pivot"));
        Assert.False(p.GetBool("no-new-keyring"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void GoRunc_create_with_every_option_and_systemd_globals()
    {
        ParsedArgs p = Argv.Parse($"{ShimGlobals} --systemd-cgroup --debug --rootless=false create --bundle /b --pid-file /b/init.pid " +
            "--console-socket /s --pidfd-socket /pfd --no-pivot --no-new-keyring --detach --preserve-fds 2 t1");
        Assert.True(p.Globals.SystemdCgroup);
        Assert.True(p.Globals.Debug);
        Assert.Equal("false", p.Globals.Rootless);
        Assert.Equal("/pfd", p.Get("pidfd-socket"));
        Assert.True(p.GetBool("no-new-keyring"));
        Assert.Equal(2, p.GetInt("preserve-fds", 0));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void Create_accepts_go_runcs_detach_as_a_hidden_no_op()
    {
        Assert.True(Argv.Parse("create --detach t1").GetBool("detach"));
        Assert.DoesNotContain("--detach", RuntimeArgs.Usage("create"));
    }

    [Theory]
    [InlineData("start t1", "start")]
    [InlineData("state t1", "state")]
    [InlineData("pause t1", "pause")]
    [InlineData("resume t1", "resume")]
    [InlineData("delete t1", "delete")]
    public void GoRunc_simple_commands(string rest, string command)
    {
        ParsedArgs p = Shim(rest);
        AssertShimGlobals(p);
        Assert.Equal(command, p.Command);
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void GoRunc_kill()
    {
        ParsedArgs p = Shim("kill --all t1 9");
        Assert.True(p.GetBool("all"));
        Assert.Equal(["t1", "9"], p.Positionals);
        Assert.Equal(9, Signals.Parse(p.Positionals[1]));

        p = Shim("kill t1 15");
        Assert.False(p.GetBool("all"));
        Assert.Equal(["t1", "15"], p.Positionals);
    }

    [Fact]
    public void GoRunc_exec()
    {
        ParsedArgs p = Shim("exec --process /tmp/p.json --detach --pid-file /b/e.pid t1");
        Assert.Equal("/tmp/p.json", p.Get("process"));
        Assert.True(p.GetBool("detach"));
        Assert.Equal("/b/e.pid", p.Get("pid-file"));
        Assert.Equal(["t1"], p.Positionals);

        p = Shim("exec --process /run/user/0/runc-process123 --console-socket /s --pidfd-socket /p --detach --pid-file /b/e.pid t1");
        Assert.Equal("/s", p.Get("console-socket"));
        Assert.Equal("/p", p.Get("pidfd-socket"));
    }

    [Fact]
    public void GoRunc_update_from_stdin()
    {
        ParsedArgs p = Shim("update --resources=- t1");
        Assert.Equal("-", p.Get("resources"));
        Assert.Equal(["t1"], p.Positionals);
        Assert.Equal("-", Argv.Parse("update -r - t1").Get("resources"));
    }

    [Fact]
    public void GoRunc_delete_force_ps_events_list_features()
    {
        Assert.True(Shim("delete --force t1").GetBool("force"));

        ParsedArgs p = Shim("ps --format json t1");
        Assert.Equal("json", p.Get("format"));
        Assert.Equal(["t1"], p.Positionals);

        p = Argv.Parse("ps --format table t1 -o pid,user,args");
        Assert.Equal(["t1", "-o", "pid,user,args"], p.Positionals);

        p = Shim("events --stats t1");
        Assert.True(p.GetBool("stats"));
        p = Shim("events --interval=5s t1");
        Assert.Equal(TimeSpan.FromSeconds(5), p.GetDuration("interval", TimeSpan.Zero));

        Assert.Equal("json", Argv.Parse("list --format=json").Get("format"));
        Assert.Equal("features", Argv.Parse("features").Command);      // shim Info(): no globals at all
        Assert.Equal("features", Shim("features").Command);
        Assert.True(Argv.Parse("--version").Globals.Version);
    }

    [Fact]
    public void GoRunc_run()
    {
        ParsedArgs p = Shim("run --bundle /b --pid-file /b/init.pid --detach --no-new-keyring t1");
        Assert.Equal("run", p.Command);
        Assert.True(p.GetBool("detach"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void GoRunc_checkpoint_and_restore_with_single_dash_no_subreaper()
    {
        ParsedArgs p = Shim("checkpoint --image-path /ck --work-path /w --parent-path ../pre --tcp-established --ext-unix-sk " +
            "--shell-job --page-server 10.0.0.1:27 --file-locks --manage-cgroups-mode soft --empty-ns network " +
            "--empty-ns ipc --lazy-pages --status-fd 3 --leave-running --pre-dump t1");
        Assert.Equal("checkpoint", p.Command);
        Assert.Equal(["network", "ipc"], p.GetAll("empty-ns"));
        Assert.Equal(3, p.GetInt("status-fd", -1));
        Assert.True(p.GetBool("pre-dump"));
        Assert.Equal(["t1"], p.Positionals);

        p = Shim("restore --image-path /ck --work-path /w --detach --pid-file /b/init.pid --console-socket /s " +
            "--no-pivot -no-subreaper --bundle /b t1");
        Assert.Equal("restore", p.Command);
        Assert.True(p.GetBool("no-subreaper"));
        Assert.True(p.GetBool("no-pivot"));
        Assert.True(p.GetBool("detach"));
        Assert.Equal("/b", p.Get("bundle"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void Run_accepts_single_dash_no_subreaper()
        => Assert.True(Argv.Parse("run -no-subreaper -b /b t1").GetBool("no-subreaper"));

    [Fact]
    public void Conmon_create_with_podman_runtime_args()
    {
        ParsedArgs p = Argv.Parse("--systemd-cgroup --log-format=json --log=/x/oci-log create --bundle /b --pid-file /x/pidfile " +
            "--no-pivot --no-new-keyring --preserve-fds 2 --console-socket /x/s.sock t1");
        Assert.True(p.Globals.SystemdCgroup);
        Assert.Equal(LogFormat.Json, p.Globals.LogFormat);
        Assert.Equal("/x/oci-log", p.Globals.Log);
        Assert.Equal("create", p.Command);
        Assert.Equal("/x/pidfile", p.Get("pid-file"));
        Assert.Equal(2, p.GetInt("preserve-fds", 0));
        Assert.Equal(["t1"], p.Positionals);

        // podman's own spelling of the runtime args: "--log-format=json --log <path>"
        p = Argv.Parse("--log-format=json --log /x/oci-log create --bundle /b --pid-file /x/pidfile t1");
        Assert.Equal("/x/oci-log", p.Globals.Log);
    }

    [Fact]
    public void Conmon_exec_and_restore()
    {
        ParsedArgs p = Argv.Parse("--log-format=json --log=/x/oci-log exec --pid-file /x/exec.pid --process /x/p.json --detach " +
            "--preserve-fds 1 --console-socket /x/s t1");
        Assert.Equal("/x/p.json", p.Get("process"));
        Assert.Equal(1, p.GetInt("preserve-fds", 0));
        Assert.Equal(["t1"], p.Positionals);

        p = Argv.Parse("--systemd-cgroup restore --bundle /b --pid-file /x/pid --no-pivot --no-new-keyring --detach " +
            "--image-path /ck --work-path /b --tcp-established --file-locks --lsm-profile=selinux:s0 " +
            "--lsm-mount-context=ctx --console-socket /x/s t1");
        Assert.Equal("selinux:s0", p.Get("lsm-profile"));
        Assert.Equal("ctx", p.Get("lsm-mount-context"));
        Assert.True(p.GetBool("no-new-keyring"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void Podman_direct_calls()
    {
        const string crun = "--cgroup-manager disabled";
        Assert.Equal(["t1"], Argv.Parse($"{crun} start t1").Positionals);

        ParsedArgs p = Argv.Parse("update --resources=/run/user/1000/libpod/tmp/res.json t1");
        Assert.Equal("/run/user/1000/libpod/tmp/res.json", p.Get("resources"));

        p = Argv.Parse($"{crun} kill --all t1 15");
        Assert.Equal("disabled", p.Globals.CgroupManager);
        Assert.True(p.GetBool("all"));
        Assert.Equal(["t1", "15"], p.Positionals);

        Assert.True(Argv.Parse("delete --force t1").GetBool("force"));
        Assert.Equal("pause", Argv.Parse("pause t1").Command);
        Assert.Equal("resume", Argv.Parse("resume t1").Command);

        p = Argv.Parse("checkpoint --image-path /ck --work-path /w --leave-running --tcp-established --file-locks " +
            "--pre-dump --parent-path ../pre t1");
        Assert.Equal("../pre", p.Get("parent-path"));
        Assert.True(p.GetBool("leave-running"));
    }

    [Fact]
    public void Runc_update_legacy_flags()
    {
        ParsedArgs p = Argv.Parse("update --memory 512M --memory-swap=-1 --cpu-quota 50000 --cpu-period 100000 " +
            "--pids-limit 100 --blkio-weight 500 --cpuset-cpus 0-3 t1");
        Assert.Equal("512M", p.Get("memory"));
        Assert.Equal("-1", p.Get("memory-swap"));
        Assert.Equal(100, p.GetInt("pids-limit", 0));
        Assert.Equal(500, p.GetInt("blkio-weight", 0));
        Assert.Equal("0-3", p.Get("cpuset-cpus"));
    }

    [Fact]
    public void Spec_and_list()
    {
        ParsedArgs p = Argv.Parse("spec --rootless --bundle /b");
        Assert.True(p.GetBool("rootless"));
        Assert.Equal("/b", p.Get("bundle"));

        p = Argv.Parse("list -q -f json");
        Assert.True(p.GetBool("quiet"));
        Assert.Equal("json", p.Get("format"));
    }
}
