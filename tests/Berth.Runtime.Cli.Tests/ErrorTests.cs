using Berth.Core;

namespace Berth.Runtime.Cli.Tests;

public sealed class ErrorTests
{
    [Theory]
    [InlineData("--bogus state t1", "flag provided but not defined: -bogus")]
    [InlineData("-x state t1", "flag provided but not defined: -x")]
    [InlineData("--bogus=1 state t1", "flag provided but not defined: -bogus")]
    [InlineData("create --bogus t1", "flag provided but not defined: -bogus")]
    [InlineData("create t1 -x", "flag provided but not defined: -x")]
    [InlineData("run -dt t1", "flag provided but not defined: -dt")]            // no short-flag bundling in runc
    [InlineData("create ---bundle /b t1", "flag provided but not defined: --bundle")]
    [InlineData("exec -x t1 ls", "flag provided but not defined: -x")]
    [InlineData("create --keep t1", "flag provided but not defined: -keep")]   // run's, not create's
    public void Unknown_flag(string line, string message) => Assert.Equal(message, Argv.Error(line));

    [Theory]
    [InlineData("--root", "flag needs an argument: --root")]
    [InlineData("create t1 --bundle", "flag needs an argument: --bundle")]
    [InlineData("create t1 -b", "flag needs an argument: -b")]
    [InlineData("create t1 -pid-file", "flag needs an argument: -pid-file")]
    [InlineData("exec -e", "flag needs an argument: -e")]
    public void Missing_value(string line, string message) => Assert.Equal(message, Argv.Error(line));

    [Theory]
    [InlineData("create --preserve-fds abc t1", "invalid value \"abc\" for flag -preserve-fds: not an integer")]
    [InlineData("create --preserve-fds= t1", "invalid value \"\" for flag -preserve-fds: not an integer")]
    [InlineData("exec -g x t1 ls", "invalid value \"x\" for flag -g: not an integer")]
    [InlineData("events --interval 5 t1", "invalid value \"5\" for flag -interval: not a duration")]
    [InlineData("run --detach=yes t1", "invalid value \"yes\" for flag -detach: not a boolean")]
    [InlineData("--debug=on state t1", "invalid value \"on\" for flag -debug: not a boolean")]
    [InlineData("--rootless maybe state t1", "invalid value \"maybe\" for flag -rootless: must be true, false or auto")]
    [InlineData("--log-format xml state t1", "invalid log-format: xml")]
    public void Invalid_value(string line, string message) => Assert.Equal(message, Argv.Error(line));

    [Theory]
    [InlineData("start", "berth-runtime: \"start\" requires exactly 1 argument(s)")]
    [InlineData("start a b", "berth-runtime: \"start\" requires exactly 1 argument(s)")]
    [InlineData("create --bundle /b", "berth-runtime: \"create\" requires exactly 1 argument(s)")]
    [InlineData("list x", "berth-runtime: \"list\" requires exactly 0 argument(s)")]
    [InlineData("spec x", "berth-runtime: \"spec\" requires exactly 0 argument(s)")]
    [InlineData("features x", "berth-runtime: \"features\" requires exactly 0 argument(s)")]
    [InlineData("kill", "berth-runtime: \"kill\" requires a minimum of 1 argument(s)")]
    [InlineData("kill t1 9 extra", "berth-runtime: \"kill\" requires a maximum of 2 argument(s)")]
    [InlineData("exec", "berth-runtime: \"exec\" requires a minimum of 1 argument(s)")]
    [InlineData("exec --tty", "berth-runtime: \"exec\" requires a minimum of 1 argument(s)")]
    [InlineData("ps", "berth-runtime: \"ps\" requires a minimum of 1 argument(s)")]
    public void Wrong_positional_count(string line, string message) => Assert.Equal(message, Argv.Error(line));

    [Theory]
    [InlineData("bogus t1", "No help topic for 'bogus'")]
    [InlineData("--root /r bogus", "No help topic for 'bogus'")]
    [InlineData("-1", "No help topic for '-1'")]
    [InlineData("-- --root", "No help topic for '--root'")]
    public void Unknown_command(string line, string message) => Assert.Equal(message, Argv.Error(line));

    [Fact]
    public void Every_parse_error_is_invalid_argument()
    {
        foreach (string line in new[] { "bogus", "--x", "start", "create -b", "--log-format=x state t1" })
            Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => Argv.Parse(line)).Kind);
    }

    [Fact]
    public void Global_flags_after_the_command_still_validate()
        => Assert.Equal("flag needs an argument: --root", Argv.Error("state t1 --root"));

    [Fact]
    public void Quoted_values_escape_like_go()
        => Assert.Equal("invalid value \"a\\\"b\\n\" for flag -preserve-fds: not an integer",
            Assert.Throws<BerthException>(() => RuntimeArgs.Parse(["create", "--preserve-fds", "a\"b\n", "t1"])).Message);
}
