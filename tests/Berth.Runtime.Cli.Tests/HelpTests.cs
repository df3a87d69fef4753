namespace Berth.Runtime.Cli.Tests;

public sealed class HelpTests
{
    [Theory]
    [InlineData("")]
    [InlineData("help")]
    [InlineData("h")]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--debug")]
    [InlineData("--help help")]
    public void Overview(string line)
    {
        ParsedArgs p = Argv.Parse(line);
        Assert.True(p.Globals.Help);
        Assert.Null(p.Command);
    }

    [Theory]
    [InlineData("help create")]
    [InlineData("--help create")]
    [InlineData("create --help")]
    [InlineData("create -h")]
    [InlineData("create -h=true t1")]
    [InlineData("-help create")]
    public void Command_help(string line)
    {
        ParsedArgs p = Argv.Parse(line);
        Assert.True(p.Globals.Help);
        Assert.Equal("create", p.Command);
    }

    [Fact]
    public void Command_help_skips_the_argument_count_check()
        => Assert.True(Argv.Parse("start --help").Globals.Help);

    [Fact]
    public void Exec_help_before_the_id_only()
    {
        Assert.True(Argv.Parse("exec --help").Globals.Help);
        ParsedArgs p = Argv.Parse("exec t1 ls --help");
        Assert.False(p.Globals.Help);
        Assert.Equal(["t1", "ls", "--help"], p.Positionals);
    }

    [Fact]
    public void Help_for_unknown_topic_fails()
    {
        Assert.Equal("No help topic for 'bogus'", Argv.Error("help bogus"));
        Assert.Equal("No help topic for 'bogus'", Argv.Error("--help bogus"));
    }

    [Fact]
    public void Overview_lists_every_command_and_visible_global()
    {
        string text = RuntimeArgs.Usage();
        Assert.StartsWith("NAME:\n   berth-runtime - ", text);
        foreach (CommandSpec c in RuntimeCommands.All)
            Assert.Contains($"\n   {c.Name} ", text);
        foreach (FlagSpec f in RuntimeCommands.GlobalFlags)
            Assert.Contains($"--{f.Name}", text);
        Assert.Contains("--version, -v ", text);
        Assert.Contains("--help, -h ", text);
        Assert.Equal(text, RuntimeArgs.Usage("help"));
    }

    [Fact]
    public void Command_usage_is_generated_from_the_table()
    {
        string text = RuntimeArgs.Usage("exec");
        Assert.Contains("berth-runtime exec [command options] <container-id> <command>", text);
        Assert.Contains("--env value, -e value", text);
        Assert.Contains("--tty, -t ", text);
        Assert.Contains("--preserve-fds value ", text);
        Assert.Contains("--help, -h ", text);
    }

    [Fact]
    public void Hidden_flags_are_accepted_but_not_listed()
    {
        Assert.DoesNotContain("--all", RuntimeArgs.Usage("kill"));
        Assert.DoesNotContain("kernel-memory", RuntimeArgs.Usage("update"));
        Assert.True(Argv.Parse("kill -a t1").GetBool("all"));
        Assert.Equal("1m", Argv.Parse("update --kernel-memory 1m t1").Get("kernel-memory"));
    }

    [Fact]
    public void Usage_for_unknown_command_fails()
        => Assert.Equal("No help topic for 'x'",
            Assert.Throws<Berth.Core.BerthException>(() => RuntimeArgs.Usage("x")).Message);

    [Fact]
    public void Every_command_has_usage()
    {
        foreach (CommandSpec c in RuntimeCommands.All)
            Assert.StartsWith($"NAME:\n   berth-runtime {c.Name} - {c.Description}\n", RuntimeArgs.Usage(c.Name));
    }
}
