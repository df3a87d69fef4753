using Berth.Cli.Commands;

namespace Berth.Cli.Tests;

public sealed class HostAndArgsTests
{
    [Theory]
    [InlineData("unix:///run/x.sock", "unix:///run/x.sock")]
    [InlineData("/run/y.sock", "unix:///run/y.sock")]
    [InlineData("tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375")]
    [InlineData("tcp://localhost", "tcp://localhost:2375")]
    [InlineData("http://10.0.0.1:8080/", "tcp://10.0.0.1:8080")]
    [InlineData("tcp://[::1]:9000", "tcp://[::1]:9000")]
    [InlineData("unix://", "unix:///run/berth/berth.sock")]
    public void Hosts_parse_as_docker_writes_them(string text, string expected) =>
        Assert.Equal(expected, DaemonHost.Parse(text).ToString());

    [Theory]
    [InlineData("ssh://me@host")]
    [InlineData("https://host:2376")]
    [InlineData("bogus://x")]
    [InlineData("tcp://host:notaport")]
    public void Unsupported_hosts_are_usage_errors(string text) => Assert.Throws<UsageException>(() => DaemonHost.Parse(text));

    [Fact]
    public void The_flag_wins_then_BERTH_HOST_then_DOCKER_HOST_then_the_default()
    {
        var env = new Dictionary<string, string> { ["BERTH_HOST"] = "unix:///b.sock", ["DOCKER_HOST"] = "unix:///d.sock" };
        Assert.Equal(("unix:///f.sock", true), Str(DaemonHost.Resolve("unix:///f.sock", k => env.GetValueOrDefault(k))));
        Assert.Equal(("unix:///b.sock", true), Str(DaemonHost.Resolve(null, k => env.GetValueOrDefault(k))));
        env.Remove("BERTH_HOST");
        Assert.Equal(("unix:///d.sock", true), Str(DaemonHost.Resolve(null, k => env.GetValueOrDefault(k))));
        env.Remove("DOCKER_HOST");
        Assert.Equal(("unix:///run/berth/berth.sock", false), Str(DaemonHost.Resolve(null, k => env.GetValueOrDefault(k))));

        static (string, bool) Str((DaemonHost Host, bool Explicit) r) => (r.Host.ToString(), r.Explicit);
    }

    private static readonly FlagDef[] Flags =
    [
        FlagDef.Bool("quiet", 'q', ""), FlagDef.Bool("all", 'a', ""), FlagDef.Str("output", 'o', ""),
        FlagDef.List("filter", 'f', ""), FlagDef.Str("format", null, ""),
    ];

    [Fact]
    public void Flags_follow_pflag_rules()
    {
        var (f, args) = ArgParser.Parse(["-qa", "x", "--format={{.ID}}", "-ofile", "--filter", "a=1", "-f", "b=2", "y", "--", "-z"], Flags);
        Assert.True(f.Bool("quiet"));
        Assert.True(f.Bool("all"));
        Assert.Equal("{{.ID}}", f.String("format"));
        Assert.Equal("file", f.String("output"));
        Assert.Equal(["a=1", "b=2"], f.List("filter"));
        Assert.Equal(["x", "y", "-z"], args);
        (f, _) = ArgParser.Parse(["--quiet=false", "-o", "out"], Flags);
        Assert.False(f.Bool("quiet"));
        Assert.Equal("out", f.String("output"));
    }

    [Theory]
    [InlineData("--bogus", "unknown flag: --bogus")]
    [InlineData("-x", "unknown shorthand flag: 'x' in -x")]
    [InlineData("--output", "flag needs an argument: --output")]
    [InlineData("-o", "flag needs an argument: 'o' in -o")]
    [InlineData("--quiet=maybe", "invalid argument \"maybe\" for \"--quiet\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax")]
    public void Bad_flags_are_usage_errors_with_pflags_words(string arg, string message)
    {
        var e = Assert.Throws<UsageException>(() => ArgParser.Parse([arg], Flags));
        Assert.Equal(message, e.Message);
        Assert.Equal(125, e.ExitCode);
    }

    [Theory]
    [InlineData("images", "image ls")]
    [InlineData("image", null)]
    [InlineData("rmi", "image rm")]
    [InlineData("info", "system info")]
    [InlineData("inspect", "inspect")]
    public void Commands_are_found_by_any_of_their_names(string word, string? name)
    {
        var (c, _, _) = CommandTable.Find([word]);
        Assert.Equal(name, c?.Name);
        (c, _, int at) = CommandTable.Find(["image", "list", "-q"]);
        Assert.Equal("image ls", c?.Name);
        Assert.Equal(2, at);
    }

    [Fact]
    public void Config_json_keeps_other_keys_and_writes_auths_as_docker_does()
    {
        string dir = Directory.CreateTempSubdirectory("berth-cli-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), "{\"psFormat\":\"x\",\"auths\":{\"https://reg.example:5000/v2/\":{\"auth\":\"b2xkOnA=\"}}}");
            var c = DockerConfig.Load(dir);
            Assert.Equal(("old", "p"), c.Get("reg.example:5000"));
            c.Set("reg.example:5000", "alice", "s3cret");
            c.Save();
            string text = File.ReadAllText(Path.Combine(dir, "config.json"));
            Assert.Contains("\"psFormat\": \"x\"", text);
            Assert.Contains("\"reg.example:5000\": {\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0\"", text);
            Assert.DoesNotContain("/v2/", text);
            Assert.True(DockerConfig.Load(dir).Remove("https://reg.example:5000"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
