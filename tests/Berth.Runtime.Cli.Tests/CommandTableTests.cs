namespace Berth.Runtime.Cli.Tests;

/// <summary>The table itself, checked against runc's surface (RUNC-NOTES 1.1).</summary>
public sealed class CommandTableTests
{
    [Fact]
    public void Has_runcs_commands()
    {
        Assert.Equal(
            ["checkpoint", "create", "delete", "events", "exec", "features", "kill", "list", "pause", "ps",
             "restore", "resume", "run", "spec", "start", "state", "update"],
            RuntimeCommands.All.Select(c => c.Name));
    }

    [Theory]
    [InlineData("create", "bundle:b console-socket pidfd-socket pid-file no-pivot no-new-keyring preserve-fds detach:d")]
    [InlineData("run", "bundle:b console-socket pidfd-socket pid-file no-pivot no-new-keyring preserve-fds detach:d keep no-subreaper")]
    [InlineData("exec", "console-socket pidfd-socket cwd env:e tty:t user:u additional-gids:g process:p detach:d pid-file process-label apparmor no-new-privs cap:c preserve-fds cgroup ignore-paused")]
    [InlineData("delete", "force:f")]
    [InlineData("kill", "all:a")]
    [InlineData("ps", "format:f")]
    [InlineData("list", "format:f quiet:q")]
    [InlineData("events", "interval stats")]
    [InlineData("spec", "bundle:b rootless")]
    [InlineData("start", "")]
    [InlineData("state", "")]
    [InlineData("pause", "")]
    [InlineData("resume", "")]
    [InlineData("features", "")]
    public void Flags_and_short_aliases(string command, string expected)
    {
        CommandSpec c = RuntimeCommands.Find(command)!;
        Assert.Equal(expected, string.Join(' ', c.Flags.Select(f => f.Short is null ? f.Name : $"{f.Name}:{f.Short}")));
    }

    [Fact]
    public void Update_has_resources_and_legacy_flags()
    {
        CommandSpec c = RuntimeCommands.Find("update")!;
        Assert.Equal("r", c.FindFlag("resources")!.Short);
        foreach (string f in "blkio-weight cpu-period cpu-quota cpu-burst cpu-share cpu-rt-period cpu-rt-runtime cpuset-cpus cpuset-mems memory memory-reservation memory-swap pids-limit cpu-idle l3-cache-schema mem-bw-schema".Split(' '))
            Assert.NotNull(c.FindFlag(f));
    }

    [Fact]
    public void Stop_after_positional_is_exec_kill_ps()
        => Assert.Equal(["exec", "kill", "ps"], RuntimeCommands.All.Where(c => c.StopAfterPositional).Select(c => c.Name));

    [Fact]
    public void Repeatable_flags()
    {
        CommandSpec exec = RuntimeCommands.Find("exec")!;
        Assert.Equal(FlagKind.StringList, exec.FindFlag("env")!.Kind);
        Assert.Equal(FlagKind.StringList, exec.FindFlag("cap")!.Kind);
        Assert.Equal(FlagKind.IntList, exec.FindFlag("additional-gids")!.Kind);
        Assert.Equal(FlagKind.StringList, exec.FindFlag("cgroup")!.Kind);
    }

    [Fact]
    public void Global_flags()
        => Assert.Equal("debug log log-format root systemd-cgroup rootless cgroup-manager",
            string.Join(' ', RuntimeCommands.GlobalFlags.Select(f => f.Name)));

    [Fact]
    public void No_command_defines_a_flag_twice()
    {
        foreach (CommandSpec c in RuntimeCommands.All)
        {
            var names = c.Flags.Select(f => f.Name).Concat(c.Flags.Where(f => f.Short is not null).Select(f => f.Short!)).ToList();
            Assert.True(names.Count == names.Distinct().Count(), $"duplicate flag in {c.Name}");
            Assert.DoesNotContain("h", names);
        }
    }
}
