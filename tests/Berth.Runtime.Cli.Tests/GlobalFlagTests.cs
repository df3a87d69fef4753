namespace Berth.Runtime.Cli.Tests;

public sealed class GlobalFlagTests
{
    [Fact]
    public void Defaults_leave_policy_to_the_runtime()
    {
        GlobalOptions g = Argv.Parse("state t1").Globals;
        Assert.Null(g.Root);
        Assert.Null(g.Log);
        Assert.Equal(LogFormat.Text, g.LogFormat);
        Assert.False(g.Debug);
        Assert.False(g.SystemdCgroup);
        Assert.Null(g.Rootless);
        Assert.Null(g.CgroupManager);
        Assert.False(g.Version);
        Assert.False(g.Help);
    }

    [Fact]
    public void All_globals_before_the_command()
    {
        GlobalOptions g = Argv.Parse(
            "--root /r --log /l --log-format json --debug --systemd-cgroup --rootless true --cgroup-manager disabled state t1").Globals;
        Assert.Equal("/r", g.Root);
        Assert.Equal("/l", g.Log);
        Assert.Equal(LogFormat.Json, g.LogFormat);
        Assert.True(g.Debug);
        Assert.True(g.SystemdCgroup);
        Assert.Equal("true", g.Rootless);
        Assert.Equal("disabled", g.CgroupManager);
    }

    [Theory]
    [InlineData("--rootless=true", "true")]
    [InlineData("--rootless=1", "true")]
    [InlineData("--rootless false", "false")]
    [InlineData("-rootless=F", "false")]
    [InlineData("--rootless auto", "auto")]
    [InlineData("--rootless=AUTO", "auto")]
    [InlineData("--rootless=", "auto")]
    public void Rootless_is_bool_or_auto(string flag, string expected)
        => Assert.Equal(expected, Argv.Parse(flag + " state t1").Globals.Rootless);

    [Theory]
    [InlineData("--log-format text", LogFormat.Text)]
    [InlineData("--log-format=json", LogFormat.Json)]
    [InlineData("-log-format=", LogFormat.Text)]
    public void Log_format(string flag, LogFormat expected)
        => Assert.Equal(expected, Argv.Parse(flag + " state t1").Globals.LogFormat);

    [Fact]
    public void Globals_after_the_command_are_accepted_as_runc_does()
    {
        // runc's root flags are persistent in urfave/cli v3, so "runc state --root /r t1" works.
        ParsedArgs p = Argv.Parse("state --root /r t1 --debug --log-format=json");
        Assert.Equal("/r", p.Globals.Root);
        Assert.True(p.Globals.Debug);
        Assert.Equal(LogFormat.Json, p.Globals.LogFormat);
        Assert.Equal(["t1"], p.Positionals);
        Assert.Empty(p.Flags);
    }

    [Fact]
    public void Spec_rootless_is_the_local_bool_not_the_global_string()
    {
        ParsedArgs p = Argv.Parse("--rootless false spec --rootless -b /b");
        Assert.True(p.GetBool("rootless"));
        Assert.Equal("false", p.Globals.Rootless);
        Assert.Equal("/b", p.Get("bundle"));
        Assert.Empty(p.Positionals);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-v")]
    [InlineData("-version")]
    [InlineData("--version=true")]
    [InlineData("--root /r --version")]
    [InlineData("--version create --bogus")]
    [InlineData("--debug -v state")]
    public void Version_before_the_command_wins(string line)
    {
        ParsedArgs p = Argv.Parse(line);
        Assert.True(p.Globals.Version);
        Assert.Null(p.Command);
    }

    [Fact]
    public void Version_is_not_a_command_flag()
        => Assert.Equal("flag provided but not defined: -version", Argv.Error("state --version t1"));

    [Fact]
    public void Cgroup_manager_is_crun_compatible()
        => Assert.Equal("systemd", Argv.Parse("--cgroup-manager=systemd state t1").Globals.CgroupManager);
}
