using System.Diagnostics;
using System.Text.Json;
using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// OCI hooks. One recording script serves every phase: it saves the state JSON from stdin, its mount
/// namespace and its env. createContainer and startContainer run in the container's mount namespace,
/// so the script and its output directory exist at the same absolute path on the host and inside the
/// container (a copy in the rootfs, and a bind mount of the output directory onto itself).
/// </summary>
public sealed class HookTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private const string RecordingScript =
        "#!/bin/sh\n" +
        "# $1 = phase, $2 = output directory\n" +
        "/bin/cat > \"$2/$1-$$.json\"\n" +
        "/bin/readlink /proc/self/ns/mnt > \"$2/$1-$$.mntns\"\n" +
        "echo \"$HOOK_VAR\" > \"$2/$1-$$.env\"\n" +
        "echo \"$1\" >> \"$2/order\"\n";

    private static readonly string[] Phases = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    private (Container Container, string Out) WithRecordingHooks(params string[] args)
    {
        string outDir = _sb.HostDir("hook-out");
        string script = _sb.HostScript("record.sh", RecordingScript);
        var c = _sb.NewContainer(args);
        c.WriteRootfsFile(script, RecordingScript, "755");
        Hook For(string phase) => new() { Path = script, Args = ["record.sh", phase, outDir], Env = ["HOOK_VAR=from-" + phase] };
        c.Edit(s =>
        {
            s.Mounts!.Add(new Mount { Destination = outDir, Type = "bind", Source = outDir, Options = ["rbind", "rw"] });
            s.Hooks = new Hooks
            {
                Prestart = [For("prestart")],
                CreateRuntime = [For("createRuntime")],
                CreateContainer = [For("createContainer")],
                StartContainer = [For("startContainer")],
                Poststart = [For("poststart")],
                Poststop = [For("poststop")],
            };
        });
        return (c, outDir);
    }

    [RootFact]
    public void Every_hook_runs_once_with_the_state_on_stdin()
    {
        var (c, outDir) = WithRecordingHooks("true");
        c.Run().Ok();

        string hostMntNs = HostProcesses.Link("/proc/self/ns/mnt")!;
        foreach (string phase in Phases)
        {
            var runs = Directory.GetFiles(outDir, phase + "-*.json");
            Assert.True(runs.Length == 1, $"{phase} ran {runs.Length} times");
            using var state = JsonDocument.Parse(File.ReadAllText(runs[0]));
            Assert.Equal(c.Id, state.RootElement.GetProperty("id").GetString());
            Assert.Equal(c.Bundle, state.RootElement.GetProperty("bundle").GetString());
            string status = state.RootElement.GetProperty("status").GetString()!;
            string[] expected = phase switch
            {
                "prestart" or "createRuntime" or "createContainer" => ["creating", "created"],
                "startContainer" => ["created", "running"],
                "poststart" => ["running"],
                _ => ["stopped"],
            };
            Assert.True(expected.Contains(status), $"{phase} hook saw status {status}, expected one of {string.Join(", ", expected)}");

            string mntNs = File.ReadAllText(Path.ChangeExtension(runs[0], ".mntns")).Trim();
            bool inContainer = phase is "createContainer" or "startContainer";
            Assert.True(inContainer == (mntNs != hostMntNs), $"{phase} hook ran in mount namespace {mntNs}; the runtime's is {hostMntNs}");
            Assert.Equal("from-" + phase, File.ReadAllText(Path.ChangeExtension(runs[0], ".env")).Trim());
        }

        // startContainer (in init) and poststart (in start) may race; everything else is ordered.
        var order = File.ReadAllLines(Path.Combine(outDir, "order")).ToList();
        Assert.Equal(["prestart", "createRuntime", "createContainer"], order.Take(3));
        Assert.Equal(["poststart", "startContainer"], order.Skip(3).Take(2).Order(StringComparer.Ordinal));
        Assert.Equal("poststop", order.Last());
    }

    [RootFact]
    public void Create_time_hooks_run_at_create_and_poststop_at_delete()
    {
        var (c, outDir) = WithRecordingHooks("sleep", "1000");
        c.Create().Ok();
        Assert.Equal(["prestart", "createRuntime", "createContainer"], File.ReadAllLines(Path.Combine(outDir, "order")));
        c.Start().Ok();
        c.Delete(force: true).Ok();
        Assert.Equal("poststop", File.ReadAllLines(Path.Combine(outDir, "order")).Last());
    }

    [RootFact]
    public void Failing_createRuntime_hook_fails_create_and_leaves_nothing()
    {
        string failing = _sb.HostScript("fail.sh", "#!/bin/sh\nexit 3\n");
        var c = _sb.NewContainer("true").Edit(s => s.Hooks = new Hooks { CreateRuntime = [new Hook { Path = failing }] });
        c.Create().FailsWith("createRuntime");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Missing_hook_binary_fails_create_and_leaves_nothing()
    {
        var c = _sb.NewContainer("true").Edit(s => s.Hooks = new Hooks { Prestart = [new Hook { Path = "/no/such/hook" }] });
        c.Create().FailsWith("/no/such/hook");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Hook_that_outlives_its_timeout_is_killed_and_fails_create()
    {
        string slow = _sb.HostScript("slow.sh", "#!/bin/sh\nexec /bin/sleep 5\n");
        var c = _sb.NewContainer("true").Edit(s => s.Hooks = new Hooks { CreateRuntime = [new Hook { Path = slow, Timeout = 1 }] });
        var clock = Stopwatch.StartNew();
        var r = c.Create();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"create took {clock.Elapsed.TotalSeconds:F1} s with a 1 s hook timeout");
        Assert.True(r.ExitCode != 0 && r.StderrLines.Length == 1, r.ToString());
        Assert.Matches("(?i)time", r.StderrLines[0]);
        c.AssertNothingLeft();
    }
}
