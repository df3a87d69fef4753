using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>berth-runtime run by an unprivileged user, with a spec from `spec --rootless`, as with runc.</summary>
public sealed class RootlessTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private RunResult AsNobody(string script) => Runtime.Bash(
        $"setpriv --reuid={Nobody} --regid={Nobody} --clear-groups env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR={_sb.Dir}/xdg sh -c '{script}'",
        _sb.Dir);

    private string RootlessBundle(params string[] args)
    {
        var c = _sb.NewContainer(args);
        Directory.CreateDirectory(Path.Combine(_sb.Dir, "xdg"));
        File.Delete(c.ConfigPath);
        Runtime.Bash($"chown -R {Nobody}:{Nobody} {_sb.Dir} && chmod 755 {_sb.Dir}").Ok();
        AsNobody($"cd {c.Bundle} && {Runtime.BinaryPath} spec --rootless").Ok();
        var spec = OciJson.ReadSpec(c.ConfigPath);
        spec.Process!.Terminal = false;
        spec.Process.Args = [.. args];
        File.WriteAllText(c.ConfigPath, OciJson.WriteIndented(spec));
        return c.Bundle;
    }

    [RootFact]
    public void An_unprivileged_user_runs_a_container_as_root_of_its_user_namespace()
    {
        string bundle = RootlessBundle("sh", "-c", "id -u; cat /proc/self/uid_map; echo $$");
        var r = AsNobody($"{Runtime.BinaryPath} run --bundle {bundle} rl1").Ok();
        var lines = r.Out.Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Equal("0", lines[0]);
        Assert.Equal(["0", Nobody.ToString(), "1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("1", lines[2]);
    }

    [RootFact]
    public void Rootless_state_lives_under_XDG_RUNTIME_DIR()
    {
        string bundle = RootlessBundle("sleep", "100");
        AsNobody($"{Runtime.BinaryPath} run -d --bundle {bundle} rl2").Ok();
        try
        {
            Assert.True(File.Exists(Path.Combine(_sb.Dir, "xdg", "berth-runtime", "rl2", "state.json")));
            Assert.Contains("running", AsNobody($"{Runtime.BinaryPath} state rl2").Ok().Stdout);
        }
        finally
        {
            AsNobody($"{Runtime.BinaryPath} delete --force rl2").Ok();
        }
        Assert.False(Directory.Exists(Path.Combine(_sb.Dir, "xdg", "berth-runtime", "rl2")));
    }

    [RootFact]
    public void An_unprivileged_user_execs_into_its_container()
    {
        string bundle = RootlessBundle("sleep", "100");
        AsNobody($"{Runtime.BinaryPath} run -d --bundle {bundle} rl4").Ok();
        try
        {
            var r = AsNobody($"{Runtime.BinaryPath} exec rl4 sh -c \"id -u; echo \\$\\$\"").Ok();
            var lines = r.Out.Split('\n').Select(l => l.Trim()).ToArray();
            Assert.Equal("0", lines[0]);
            Assert.NotEqual("1", lines[1]); // a new process in the container's PID namespace, not its init
        }
        finally
        {
            AsNobody($"{Runtime.BinaryPath} delete --force rl4").Ok();
        }
    }

    [RootFact]
    public void Rootless_limits_without_a_writable_cgroup_are_refused_clearly()
    {
        string bundle = RootlessBundle("true");
        var spec = OciJson.ReadSpec(Path.Combine(bundle, "config.json"));
        spec.Linux!.Resources = new LinuxResources { Pids = new LinuxPids { Limit = 10 } };
        File.WriteAllText(Path.Combine(bundle, "config.json"), OciJson.WriteIndented(spec));
        AsNobody($"{Runtime.BinaryPath} run --bundle {bundle} rl3").FailsWith("permission denied");
        Assert.False(Directory.Exists(Path.Combine(_sb.Dir, "xdg", "berth-runtime", "rl3")));
    }
}
