using Berth.Core;

namespace Berth.Runtime.Cli.Tests;

public sealed class ParserTests
{
    [Theory]
    [InlineData("create --bundle /b t1")]
    [InlineData("create --bundle=/b t1")]
    [InlineData("create -bundle /b t1")]
    [InlineData("create -bundle=/b t1")]
    [InlineData("create -b /b t1")]
    [InlineData("create -b=/b t1")]
    [InlineData("create --b /b t1")]
    [InlineData("create t1 --bundle /b")]
    [InlineData("create t1 -b=/b")]
    public void String_flag_spellings_are_equivalent(string line)
    {
        ParsedArgs p = Argv.Parse(line);
        Assert.Equal("create", p.Command);
        Assert.Equal("/b", p.Get("bundle"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void Short_name_lookups_resolve_to_the_long_name()
    {
        ParsedArgs p = Argv.Parse("create -b /b t1");
        Assert.Equal("/b", p.Get("b"));
        Assert.Equal(["/b"], p.Flags["bundle"]);
        Assert.False(p.Flags.ContainsKey("b"));
    }

    [Theory]
    [InlineData("run -d t1", true)]
    [InlineData("run --detach t1", true)]
    [InlineData("run --detach=true t1", true)]
    [InlineData("run --detach=1 t1", true)]
    [InlineData("run -d=T t1", true)]
    [InlineData("run --detach= t1", true)]
    [InlineData("run --detach=false t1", false)]
    [InlineData("run -detach=0 t1", false)]
    [InlineData("run --detach=FALSE t1", false)]
    [InlineData("run t1", false)]
    public void Bool_flags_take_only_inline_values(string line, bool expected)
    {
        ParsedArgs p = Argv.Parse(line);
        Assert.Equal(expected, p.GetBool("detach"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void Bool_flag_never_consumes_the_next_argument()
    {
        ParsedArgs p = Argv.Parse("delete --force t1");
        Assert.True(p.GetBool("force"));
        Assert.Equal(["t1"], p.Positionals);

        p = Argv.Parse("--debug state t1");
        Assert.True(p.Globals.Debug);
        Assert.Equal("state", p.Command);
    }

    [Fact]
    public void Has_distinguishes_explicit_false_from_absent()
    {
        ParsedArgs p = Argv.Parse("run --detach=false t1");
        Assert.True(p.Has("detach"));
        Assert.False(p.GetBool("detach"));
        Assert.False(p.Has("keep"));
        Assert.Null(p.Get("keep"));
        Assert.Empty(p.GetAll("keep"));
    }

    [Fact]
    public void Flags_may_follow_positionals()
    {
        ParsedArgs p = Argv.Parse("delete t1 --force");
        Assert.True(p.GetBool("force"));
        Assert.Equal(["t1"], p.Positionals);

        p = Argv.Parse("run --bundle /b t1 -d --pid-file /p --keep");
        Assert.Equal("/b", p.Get("bundle"));
        Assert.Equal("/p", p.Get("pid-file"));
        Assert.True(p.GetBool("detach"));
        Assert.True(p.GetBool("keep"));
        Assert.Equal(["t1"], p.Positionals);
    }

    [Fact]
    public void Double_dash_ends_flags()
    {
        ParsedArgs p = RuntimeArgs.Parse(["kill", "--", "--all"]);
        Assert.False(p.GetBool("all"));
        Assert.Equal(["--all"], p.Positionals);
    }

    [Fact]
    public void Double_dash_is_dropped_and_ends_flags_for_ordinary_commands()
    {
        ParsedArgs p = RuntimeArgs.Parse(["delete", "--", "-f"]);
        Assert.False(p.Has("force"));
        Assert.Equal(["-f"], p.Positionals);
    }

    [Fact]
    public void Exec_stops_parsing_at_the_first_positional()
    {
        ParsedArgs p = RuntimeArgs.Parse(["exec", "t1", "sh", "-c", "echo -e", "-e", "--tty"]);
        Assert.Equal(["t1", "sh", "-c", "echo -e", "-e", "--tty"], p.Positionals);
        Assert.Empty(p.GetAll("env"));
        Assert.Empty(p.GetAll("cap"));
        Assert.False(p.GetBool("tty"));
    }

    [Fact]
    public void Exec_flags_before_the_id_are_parsed_and_lists_repeat()
    {
        ParsedArgs p = RuntimeArgs.Parse(
        [
            "exec", "-e", "A=1", "--env", "B=2,3", "-env=C=4", "-c", "CAP_NET_ADMIN", "--cap=CAP_SYS_ADMIN",
            "-g", "10", "--additional-gids", "0x14", "-t", "-u", "1000:1000", "--cwd", "/w", "--no-new-privs",
            "--cgroup", "memory:/sub", "--cgroup", "/other", "--ignore-paused",
            "t1", "sh", "-c", "true",
        ]);
        Assert.Equal(["A=1", "B=2,3", "C=4"], p.GetAll("env"));        // no comma splitting, as runc
        Assert.Equal(["CAP_NET_ADMIN", "CAP_SYS_ADMIN"], p.GetAll("cap"));
        Assert.Equal(["10", "0x14"], p.GetAll("additional-gids"));
        Assert.Equal(["memory:/sub", "/other"], p.GetAll("cgroup"));
        Assert.True(p.GetBool("tty"));
        Assert.True(p.GetBool("no-new-privs"));
        Assert.True(p.GetBool("ignore-paused"));
        Assert.Equal("1000:1000", p.Get("user"));
        Assert.Equal("/w", p.Get("cwd"));
        Assert.Equal(["t1", "sh", "-c", "true"], p.Positionals);
    }

    [Fact]
    public void Exec_honours_double_dash_after_the_id_and_drops_it()
    {
        ParsedArgs p = Argv.Parse("exec t1 -- ls -l");
        Assert.Equal(["t1", "ls", "-l"], p.Positionals);
    }

    [Fact]
    public void Kill_and_ps_stop_after_the_id()
    {
        ParsedArgs p = Argv.Parse("kill t1 -a");
        Assert.False(p.GetBool("all"));
        Assert.Equal(["t1", "-a"], p.Positionals);

        p = Argv.Parse("ps --format table t1 -ef");
        Assert.Equal("table", p.Get("format"));
        Assert.Equal(["t1", "-ef"], p.Positionals);
    }

    [Fact]
    public void Repeated_scalar_flag_keeps_the_last_value()
    {
        ParsedArgs p = Argv.Parse("create --pid-file /a --pid-file /b t1");
        Assert.Equal("/b", p.Get("pid-file"));
        Assert.Equal(["/b"], p.GetAll("pid-file"));
    }

    [Fact]
    public void Value_is_taken_verbatim_even_when_it_looks_like_a_flag()
    {
        ParsedArgs p = Argv.Parse("create --pid-file --no-pivot t1");
        Assert.Equal("--no-pivot", p.Get("pid-file"));
        Assert.False(p.Has("no-pivot"));
    }

    [Fact]
    public void Inline_value_may_be_empty_or_contain_equals()
    {
        ParsedArgs p = RuntimeArgs.Parse(["exec", "--env=X=a=b", "--cwd=", "t1", "true"]);
        Assert.Equal(["X=a=b"], p.GetAll("env"));
        Assert.Equal("", p.Get("cwd"));
    }

    [Fact]
    public void Lone_dash_and_empty_strings_are_positionals()
    {
        Assert.Equal(["-"], Argv.Parse("state -").Positionals);
        Assert.Equal([""], RuntimeArgs.Parse(["state", ""]).Positionals);
    }

    [Fact]
    public void Dash_followed_by_a_non_letter_ends_flag_parsing()
    {
        // runc (urfave/cli) treats "-1" as the start of the arguments, so later flags become arguments too.
        Assert.Equal(["-1"], Argv.Parse("state -1").Positionals);
        Assert.Equal("berth-runtime: \"delete\" requires exactly 1 argument(s)", Argv.Error("delete -1 --force"));
        ParsedArgs p = Argv.Parse("kill -9 t1");
        Assert.Equal(["-9", "t1"], p.Positionals);
    }

    [Theory]
    [InlineData("create --preserve-fds 3 t1", 3)]
    [InlineData("create --preserve-fds=0x10 t1", 16)]
    [InlineData("create --preserve-fds=010 t1", 8)]
    [InlineData("create --preserve-fds=0b11 t1", 3)]
    [InlineData("create --preserve-fds=-2 t1", -2)]
    [InlineData("create t1", 7)]
    public void Int_flags_accept_go_integer_syntax(string line, int expected)
        => Assert.Equal(expected, Argv.Parse(line).GetInt("preserve-fds", 7));

    [Fact]
    public void GetInt_reports_values_that_overflow_int()
    {
        ParsedArgs p = Argv.Parse("update --pids-limit 9999999999 t1");
        Assert.Equal(9999999999L, p.GetInt64("pids-limit", -1));
        var e = Assert.Throws<BerthException>(() => p.GetInt("pids-limit", -1));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Theory]
    [InlineData("events --interval 5s t1", 5_000)]
    [InlineData("events --interval=1m30s t1", 90_000)]
    [InlineData("events --interval=1.5s t1", 1_500)]
    [InlineData("events --interval=250ms t1", 250)]
    [InlineData("events --interval=0 t1", 0)]
    [InlineData("events t1", 5_000)]
    public void Duration_flags_accept_go_duration_syntax(string line, int expectedMs)
        => Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Argv.Parse(line).GetDuration("interval", TimeSpan.FromSeconds(5)));

    [Fact]
    public void Asking_for_a_flag_the_command_lacks_is_a_programming_error()
    {
        ParsedArgs p = Argv.Parse("start t1");
        Assert.Throws<ArgumentException>(() => p.Get("bundle"));
    }
}
