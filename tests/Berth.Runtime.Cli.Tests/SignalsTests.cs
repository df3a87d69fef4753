using Berth.Core;

namespace Berth.Runtime.Cli.Tests;

public sealed class SignalsTests
{
    [Theory]
    [InlineData("9", 9)]
    [InlineData("15", 15)]
    [InlineData("1", 1)]
    [InlineData("64", 64)]
    [InlineData("32", 32)]
    [InlineData("KILL", 9)]
    [InlineData("kill", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("sigKill", 9)]
    [InlineData("TERM", 15)]
    [InlineData("HUP", 1)]
    [InlineData("INT", 2)]
    [InlineData("QUIT", 3)]
    [InlineData("ABRT", 6)]
    [InlineData("IOT", 6)]
    [InlineData("BUS", 7)]
    [InlineData("USR1", 10)]
    [InlineData("SIGUSR2", 12)]
    [InlineData("STKFLT", 16)]
    [InlineData("CHLD", 17)]
    [InlineData("CLD", 17)]
    [InlineData("CONT", 18)]
    [InlineData("STOP", 19)]
    [InlineData("TSTP", 20)]
    [InlineData("WINCH", 28)]
    [InlineData("IO", 29)]
    [InlineData("POLL", 29)]
    [InlineData("PWR", 30)]
    [InlineData("SYS", 31)]
    [InlineData("RTMIN", 34)]
    [InlineData("SIGRTMIN", 34)]
    [InlineData("rtmin+1", 35)]
    [InlineData("SIGRTMIN+15", 49)]
    [InlineData("RTMIN+30", 64)]
    [InlineData("RTMAX-14", 50)]
    [InlineData("sigrtmax-1", 63)]
    [InlineData("RTMAX", 64)]
    [InlineData("RTMAX-30", 34)]
    public void Parse(string s, int expected) => Assert.Equal(expected, Signals.Parse(s));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Absent_means_SIGTERM(string? s) => Assert.Equal(Signals.SIGTERM, Signals.Parse(s));

    [Theory]
    [InlineData("FOO")]
    [InlineData("SIGFOO")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("+9")]
    [InlineData(" 9")]
    [InlineData("99999999999999")]
    [InlineData("SIG")]
    [InlineData("RTMIN+31")]
    [InlineData("RTMIN-1")]
    [InlineData("RTMAX+1")]
    [InlineData("RTMAX-31")]
    [InlineData("RTMIN+")]
    [InlineData("RTMIN+x")]
    [InlineData("KILLX")]
    public void Unknown(string s)
    {
        var e = Assert.Throws<BerthException>(() => Signals.Parse(s));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal($"unknown signal \"{s}\"", e.Message);
    }

    [Theory]
    [InlineData(1, "SIGHUP")]
    [InlineData(6, "SIGABRT")]
    [InlineData(9, "SIGKILL")]
    [InlineData(15, "SIGTERM")]
    [InlineData(17, "SIGCHLD")]
    [InlineData(29, "SIGIO")]
    [InlineData(31, "SIGSYS")]
    [InlineData(32, "32")]
    [InlineData(33, "33")]
    [InlineData(34, "SIGRTMIN")]
    [InlineData(35, "SIGRTMIN+1")]
    [InlineData(49, "SIGRTMIN+15")]
    [InlineData(50, "SIGRTMAX-14")]
    [InlineData(63, "SIGRTMAX-1")]
    [InlineData(64, "SIGRTMAX")]
    public void Name(int signal, string expected) => Assert.Equal(expected, Signals.Name(signal));

    [Fact]
    public void Every_name_round_trips()
    {
        for (int sig = 1; sig <= 64; sig++)
            Assert.Equal(sig, Signals.Parse(Signals.Name(sig)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(-1)]
    public void Name_rejects_non_signals(int signal)
        => Assert.Throws<ArgumentOutOfRangeException>(() => Signals.Name(signal));
}
