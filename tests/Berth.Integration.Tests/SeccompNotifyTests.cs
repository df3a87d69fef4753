using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// SCMP_ACT_NOTIFY: the runtime hands the listener fd and the container process state to linux.seccomp.listenerPath,
/// and a seccomp agent (here, in the test) decides what the notified syscalls return.
/// </summary>
public sealed class SeccompNotifyTests : IDisposable
{
    private const int SysMkdir = 83, SysMkdirat = 258, Enomedium = 123; // x86_64

    private readonly Sandbox _sb = new();
    private readonly List<SeccompAgent> _agents = [];

    public void Dispose()
    {
        _sb.Dispose();
        foreach (var a in _agents) a.Dispose();
    }

    private SeccompAgent Agent(Func<int, SeccompAnswer> answer)
    {
        var agent = new SeccompAgent(Path.Combine(_sb.Dir, $"agent{_agents.Count}.sock"), answer);
        _agents.Add(agent);
        return agent;
    }

    private static SeccompAnswer MkdirFails(int nr) => nr is SysMkdir or SysMkdirat ? SeccompAnswer.Fail(Enomedium) : SeccompAnswer.Proceed;

    private static LinuxSeccomp Notify(string? listenerPath, params string[] names) => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        ListenerPath = listenerPath,
        ListenerMetadata = listenerPath is null ? null : "berth-test",
        Syscalls = [new LinuxSyscall { Names = [.. names], Action = "SCMP_ACT_NOTIFY" }],
    };

    private static Mount Tmpfs => new() { Destination = "/tmp", Type = "tmpfs", Source = "tmpfs", Options = ["size=1m", "mode=1777"] };

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)] // the filter is loaded at another point of init, before the capabilities go
    public void The_agent_gets_the_state_and_its_errno_reaches_the_process(bool noNewPrivileges)
    {
        var agent = Agent(MkdirFails);
        var c = _sb.NewContainer("sh", "-c", "mkdir /tmp/x; echo mkdir $?; touch /tmp/y && echo touched")
            .Edit(s =>
            {
                s.Process!.NoNewPrivileges = noNewPrivileges;
                s.Mounts!.Add(Tmpfs);
                s.Linux!.Seccomp = Notify(agent.Path, "mkdir", "mkdirat");
            });
        var r = c.Run().Ok();
        Assert.Equal(["mkdir 1", "touched"], r.Out.Split('\n'));
        Assert.Contains("No medium found", r.Stderr, StringComparison.Ordinal);

        var state = Assert.Single(agent.States);
        Assert.Equal(["seccompFd"], state.GetProperty("fds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("berth-test", state.GetProperty("metadata").GetString());
        Assert.False(string.IsNullOrEmpty(state.GetProperty("ociVersion").GetString()));
        Assert.True(state.GetProperty("pid").GetInt32() > 1);
        var container = state.GetProperty("state");
        Assert.Equal(c.Id, container.GetProperty("id").GetString());
        Assert.Equal("creating", container.GetProperty("status").GetString());
        Assert.Equal(state.GetProperty("pid").GetInt32(), container.GetProperty("pid").GetInt32());
        Assert.Equal(c.Bundle, container.GetProperty("bundle").GetString());
    }

    [RootFact]
    public void The_agent_can_fake_success()
    {
        var agent = Agent(nr => nr is SysMkdir or SysMkdirat ? SeccompAnswer.Return(0) : SeccompAnswer.Proceed);
        var r = _sb.NewContainer("sh", "-c", "mkdir /tmp/x && echo made; test -d /tmp/x || echo absent")
            .Edit(s =>
            {
                s.Mounts!.Add(Tmpfs);
                s.Linux!.Seccomp = Notify(agent.Path, "mkdir", "mkdirat");
            })
            .Run().Ok();
        Assert.Equal(["made", "absent"], r.Out.Split('\n'));
        Assert.Contains(agent.Notified, nr => nr is SysMkdir or SysMkdirat);
    }

    [RootFact]
    public void Syscalls_init_itself_makes_after_the_load_are_answered_too()
    {
        // After the filter is loaded, init still reads, closes, opens the exec fifo and execs: an agent that lets
        // them through must be enough for the container to run.
        var agent = Agent(_ => SeccompAnswer.Proceed);
        var r = _sb.NewContainer("sh", "-c", "echo ran")
            .Edit(s => s.Linux!.Seccomp = Notify(agent.Path, "execve", "openat", "open", "read", "close"))
            .Run().Ok();
        Assert.Equal("ran", r.Out);
        Assert.Contains(59, agent.Notified); // execve
    }

    [RootFact]
    public void An_exec_sends_its_own_listener_with_its_pid()
    {
        var agent = Agent(MkdirFails);
        var c = _sb.NewContainer("sleep", "60").Edit(s =>
        {
            s.Mounts!.Add(Tmpfs);
            s.Linux!.Seccomp = Notify(agent.Path, "mkdir", "mkdirat");
        }).CreateAndStart();
        var r = c.Exec("sh", "-c", "mkdir /tmp/x; echo mkdir $?");
        Assert.Equal("mkdir 1", r.Out);
        Assert.Contains("No medium found", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, agent.States.Count);
        var exec = agent.States[1];
        Assert.NotEqual(c.Pid, exec.GetProperty("pid").GetInt32());
        Assert.Equal("running", exec.GetProperty("state").GetProperty("status").GetString());
        Assert.Equal(c.Pid, exec.GetProperty("state").GetProperty("pid").GetInt32());
    }

    [RootFact]
    public void Notify_without_a_listener_path_fails_create_and_leaves_nothing()
    {
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.Seccomp = Notify(null, "mkdir"));
        c.Create().FailsWith("listenerPath is not set");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Notify_on_write_is_refused()
    {
        var agent = Agent(_ => SeccompAnswer.Proceed);
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.Seccomp = Notify(agent.Path, "write"));
        c.Create().FailsWith("SCMP_ACT_NOTIFY cannot be used for the write syscall");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void No_agent_listening_fails_create_and_leaves_nothing()
    {
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.Seccomp = Notify(Path.Combine(_sb.Dir, "nobody.sock"), "mkdir"));
        c.Create().FailsWith("failed to connect with the seccomp agent");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void A_listener_path_without_notify_rules_is_ignored_as_runc_does()
    {
        var r = _sb.NewContainer("sh", "-c", "echo ran").Edit(s => s.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            ListenerPath = Path.Combine(_sb.Dir, "nobody.sock"),
            Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" }],
        }).Run().Ok();
        Assert.Equal("ran", r.Out);
    }
}
